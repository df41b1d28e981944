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
# then tests the paper's claims, each in its own words and beside a negative control on which the paper's effect should be absent (PASS,
# FAIL, or NOT TESTED with the measured reason), checks the runs' training health, and ends with every figure and table of the paper and
# what this notebook does with it.
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
from companion.papers.sos_vae import structured_noise_claims as paper_claims
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
# ## What the claims are tested on: the evidence and its controls
#
# Measured here from the trained models on the test images, beside what training stored:
#
# * the **Fréchet distances** of 2,000 prior draws (means, samples), with the images clamped to [0, 1] as the authors' `save_vae_samples.py`
#   does (training stored them unclamped), and of the **equal-energy white-noise control**: each SOS mean plus white noise rescaled to the
#   energy of that image's SOS noise — the SOS samples with their structure removed. A Fréchet-distance ordering that this control also
#   satisfies cannot credit the structure, and is NOT TESTED;
# * the coherence of the **SOS-VAE at initialisation** (its config and seed, built and not trained);
# * the editing of every seed's SOS-VAE on the same 200 test images, and of a **random factor** of the same rank and per-image norm;
# * the real residual's calibration and its share in P's span, and the **per-pixel-mean model** (the trivial baseline of the "learned"
#   precondition).

# %%
tests = {ds: sn.images(plan.config(ds), "test") for ds in plan.datasets()}
evidence = report.evidence(plan, runs, tests)

# %% [markdown]
# ## Table 1 — scoring means and samples
#
# The paper scores 50,000 decoded means and 50,000 samples with FID. Here: 2,000 prior latents, the Fréchet distance of means, of samples and
# of the white-noise control to 1,000 test images on conv-classifier features (images clamped to [0, 1]; training's unclamped values beside),
# the lag-1 spatial autocorrelation ρ₁ of (sample − mean) beside the real residual's (test image − its reconstruction mean; white noise has
# ρ₁ ≈ 0), and the test −ELBO.

# %%
frame = report.metrics_frame(runs)
for ds in plan.datasets():
    t1 = report.table1(frame, ds, evidence.get(ds))
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
# The paper shows the first ten of its 25 directions; here all ten of the rank-10 models.

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
# shows seed 0's model; the editing claim scores every seed's model on the same 200 test images, image by image (the median change of the
# error outside the patch and the share of images it improves), pairs the seeds, and runs the same test on a random factor of the same rank.

# %%
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
claims = paper_claims.claims(plan, runs, evidence)
show_claims(claims, out)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile, 6 epochs, three seeds of each model, on an AMD EPYC; an Intel machine computes
# other floats). Every claim is decided only when the models learned — every run's reconstruction mean beats the per-pixel mean of the
# training images on test MSE (0.028–0.038 against 0.087 and 0.065), and every SOS-VAE's P holds more of the real residual than a random
# rank-10 subspace (52 % and 57 % against 1.3 %) — and only when its negative control does not pass the same test.
#
# * **SOS samples vary coherently: PASS** on both datasets. Their sample − mean has ρ₁ 0.85 ± 0.01, the real residual's 0.58 (Fashion-MNIST)
#   and 0.63 (MNIST), the baseline's 0.00: nearer the real residual by 0.32 [0.29, 0.35] and 0.40 [0.39, 0.42], paired over seeds. The
#   control, the SOS-VAE at initialisation (ρ₁ −0.0002 ± 0.0004), is no nearer than the baseline (its intervals straddle 0). The SOS noise
#   overshoots the real residual's smoothness: ten directions cannot carry the fine detail.
# * **Table 1's orderings** (Fréchet distances of clamped images). SOS samples score 239 ± 18 (Fashion-MNIST) and 163 ± 2 (MNIST), far
#   better than the SOS means (825, 425), the baseline's samples (941, 990) and the baseline's means (1198, 1014). But the equal-energy
#   white-noise control — the SOS means plus white noise of the SOS noise's energy — scores 420 ± 23 and 335 ± 5 and beats the baseline's
#   samples and means too: **NOT TESTED** for "SOS samples beat the baseline's samples" and for the paper's headline "SOS samples beat the
#   β-VAE's means" on both datasets. The SOS means alone already beat the baseline's means here (825 against 1198, 425 against 1014; the
#   paper's CelebA row has them worse, 132.93 against 121.65, its UKBB and grey-CelebA rows better), and on these conv features added noise
#   lowers the distance: the baseline's own samples beat its means (941 against 1198), where the paper's β-VAE samples scored worse than
#   its means on every dataset. "Sampling does not reduce image quality" (SOS samples against SOS means): **PASS** on MNIST (−262
#   [−372, −152]; the control's −90 [−192, +11] straddles 0), **NOT TESTED** on Fashion-MNIST, where white noise of the same energy also
#   beats the means (−405 [−478, −331]). Not a claim of the paper, but what the structure buys on these features: the SOS samples beat
#   their white-noise twins on both datasets (239 against 420, 163 against 335). Clamping to [0, 1], as the authors do, moved every
#   distance (the SOS samples from 186 to 239 and from 119 to 163; the baseline's means from 1031 to 1198 on Fashion-MNIST) and changed
#   no ordering.
# * **Editing.** Setting an 8 × 8 patch to the image's own pixels and taking the conditional mean of the rest, scored image by image over
#   the same 200 test images per seed: on Fashion-MNIST the error outside the patch rose on the median image of every seed (+0.0054,
#   +0.0084, +0.0057; 36–38 % of the images improved), interval [+0.0025, +0.0105]: **FAIL**. On MNIST the seeds disagree (−0.0036 with
#   64 % improved, +0.0028 and +0.0007 with 46–47 %), [−0.0082, +0.0081]: **NOT TESTED**. The control, a random factor of the same rank
#   and per-image norm, worsens nearly every image (+0.005 and +0.016, 0–1 % improved), so the trained covariance does carry image
#   structure, just not enough to beat μ on Fashion-MNIST. The tiny fixed diagonal is not the reason: conditioning seed 0's Fashion-MNIST
#   model with d from 1e-4 to 3e-2 instead of 1e-5 still leaves the rest further from the image than μ (0.058 … 0.033 against 0.026; see the
#   diagnostics). The figure (seed 0) shows edits that are coherent (garment- and digit-shaped) and sharper than μ but can overshoot far.
#
# Dropped from the claims: "the baseline's sample − mean is white noise" holds for every diagonal Gaussian, and the distribution-only fit
# against PCA of the same rank holds for any data by probabilistic PCA's closed form — both are now diagnostics (ok: ρ₁ ≤ 0.0024; spectra
# within 5.0 % and 3.0 %). "SOS means score worse than the baseline's" is not what the paper says (its text: "for both datasets, the
# proposed SOS-VAE achieves a lower FID score than the β-VAE"), and the tenfold "correlated pixels" threshold was not the paper's: the
# ratio is a diagnostic beside a random factor's (trained ×4.2–5.6 and ×2.7–3.5, random ×1.9–2.0).
#
# Appendix A: holding ΔH at 50 nats (below the 67–69 the unconstrained models reach) shrank the covariance and moved the content out of the
# mean: the means blur into templates (test MSE 0.097 against 0.028) and some samples saturate — the failure the specification saw, not the
# paper's fix. The paper's entropy targets are lost.

# %% [markdown]
# ## Diagnostics
#
# Training-health checks of the runs behind the claims, identities that hold for any model, and the likelihood and calibration of both
# models. They are not claims of the paper: they say whether a run is usable and what it is.
#
# Neither model beats a per-pixel Gaussian of the training images on likelihood: the SOS-VAE's test −ELBO is ~546,000 (Fashion-MNIST) and
# ~677,000 (MNIST) nats per image — about half of the real residual lies outside P's span and is scored against d = 1e-5 alone — the
# baseline's 4 ± 41 and −427 ± 38, the per-pixel Gaussian's −48 and −985. Both over-predict their noise at the test reconstructions: the
# SOS-VAE's per-pixel variance is 5.9× (Fashion-MNIST) and 3.0× (MNIST) the real residual energy, the baseline's 2.9× and 4.3× (its mean
# variance there is ~12× (Fashion-MNIST) and ~150× (MNIST) its mean at prior latents, 0.007 and 0.001, where the blow-up check looks). The test KL sits up to 3.0 nats from the
# training target (the multipliers hold the batch-summed training KL).

# %%
show_diagnostics(paper_claims.diagnostics(plan, runs, evidence, spectra), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it.

# %%
show_coverage(paper_claims.coverage(plan, runs), out)
