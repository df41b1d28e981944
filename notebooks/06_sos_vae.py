# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Structured observation noise: a VAE whose samples are not salt and pepper
#
# *Langley, Monteiro, Jones, Pawlowski & Glocker, "Structured Uncertainty in the Observation Space of Variational Autoencoders"* (TMLR 2022,
# arXiv 2205.12533).
#
# This notebook trains the paper's **SOS-VAE** — a decoder that predicts a Gaussian over the whole image with a low-rank covariance — beside
# the usual **pixel-independent** Gaussian decoder, and regenerates analogues of **Fig. 2** (means, samples, variance and covariance maps),
# **Table 1** (how samples and means score), **Fig. 4** (interpolation in observation space), **Fig. 5** (scaling the covariance's principal
# directions), **Fig. 6** (editing a patch), **Fig. 7** (the distribution alone against PCA) and **Appendix A** (the entropy constraint). It
# then tests the paper's claims (PASS, FAIL, or NOT TESTED with the measured reason), checks the runs' training health, and ends with every
# figure and table of the paper and what this notebook does with it.
#
# ```
# papermill notebooks/06_sos_vae.ipynb out.ipynb -p datasets '["mnist"]' -p seeds "[0,1,2]"
# ```
#
# Every setting carries its provenance: **[P]** stated in the paper, **[C]** the authors' code, **[Q]** this companion's specification (which
# measured the quick settings on this kind of CPU), **[A]** this companion's choice. The paper's text lost its displayed equations; the ones
# below are rebuilt from its prose and its code.

# %% [markdown]
# ## The idea
#
# A VAE's decoder usually predicts a mean and an independent variance per pixel: $p(x\mid z) = \mathcal N(\mu(z), \operatorname{diag}\sigma^2(z))$.
# A sample then adds independent noise to every pixel — which is why papers show means. The SOS-VAE predicts a mean and a factor
# $P(z) \in \mathbb R^{D\times R}$:
#
# $$p(x\mid z) = \mathcal N\big(\mu(z),\; P P^\top + d\,I\big), \qquad x = \mu + P\,\varepsilon_P + \sqrt d\,\varepsilon_D,$$
#
# with $d = 10^{-5}$ fixed [C], so a sample moves $R$ directions of correlated pixels together. Woodbury and the determinant lemma give the
# log-density and the entropy in $O(DR^2 + R^3)$ (`torch.distributions.LowRankMultivariateNormal`); only
# $\Delta H = \tfrac12 \log\lvert I_R + P^\top P/d\rvert$ of the entropy depends on $P$. Training minimises $-\log p(x\mid z)$ while the KL (and
# optionally $\Delta H$) are held at targets by the modified differential method of multipliers: each constraint adds
# $[\lambda - c\,\mathrm{sg}(\varepsilon - C)](C - \varepsilon)$ to the loss, $\lambda$ ascends by $C - \varepsilon$ per step and is clamped at 0,
# $c = 10$ [C]. The first epochs train the mean only [P].
#
# The observation model, slerp, the principal directions and the conditional mean of edited images are `companion.papers.sos_vae.observation`
# (tested against a dense Gaussian at D = 784 in float64 and a dense solve); the multipliers `constraints` (tested: λ moves by the gap, is
# clamped at 0, and drives a quantity to its target).

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"      # "quick": two CPU cores, minutes; "full": latent 128, rank 25, all 60k images, 50 epochs (a GPU job)
datasets = None        # subset of ["fashion-mnist", "mnist"]; None: the profile's (both)
seeds = None           # seeds of both models (paired by seed); None: the profile's (three)
device = "auto"        # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None      # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/06_sos_vae (quick), figures/full/... (full)
overrides = {}         # Config fields changed for every run, e.g. {"epochs": 20}
jobs = None            # parallel training processes (one torch thread each); None: $COMPANION_JOBS or one per core
scheduler = None       # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False          # True: the profile's every dataset, model and evaluation at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from companion.claims import show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.sos_vae import distribution_only as free
from companion.papers.sos_vae import structured_noise as sn
from companion.papers.sos_vae import structured_noise_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir, shown
from companion.plots import save_figure, save_table, use_style
from companion.tables import run_times, run_times_line

use_style()
plt.rcParams["figure.dpi"] = 70  # inline images small enough for the repository; saved files keep 150 dpi
pd.set_option("display.max_colwidth", 120)
plan = sn.make_plan(profile, datasets=datasets, seeds=seeds, overrides=overrides, smoke=smoke)
out = check_output_dir(output_dir or figures_dir("06_sos_vae", profile, smoke))
jobs = jobs or default_jobs()
use_scheduler(scheduler)
print(f"profile {plan.profile.name}: {len(plan.all_runs)} trained models")
for ds in plan.datasets():
    print(f"  {ds}: SOS-VAE and baseline, seeds {[c.seed for c in plan.runs[(ds, 'low_rank')]]}")
for (ds, h), c in plan.entropy_runs.items():
    print(f"  {ds}: SOS-VAE with ΔH held at {h:g} nats, seed {c.seed} (Appendix A)")
missing = sn.missing_datasets(plan)
for ds, why in missing.items():
    print(f"NOT RUN {ds}: {why}")
plan = sn.without(plan, missing)
print(f"Figures and tables are written to {shown(out)}/")

# %% [markdown]
# ## Settings
#
# The base settings of every run; each run then sets its dataset, observation model and seed. A value that differs from the field's default
# shows the default it replaces.

# %%
display(report.settings_table(plan.base))

# %% [markdown]
# ### Why the quick profile looks like this
#
# The paper trains a ResNet on CelebA at 218 × 178 (72 h on a T4) and on brain MRI (restricted access), with latent 128 and rank 25. The
# **quick** profile [Q] follows the settings this companion's specification measured on a two-core CPU: Fashion-MNIST and MNIST at 28 × 28, the
# first 10k training images, the σ-VAE notebook's MLP (784-512-256 and its mirror), latent 16, rank 10, Adam (5e-4, batch 64), ε_KL = 20
# nats, no entropy constraint (the paper's targets are lost), and the authors' batch-summed constraints; 6 epochs of which the first 2 train
# the mean only (the specification measured 12; 10 kept the notebook within ten minutes; 8 took 580 s for the notebook, 6 take 498 s and let
# the six notebooks share CI's hour). One SOS-VAE epoch costs ~6 s on one core of an Intel Xeon and 11–19 s on the AMD EPYC of the last run,
# a baseline's ~2.6–3 s; three seeds of each, on both datasets, in two processes. One more SOS-VAE holds ΔH at 50 nats for Appendix A. The
# distribution-only model of Fig. 7 is fitted to the first 2,000 training images by L-BFGS (its NLL settles within ~10 iterations).
#
# Sample quality is a Fréchet distance on the features of a small **conv** classifier trained here: the specification measured that an MLP's
# features cannot see independent pixel noise (a noisy sample scored like its mean). It is not the paper's Inception FID.
#
# The **full** profile (a GPU job) adds the paper's own setting at 64 × 64: CelebA RGB (its download is not among the offline copies; when it
# is absent the notebook says NOT RUN and goes on), the authors' conv ResNet — their blocks and widths, halving once where their 218 × 178
# model halves three times, so the feature maps keep their size — latent 128, rank 25, ε_KL = 45 [P], Adam 1e-4 [C], 50 epochs, and
# Inception FID of 10,000 decoded means and samples. MNIST and Fashion-MNIST run there too, on all 60k images at latent 128 and rank 25.

# %% [markdown]
# ## Training and evaluation

# %%
# NBVAL_IGNORE_OUTPUT
runs = sn.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["dataset", ("model", sn.label), "seed"])
print(run_times_line(timing, jobs))

# %% [markdown]
# ## Fig. 2 — means, samples and what the noise looks like
#
# Eight prior latents, decoded by the baseline (left) and the SOS-VAE (right). Rows: the mean; one sample of $p(x\mid z)$; sample − mean; the
# per-pixel variance (diag Σ); the positive and the negative covariance of every pixel with the centre pixel (its own variance left out).
# The baseline's covariance rows are empty by construction.

# %%
for ds in plan.datasets():
    fig = report.figure2(runs, ds)
    save_figure(fig, out, f"fig2_{ds}")
    plt.show()

# %% [markdown]
# ## Table 1 — scoring means and samples
#
# The paper scores 50,000 decoded means and 50,000 samples with FID. Here: 2,000 prior latents, the Fréchet distance of means and of samples
# to 1,000 test images on conv-classifier features, and the lag-1 spatial autocorrelation ρ₁ of (sample − mean) beside the real residual's
# (test image − its reconstruction mean): white noise has ρ₁ ≈ 0.

# %%
frame = report.metrics_frame(runs)
for ds in plan.datasets():
    t1 = report.table1(frame, ds)
    save_table(t1, out, f"table1_{ds}")
    print(ds)
    display(t1)
paper = report.paper_table1()
save_table(paper, out, "paper_table1")
display(paper)

# %% [markdown]
# ## Fig. 4 — interpolation in observation space
#
# One latent, one decoder pass: $x = \mu + P\,\mathrm{slerp}(\cdot)$ over $\varepsilon_P$ from four random corners (rows, then columns), $\varepsilon_D$
# left out. Everything that changes here is the covariance's doing.

# %%
for ds in plan.datasets():
    fig = report.slerp_figure(runs, ds)
    save_figure(fig, out, f"fig4_slerp_{ds}")
    plt.show()

# %% [markdown]
# ## Fig. 5 — the principal directions of P
#
# $P = U S V^\top$; a sample $\mu + U S\,\mathrm{diag}(k)\,V^\top \varepsilon_P$ with one knob $k_r$ swept from −5 to 5 and the others at 0.03 [C].

# %%
for ds in plan.datasets():
    fig = report.pc_scaling_figure(runs, ds)
    save_figure(fig, out, f"fig5_directions_{ds}")
    plt.show()

# %% [markdown]
# ## Fig. 6 — editing a patch
#
# The paper edits hair colour and skin tone and lets the model fill in the rest: $x_1 \mid x_2 \sim \mathcal N(\mu_1 + \Sigma_{12}\Sigma_{22}^{-1}(x_2 - \mu_2), \cdot)$,
# computed through Woodbury without a D × D matrix. To make the effect measurable, the edit here sets an 8 × 8 patch of a test image's
# reconstruction to the image's own pixels: a covariance that has learned the images should move the rest toward the image too. The figure
# shows seed 0's model; the claims below score every seed's model on the same 200 test images and pair the seeds.

# %%
tests = {ds: sn.images(plan.runs[(ds, "low_rank")][0], "test") for ds in plan.datasets()}
editing = {ds: report.edits_over_seeds(runs, ds, tests[ds][:200]) for ds in plan.datasets()}   # every seed: the claims
for ds in plan.datasets():
    fig = report.editing_figure(runs, ds, tests[ds])
    save_figure(fig, out, f"fig6_editing_{ds}")
    plt.show()

# %% [markdown]
# ## Fig. 7 — the distribution without deep learning
#
# One Gaussian $\mathcal N(\mu, PP^\top + dI)$ for a whole dataset, μ and P trained by maximum likelihood, beside PCA of the same rank. With a
# fixed isotropic $d$ this is probabilistic PCA, whose optimum is known: $P P^\top$'s eigenvalues are the top-R data variances minus $d$.

# %%
spectra = {}
for ds in plan.datasets():
    x_train = sn.images(plan.runs[(ds, "low_rank")][0], "train")[: free.IMAGES]
    rank = plan.config(ds).rank
    free_model, free_history = free.fit_free_gaussian(x_train, rank, steps=free.STEPS)
    pca = free.pca_of_same_rank(x_train, rank)
    spectra[ds] = (free_model.spectrum(), free.closed_form_spectrum(pca, len(x_train)), free.converged(free_history))
    fig = report.distribution_only_figure(free_model, pca, free.pca_samples(pca, 10), shape=plan.config(ds).image_shape)
    save_figure(fig, out, f"fig7_distribution_only_{ds}")
    plt.show()

# %% [markdown]
# ## Appendix A — the entropy constraint
#
# Without a bound on the entropy, the likelihood can also fall by inflating the covariance; the paper's unstabilised samples are over-bright and
# high-contrast. Holding ΔH at a target bounds it.

# %%
for (ds, h) in plan.entropy_runs:
    fig = report.entropy_figure(runs, ds, [h])
    save_figure(fig, out, f"appendix_a_entropy_{ds}")
    plt.show()

# %% [markdown]
# ## Claims

# %%
variances = {ds: float(tests[ds].var()) for ds in plan.datasets()}
claims = report.claims(plan, runs, variances, editing, spectra)
show_claims(claims, out)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile, 6 epochs, three seeds of each model, on an AMD EPYC; an Intel machine computes
# other floats). The run committed before this one (8 epochs, the same AMD machine) decided the same claims but MNIST's editing, then PASS
# over the 200 images of one model:
#
# * **The baseline's noise is white: PASS** on both datasets (ρ₁ between −0.0001 and +0.0024 on every seed). Its samples are salt and pepper
#   around the mean, Fig. 2's left half.
# * **SOS samples vary coherently: PASS.** Their sample − mean has ρ₁ 0.85 ± 0.01 on both datasets, against the real residual's 0.56–0.63:
#   nearer it than the baseline's 0.00 by 0.32 (Fashion-MNIST) and 0.40 (MNIST), paired over seeds. They overshoot it, though: the model's
#   noise is smoother than real residuals — ten directions cannot carry the fine detail.
# * **Table 1's orderings.** SOS samples score far better than SOS means (FD 186 against 806 on Fashion-MNIST, 119 against 421 on MNIST) and
#   than the baseline's samples (756, 939): **PASS** twice on both datasets. The paper's own oddity — on colour CelebA its SOS means were worse
#   than the β-VAE's (132.93 against 121.65) — does not appear here: the SOS means score better (806 against 1031, 421 against 965), as the
#   paper's own UKBB and grey-CelebA rows do: **FAIL** for the CelebA ordering. One difference from the paper's FID: on these conv features
#   the baseline's noisy samples score *better* than its blurred means (756 against 1031 on Fashion-MNIST; 939 against 965 on MNIST, a small
#   gap), where the paper's β-VAE samples scored worse (196.40 against 121.65); the features punish blur more than pixel noise, so they rank
#   means and samples differently from Inception.
# * **Editing.** Setting an 8 × 8 patch to the image's own pixels and taking the conditional mean of the rest did *not* bring the rest nearer
#   the image on average. Each seed's SOS-VAE edits the same 200 test images and the claim is paired over the three models (the images of one model
#   share its errors, so they are not independent evidence). On Fashion-MNIST the error outside the patch rose from 0.0253 ± 0.0005 to
#   0.0553 ± 0.0025, mean diff +0.030 [+0.025, +0.035]: **FAIL**. On MNIST it rose on average, from 0.0320 ± 0.0017 to 0.0375 ± 0.0074, but
#   the seeds disagree: mean diff +0.0055 [−0.0116, +0.0226], **NOT TESTED**; the previous run's narrow PASS (0.0322 → 0.0301,
#   [−0.0041, −0.0001]) was paired over the 200 images of one model. With d = 1e-5 the patch's 64 values pin the ten coefficients of ε_P
#   exactly, noise included, and the rest follows that fit with its full weight; the figure (seed 0) shows edits that are coherent
#   (garment- and digit-shaped) and sharper than μ, but can overshoot far (Fashion-MNIST's second column). The change is concentrated where the
#   covariance links pixels to the patch, but not tenfold: the tenth most linked to the patch changes 4×, 4× and 6× as much as the least
#   linked tenth on Fashion-MNIST's three seeds, 3× on each of MNIST's: **FAIL** for "leaves uncorrelated pixels" (it must hold on every seed).
# * **The distribution alone is PCA: PASS.** Fitted by maximum likelihood, P Pᵀ's spectrum is within 5.0 % (Fashion-MNIST) and 3.0 % (MNIST)
#   of probabilistic PCA's closed form, and the samples of the two look alike (Fig. 7), as the paper says and Tipping and Bishop predict.
#   (The fit now evaluates the likelihood from the images' mean and covariance, the same function at a tenth of the cost; the run before,
#   over the images one by one, ended 5.9 % and 5.0 % from it.)
#
# Appendix A: holding ΔH at 50 nats (below the ~69 the unconstrained model reaches) shrank the covariance and moved the content out of the
# mean: the means blur into templates (test MSE 0.097 against 0.028–0.029) and some samples saturate — the failure the specification saw, not the
# paper's fix. The paper's entropy targets are lost. The diagnostics flag one check: the test KL sits up to 3.0 nats from the training target
# (the multipliers hold the batch-summed training KL; MNIST's baseline ends at 18.0 ± 1.1 on the test images, 17.0 on seed 2).

# %% [markdown]
# ## Diagnostics
#
# Training-health checks of the runs behind the claims. They are not claims of the paper: they say whether a run is usable.

# %%
show_diagnostics(report.diagnostics(plan, runs), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it.

# %%
show_coverage(report.coverage(plan), out)
