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
# what this notebook does with it, and the stored extended run's verdicts (the same models trained 30 epochs, so that the baseline learns).
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
profile = "quick"      # "quick": two CPU cores, minutes; "extended": 30 epochs, ~25 min; "full": latent 128, rank 25, 60k images (a GPU job)
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
from matplotlib_inline.backend_inline import set_matplotlib_formats

from companion.claims import show_budget, show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.sos_vae import distribution_only as free
from companion.papers.sos_vae import structured_noise as sn
from companion.papers.sos_vae import structured_noise_claims as paper_claims
from companion.papers.sos_vae import structured_noise_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir, shown
from companion.plots import save_figure, save_table, use_style
from companion.stored import show_stored
from companion.tables import run_times, run_times_line

use_style()
plt.rcParams["figure.dpi"] = 70  # inline images small enough for the repository; saved files keep 150 dpi
# inline as JPEG: its image grids weigh ~3x less than as PNG (notebook 2.1 MB -> 0.9 MB; saved PNGs unchanged)
set_matplotlib_formats("jpeg", pil_kwargs={"quality": 85})
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
# the mean only (the specification measured 12; 10 kept the notebook within ten minutes; 8 took 580 s for the notebook; 6 let the six
# notebooks share CI's hour). The models stored here trained in 69–129 s per SOS-VAE and 19–37 s per baseline on a two-core AMD EPYC shared
# with other jobs (an SOS-VAE epoch ~6 s on one core of an unloaded Intel Xeon); the notebook with all 13 trainings took 835 s there, its
# re-runs from the training cache 236–445 s (~100 s of it the report-side evidence). Three seeds of each model, on both datasets, in two
# processes. One more SOS-VAE holds ΔH at 50 nats for Appendix A. The
# distribution-only model of Fig. 7 is fitted to the first 2,000 training images by L-BFGS (its NLL settles within ~10 iterations).
#
# Sample quality is a Fréchet distance on the features of a small **conv** classifier trained here: the specification measured that an MLP's
# features cannot see independent pixel noise (a noisy sample scored like its mean). It is not the paper's Inception FID, and it behaves
# otherwise: here pixel-independent noise *lowers* the distance (the baseline's samples beat its means), where the paper's FID raises it.
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
# Eight prior latents, decoded by the β-VAE with a diagonal Gaussian (left: panels (a) on Fashion-MNIST, (c) on MNIST, as the paper's (a)
# and (c) are its β-VAE on CelebA and UKBB) and by the SOS-VAE with R = 10 (right: (b), (d)). Rows: the mean; one sample of $p(x\mid z)$;
# sample − mean; the per-pixel variance (diag Σ); the positive and the negative covariance of every pixel with the centre pixel (its own
# variance left out). The β-VAE's covariance rows are empty by construction. The SOS-VAE here is the paper's unstabilised model (no entropy
# constraint): its predicted variance exceeds the real residual energy (the calibration diagnostic).

# %%
for k, ds in enumerate(plan.datasets()):
    fig = report.figure2(runs, ds, panels="abcdefgh"[2 * k: 2 * k + 2])
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
#   A Fréchet distance is read only where it penalises pixel-independent noise, as the paper's FID does in every row of its Table 1
#   (the baseline's samples score worse than its means);
# * the variation of the decoded means over the same 2,000 prior latents (the summed per-pixel variance), for both models;
# * the coherence of the **SOS-VAE at initialisation** (its config and seed, built and not trained), and the share of the real residual's
#   energy in the span of each image's own P beside **another test image's P**, for the trained and the untrained SOS-VAE;
# * the editing of every seed's SOS-VAE on the same 200 test images, of a **random factor** of the same rank and per-image norm (the negative
#   control), and of the **rank-10 PCA of the model's own training residuals** (3,000 images) as the covariance (the positive control), at
#   the model's d = 1e-5 and at probabilistic PCA's d̂ of those residuals;
# * the real residual's calibration, and the trivial models of the "learned" precondition: the **per-pixel mean** (test MSE), a
#   **per-pixel Gaussian** of the training images (the baseline's family) and their **rank-10 PCA Gaussian** at d = 1e-5 (the SOS-VAE's
#   family without a network), each scored on the test images.

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
# $P = U S V^\top$; a sample $\mu + U S\,\mathrm{diag}(k)\,V^\top \varepsilon_P$ with one knob $k_r$ (the columns) swept from −5 to 5 and the
# others at 0.03 [C]. The paper shows the first ten of its 25 directions; here all ten of the rank-10 models (seed 0). Direction $r$ moves
# by $k_r S_r (V^\top\varepsilon_P)_r$: each row is labelled with $|S_r (V^\top\varepsilon_P)_r|$ of the one ε draw, and a row whose coefficient
# is small barely moves — directions 8 and 10 on Fashion-MNIST (0.20 and 0.26, the others 1.15–2.51) and 3, 8 and 10 on MNIST (0.36, 0.46,
# 0.49, the others 1.08–3.97): the ε draw, not the direction, is small there.

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
# How the editing test depends on the diagonal d of the conditioning: the per-seed median change of the error outside the patch (negative:
# the rest moved toward the image) and the share of images improved, for the trained P and for the PCA of the model's own training residuals
# (the positive control), at the model's d = 1e-5 and at probabilistic PCA's d̂ (the residuals' mean variance outside their top 10
# directions).

# %%
by_d = report.editing_by_diagonal_table(evidence)
save_table(by_d, out, "editing_by_d")
display(by_d)

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
    # a smoke takes two L-BFGS steps: at CelebA's D = 12,288 each step costs minutes on a CPU (the D x D moments)
    free_model, free_history = free.fit_free_gaussian(x_train, rank, steps=2 if smoke else free.STEPS)
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
# ### Budget per claim
#
# What deciding each claim costs on this kind of CPU (core-minutes: measured seconds per epoch times the epochs and runs it needs, one thread per
# run, with their evaluation) and the profile that decides it: **quick** (this notebook, at most ten minutes on two cores), **extended** (a long
# CPU run, stored at the end of this notebook) or **full** (the paper's setting on a GPU); "not decidable here" says why no budget helps. A row
# covers every claim whose sentence starts with it.

# %%
show_budget(paper_claims.budget(), out, claims)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile, 6 epochs, three seeds of each model, on an AMD EPYC; an Intel machine computes
# other floats). A claim is decided only when the models it compares learned, each on its own metric, and only when its negative control
# does not pass the same test (a paired control is judged by `control_passes`: it fails only when the model's effect beats the control's by
# a paired interval, or the control's own interval is clear the other way). Every run's reconstruction mean beats the per-pixel mean on test
# MSE (0.028–0.038 against 0.087 and 0.065), and the SOS-VAE beats its own family without a network — one rank-10 Gaussian of the training
# images at d = 1e-5 — on test −ELBO (546,174 ± 2,376 against 946,345 nats per image on Fashion-MNIST, 676,678 ± 10,114 against
# 1,345,334 on MNIST). **The baseline has not learned on its own metric**: its test −ELBO (3.7 ± 41.0 and −427.4 ± 37.5 nats) is beaten by
# a per-pixel Gaussian of the training images (−48.2 and −984.5), so every claim with a baseline side is NOT TESTED. The SOS runs are the
# paper's unstabilised model (no entropy constraint): their predicted per-pixel variance is ×5.8–6.0 (Fashion-MNIST) and ×2.9–3.1 (MNIST)
# the real residual energy at the test reconstructions.
#
# * **SOS samples vary coherently: PASS** on both datasets. Their sample − mean has ρ₁ 0.85 ± 0.01, the real residual's 0.58
#   (Fashion-MNIST) and 0.63 (MNIST), pixel-independent noise 0 (the baseline's measured 0.000 and 0.001): nearer the real residual by 0.32
#   [0.29, 0.34] and 0.40 [0.39, 0.41], paired over seeds. The control, the SOS-VAE at initialisation (ρ₁ −0.0002 ± 0.0004), is no
#   nearer than white noise (its interval straddles 0) and the trained model beats it by a paired interval. The reference is ρ₁ = 0, the
#   value of every pixel-independent Gaussian (a diagnostic), not the baseline's fit, so the baseline's learning plays no part. The test
#   alone is weak: any noise with ρ₁ between 0 and twice the real residual's passes it (blurred white noise too), and the SOS noise
#   overshoots the real residual's smoothness (0.85 against 0.58–0.63). Whether the noise follows the image is the next claim.
# * **The covariance pertains to the image: PASS** on both datasets. P's span holds 51.6 ± 1.4 % (Fashion-MNIST) and 56.7 ± 0.8 % (MNIST)
#   of the real residual's energy, another test image's P only 22.2 ± 1.8 % and 27.9 ± 1.7 % (a random rank-10 subspace: 1.3 %), +0.29
#   [+0.28, +0.31] and +0.29 [+0.27, +0.31] paired over seeds. At initialisation own and another image's P hold the same 1.0–1.2 %.
# * **"More variation in the means of the β-VAE": NOT TESTED** on both datasets — the baseline has not learned, and the summed per-pixel
#   variance of 2,000 prior means straddles anyway: baseline 14.16, 10.17, 12.37 against SOS 11.67, 11.18, 12.59 (Fashion-MNIST, +0.42
#   [−4.14, +4.99]); 11.62, 9.33, 9.96 against 11.51, 9.57, 11.06 (MNIST, −0.41 [−1.96, +1.14]). Its control, the baseline against itself
#   (seed s against seed s + 1), is centred on 0 by construction and cannot pass; a referee's review found it is no real negative control
#   (its model-minus-control comparison is the claim's own test with the seeds paired differently): a null from more baseline seeds is the
#   next step.
# * **Table 1's orderings: NOT TESTED**, all six. The paper's FID penalises pixel-independent noise — its β-VAE samples score worse than its
#   means in every row (196.40 against 121.65, 332.89 against 211.24, 257.11 against 90.97) — but the conv-feature Fréchet distance here
#   rewards it: the baseline's samples score *better* than its own means (940.8 against 1197.9 on Fashion-MNIST, −257 [−278, −236]; 990.3
#   against 1014.0 on MNIST, −23.7 [−31.4, −15.9]). On such features no ordering can stand for the paper's, so "sampling does not reduce
#   image quality" (SOS samples 239 ± 18 and 163 ± 2 against SOS means 825 ± 19 and 425 ± 43) is not comparable, and the two orderings
#   against the baseline (its samples 941 and 990, its means 1198 and 1014) are not tested for the baseline's learning as well. Last
#   commit's MNIST PASS of "samples beat means" was the metric's doing: white noise of the same energy also beat the means (−90 [−192,
#   +11]). What the structure buys on these features — an observation, not a claim: the SOS samples beat their white-noise twins (the SOS
#   means plus white noise of each sample's noise energy, 420 ± 23 and 335 ± 5) by −181 [−218, −145] and −172 [−188, −155].
# * **Editing: NOT TESTED** on both datasets, because the test cannot succeed at the model's d = 1e-5 for rank 10: its positive control, the
#   rank-10 PCA of each model's own training residuals used as the covariance, makes the rest of the image *worse* on the median image
#   (+0.067, +0.062, +0.066 on Fashion-MNIST with 10–13 % of the images improved; +0.011, +0.016, +0.014 on MNIST with 11–20 %). At
#   probabilistic PCA's d̂ of those residuals (0.019 and 0.022) the same PCA gives −0.0010, −0.0006, −0.0005 on Fashion-MNIST (56–61 %
#   improved) and +0.0000, +0.0017, +0.0010 on MNIST, and the trained P +0.0010, +0.0030, +0.0013 and −0.0053, −0.0013, −0.0013 (the table
#   under Fig. 6). At d = 1e-5 the trained P's medians are +0.0054, +0.0084, +0.0057 on Fashion-MNIST (36–38 % improved) and −0.0036,
#   +0.0028, +0.0007 on MNIST (46–64 %). Beside the random factor of the same rank and norm (the negative control: +0.0045, +0.0048,
#   +0.0045 and +0.0159, +0.0147, +0.0167, 0–1 % improved) the trained factor improves many more images and moves the pixels it links to the
#   patch 2.7–5.6 times as much as the least linked (the random factor 1.9–2.0 times); but on the median (and the mean) error it is *worse*
#   than the random factor on Fashion-MNIST. The figure (seed 0) shows edits that are garment- and digit-shaped and sharper than μ but
#   can overshoot far.
#
# Dropped from the claims: "the baseline's sample − mean is white noise" holds for every diagonal Gaussian, and the distribution-only fit
# against PCA of the same rank holds for any data by probabilistic PCA's closed form — both are diagnostics (ok: ρ₁ ≤ 0.0024; spectra
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
# Likelihood is the "learned" precondition: the SOS-VAE's test −ELBO (~546,000 and ~677,000 nats per image; about half of the real residual
# lies outside P's span and is scored against d = 1e-5 alone) beats the rank-10 PCA Gaussian's (946,345 and 1,345,334), the baseline's
# (4 ± 41 and −427 ± 38) does not beat the per-pixel Gaussian's (−48 and −985). Both over-predict their noise at the test reconstructions:
# the SOS-VAE's per-pixel variance is 5.9× (Fashion-MNIST) and 3.0× (MNIST) the real residual energy, the baseline's 2.9× and 4.3× (its mean
# variance there is ~12× (Fashion-MNIST) and ~150× (MNIST) its mean at prior latents, 0.007 and 0.001, where the blow-up check looks). The
# conv-feature Fréchet distance rewards pixel-independent noise (the baseline's samples beat its means), which blocks every Table 1 claim;
# the editing test's positive control (the residuals' own PCA) worsens the median image at the model's d and improves it only at
# probabilistic PCA's d̂ on Fashion-MNIST (−0.0010, −0.0006, −0.0005). The test KL sits up to 3.0 nats from the training target (the
# multipliers hold the batch-summed training KL).

# %%
show_diagnostics(paper_claims.diagnostics(plan, runs, evidence, spectra), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it.

# %%
show_coverage(paper_claims.coverage(plan, runs, evidence), out)

# %% [markdown]
# ## The extended profile (stored run)
#
# The same models trained 30 epochs instead of 6 (2 mean-only), three seeds of each, so that the pixel-independent baseline learns
# (2026-12-06, 56 minutes on two cores shared with other runs). **4 PASS, 10 NOT TESTED — the quick run's verdicts, now on models that
# trained five times longer.** The two coherence claims PASS on both datasets again, with larger margins (P's own span holds 60 % and 65 % of
# the real residual against 25 % and 31 % for another image's P). The Fashion-MNIST baseline now learns (its test −ELBO beats the per-pixel
# Gaussian), and its means do vary more than the SOS-VAE's (Σ variance 28.1, 19.1, 21.3 against 15.2, 15.2, 17.0: every baseline seed
# above every SOS seed), but the paired interval straddles 0 (+7.1 [−5.6, +19.7]): NOT TESTED (the table's reason cites the seed-shift
# control, which a referee found is no real negative control; the straddling interval is the reason that binds). On MNIST one baseline seed is still just above the per-pixel Gaussian
# (−979.2 against −984.5 nats), so its baseline claims wait; its means vary *less* than the SOS-VAE's (−2.1 [−4.3, +0.04]). Editing a patch
# now improves the rest of the image for the trained models (median change −0.0039 [−0.0072, −0.0005] on Fashion-MNIST, −0.0085 [−0.0142,
# −0.0028] on MNIST), but the positive control (the residuals' own PCA at d = 1e-5) still makes it worse, so the test is not shown able to
# credit a good P: NOT TESTED. (A referee's check beside it: a rank-1 factor along the image's own mean — a brightness rescale — also
# improves Fashion-MNIST's median image, −0.0014 [−0.0027, −0.0001], but not MNIST's as much as P does.) Table 1's orderings stay not comparable (the conv-feature distance rewards white noise).
#
# Read from `figures/extended/06_sos_vae/` with the commit, the hardware, the date and the wall time of that run (`run.json`), never mixed with
# this run's tables above; a run whose training code has changed since is marked stale. `companion run 06 --profile extended` re-makes it.

# %%
if plan.profile.name == "quick":
    show_stored("06_sos_vae", "extended", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
else:
    print(f"This is the {plan.profile.name} profile's run: its own tables are above.")

# %% [markdown]
# ## The full profile (stored GPU runs)
#
# The paper's settings, trained piece by piece in short GPU slots by `make gpu` (`companion gpu --plan` lists the pieces and what fits in a
# slot) and stored under `figures/full/06_sos_vae/` with `run.json`, beside this run's tables and never mixed with them.

# %%
if plan.profile.name == "quick":
    show_stored("06_sos_vae", "full", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
