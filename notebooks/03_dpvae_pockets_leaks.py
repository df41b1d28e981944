# %% [markdown]
# # Pockets and leaks in regularised VAEs, fixed by a decoupled prior
#
# *Bhalodia, Lee & Elhabian, "dpVAEs: Fixing Sample Generation for Regularized VAEs", ACCV 2020* — arXiv 1911.10506.
#
# This notebook trains five regularised VAEs with and without the paper's decoupled prior on two moons and two of them on MNIST with a 2-D
# latent, and regenerates **Fig. 1** and **Fig. 3** (samples, the aggregate posterior with its low- and high-posterior samples, the generation
# space), **Fig. 4** (leakage score against the threshold τ), the MNIST column of **Table 1** beside the paper's values, **Fig. 5** (random and
# low-posterior samples) and **Fig. 6** (an interpolation drawn in z and in z0). The full profile adds SVHN and CelebA 64 × 64 (Table 1's
# other columns, Fig. 5's CelebA half, the CelebA interpolation of **Fig. 7** and the Factor-dpVAE traversals of **Fig. 8**; implemented, never run).
# It then decides the paper's claims, each quoted from the paper, on this run's numbers beside a negative control (PASS, FAIL, or NOT TESTED with the
# measured reason), checks the runs' training health, says what this run cannot show, and ends with every figure and table of the paper and what
# this notebook does with it, and the stored extended run's verdicts (MNIST trained ten times longer, three seeds).
#
# Run it headless with another profile or settings, for example:
#
# ```
# papermill notebooks/03_dpvae_pockets_leaks.ipynb out.ipynb -p profile full -p datasets '["mnist"]'
# ```
#
# The paper's text lost every equation, Table 2 (the regularisers' hyperparameters) and the architecture figures. Every setting therefore carries
# its provenance: **[P]** stated in the paper's surviving text, **[C]** taken from the authors' public code (MNIST configs only, a later version),
# **[A]** this companion's choice.

# %% [markdown]
# ## The idea
#
# A regulariser added to the ELBO — β-VAE's weight on the KL, β-TCVAE's total-correlation penalty, FactorVAE's discriminator, InfoVAE's MMD —
# shapes the **aggregate posterior** $q(z) = \frac1N\sum_n q(z|x_n)$, and in doing so pulls it away from the prior $\mathcal N(0, I)$ the model
# samples from. Two things go wrong:
#
# * **pockets**: regions the prior samples but $q(z)$ does not cover. Prior draws there decode off the data manifold. The paper finds them as
#   **low-posterior (LP) samples**: prior draws ranked by the density $\hat q(z)$ of the mixture of posteriors, the lowest kept.
# * **leaks**: regions $q(z)$ covers but the prior rarely samples, so parts of the data are under-generated (**high-posterior (HP) samples**: draws of
#   $q(z)$ with the lowest prior density).
#
# The **decoupled prior** keeps the regulariser on the representation $z$ and samples from a separate generation space $z_0$, linked by a
# bijection $z_0 = g_\eta(z)$ (six RealNVP affine coupling blocks [C]) trained jointly with the encoder and decoder:
#
# $$p_\eta(z) = \mathcal N\big(g_\eta(z); 0, I\big)\,\Big|\det \frac{\partial g_\eta}{\partial z}\Big|, \qquad
#   \mathrm{KL}\big(q(z|x)\,\|\,p_\eta\big) = -\tfrac12\textstyle\sum_j (1 + \log\sigma_j^2) + \tfrac12\,\mathbb E_q\lVert g_\eta(z)\rVert^2
#   - \mathbb E_q \log\Big|\det\frac{\partial g_\eta}{\partial z}\Big| .$$
#
# Only this KL (and the prior wherever a regulariser uses it) changes; a sample is $x = \mathrm{dec}(g_\eta^{-1}(z_0))$, $z_0\sim\mathcal N(0, I)$.
# Because $\eta$ also minimises the KL, the prior moves its mass onto $q(z)$: pockets lose prior mass, leaks gain it. The paper shows this with
# LP samples that stay on the data manifold, a lower symmetric KL between $q(z)$ and the prior, a lower leakage score, and Fréchet distances of
# LP samples close to those of random samples — with the **same hyperparameters** as the regulariser without the decoupled prior.
#
# The pieces are short modules: the flow in `companion.core.flows`, the objectives in `companion.papers.dpvae.objectives` (`kl_decoupled`,
# `beta_tc_terms`, `mmd_infovae`, the FactorVAE critic), LP/HP selection, the k-NN symmetric KL, the leakage score and the importance-sampled NLL in
# `companion.papers.dpvae.latent_metrics`, each tested against an independent computation.

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"      # "quick": two CPU cores, minutes; "extended": MNIST 6k iterations, 3 seeds (~2 h); "full": the paper's 100k, a GPU job
datasets = None        # subset of ["moons", "mnist", "svhn", "celeba"]; None: the profile's
regularizers = None    # subset of ["vae", "beta_h", "beta_b", "beta_tc", "factor", "info"]; None: the profile's per dataset
seeds = None           # seeds of every run; None: the profile's (moons 3, MNIST 1 + a second VAE pair in quick)
device = "auto"        # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None      # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/03_dpvae_pockets_leaks (quick), figures/full/... (full)
overrides = {}         # Config fields changed for every run, e.g. {"iterations": 2000}
jobs = None            # parallel training processes (one torch thread each); None: $COMPANION_JOBS or one per core
scheduler = None       # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False          # True: the profile's every dataset, model and evaluation at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from companion.claims import show_budget, show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.dpvae import pockets_leaks as pl
from companion.papers.dpvae import pockets_leaks_claims as paper_claims
from companion.papers.dpvae import pockets_leaks_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir, shown
from companion.plots import save_figure, save_table, use_style
from companion.stored import show_stored
from companion.tables import run_times, run_times_line
from companion.train import resolve_device

use_style()
plt.rcParams["figure.dpi"] = 60  # inline images small enough for the repository; saved files keep 150 dpi
pd.set_option("display.max_colwidth", 120)
plan = pl.make_plan(profile, datasets=datasets, regularizers=regularizers, seeds=seeds, overrides=overrides, smoke=smoke)
out = check_output_dir(output_dir or figures_dir("03_dpvae_pockets_leaks", profile, smoke))
jobs = jobs or default_jobs()
use_scheduler(scheduler)
print(f"profile {plan.profile.name}: {len(plan.all_runs)} trained models")
for ds in plan.datasets():
    seeds_of = sorted({c.seed for c in plan.all_runs if c.dataset == ds})
    print(f"  {ds}: {plan.regularizers(ds)} x (N(0, I) prior, decoupled prior), seeds {seeds_of}")
missing = pl.missing_datasets(plan)
for ds, why in missing.items():
    print(f"NOT RUN {ds}: {why}")
plan = pl.without(plan, missing)
print(f"Figures and tables are written to {shown(out)}/")

# %% [markdown]
# ## Settings
#
# Each dataset's base settings; every run then sets its regulariser, its prior and its seed. The `source` column says where a value comes from; a
# value changed by the profile shows the default it replaces. The regularisers' weights of the paper's Table 2 are lost, so they are the
# authors' MNIST code's [C] where that code agrees between its standard and its decoupled config, and the companion's [A] elsewhere — the same for
# both priors, as the paper says.

# %%
display(pl.settings_table(plan))

# %% [markdown]
# ### Why the quick profile looks like this
#
# The **full** profile is the paper's setting: 100,000 iterations at batch 100 [P] with Adam at 1e-4 [C] on all 60k MNIST images, the authors'
# MNIST conv net [C] with a 2-D latent [C], all six regularisers with and without the decoupled prior, three seeds, the NLL with 5,000 importance
# samples (the paper prints 21,000), and two moons for 20,000 iterations; SVHN (the authors' eight-conv net [C], batch 50 [P]) and CelebA 64 × 64
# (the authors' five-conv net [C], batch 50 [P]), both with a latent of 32 [Q] and a Gaussian likelihood (σ_x = 0.1 [A]), one seed and a second VAE
# pair, Inception FID. It is a GPU job, and SVHN's training split and CelebA need their data (not among the offline copies).
#
# The **quick** profile [A] keeps the models and the evaluation and shrinks the training: two moons (5,000 points, the paper's 100-50 MLP) for
# 2,000 iterations at LR 1e-3 with five regularisers and three seeds, and MNIST for 600 iterations on 20k images with the VAE and β-VAE-H on
# seed 0, plus the VAE pair on seed 1 (a paired interval needs three seeds, so no MNIST claim is decided in this profile: each seed's gap is
# shown). The decoupled prior
# cost ~4× the VAE's step on two moons (twelve small s and t nets per step; each block now evaluates its s and t nets as one batched
# product, which made the decoupled step 1.2–1.7× faster), so the flow dominates the quick budget. Three cuts keep the notebook within ten
# minutes on two Intel cores (it took ~17 minutes before them; on an AMD EPYC 12.6 with separate s and t nets, 9.5 with the batched ones): two moons
# trains 2,000 iterations instead of the 5,000 the sweep below used (measured, the β-VAE's pockets are as clear at 2,000: LP distance 0.154–0.175 without the decoupled prior, 0.045–0.060 with it,
# seeds 0–2); MNIST trains 600 iterations (one pass over 60k images' worth of batches) instead of 1,000; and InfoVAE is left to the full
# profile on MNIST (at 1,000 iterations it collapsed with both priors, held-out KL 0.00 nats, and was excluded from every claim).

# %% [markdown]
# ### Choosing β and σ_x on two moons
#
# The paper's Table 2 is lost, and the spec of this companion suggests choosing the two-moons β and likelihood σ_x by a small sweep. The table
# below is `benchmarks/dpvae_moons_sweep.py` (β-VAE and β-dpVAE, 5,000 iterations, two seeds each; mean of the seeds), stored with the machine and
# commit it ran on. `lp_distance` is the on-manifold distance of the decoded LP samples, `random_distance` that of random samples, `q_distance`
# that of decoded $q(z)$ draws (the reconstruction).

# %%
sweep = report.sweep_table()
if len(sweep):
    print(sweep.attrs["provenance"])
    display(sweep)
else:
    print("no stored sweep (run benchmarks/dpvae_moons_sweep.py)")

# %% [markdown]
# At σ_x = 0.1 the β-VAE's aggregate posterior nearly fills the prior: its LP samples are the prior's tails, which decode onto the ends of the
# moons, and there is nothing for the decoupled prior to fix (β = 4: LP distance 0.019 without, 0.033 with it). At σ_x = 0.05 the reconstruction
# term pulls harder against the KL, $q(z)$ opens pockets, and the β-VAE's LP samples decode between the moons (0.137, 0.075 and 0.041 at β = 2, 4
# and 8) while the β-dpVAE's stay on them (0.029, 0.025, 0.041). The notebook uses **β = 4 and σ_x = 0.05** [A] for every regulariser: the
# spec's default β with the σ_x at which the standard model shows the paper's pockets. This choice was made on seeds 0 and 1 of this sweep, the
# notebook's seeds 0 and 1; seed 2 is fresh.

# %% [markdown]
# ## Training
#
# Every model trains through `companion.train.fit` (one Adam for encoder, decoder and flow; FactorVAE's discriminator has its own Adam and steps
# inside the same loop) and is evaluated once; results are cached under the hash of the config and of the code that produces them, so a re-run
# retrains nothing.

# %%
# NBVAL_IGNORE_OUTPUT
runs = pl.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["dataset", ("model", pl.label), "seed"])
print(run_times_line(timing, jobs))

# %% [markdown]
# ## Pockets and leaks on two moons (Figs. 1 and 3)
#
# Each row is one model (seed 0; the LP distances in the titles are seed 0's, the claims table gives three-seed means). Left to right, with the panel letters the paper's text cites: (a) random samples over the training data; (b) the
# aggregate posterior $q(z)$ in the representation space (a histogram of its draws) with LP samples (black stars: the 100 of 500 prior draws with
# the lowest $\hat q$) and HP samples (red triangles: the $q(z)$ draws with the lowest prior density in the generation space); (c) for a dpVAE,
# the same in the generation space $z_0 = g(z)$; and (d) where the LP and HP samples decode. The distance in (d)'s title is the companion's
# **on-manifold metric**: the mean distance from the decoded LP samples to the nearest training point (the data's own noise is 0.05). Every
# latent panel spans ±3.5 unless q(z) reaches further; then its title gives its range and a dashed box marks ±3.5. Its corner gives the std
# of the q(z) draws. Samples beyond a panel's axes are drawn hollow on its edge, and the panel counts them.

# %%
# Each figure needs its regularisers in the plan (a GPU piece may train the VAE pair alone).
fig3_regularizers = [r for r in report.FIG3_REGULARIZERS if r in plan.regularizers("moons")]
if "beta_h" in plan.regularizers("moons"):
    fig = report.pockets_figure(runs, ["beta_h"])
    save_figure(fig, out, "fig1_beta_vae_moons")
if fig3_regularizers:
    fig = report.pockets_figure(runs, fig3_regularizers)
    save_figure(fig, out, "fig3_regularisers_moons")

# %% [markdown]
# ### The two-moons numbers
#
# Mean ± std over seeds. **sKL** is the k-nearest-neighbour symmetric KL between 5,000 draws of $q(z)$ and of the prior, measured in the generation
# space (as the authors' code does; KL is invariant under $g$). The **distances** are the on-manifold metric of LP, random, HP and $q(z)$ samples
# (the last says how well the model reconstructs). **NLL** is the importance-sampled negative log-likelihood (nats per point, 100 samples, 1,000
# held-out points, Gaussian decoder with σ_x = 0.05, so it can be negative).

# %%
if "moons" in plan.datasets():
    frame = report.metrics_frame(runs)
    moons_table = report.summary(frame, "moons", report.MOONS_METRICS)
    save_table(moons_table, out, "moons_metrics")
    display(moons_table)

# %% [markdown]
# ## Leakage (Fig. 4)
#
# For draws $z\sim q(z)$ mapped to the generation space, $f(z)$ ($f = g$ for a dpVAE, the identity for a VAE), a draw *leaks at level τ* when its
# prior density $\log\mathcal N(f(z); 0, I)$ is below τ; its leakage is $\log q_f(f(z)) - \log\mathcal N(f(z); 0, I)$, with
# $q_f$ the aggregate posterior pushed into the generation space ($\log q_f(f(z)) = \log\hat q(z) - \log|\det \partial f/\partial z|$; the
# authors' code drops the determinant). The score is the mean leakage of the leaking draws. The authors' τ grid (−90 … −1) belongs to a larger
# latent; in 2-D $\log\mathcal N$ is at most −1.84, so τ sits at the 1, 2, 5, 10, 25 and 50 % quantiles of the VAE's $\log\mathcal N(z;0,I)$
# on each seed [A], taken from the unregularised VAE of that seed for every pair (also for β-VAE-H, β-TCVAE, FactorVAE and InfoVAE), so the
# curves are drawn against that quantile level; each panel has its own y-axis. Dashed: N(0, I) prior; solid:
# decoupled prior with the flow's log-determinant (this run's convention); dotted: the same without it (the authors' code); mean over seeds with the
# 95 % t-interval of the mean. A score at a level rests on the draws that leak there; where a model has fewer than the VAE's own count at the
# lowest level (1 % of 3,000 draws = 30) on some seed, the point is hollow and the claim does not compare it. The score is not a divergence: a
# q(z) equal to the prior scores 0 only in the bulk, and a q(z) narrower than the prior scores below it (diagnostics), so "lower" is the paper's
# reading, not a closer match. The table gives, per model and level, the mean τ over seeds, the fewest leaking draws on a seed, and the score
# (mean ± std over seeds) with and without the log-determinant.

# %%
if "moons" in plan.datasets():
    fig = report.leakage_figure(runs, "moons")
    save_figure(fig, out, "fig4_leakage_moons")
    leak_table = report.leakage_table(runs, "moons")
    save_table(leak_table, out, "leakage_moons")
    display(leak_table)

# %% [markdown]
# ## MNIST with a 2-D latent (Table 1, Figs. 5 and 6)
#
# The paper's FID uses Inception-v3 features, whose weights are a download; offline the companion scores samples with the Fréchet distance on the
# 64-d features of a small MNIST classifier (the same one notebook 02 uses), labelled **FD**: it ranks models, it is not on FID's scale. FD(LP) is
# the Fréchet distance of LP samples: the 2,000 of 10,000 prior draws with the lowest $\hat q$ (the authors' 20 % share). The paper's NLL column lost
# its scale factor; this run's is in nats per image (Bernoulli decoder).

# %%
images_run = [ds for ds in plan.datasets() if ds != "moons" and ds not in missing]
if images_run:
    print("Fréchet distances in this run:", report.fd_label(runs))
    for note in report.fallback_notes(runs):
        print("note: Inception features unavailable:", note)
    frame = report.metrics_frame(runs)
for ds in images_run:
    t1 = report.table1(frame, dataset=ds)
    save_table(t1, out, f"table1_{ds}")
    display(Markdown(f"**Table 1, {report.DATASET_NAMES[ds]}**"), t1)

# %% [markdown]
# ### Random and LP samples (Fig. 5, MNIST half)

# %%
for ds in images_run:
    fig = report.samples_figure(runs, dataset=ds)
    save_figure(fig, out, f"fig5_samples_{ds}")

# %% [markdown]
# ### Interpolation (Fig. 6)
#
# Between two test digits: for the VAE a straight line between their encodings in z; for the dpVAE a straight line in $z_0$ mapped back by
# $g^{-1}$, a curve in z that should bend around the pockets [P §5.3]. Eleven points [C]. The paper's pair is lost with its caption; the
# companion interpolates from a 0 to a 7, the first test images of each whose reconstructions by both models the FD classifier reads as their
# labels, or, where no image of a digit qualifies, the digit both models reconstruct best. The cell prints which, and what the pair the
# training-side evaluation stored decodes to; each strip's title gives the classifier's reading of its images.

# %%
for ds in images_run:  # Fig. 6 on MNIST, Fig. 7 on CelebA (full profile)
    paths = None
    if ds == "mnist":
        paths, note = report.interpolation_paths(runs, dataset=ds)
        print("Fig. 6:", note)
    fig = report.interpolation_figure(runs, dataset=ds, paths=paths)
    save_figure(fig, out, f"fig{7 if ds == 'celeba' else 6}_interpolation_{ds}")
if "celeba" in images_run and "factor" in plan.regularizers("celeba"):  # Fig. 8
    fig = report.traversal_figure(runs, "celeba", "factor")
    save_figure(fig, out, "fig8_traversals_celeba")

# %% [markdown]
# ## Claims
#
# Each claim of the paper that this notebook tests, in the paper's words and where they stand, the paper's value, this run's value, the test, its
# negative control and the verdict: PASS, FAIL, or NOT TESTED with the measured reason (`companion.papers.dpvae.pockets_leaks_claims`).
#
# * **One rule for seeds.** Every comparison is a paired t-interval of the dpVAE − VAE differences over the seeds, one per regulariser: every
#   interval clear of 0 on the paper's side PASSES, one clear on the other side FAILS, a straddling interval or fewer than three seeds is NOT
#   TESTED (with each seed's gap). Two moons trains three seeds; MNIST one, and two for the VAE pair, so no MNIST claim is decided here.
# * **The negative controls.** (1) The same test with the VAE on both sides: each model without the decoupled prior, evaluated again with fresh
#   draws (other prior samples, q(z) draws and importance samples; the same counts) against its stored numbers; this measures the evaluation's
#   noise only. (2) On two moons, the VAE of seed s+1 (cyclic) in the dpVAE's place against the VAE of seed s: another trained model without
#   the decoupled prior, so training's seed-to-seed spread is on its side; judged with `companion.claims.control_passes` (the dpVAE's per-seed
#   gap against the next-seed VAE's). The paper's effect is absent from both; a claim can PASS or FAIL only when the test fails on both.
# * **Learned.** Two moons: every compared model's decoded q(z) draws lie within the data's noise (0.05) of a training point, and the held-out
#   points within 0.1 of a decoded draw (no moon dropped). MNIST: every compared model's held-out NLL is below the per-pixel-mean Bernoulli
#   model's, its held-out KL above 0.5 nats, and the FD classifier reads some of every digit's reconstructions back as that digit. The model at initialisation is shown beside (diagnostics); the smoke run decides nothing.
#
# The controls and baselines are computed here from the cached models (a re-run retrains nothing).

# %%
evidence = paper_claims.evidence(plan, runs, device=resolve_device(device))
claims = paper_claims.claims(plan, runs, evidence)
show_claims(claims, out)

# %% [markdown]
# ### Budget per claim
#
# What deciding each claim costs on this kind of CPU (core-minutes: measured training steps per second times the steps it needs, one thread per
# run) and the profile that decides it: **quick** (this notebook, at most ten minutes on two cores), **extended** (a stored long CPU run) or
# **full** (the paper's setting on a GPU); "not decidable here" says why no budget helps. A row covers every claim whose sentence starts with it.

# %%
show_budget(paper_claims.budget(), out, claims)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile; two moons three seeds, MNIST one seed plus the VAE pair's second; on an AMD
# EPYC, whose floats the stored numbers are). Before issue 24 the table held eleven verdicts, three PASS; "the same hyperparameters serve both"
# is now a diagnostic (it holds by construction). After the referee's review (a second control, the 0.05 line of Fig. 1, the digits in MNIST's
# precondition) the ten claims give **1 PASS and 9 NOT TESTED** (before it: 2 PASS, 8 NOT TESTED).
#
# * **Two moons (2,000 iterations, three seeds): Fig. 3(a) PASS; Fig. 1, Fig. 3's LP samples, sKL and Fig. 4 NOT TESTED.** Every model
#   learned: its decoded q(z) draws lie within 0.017 of a training point and the held-out points within 0.021 of a decoded draw (the model at
#   initialisation: 0.160 and 0.859). The β-VAE (β = 4, σ_x = 0.05) opens pockets in q(z); its LP samples sit in them and decode between the
#   moons (LP distance 0.162 ± 0.012), the β-dpVAE's are much closer to the data than the β-VAE's (0.052 ± 0.014): paired over three seeds
#   −0.110 [−0.157, −0.063], while the β-VAE against itself with fresh draws gives +0.008 [−0.072, +0.088] and the dpVAE's gap differs from
#   the next seed's β-VAE's by −0.110 [−0.124, −0.096]. But the paper says "all the low-posterior samples lie on the data manifold", an absolute
#   statement: the β-dpVAE-H's LP distance against the notebook's 0.05 line ("near a training point") is +0.002 [−0.032, +0.036], across it,
#   so **Fig. 1 is NOT TESTED** (it was PASS on the relative test alone). Random samples (**Fig. 3(a)**) move onto the moons with the decoupled
#   prior for all four regularisers, every interval below 0, and both controls fail (fresh draws: every interval across 0; next seed's VAE:
#   every model-minus-control interval below 0): **PASS**. The LP samples of **Fig. 3** and **sKL** improve on average for every regulariser
#   (sKL 3.06 → 0.37 for the VAE, 1.27 → 0.14, 2.02 → 0.32, 7.63 → 2.67, 3.21 → 2.53), but FactorVAE's and InfoVAE's intervals include 0
#   (InfoVAE's only just: LP −0.108 [−0.233, +0.016], sKL −0.68 [−1.37, +0.01]): NOT TESTED; for the LP samples the next seed's FactorVAE and
#   β-TCVAE are not told apart from the dpVAE either (model minus control −3.36 [−7.47, +0.76] and −0.143 [−0.309, +0.023]). The sKL claim is
#   our operationalisation of the paper's "can match an arbitrarily complex aggregate posterior". FactorVAE (γ = 10, the companion's value)
#   sends its prior samples far off the data on some seeds (random-sample distance 1.43 ± 0.45; 0.13 with the decoupled prior; all 60 of its LP
#   samples drawn in Fig. 3 decode beyond the axes, and in panel (a) part of its random samples too, marked hollow on the edge).
# * **Fig. 4, per τ level** (τ from the unregularised VAE of the same seed for every pair): of the 23 (regulariser, level) pairs with at least
#   30 leaking draws of both models on every seed, 19 intervals lie below 0, none above, and 4 straddle it (β-TC-dpVAE at 5 %, Factor-dpVAE at
#   25 and 50 %, Info-dpVAE at 2 %): NOT TESTED; on the second control the next seed's VAE is told apart from the dpVAE in 16 of 21 compared
#   pairs, not at InfoVAE's levels, so the test also passes on its control. Seven pairs are not compared (fewer than 30 leaking draws on some
#   seed): FactorVAE's q(z) has none below the VAE's 1–5 % levels and 6 below 10 %, β-TCVAE's 1 and 4 below 1 and 2 %, InfoVAE's 20 below 1 %.
#   Without the flow's log-determinant (the authors' code) the direction reverses for Info-dpVAE, which then scores 3.0–4.4 above InfoVAE at
#   every level: that score adds the log-det back (log q_f(f(z)) = log q̂(z) − log|det|), so it mainly measures how the flow rescales z, and
#   Info-dpVAE's q(z) is five times narrower in z than in $z_0$ (2·ln(std z₀ / std z) = +3.4 in 2-D). It is shown as a diagnostic in the
#   claim's run column, not as a competing test. On the first control, each VAE against itself, 1 interval lies below 0 and 2 above of 23:
#   per-level intervals over three seeds clear 0 on noise alone about one time in ten, which is why the claim needs all of them.
# * **MNIST (2-D latent, 600 iterations): NOT TESTED, not learned.** The models beat the per-pixel mean (worst held-out NLL 180.8 nats against
#   196.7, 567.4 at initialisation), but none reconstructs every digit: the classifier never reads back 3–7 from the VAE and β-VAE-H, nor 4, 5,
#   7 from the dpVAE, so Table 1's claims are not decided on models that reconstruct half the digits. The seeds' gaps are still shown: both
#   favour the decoupled prior on FD (−15.65 and −95.50) and NLL (−7.5 and −23.5 nats), on FD(LP) one of them (+6.14, −33.93); the
#   β-dpVAE-H is better on FD (−8.29), FD(LP) (−5.26) and NLL (−1.2), its FD(LP) − FD gap is not smaller (+3.03; the claim is our
#   operationalisation of the paper's "comparable"), and β-VAE-H's q(z) already matches the prior (sKL 0.07). With one or two seeds the
#   controls are not evaluated; the paper trains 100,000 iterations.
#
# The diagnostics flag four things. sKL measured in z and in $z_0$ differs by up to 0.67 nats (KL is invariant under g, the k-NN estimator on
# 5,000 samples is not), so sKL's absolute values carry that much estimator noise. The flow leaves the scale of z free: Info-dpVAE's q(z) is five
# times narrower than InfoVAE's (std 0.19 against 0.94; InfoVAE's MMD kernel has a fixed width in z, so the narrow q(z) changes what it
# penalises), Factor-dpVAE's 2.7 times wider, the MNIST dpVAE's 2.6 times. The leakage score is not a divergence: a q(z) equal to the prior
# scores +1.63 at the 1 % level and +0.04 at 50 % (q̂ is read at draws of its own narrow components), a q(z) half as wide scores −1.3 to −2.2.
# And at 600 iterations no MNIST model reconstructs a 4, a 5 or a 7 that the classifier reads back as such; Fig. 6 therefore interpolates from a 0
# to a 1 (the stored evaluation's 0 → 7 path ended in a 9, and the VAE's 0 read as a 2). Along it the dpVAE's path bends in z while straight
# in $z_0$, as the paper describes; the VAE (seed 0) uses one of its two latent coordinates (its encoder means lie on a thin line: Fig. 6 fits each axis to its
# own range and gives both coordinates' std in the title), and both decode
# 0 → 2 → 8 → 9 → 8 → 1.

# %% [markdown]
# ## What this run cannot show

# %%
display(Markdown("\n".join(f"* {p}" for p in report.limits(plan, runs))))

# %% [markdown]
# ## Diagnostics
#
# Training-health checks of the runs behind the claims, and properties of the metrics. They are not claims of the paper: they say whether a run is
# usable and how to read a number. The paper's "same hyperparameters, no additional tuning" is here: it holds by construction (each dpVAE's config
# is its VAE's with only the prior changed), so it is no evidence for the paper.

# %%
show_diagnostics(report.diagnostics(plan, runs, evidence), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it.

# %%
show_coverage(report.coverage(plan), out)

# %% [markdown]
# ## The extended profile (stored run)
#
# MNIST with a 2-D latent trained ten times as long as the quick profile (6,000 iterations at batch 100 on all 60k images), the VAE and
# β-VAE-H with and without the decoupled prior, three seeds (2026-12-06; 125 minutes on two cores shared with four other runs). **All five
# Table 1 claims NOT TESTED**: every model now beats the per-pixel mean (worst NLL 155.8 against 200.1 nats) and keeps its latent (KL ≥ 3.1
# nats), and the VAE, the dpVAE and the β-dpVAE-H read back every digit, but the β-VAE-H (β = 4) never reconstructs a 4 on seeds 1 and 2
# (nor a 7 on seed 2), so the claims "for every regulariser" wait on it. What the run shows, as observations: the decoupled prior lowers
# the FD of random samples (dpVAE 13.8 against 16.9, β-dpVAE-H 15.0 against 29.4) and the NLL (138.3 against 140.1; 139.3 against 149.7) and
# sKL (0.42 against 0.93; 0.17 against 0.29) on average, each interval over three seeds still across 0 except the VAE pair's sKL (−0.51
# [−0.95, −0.07]); but on the **low-posterior samples**, the paper's point, the VAE pair — both models learned, every digit read back —
# goes *against* the paper: the dpVAE's FD(LP) is higher, 70.8 against 55.6 (+15.2 [+9.6, +20.8]), beyond the fresh-draw control though
# within the VAE's own seed-to-seed spread (41.6–77.0), so a next-seed control would not separate it either. The samples (Fig. 5) suggest
# why: the decoupled prior's LP samples are clean digits (a referee measured the classifier's confidence in them at 0.87–0.96 against
# 0.76–0.91 without it), but most are 0s and 1s, and a Fréchet distance on classifier features penalises that class mix as much as
# samples off the manifold. The claim's rule waits for every pair's precondition, so this is reported here and not as a FAIL (a per-pair
# rule is the next stop's). How long the β-VAE-H needs to read back every digit is not measured (the budget table prices 20,000 iterations).
#
# Read from `figures/extended/03_dpvae_pockets_leaks/` with the commit, the hardware, the date and the wall time of that run (`run.json`), never mixed with
# this run's tables above; a run whose training code has changed since is marked stale. `companion run 03 --profile extended` re-makes it.

# %%
if plan.profile.name == "quick":
    show_stored("03_dpvae_pockets_leaks", "extended", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
else:
    print(f"This is the {plan.profile.name} profile's run: its own tables are above.")

# %% [markdown]
# ## The full profile (stored GPU runs)
#
# The paper's settings, trained piece by piece in short GPU slots by `make gpu` (`companion gpu --plan` lists the pieces and what fits in a
# slot) and stored under `figures/full/03_dpvae_pockets_leaks/` with `run.json`, beside this run's tables and never mixed with them.

# %%
if plan.profile.name == "quick":
    show_stored("03_dpvae_pockets_leaks", "full", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
