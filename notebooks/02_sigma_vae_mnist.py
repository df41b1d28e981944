# %% [markdown]
# # The σ² sweep: learned observation noise balances the ELBO
#
# *Lin, Roberts, Trigoni & Clark, "Balancing Reconstruction Quality and Regularisation in Evidence Lower Bound for Variational Autoencoders"*
# (arXiv 1909.03765).
#
# This notebook trains Gaussian VAEs on MNIST with a range of fixed observation variances σ² and with a learned one, and regenerates
# **Table 1** (aggregate posterior, its 32-component approximation q̂ and KL(q̂‖p)), **Fig. 1** (ELBO, sample quality and KL against σ²),
# **Table 2** (sample quality of the learned σ² against VAE, β-VAE, DIP-VAE and WAE on MNIST and Fashion-MNIST), **Table 3** (IWAE
# log-likelihood, global and per-pixel variance) and **Figs. 3–4** (per-pixel uncertainty maps). It then tests the paper's claims, each in the
# paper's words and beside a negative control (PASS, FAIL, or NOT TESTED with the measured reason), checks the runs' training health
# (diagnostics), says what this run cannot show and what deciding each claim costs, and ends with every figure and table of the paper and
# what this notebook does with it, and the stored extended run's verdicts.
#
# Three profiles: **quick** (this notebook as committed, CPU minutes): MNIST, the σ² sweep and Table 2's methods on three seeds;
# **extended** (about 20 minutes on two cores, stored under `figures/extended/02_sigma_vae_mnist/`): every model of both datasets on three
# seeds; **full**: the paper's scale, a GPU job.
#
# Run it headless with another profile or settings, for example:
#
# ```
# papermill notebooks/02_sigma_vae_mnist.ipynb out.ipynb -p profile full -p seeds "[0,1,2]"
# ```
#
# Every setting carries its provenance: **[P]** stated in the paper, **[A]** this companion's choice (the paper's appendix with the architecture
# and training details is not available, and no official code exists, so there is no **[C]** here).

# %% [markdown]
# ## The idea
#
# With a Gaussian decoder $p_\theta(x|z)=\mathcal N(g_\theta(z), \sigma^2 I)$ on $d$ pixels, the negative ELBO per image is (Eq. 8)
#
# $$-\mathrm{ELBO}(x) = \tfrac d2\log(2\pi\sigma^2) + \frac{1}{2\sigma^2}\,\mathbb E_{q(z|x)}\lVert x-g_\theta(z)\rVert^2 + \mathrm{KL}(q(z|x)\,\|\,p(z)).$$
#
# σ² is a **balance**: $\sigma^2 = 0.5$ weighs the squared error and the KL equally ("VAE"), $\sigma^2 = 1$ halves the reconstruction weight
# ("β-VAE", the same optimum as β = 2). A large σ² lets the KL win: the aggregate posterior $q(z)=\frac1N\sum_i q(z|x_i)$ hugs the prior and
# reconstructions blur. A small σ² lets reconstruction win: posteriors separate, $q(z)$ grows holes, and samples from the prior land in them.
#
# The paper learns σ² with the model. For fixed networks the optimum has a closed form (Eq. 9, averaged over the data as Eq. 8 requires):
# $\sigma^{*2} = \frac{1}{Nd}\sum_i \mathbb E_q\lVert x_i - g(z)\rVert^2$, the mean squared error per pixel. Algorithm 1 then adds a second stage with a
# per-pixel variance predicted from $z$ (Eq. 10), floored at half the learned global one. New images are drawn from a Gaussian mixture q̂ fitted to
# the aggregate posterior (Eq. 11–12) rather than from the prior.
#
# The objectives are short functions in `companion.papers.sigma_vae.method` (`gaussian_neg_elbo`, `dip_vae_loss`, `wae_loss`), the likelihoods in
# `companion.core.likelihoods`, the aggregate posterior in `companion.core.aggregate_posterior`; all are tested against `torch.distributions`,
# closed forms or Monte-Carlo estimates.

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"       # "quick": two CPU cores, minutes; "extended": ~20 min; "full": the paper's scale (60k images, conv nets), a GPU job
dataset = None          # dataset of the sigma^2 sweep (Table 1, Fig. 1): "mnist" or "fashion-mnist"; None: the profile's (mnist)
table_datasets = None   # datasets of Tables 2 and 3; None: ["mnist", "fashion-mnist"]
seeds = None            # seeds; None: the profile's
device = "auto"         # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None        # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/02_sigma_vae_mnist (quick), figures/<profile>/02_sigma_vae_mnist
overrides = {}          # SigmaConfig fields changed for every run, e.g. {"epochs": 5}
jobs = None             # parallel training processes (one torch thread each); None: $COMPANION_JOBS or one per core
scheduler = None        # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False          # True: the profile's every dataset, model and evaluation at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from companion.claims import show_budget, show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.sigma_vae import mnist_sweep as sv
from companion.papers.sigma_vae import mnist_sweep_claims as sc
from companion.papers.sigma_vae import mnist_sweep_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir
from companion.plots import save_figure, save_table, use_style
from companion.stored import show_stored
from companion.tables import run_times, run_times_line

use_style()
pd.set_option("display.max_colwidth", 100)
plan = sv.make_plan(profile, dataset=dataset, table_datasets=table_datasets, seeds=seeds, overrides=overrides, smoke=smoke)
out = check_output_dir(output_dir or figures_dir("02_sigma_vae_mnist", profile, smoke))
jobs = jobs or default_jobs()
use_scheduler(scheduler)
print(f"profile {plan.profile.name}: {len(plan.all_runs)} trained models")
print(f"  sweep (Table 1, Fig. 1): {plan.sweep[0].dataset}, latent {plan.sweep[0].zdim}, "
      f"sigma^2 {[c.sigma2 for c in plan.shown_sweep if c.sigma_mode == 'fixed']} + learned (closed form, Adam), "
      f"seeds {sorted({c.seed for c in plan.sweep})}")
print(f"  comparison (Tables 2, 3): {list(dict.fromkeys(d for d, _ in plan.table))}, latent {plan.profile.table_zdim}, "
      f"{list(dict.fromkeys(m for _, m in plan.table))}")

# %% [markdown]
# ## Settings
#
# The base settings of every run; each run then sets its dataset, latent size, objective and σ² mode. The `source` column says where a value comes
# from; a value changed by the profile shows the default it replaces.

# %%
display(sv.settings_table(plan.base))

# %% [markdown]
# ### Why the quick profile looks like this
#
# The paper does not give its architecture, learning rate, batch size or epochs (they are in a missing appendix). The quick profile [A] follows the
# measurements on this kind of machine (two CPU cores): the first 10k MNIST training images, 8 epochs of Adam per stage (LR 1e-3, batch 128) on
# an MLP 784-512-256-(2×latent) with its mirror as decoder (sigmoid mean, and a linear variance head used in stage 2). At the earlier 10 epochs per
# stage one model trained in ~15 s on one core and the whole notebook took 635 s; 8 epochs keep the six notebooks within CI's hour. The learned
# σ² uses the closed form by default: Adam on log σ with LR 1e-3 moves log σ by ~LR per step and had not converged after 800
# steps in a measured run (σ² = 0.21 against an optimum of 0.03); the Adam variant is kept with LR 1e-2 for log σ (Algorithm 1's route).
#
# The σ² sweep and Table 2's five methods train **three seeds on MNIST** [A], so that their claims can be decided by paired tests: the gaps
# between the methods are within seed-to-seed spread. The stage-2 model and its control train one seed (their claims are NOT TESTED here),
# and Fashion-MNIST's comparison block is left to the extended profile: at one seed its claims were all NOT TESTED, and its minutes pay for
# the sweep's two extra seeds (section "Budget per claim").
#
# The full profile trains on all 60k images with a DCGAN-style conv net for 50 + 50 epochs, three seeds everywhere, and scores samples with the
# standard Inception FID when the `pytorch-fid` weights can be loaded.

# %% [markdown]
# ## Training and evaluation
#
# Every model trains through `companion.train.fit` and is evaluated once: test ELBO (one sample, 10k test images), KL(q̂‖p) (10 × 10k Monte-Carlo
# samples), Fréchet distances of 10k generated images (from q̂ and from the prior) to the 10k test images, and the IWAE log-likelihood (K = 20,
# 500 test images) with the prior and with q̂. Results are cached under the hash of the config and the package version, so a re-run retrains
# nothing. A stage-2 model continues its stage-1 model (the same cached run as the "dataset σ²" column), with its variance head set so that every
# pixel starts at σ²_dataset (Algorithm 1 continues from the optimised values). The Fréchet features come from one classifier per dataset,
# the same for every model and seed.

# %%
# NBVAL_IGNORE_OUTPUT
runs = sv.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["dataset", ("latent", lambda c: c.zdim), ("model", sv.label), "seed"])
print(run_times_line(timing, jobs))

# %% [markdown]
# ### Sample-quality features
#
# The paper reports FID (Inception-v3 features). Its weights are a download, so offline the companion trains a small MLP classifier on the training
# images and takes its 64-d penultimate layer as features [A]. The resulting numbers are labelled **FD (classifier features)**: they rank models
# but are not on the scale of the paper's FID.

# %%
fd_name = report.fd_label(runs)
print("Fréchet distances in this run:", fd_name)
for ds, accuracy in report.classifier_accuracies(runs).items():
    print(f"  feature classifier, {ds}: test accuracy {accuracy:.4f} (one classifier for every model and seed)")
for note in report.fallback_notes(runs):
    print("note: Inception features unavailable:", note)

# %% [markdown]
# ### Baselines and controls from the loaded models
#
# The claims below need numbers beyond the stored metrics: the per-pixel-mean model (the "models learned" precondition), and each test
# run again on its negative control. `report.evidence` computes them from the loaded models, and from the untrained networks rebuilt from
# their seeds, without training anything (under a minute on one busy core): Fréchet distances of samples from a GMM fitted to N(0, I) draws and
# of a second draw from q̂, IWAE with that GMM as latent density, the untrained network with draws of its own per σ² and method, q̂
# refitted to a second draw, a second Monte-Carlo draw of the learned models' post-hoc ELBO, a Gaussian with q̂'s mean and covariance, and
# the stage-2 model's variance maps on 500 test images.

# %%
evidence = report.evidence(plan, runs)

# %% [markdown]
# ## The σ² sweep (MNIST, 2-D latent)
#
# Test ELBO with the model's own σ², the ELBO after a post-hoc closed-form σ² on the test set (the fair comparison across fixed σ²),
# reconstruction error, the KL terms and the two Fréchet distances.

# %%
sweep = report.sweep_frame(plan, runs)
save_table(sweep.round(4), out, "sweep")
display(sweep.round({"σ²": 4, "test ELBO": 1, "ELBO, post-hoc σ*²": 1, "MSE/pixel": 4, "KL(q(z|x)‖p)": 2, "KL(q̂‖p)": 3,
                     "KL(q̂‖p) std": 3, "FD q̂ samples": 2, "FD prior samples": 2}))

# %% [markdown]
# ## Table 1 — the aggregate posterior against the prior
#
# Row 1: log density of the exact aggregate posterior (the mixture of the 10k training posteriors) over the latent plane; row 2: its 32-component
# Gaussian-mixture approximation q̂; last column: the prior. All panels share one colour scale (log density in nats). The paper: a larger σ²
# gives an aggregate posterior closer to the prior and smoother, a smaller one separates the posteriors into a complex density with low-density
# holes, and a gap to the prior remains for every σ².
#
# "A gap remains" needs a floor, not zero: the KL(q̂‖p) estimator is positive even when there is no gap, because q̂ is a 32-component mixture
# fitted to finitely many points. The last row fits the same mixture (same components, same number of points, same Monte-Carlo samples and
# repeats) to draws of N(0, I) itself, for three seeds: that is what the estimator reports for a perfect match.
#
# **What the images can show.** The paper also reads these images as "except for extremely small σ² values, the Gaussian mixture model can
# effectively approximate the aggregate posterior". The table measures it as KL(exact ‖ q̂) over the grid's cells (each density normalised over
# the plotted grid), and says how much of the exact aggregate posterior lies inside the ±4 box (in closed form from the 10k posteriors) and
# how wide a posterior is (the median standard deviation) against the grid's spacing (8/99 ≈ 0.08). A posterior much narrower than the spacing
# is sampled, not resolved: the exact panels of small σ² alias. A 200² grid over ±6 would fix neither fully and costs 20–45 s per model on
# this machine (measured; the exact mixture of 10k posteriors is ~1 s per 10k grid points on an idle core), beyond this notebook's budget.

# %%
null = report.kl_null_floor(plan.sweep[0])
fig = report.table1_figure(plan, runs, evidence)
save_figure(fig, out, "table1_latent_densities")
plt.show()
t1 = report.table1_kl(plan, runs, null, evidence)
save_table(t1, out, "table1_kl")
display(t1)

# %% [markdown]
# ## Fig. 1 — ELBO, sample quality and KL(q̂‖p) against σ²
#
# Six fixed σ² and the learned one (star: closed form; plus: Adam on log σ). The paper: the learned σ² reaches the highest ELBO and one of the best
# sample qualities, and "either end of the σ² value spectrum is sub-optimal"; q̂ samples beat prior samples for every σ², and the gap grows
# steeply as σ² shrinks; KL(q̂‖p) rises as σ² falls. The second panel zooms on the top of the ELBO curve.
#
# Panel (a) plots the ELBO at each model's own σ², as the paper does. That comparison is σ² bookkeeping as much as modelling: Eq. 9 maximises
# the ELBO over σ² for any fixed networks, so on untrained networks the Eq. 9 σ² already beats σ² = 0.5 by about 91 nats
# ((d/2)[ln(0.5/0.232) + 0.232/0.5 − 1] with d = 784). The claims therefore compare the ELBO at each model's best single σ² (post hoc,
# the sweep table's "ELBO, post-hoc σ*²" column).
#
# **Three seeds, and a twin pair that is not a seed spread.** The sweep trains three seeds; the figure shows seed 0 and the claims pair the
# seeds (a claim is decided over three or more). Each seed's sweep holds two models that share seed, data and (within a few per cent) the
# final learned σ², reached by two routes: Eq. 9 at every step, or Adam on log σ starting from σ = 1. Their routes differ from the first epoch
# (printed below: σ² and the training loss per epoch), so how far apart they land measures the route, not how far two seeds of one route
# drift.

# %%
fig = report.figure1(sweep, fd_name)
save_figure(fig, out, "fig1_sigma2_sweep")
plt.show()
twin, why_no_twin = report.twin_spread(sweep)
print("Twin pair:", twin or why_no_twin)
print("Their routes:", report.twin_routes(plan, runs) or "—")

# %% [markdown]
# Samples (decoder means) of every sweep model (rows), from q̂ (left) and from the prior (right) — the MNIST counterpart of the paper's
# Fig. 2(b): with a small σ² the prior's samples fall into the holes of the aggregate posterior.

# %%
fig = report.samples_figure(plan, runs)
save_figure(fig, out, "samples_q_hat_vs_prior")
plt.show()

# %% [markdown]
# ## Table 2 — sample quality by method
#
# "Ours" is the learned σ² (stage 1). The paper samples "Ours" from q̂ "where possible" and does not say how it sampled the baselines, so a
# table that puts Ours-from-q̂ beside baselines-from-the-prior compares two samplers as much as five methods. Like with like, each dataset has
# two rows: every method sampled from q̂, and every method sampled from the prior (mean ± std over seeds). Comparing the two rows per method is
# the paper's Fig. 2(a) question. The last column compares two sets of real images (held-out training images against the test set) with the
# same features: the smallest distance the metric can tell apart. All methods share the architecture; DIP-VAE (type I) and WAE (MMD) use the
# weights of their own papers [A].

# %%
floors = {ds: sv.real_floor(sv.dataclasses.replace(plan.base, dataset=ds)) for ds in dict.fromkeys(d for d, _ in plan.table)}
t2 = report.table2(plan, runs, floors)
save_table(t2, out, "table2")
print(f"paper: FID; this run: {fd_name} — not the same scale")
display(t2)

# %% [markdown]
# **How much of q̂'s gain is its first two moments.** The learned σ² sampled three ways: from q̂, from a single Gaussian with q̂'s mean and
# covariance, and from the prior. The share is (FD(prior) − FD(Gaussian)) / (FD(prior) − FD(q̂)): how much of q̂'s advantage over the prior
# a moment-matched Gaussian already gives. The last column is the aggregate posterior's variance per latent dimension (the prior's is 1). An
# observation beside the Fig. 2(a) claim, not a claim of the paper.

# %%
mm = report.moment_table(plan, runs, evidence)
save_table(mm, out, "moment_matched")
display(mm)

# %% [markdown]
# ## Table 3 — IWAE log-likelihood
#
# K = 20 importance samples on 500 test images, 16-D latent, with the prior or q̂ as latent density. "dataset σ²" is the learned global variance
# (stage 1); "pixel σ²" adds the per-pixel variance of stage 2. Log-likelihoods are continuous densities of pixels in [0, 1], so they can be positive.
# The paper's "pixel" column is out of reach under its own variance floor (see below); compare the ordering.

# %%
t3 = report.table3(plan, runs)
save_table(t3, out, "table3")
display(t3)

# %% [markdown]
# **What the ordering is made of.** A Gaussian log-likelihood contains $-\tfrac d2\log(2\pi\sigma^2)$, fixed by σ² alone: −449 for σ² = 0.5,
# −720 for σ² = 1, and several hundred nats *above* zero for a learned σ² of about 0.017 (784 pixels). "Learned ≫ VAE ≈ DIP-VAE > β-VAE" follows
# from the σ² values before any model differs. The table below sets each model beside that constant and adds the like-for-like number: the test
# ELBO with the best single σ² for the same networks (closed form on the test images, post hoc), which removes the constant. The claim "optimising
# σ² improves the log-likelihood" is tested on that column.
#
# **A confound in "pixel > dataset", and its control.** The "pixel σ²" model is the "dataset σ²" model trained for a second stage: it has
# trained twice as long (the `epochs` column), so its IWAE gain over "dataset σ²" mixes the per-pixel variance with the extra training. The row
# "dataset σ² (as long)" is the control: the global σ² trained for as many epochs in one stage [A]. The claim is tested twice: against that
# control (IWAE, paired over seeds), and within the stage-2 model (the same networks scored with their per-pixel variance and with the best
# single σ²: the last two ELBO columns of its row). Only the first has a negative control (the stage-1 model as a stage 2 that has not started):
# the same control for the second would score the stage-1 networks with σ²_dataset against their own best single σ², which it can never beat.

# %%
ll = report.loglik_like_for_like(plan, runs)
save_table(ll, out, "table3_like_for_like")
display(ll)

# %% [markdown]
# ## Figs. 3 and 4 — per-pixel uncertainty
#
# The stage-2 model (MNIST, 16-D latent) predicts a variance per pixel. The paper: high variance lines up with reconstruction errors, e.g. the ends
# of strokes.
#
# **Fig. 3**: test images, their reconstructions, the squared error, the predicted σ², and a parameter-free baseline: $m(1-m)$ of the decoder mean
# $m$, which is high wherever the reconstruction is grey (stroke edges) and needs no variance head at all. Error, σ² and baseline share one log
# colour scale (pixel intensity², from the floor σ²_dataset/2). "Lines up with the errors" is informative only if the predicted σ² does better than
# the baseline; the claim compares their correlations with the squared error over the first 500 test images (the figure shows the first eight),
# per seed of the stage-2 model. Both are printed below, each with a bootstrap interval over its images.

# %%
pix = report.pixel_run(plan, runs)
fig3 = report.uncertainty_figure(pix, "recon")
save_figure(fig3, out, "fig3_uncertainty_reconstructions")
plt.show()
for name, check in (("the figure's", report.variance_error_check(pix)), ("the claim's", evidence.variance.get(pix.config))):
    if check is None:
        continue
    print(f"{name} {check['images']} test images: correlation with the squared error: predicted σ² {check['r_model']:.2f}, "
          f"baseline m(1−m) {check['r_baseline']:.2f}; difference, 95% bootstrap over images: "
          f"[{check['low']:+.2f}, {check['high']:+.2f}]; held-out Gaussian NLL per pixel {check['nll_pixel']:.2f} nats with the "
          f"predicted σ², {check['nll_global']:.2f} with the best single σ²")
print(f"σ²_dataset = {pix.metrics['sigma2']:.4f}; floor σ²_dataset/2 = {pix.metrics['sigma2'] / 2:.4f}; "
      f"share of predicted variances within 10% of the floor: {report.floor_share(pix):.2f}")

# %% [markdown]
# **Fig. 4**: decoder means of samples from q̂ (the method's sampler, as in Table 2) and their predicted σ².

# %%
fig4 = report.uncertainty_figure(pix, "sample")
save_figure(fig4, out, "fig4_uncertainty_samples")
plt.show()
start = report.stage2_start(pix)
if start:
    print(f"stage 2's first epoch: mean predicted σ² {start[0]:.4f} = {start[0] / start[1]:.2f} × σ²_dataset ({start[1]:.4f}) "
          "(the variance head starts at the stage-1 value: zero weights, bias softplus⁻¹(σ²_dataset / 2))")

# %% [markdown]
# ## Where the paper is inconsistent
#
# Points where the paper's text and numbers disagree, from a close reading of it; each matters for a number above.

# %%
display(Markdown("\n".join(f"* {p}" for p in report.paper_pitfalls())))

# %% [markdown]
# ## Claims
#
# Each claim in the paper's words and where they stand, the paper's value, this run's value, the test, the same test on a negative control,
# and the verdict: PASS, FAIL, or NOT TESTED with the measured reason (`companion.papers.sigma_vae.mnist_sweep_claims`). How a claim is decided:
#
# * **The models learned.** Every model a claim reads must beat a trivial baseline on its own metric: its test ELBO at its best single σ² above
#   that of the per-pixel-mean model (every image decoded as the training mean image, KL 0); a WAE, which has no ELBO, must reconstruct better
#   than the mean image. Otherwise NOT TESTED.
# * **One interval rule.** A comparison decides only over three or more seeds: PASS when the paired 95 % t-interval of the per-seed differences
#   lies on the paper's side of 0, FAIL when it lies on the other side; an interval that straddles 0, and fewer than three seeds, are NOT TESTED.
#   A claim over several models needs every comparison to hold. In the quick profile the stage-2 model and its control have one seed.
# * **A negative control.** The same test, on the same seeds, where the paper's effect should be absent: the networks at initialisation (every
#   σ² and every method shares them at step 0) with draws of their own per σ² and method, a GMM fitted to draws of N(0, I) in place of q̂ (a
#   q̂ with no gap to the prior), the same model on both sides (a second draw of its samples, of its post-hoc ELBO, or q̂ refitted to a second
#   draw), the stage-1 model as a stage 2 that has not started, shuffled image pairs. Over three or more seeds a control fails when the
#   model's effect differs from the control's by a paired interval (`companion.claims.control_passes`; a PASS must lie beyond it on the
#   paper's side); with fewer it is not evaluated. A test that passes on its control cannot tell the paper's effect from its absence: NOT
#   TESTED.
# * **Like with like**: samples of every method from the same sampler; log-likelihoods of models with different σ² at each model's own best σ².
#   Table 2 with every method sampled from the prior is shown, but it is not a claim: the paper samples its method from q̂.
# * **Not comparable**: Table 1's values come from an architecture, data size and schedule this run does not know; they are shown beside ours.
#
# The control numbers come from `evidence` (computed above from the loaded and the untrained models).

# %%
claims = sc.claims(plan, runs, null, evidence)
show_claims(claims, out)

# %% [markdown]
# ### Budget per claim
#
# What deciding each claim costs on this kind of CPU (core-minutes: measured seconds per model times the models it needs, one thread per
# model) and the profile that decides it: **quick** (this notebook, at most ten minutes on two cores), **extended** (the stored long CPU run
# at the end of this notebook) or **full** (the paper's scale on a GPU); "not decidable here" says why no budget helps. A row covers every
# claim whose sentence starts with it.

# %%
show_budget(sc.budget(), out, claims)

# %% [markdown]
# ### Reading the verdicts of the committed quick run
#
# Measured on an AMD EPYC at 8 epochs per stage (an Intel machine computes other floats). Six claims are decided, all PASS, all on MNIST
# over three seeds; eight are NOT TESTED: three because an interval straddles 0, one because its control passes too, three because the
# stage-2 model has one seed (the extended profile trains three), one as not comparable. Every model beats the per-pixel-mean model (the
# smallest margin: σ² = 1, 2-D, seed 1, +104 nats of post-hoc test ELBO), so no claim is blocked by "not learned". **These are short runs,
# far from converged**: the 16-D learned σ² on MNIST reaches a post-hoc test ELBO of 396 after 8 epochs and 543 when the same model trains 16,
# and its training loss still falls 33–42 nats per epoch at epoch 8 (the 2-D sweep's learned σ²: 6 nats). A verdict here is about these
# models, not about the paper's converged ones. Fashion-MNIST's comparison block is the extended profile's (its stored verdicts close this
# notebook).
#
# * **The σ² sweep (Table 1, Fig. 1), three seeds.** Figures and per-model tables show seed 0; the claims pair the three seeds.
#   * **A gap persists for every σ²: PASS.** KL(q̂‖p) exceeds the null floor (a GMM fitted to draws of N(0, I) itself: 0.011–0.013) at every
#     σ², the smallest margin at σ² = 1: +0.10 [+0.043, +0.158]; a GMM fitted to fresh N(0, I) draws in a model's place fails the test.
#   * **q̂ approximates the aggregate posterior except at very small σ²: PASS.** KL(exact ‖ q̂) over the density grid is 0.011–0.012 at σ² = 1
#     and 0.5 and 0.154 for the learned σ², but 0.660 at 0.01 and 1.661 at 0.001: worse than the learned σ²'s by +0.506 [+0.413, +0.598] and
#     +1.51 [+0.877, +2.14]; refitting the learned σ²'s q̂ to a second draw of its aggregate posterior moves it by −0.005 [−0.013, +0.003].
#   * **The gap between prior and q̂ samples grows as σ² shrinks: PASS.** FD(prior) − FD(q̂) rises from 3.5 (σ² = 1) to 80.9 (0.001): +77.4
#     [+56.1, +98.8]; with a GMM fitted to N(0, I) in place of q̂ the same difference is +0.4 [−0.4, +1.2].
#   * **Both ends are sub-optimal: PASS.** At each model's best σ² (post hoc) the learned σ² (Eq. 9) leads σ² = 1 by +46.4 [+28.5, +64.3] and
#     σ² = 0.001 by +15.1 [+10.0, +20.1] nats; a second Monte-Carlo draw of the learned model moves it by +0.08.
#   * **q̂ samples beat prior samples for every σ²: NOT TESTED.** They do from σ² = 0.1 down (+25.1 to +80.9, each interval clear of 0 and of
#     the null GMM's), but at σ² = 1 and 0.5 the intervals straddle 0 ([−0.3, +7.3], [−0.1, +11.8]).
#   * **The ELBO peaks at the learned σ²: NOT TESTED.** The Adam route leads the best fixed σ² (0.05) by +19.4 [+5.1, +33.8], the Eq. 9 route
#     by +5.4 [−3.6, +14.4], which straddles. At each model's own σ², the paper's reading, that comparison gives the Eq. 9 σ² +91 nats on the
#     untrained networks, so it is shown, not tested.
#   * **KL(q̂‖p) rises as σ² falls: NOT TESTED,** its control passes on one step: from 0.112 (σ² = 1) to 11.8 (0.001) the log-ratio rises at
#     every step, four of five clear of 0 (σ² = 0.5 vs 1 straddles: +0.40 [−0.17, +0.97]); but the untrained network with its own draws per σ²
#     also rises between σ² = 0.5 and 0.1 (+0.12 [+0.03, +0.21]), so that step cannot tell the paper's effect from the estimator's noise.
# * **Fig. 2(a), MNIST: PASS.** Samples from q̂ beat samples from the prior for every method, from +9.8 [+8.7, +10.9] (β-VAE) to +79.1
#   [+75.9, +82.3] (the learned σ²). Sampling the same decoders from a GMM fitted to draws of N(0, I) instead — q̂'s fit without the gap —
#   gains nothing (every interval straddles 0; the learned σ²: +0.36 [−1.85, +2.57]), and every method's gain lies beyond that control
#   (β-VAE, the smallest: +9.9 [+7.9, +11.9]). Most of q̂'s gain is its first two moments: a single Gaussian with q̂'s mean and covariance
#   gives the learned σ² 86–97 % of it on MNIST (94 % on Fashion-MNIST), the aggregate posterior having a variance of 2.04–2.07 per
#   dimension against the prior's 1 (the table after Table 2; an observation, not a claim).
# * **Table 3, MNIST, log-likelihood: PASS.** At each model's best single σ² the learned σ² leads VAE, β-VAE and DIP-VAE by 240, 329 and
#   231 nats of test ELBO (intervals [+210, +271], [+317, +341], [+177, +285]). On the networks at initialisation, which every method
#   shares, with a Monte-Carlo draw of their own per method, the same test moves by less than 0.06 nats. The paper's own comparison, at each
#   model's own σ², would not be evidence: on the untrained networks the Eq. 9 σ² already beats σ² = 0.5 by 91 nats (164 on Fashion-MNIST),
#   because −(d/2) log 2πσ² is set by σ² alone.
# * **Table 2, MNIST, every method from q̂: NOT TESTED.** The learned σ² beats VAE and β-VAE beyond its control (a second draw of its own
#   samples: +0.12 [−0.20, +0.45]), but not DIP-VAE ([−16.3, +1.3]) or WAE, whose FD is lower on average (2.27 against 2.99; [−4.5, +5.9]).
#   Sampled from the prior, as the paper may have sampled its baselines, the learned σ² is the worst but one (FD 82.1 against VAE 24.3, WAE
#   39.9, β-VAE 46.5 and DIP-VAE 84.5): shown in Table 2, not a claim, since the paper samples its method from q̂.
# * **Table 3, per-pixel variance and q̂ as latent density (MNIST): NOT TESTED,** because the stage-2 model has one seed. The per-pixel
#   variance adds 282 nats on the same networks and 248 nats of IWAE over the global σ² trained as long (807 against 560), where the stage-1
#   model as an unstarted stage 2 loses 138. q̂ in place of the prior raises the IWAE of the four three-seed columns, each beyond its
#   control (β-VAE, the smallest: +0.12 [+0.07, +0.18]; a GMM fitted to N(0, I) lowers it by 0.1 to 1.3), and of the stage-2 model by 7.0 on
#   its one seed: that column alone leaves the claim undecided.
# * **The twin pair is not seed drift.** The two learned-σ² models share seed and data and end at σ² 0.043 and 0.042, but their routes
#   differ from the first epoch (σ²: Eq. 9 0.078 → 0.057 → 0.050, Adam 0.51 → 0.12 → 0.056; Adam's training loss lower by 9–14 nats from
#   epoch 4), and they land 15.5 nats of test ELBO apart: a different route, not the spread of one.
# * **Table 1's values: NOT TESTED, not comparable.** Ours are ×1.04, ×1.32, ×3.36 and ×2.45 the paper's (σ² = 1, 0.5, learned, 0.01),
#   from an MLP on 10k images for 8 epochs; the paper's architecture, data size and schedule are in its missing supplement.
# * **Fig. 3: NOT TESTED,** one stage-2 seed. Over the first 500 test images the predicted σ² follows the squared error (r = 0.32) less
#   closely than the parameter-free m(1 − m) of the reconstruction (0.50; bootstrap over the images [−0.20, −0.16]); the figure's eight
#   images show the same ([−0.11, −0.03]). Another image's σ² map does far worse (0.42 below the baseline). The map does carry uncertainty:
#   held-out NLL per pixel −1.07 against −0.71 with the best single σ².

# %% [markdown]
# ## Diagnostics
#
# Training-health checks of the runs behind the claims. They are not claims of the paper: they say whether a run is usable, and a WARN explains a
# verdict above rather than deciding one.

# %%
show_diagnostics(report.diagnostics(plan, runs, sweep, floors, evidence), out)

# %% [markdown]
# ## What this run cannot show

# %%
display(Markdown("\n".join(f"* {p}" for p in report.limits(plan, runs, sweep))))

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it. The paper's supplementary material (architectures, pre-processing,
# more samples) is not part of its available text, so its figures cannot be listed.

# %%
show_coverage(report.coverage(plan, runs, evidence), out)

# %% [markdown]
# ## The extended profile (stored run)
#
# The claims the quick profile leaves to the extended one (Fashion-MNIST, and the stage-2 "pixel" model on three seeds), as its stored run
# decided them: read from `figures/extended/02_sigma_vae_mnist/` with the commit, the hardware, the date and the wall time of that run
# (`run.json`), never mixed with this run's tables above. A run whose training code has changed since is marked stale.
# `companion run 02 --profile extended` re-makes it.
#
# What the stored run (2026-12-06, 10 minutes on two cores with the quick run's models reused from the cache) adds, every comparison over
# three seeds and beside its control: **Table 3's per-pixel variance: PASS** on both datasets (IWAE +266 [+225, +307] nats over the global σ²
# trained as long on MNIST, +160 [+137, +183] on Fashion-MNIST); **q̂ as latent density: PASS** on both, every column; **Fashion-MNIST's
# Fig. 2(a) and Table 3 log-likelihood: PASS**; Fashion-MNIST's Table 2 straddles (the learned σ² against VAE, DIP-VAE and WAE), as MNIST's
# does. **Fig. 3 (MNIST): NOT TESTED.** The predicted σ² correlates with the squared reconstruction error (r = 0.32 on seed 0, far above
# shuffled pairs), but less than the parameter-free m(1 − m) of the decoder mean does (−0.172 [−0.192, −0.152] over three seeds). The declared
# test, the learned map above m(1 − m), asks more than the paper's words ("highlights the region where the reconstruction is different"):
# its PASS would decide them, its failure does not contradict them — m(1 − m) meets them too, so on these models they cannot tell a learned
# uncertainty from a shortcut. (The stored run of stop 25 recorded this as a FAIL; a referee's review read the test as stronger than the
# quote, and the verdict was re-read, not the test changed.)

# %%
if plan.profile.name == "quick":
    show_stored("02_sigma_vae_mnist", "extended", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
else:
    print(f"This is the {plan.profile.name} profile's run: its own tables are above.")

# %% [markdown]
# ## The full profile (stored GPU runs)
#
# The paper's settings, trained piece by piece in short GPU slots by `make gpu` (`companion gpu --plan` lists the pieces and what fits in a
# slot) and stored under `figures/full/02_sigma_vae_mnist/` with `run.json`, beside this run's tables and never mixed with them.

# %%
if plan.profile.name == "quick":
    show_stored("02_sigma_vae_mnist", "full", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
