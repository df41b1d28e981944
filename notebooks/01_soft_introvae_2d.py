# %% [markdown]
# # Soft-IntroVAE on 2D toy densities
#
# *Daniel & Tamar, "Soft-IntroVAE: Analyzing and Improving the Introspective Variational Autoencoder", CVPR 2021* —
# arXiv 2012.13253, §6.1, §6.2, App. 9.2.1 and App. 9.5.
#
# This notebook trains a VAE, IntroVAE and Soft-IntroVAE on four 2D densities (8 Gaussians, spiral, checkerboard, rings) and regenerates
# **Fig. 2** (samples and densities), **Table 2** (KL, JSD, gnELBO beside the paper's values), **Fig. 3** (IntroVAE's sensitivity to its margin *m*),
# **Fig. 21** (posterior collapse) and the training curves, then decides the paper's claims on this run's numbers (PASS, FAIL, or NOT TESTED with the
# measured reason), checks the runs' training health (diagnostics), and ends with every figure and table of the paper and what this notebook does with it.
#
# Run it headless with another profile or settings, for example:
#
# ```
# papermill notebooks/01_soft_introvae_2d.ipynb out.ipynb -p profile full -p seeds "[0,1,2,3,4]"
# ```
#
# Every setting carries its provenance: **[P]** stated in the paper, **[C]** taken from the authors' code, **[A]** this companion's choice.

# %% [markdown]
# ## The idea
#
# A VAE maximises the evidence lower bound $\mathrm{ELBO}(x) = \mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}(q(z|x)\,\|\,p(z))$.
# Its samples are often blurry: the decoder is never told that its outputs should look real.
#
# **IntroVAE** makes the encoder a discriminator. It keeps the KL of real data small and pushes the KL of the decoder's outputs $x_f = D(z)$,
# $z\sim\mathcal N(0,I)$, above a hard margin $m$; the decoder tries to bring that KL down again (paper Eq. 2):
#
# $$\mathcal L_E = \beta_{rec} L_r(x) + \beta_{kl}\mathrm{KL}(x) + \beta_{neg}\,[m - \mathrm{KL}(E(D(z)))]^+ ,\qquad
# \mathcal L_D = \beta_{rec} L_r(x) + \beta_{neg}\,\mathrm{KL}(E(D(z))).$$
#
# Above the margin a fake sample no longer gives the encoder any gradient, and training is sensitive to $m$.
#
# **Soft-IntroVAE** uses the whole ELBO as the real/fake signal and replaces the hinge by a smooth exponential (Eq. 4, 7; $\alpha=2$, $s = 1/\text{input dim}$):
#
# $$\mathcal L_E = s\big(\beta_{rec}L_r(x) + \beta_{kl}\mathrm{KL}(x)\big) + \tfrac12 \exp\!\big(-2s(\beta_{rec}L_r(x_f) + \beta_{neg}\mathrm{KL}(x_f))\big),$$
# $$\mathcal L_D = s\,\beta_{rec}L_r(x) + s\big(\beta_{kl}\mathrm{KL}(x_f) + \gamma_r\beta_{rec}L_r(x_f)\big),\qquad \gamma_r = 10^{-8}.$$
#
# Reconstructions $x_r = D(E(x))$ count as fakes too, each kind with weight ½ (App. 9.1). At the Nash equilibrium the decoder minimises
# $\mathrm{KL}(p_{data}\|p_d) + \gamma H(p_d)$: it fits the data with a *sharper* distribution, and the encoder is the true posterior (Theorem 3).
# On the 2D toys this shows as samples that stay on the data's support instead of bridging the modes.
#
# The losses are short functions in `companion.papers.soft_introvae.method` (`soft_encoder_loss`, `soft_decoder_loss`, `intro_encoder_loss`, …);
# the update steps (`soft_introvae_step`, `introvae_step`, `vae_step`) follow Alg. 2 and are tested against a naive line-by-line transcription of the algorithm.

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"      # "quick": two CPU cores, minutes; "full": the paper's setting (§2.3), a GPU job
seeds = None           # seeds of Fig. 2 / Table 2; None: the profile's
datasets = None        # subset of ["8gaussians", "spiral", "checkerboard", "rings"]; None: the profile's
methods = None         # subset of ["vae", "introvae", "sintrovae"]; None: all three
device = "auto"        # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None        # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/01_soft_introvae_2d (quick), figures/full/01_soft_introvae_2d (full)
overrides = {}         # ToyConfig fields changed for every run, e.g. {"n_iter": 5000}
jobs = None            # parallel training processes (one torch thread each); None: $COMPANION_JOBS or one per core
scheduler = None       # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False          # True: the profile's every dataset, model and evaluation at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from companion.claims import show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.soft_introvae import toy2d as toy
from companion.papers.soft_introvae import toy2d_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir, shown
from companion.plots import save_figure, save_table, use_style
from companion.tables import run_times, run_times_line

use_style()
pd.set_option("display.max_colwidth", 120)
plan = toy.make_plan(profile, seeds=seeds, datasets=datasets, methods=methods, overrides=overrides, smoke=smoke)
out = check_output_dir(output_dir or figures_dir("01_soft_introvae_2d", profile, smoke))
jobs = jobs or default_jobs()
use_scheduler(scheduler)
p = plan.profile
print(f"profile {p.name}: {len(plan.all_runs)} training runs")
print(f"  Fig. 2 / Table 2: datasets {list(dict.fromkeys(c.dataset for c in plan.table2))}, "
      f"methods {list(dict.fromkeys(c.method for c in plan.table2))}, seeds {sorted({c.seed for c in plan.table2})}")
print(f"  Fig. 3: IntroVAE m = {list(p.m_values)}, seeds {list(p.fig3_seeds)}; S-IntroVAE seeds {list(p.fig3_sintro_seeds)}")
print(f"  Fig. 21: VAE and S-IntroVAE, seeds {list(p.collapse_seeds)}")
print(f"Figures and tables are written to {shown(out)}/")

# %% [markdown]
# ## Settings
#
# Every run shares the settings below; each run then takes its dataset, method, seed and betas (Table 5 for Fig. 2 / Table 2, the figure's own for Fig. 3 and Fig. 21).
# The `source` column says where each value comes from.

# %%
base = plan.table2[0]
display(toy.settings_table(base).drop(index=["dataset", "method", "beta_rec", "beta_kl", "beta_neg", "m", "seed"]))
side = plan.fig3[0]
changed = {f: getattr(side, f) for f in ("hidden", "batch_size", "n_iter", "num_vae", "milestones", "gnelbo_grid", "plot_grid")
           if getattr(side, f) != getattr(base, f)}
print("Fig. 3 and Fig. 21 runs differ in:", changed or "nothing")

# %% [markdown]
# ### Why the quick profile looks like this
#
# The **full** profile is the paper's setting (§2.3, App. 9.2.1): hidden 256, batch 512, 30,000 iterations, LR 2e-4 stepped down ×0.1 at 10k and 15k [C],
# 2000 VAE warm-up iterations [C], all four datasets, five seeds, the Table 5 betas and m = 1…10 for Fig. 3. On two CPU cores one S-IntroVAE iteration at
# that size takes ~0.1 s, so the full Table 2 (60 runs) is a GPU job.
#
# The **quick** profile [A] has to show the paper's effects within minutes. What was measured here, on 8 Gaussians with the Table 5 betas:
#
# * S-IntroVAE's samples first form a *ring* through the modes (a continuous decoder maps the 2D latent onto a closed curve), and only later snap onto
#   the 8 modes. With batch 512 (the paper's) that takes ~6000 iterations (off-support share 0.05–0.07 at 6000, two seeds); with batch 256 the snap
#   happens after 2500–4000 iterations (0.05–0.09 at 5000–5500, all 8 modes). Hidden 128 had not left the ring after 8000 iterations.
#   The quick profile therefore keeps the paper's network and learning rate, halves the batch, and runs 5000 iterations (the paper's schedule
#   truncated: its LR milestones at 10k and 15k do not fire), with 500 warm-up iterations.
# * The VAE warm-up with S-IntroVAE's betas (β_kl > β_rec) collapses the posterior (kl_real ≈ 0.02) before the introspective phase rescues it, so a
#   long warm-up only costs time.
# * Fig. 3 and Fig. 21 need seven more runs (IntroVAE at m = 1, 5 and 10; two S-IntroVAE seeds; the Fig. 21 pair); they use 700 iterations
#   (the first 500 the introspective models' VAE warm-up) and a coarse 256² evaluation grid, since their claims rest on the KL terms and the
#   histogram metrics, not on sharp modes. (At 2000 iterations and four margins the notebook took ~10.5 minutes under nbval, at 1500
#   iterations ~9; neither these nor 1000 iterations decided the claims, and six notebooks share CI's hour.)
# * Only 8 Gaussians and one seed are trained for Fig. 2 / Table 2. Table 2's values are out of reach at this budget (the paper-style KL rewards
#   modes exactly as wide as the data's), and its claims need three seeds or more for a paired test: with one seed they are NOT TESTED.
#   Pass `datasets` and `seeds` to train more.

# %%
from companion.papers.soft_introvae.reported import SOFT_INTROVAE_TABLE5
from companion.tables import DATASET_LABELS, METHOD_LABELS

table5 = pd.DataFrame([{"dataset": DATASET_LABELS[d], "method": METHOD_LABELS[m], "beta_rec": b[0], "beta_kl": b[1],
                        "beta_neg": b[2] if b[2] is not None else "-", "m": b[3] if b[3] is not None else "-"}
                       for d, by in SOFT_INTROVAE_TABLE5.items() for m, b in by.items()])
print("Table 5 [P]: the best hyperparameters of the paper's grid search, used for Fig. 2 and Table 2")
display(table5)

# %% [markdown]
# ## Training
#
# All runs go through `companion.train.fit` (seeding, LR schedule, NaN guard, history). Results are cached under the hash of their full
# config and of the code that produces them (`.cache/companion`, or `$COMPANION_CACHE`), so re-running this notebook with the same parameters retrains nothing.

# %%
# NBVAL_IGNORE_OUTPUT
runs = toy.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["method", "dataset", "seed", "m", "beta_neg", ("iterations", lambda c: c.n_iter)])
print(run_times_line(timing, jobs, "runs"))
print("A fresh quick run (empty cache) trains for about 7 minutes on two CPU cores (benchmarks/README.md);"
      " `timing` holds the time of each run.")

# %% [markdown]
# ## Fig. 2 — samples and densities
#
# (a) 1024 samples $x = D(z)$, $z\sim\mathcal N(0,I)$ of each trained model; (b) the density estimate $p(x)\approx\exp(\mathrm{ELBO}(x))$ with unit betas and
# $z=\mu(x)$ [C], on the evaluation grid. The stored densities are exp(ELBO) up to a factor per model, so each is normalised to integrate to 1 over
# the plotting box and all panels share one logarithmic colour scale (the real data: a 128² histogram of 1024 samples, normalised the same way).
#
# The paper (§6.1): the VAE "assigns low energy (high likelihood) to points outside the data support"; the introspective models do not, and their
# samples stay on the support. Two claims are tested here ("on the support" means within 5 data standard deviations of one of the 8 modes [A]):
#
# * **Fig. 2(a), samples.** The VAE puts at least twice S-IntroVAE's share of samples off the support, and S-IntroVAE covers all 8 modes (a mode
#   counts when it gets at least a quarter of its fair share of samples). With one seed the gap must also exceed S-IntroVAE's seed-to-seed spread
#   measured for this profile (0.05–0.09 over two seeds, a spread of 0.04); with three seeds or more, a paired test over seeds decides.
# * **Fig. 2(b), likelihood.** S-IntroVAE's exp(ELBO) mass on the support is at least 10× the VAE's: an order of magnitude. The support covers
#   0.8 % of the box, so a flat density puts 0.008 of its mass there; a share near that means the model's likelihood ignores where the data are.
#   (The share *off* the support is above one half for both models at this budget, and a share near 1 cannot grow by a factor.)

# %%
table2_runs = {c: runs[c] for c in plan.table2}
fig_a, fig_b = report.figure2(table2_runs, list(dict.fromkeys(c.dataset for c in plan.table2)),
                              list(dict.fromkeys(c.method for c in plan.table2)), seed=plan.table2[0].seed)
save_figure(fig_a, out, "fig2a_samples")
save_figure(fig_b, out, "fig2b_density")
plt.show()

# %% [markdown]
# ## Table 2 — KL, JSD and gnELBO
#
# The metrics are the authors' code's, so that the numbers compare with the paper's: "KL" and "JSD" act on 100×100 histograms of
# *densities* of 5000 real and 5000 model samples, with a $10^{-14}$ floor inside the logs and a mean over histogram rows — they are **not** the textbook
# divergences (the "JSD" goes up to 16). gnELBO is the data's share of the total energy on the authors' 1024² grid (×10⁷); the quick profile
# evaluates a 512² grid and estimates the 1024² sum from its mean. All are lower-is-better.
# The real-vs-real column scores two independent real sets against each other: about what a perfect model gets.
#
# In the quick profile these numbers are **not comparable** with the paper's: the histogram metrics reward modes exactly as wide as the data's, which
# takes the paper's 30k iterations (the authors' own code at 3000 iterations scores KL 49.7 on 8 Gaussians).
#
# **Claims tested here.** The paper: "Soft-IntroVAE outperforms IntroVAE both quantitatively and qualitatively, and both are superior to the
# standard VAE." Its own table does not show every pair apart (on Checkerboard IntroVAE's KL is the best; on Rings IntroVAE's gnELBO is the worst),
# so each dataset's claim is every ordering of two methods that the paper's Table 2 separates — means apart by more than the sum of the two
# standard deviations — one claim for KL and JSD, one for gnELBO. Each ordering is decided by a paired test over the seeds both methods were trained
# with: PASS when every 95 % interval of the per-seed difference lies below 0, FAIL when one lies above 0, NOT TESTED when one includes 0. The claim is NOT TESTED when fewer than three seeds were trained, or when a method has
# not learned: its KL lies within 5 % of the ceiling (the KL of a model with no sample where the data lie).

# %%
ds = list(dict.fromkeys(c.dataset for c in plan.table2))
t2 = report.table2(table2_runs, ds, p.name)
save_table(t2, out, "table2")
display(t2)

# %%
tn = report.normalised_table(table2_runs)
save_table(tn, out, "table2_normalised")
print("Paper-style KL/JSD beside correctly normalised ones (histograms as probability masses, smoothed by 1e-6 per bin, in nats; JSD <= ln 2)")
display(tn)

# %% [markdown]
# ### IntroVAE at the paper's budget
#
# The paper reports IntroVAE on 8 Gaussians at KL 2.53 ± 1.07 with the Table 5 betas, between S-IntroVAE (1.25) and the VAE (6.72). Is this
# notebook's IntroVAE poor because the quick profile trains it 5000 iterations at batch 256? `benchmarks/introvae_paper_budget.py` trains one
# IntroVAE (seed 0) with the paper's whole configuration — 30k iterations, batch 512, 2000 warm-up iterations, the LR stepped ×0.1 at 10k and
# 15k — and scores it every 2500 iterations with this notebook's metrics. It runs outside the notebook (about half an hour on one core); the
# table shows what it stored.

# %%
budget = report.paper_budget_table()
if budget.empty:
    print("no paper-budget run stored (run benchmarks/introvae_paper_budget.py)")
else:
    print("\n".join(budget.attrs["provenance"]))
    display(budget)

# %% [markdown]
# ## Fig. 3 — sensitivity to the IntroVAE margin *m*
#
# IntroVAE with its best 8-Gaussian betas (β_rec 0.3, β_kl 0.5, β_neg 1.0) for several margins; Soft-IntroVAE with the same betas (it has no *m*)
# as a horizontal line, its band spanning the seeds. The paper: "IntroVAE is very sensitive to this hyperparameter, while our method does not require it";
# its Fig. 3 shows S-IntroVAE's KL and JSD below IntroVAE's at every m.
#
# **Claim tested here.** S-IntroVAE is below IntroVAE at every m, in KL and in JSD, compared on the same seeds (the seeds both were trained with).
# With three common seeds or more a paired test decides at each m; with fewer, IntroVAE must exceed S-IntroVAE on each common seed by more than
# S-IntroVAE's range over its seeds. It FAILs when S-IntroVAE is above IntroVAE beyond that noise at a margin where IntroVAE learned, and is
# NOT TESTED when a gap is within the noise. The dotted line is the KL's ceiling: a model with no sample where the data lie scores it. Where
# IntroVAE sits there it has not learned, and the claim is NOT TESTED — being below a model that has not learned says nothing about m.

# %%
fig3_runs = {c: runs[c] for c in plan.fig3}
fig = report.figure3(fig3_runs)
save_figure(fig, out, "fig3_m_sensitivity")
plt.show()
intro, soft = report.fig3_frames(fig3_runs)
f3 = intro.round(2)
f3.columns = [f"IntroVAE {a} {b}" for a, b in f3.columns]
save_table(f3.reset_index(), out, "fig3_values")
display(f3)
print("S-IntroVAE, same betas, per seed:")
display(soft.round(2).set_index("seed"))

# %% [markdown]
# ## Fig. 21 — posterior collapse
#
# The paper (App. 9.5): with β_kl = 1.0 > β_rec = 0.5 the plain VAE's KL term vanishes — the decoder ignores $z$ and every sample lands on one blob —
# while Soft-IntroVAE with the same betas and β_neg = 5.0 does not collapse; its Fig. 21 shows S-IntroVAE's samples on the modes.
# The samples are drawn in colour over the real data (black). The right panel (our addition [A]) follows the real data's KL during training.
#
# **Claim tested here.** The VAE's real-data KL ends below 0.05 nats (collapsed) and S-IntroVAE's does not, *and* S-IntroVAE's samples cover all
# 8 modes with most of them (over half) on the support. The KL alone is not enough: a KL above 0.05 says the posterior carries some information,
# not that the samples sit on the modes — they can still form one blob or a ring between the modes.

# %%
fig = report.figure21({c: runs[c] for c in plan.fig21})
save_figure(fig, out, "fig21_posterior_collapse")
plt.show()

# %% [markdown]
# ## Training curves
#
# Reconstruction error and the KL of real data, of prior samples (`kl_fake`) and of reconstructions (`kl_rec`) — the values the official code logs.
# Healthy Soft-IntroVAE training keeps `kl_fake` ≥ `kl_real`: the encoder tells fakes from real data (checked for every run in the diagnostics below).
# The first iterations of IntroVAE and Soft-IntroVAE are the plain-VAE warm-up [C].

# %%
fig = report.training_curves(table2_runs, "8gaussians", plan.table2[0].seed)
save_figure(fig, out, "training_curves_8gaussians")
plt.show()

# %% [markdown]
# ## Claims
#
# Each claim of the paper that this notebook tests, the paper's value, this run's value, the test and the verdict: PASS, FAIL, or NOT TESTED with
# the measured reason (too few seeds for a paired test, a metric at its ceiling) — nothing is hidden.

# %%
claims = report.claims(plan, runs)
show_claims(claims, out)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile, CPU kernels pinned to AVX2, seeds as above, on an AMD EPYC: an Intel machine gives
# other numbers, since the training is chaotic — see `companion/float_platform.py`):
#
# * **Fig. 2(a) — PASS.** The VAE leaves 37.3 % of its samples off the support (they bridge the modes along an octagon), S-IntroVAE 5.6 %, and
#   S-IntroVAE covers all 8 modes. One seed: the gap (0.32) is eight times S-IntroVAE's seed-to-seed spread measured for this profile (0.04).
# * **Fig. 2(b) — PASS.** The VAE puts 0.0095 of its exp(ELBO) mass on the support, barely more than a flat density (0.0079): its likelihood hardly
#   knows where the data are. S-IntroVAE puts 0.265 there, 28× the VAE's. Its density is a sharp ring through the 8 modes with peaks on them,
#   not yet 8 separate peaks, so 74 % of its mass still lies off the support after 5000 iterations.
# * **Fig. 21 — FAIL.** The VAE collapses as the paper says: its real-data KL ends at 0.0002 nats and its samples form one short dash at the
#   centre, none on the support. S-IntroVAE's posterior does not collapse (its KL rises from 0.0006 to 0.12 nats once the warm-up ends at
#   iteration 500), but after these 700 iterations (200 of them introspective) its samples are one short stroke above the top-right mode,
#   pointing away from the centre: all of them lie off the support and none of the 8 modes gets its share. The paper's Fig. 21 shows
#   S-IntroVAE's samples on the modes; this run does not reproduce that part. (When the quick profile was designed, S-IntroVAE with the
#   Table 5 betas formed a ring through the modes for its first ~2000 iterations before settling on them; whether longer training settles in
#   this setting is not tested here.)
# * **Fig. 3 — NOT TESTED.** After 700 iterations IntroVAE has not learned the data at any margin: its KL is 220.2 at m = 1, 5 and 10 — its
#   ceiling (220.1, no sample on the data) — with JSD 105, 105 and 104. S-IntroVAE with the same betas is below its ceiling on both seeds
#   (KL 141 on seed 0 and 86 on seed 1, JSD 80.2 and 65.8; a range of 55 and 14.4 over the two seeds): it has begun to reach the data,
#   though far from the paper's values. Being below a model with no sample on the data says nothing about m, so the claim is not tested.
#   The paper's Fig. 3 uses 30k iterations and 5 seeds (the full profile). (Earlier runs of this notebook were no more decided: at 1000
#   iterations IntroVAE sat at its ceiling at m = 1 and 10, S-IntroVAE at its own on one seed, and at m = 5 the gap was within S-IntroVAE's
#   range over its seeds; at 2000 iterations, with m = 2 as well, IntroVAE sat at its ceiling at m = 5 and 10, S-IntroVAE on one seed. These
#   short runs are chaotic, and the quick profile keeps them short for CI's hour.)
# * **Table 2 — NOT TESTED** (one seed: a paired test needs three). The numbers are printed above beside the paper's. With the paper's
#   8-Gaussian betas (m = 1), IntroVAE here covers none of the 8 modes after 5000 iterations (batch 256; all its samples off the
#   support, in one blob) and scores KL 220 (its ceiling), against the paper's 2.53 ± 1.07 with these betas.
# * **IntroVAE at the paper's budget** (the table after Table 2, one seed, measured outside this notebook): 30k iterations at batch 512 do not
#   close the gap. The KL falls to 51 by 12.5k iterations and ends at 73.9 (JSD 26.4) with 4 of the 8 modes covered and 12 % of the samples off
#   the support; after the LR steps at 10k and 15k it barely moves. So the quick budget is not the cause. Nor is the one open choice of the
#   implementation that was tried: the hinge on each sample's KL instead of the batch mean ends at KL 53.3 but covers only 2 modes, with 68 % of
#   the samples off the support. The authors' IntroVAE code for the 2D experiment is not published, so the relative weight of its terms is
#   unknown: a mean instead of a sum of the squared error over the two coordinates halves the reconstruction term against the KL and the
#   margin (a common scale of all terms would not matter under Adam). Trained that way (β_rec / 2), IntroVAE never leaves the KL ceiling (220.2,
#   no mode covered at any checkpoint): the method is very sensitive to this weight, and the paper's betas may belong to a weighting that is not
#   this one. One seed cannot tell a bad seed from a method failure either (the paper's ± 1.07 is over 5 seeds). The cause is open.
#
# The diagnostics below flag the IntroVAE runs of Fig. 3 whose KL sits at its ceiling (all three margins in this run).

# %% [markdown]
# ## Diagnostics
#
# Training-health checks of the runs behind the claims. They are not claims of the paper: they say whether a run is usable, and a WARN explains a
# verdict above rather than deciding one.

# %%
show_diagnostics(report.diagnostics(plan, runs), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper (main text and appendix) and what this notebook does with it.

# %%
show_coverage(report.coverage(plan, runs), out)
