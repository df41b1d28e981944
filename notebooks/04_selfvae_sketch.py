# %% [markdown]
# # The sketch selfVAE: a VAE that also models a pencil sketch of its image
#
# *Gatopoulos & Tomczak, "Self-Supervised Variational Auto-Encoders"* (arXiv 2010.02014).
#
# This notebook trains the paper's **selfVAE-sketch** beside its baseline, a **VAE with a RealNVP prior**, on CIFAR-10 in place of the paper's
# CelebA, and computes the sketch rows of **Table 1** (bits per dimension with its RE and KL columns, beside the paper's), the **Fig. 7**
# gallery of the non-trainable transformations, the **Fig. 3 / Fig. 12** sampling and reconstruction modes with the share of the image each
# one transmits, unconditional samples (**Fig. 1** (ii) and (iii)) and **Fig. 13 (i)**, an interpolation through the sketch's latent. It then
# tests the paper's claims, each quoted and run beside a negative control (PASS, FAIL, or NOT TESTED with the measured reason), checks the
# runs' training health and the identities every model satisfies, and ends with every figure and table of the paper and what this notebook
# does with it.
#
# Run it headless with another profile or settings, for example:
#
# ```
# papermill notebooks/04_selfvae_sketch.ipynb out.ipynb -p profile full -p seeds "[0]"
# ```
#
# Every setting carries its provenance: **[P]** stated in the paper, **[S]** the public code of the authors' predecessor paper (srVAE, same
# first author), **[R]** derived, **[Q]** this companion's specification, **[A]** this companion's choice.

# %% [markdown]
# ## The idea
#
# A selfVAE models an image $x$ together with a deterministic, discrete view of it, $y = d(x)$ — here a pencil sketch: the grey image divided by
# its blurred negative ("dodge"), kept as an 8-bit grey image. Two latents of $C \times 8 \times 8$ values split the work: $u$ describes the
# sketch, $z$ what the sketch lacks (colour, texture).
#
# $$p(x, y, z, u) = p_\lambda(u)\, p(y\mid u)\, p(z\mid y, u)\, p(x\mid y, z), \qquad q(u\mid y)\, q(z\mid x),$$
#
# with $p_\lambda$ a RealNVP prior and both $p(y\mid u)$ and $p(x\mid y,z)$ discretized logistic mixtures (PixelCNN++). The ELBO (Eq. 2) is
#
# $$\log p(x) \ge \log p(x, d(x)) \ge \mathbb E_q\big[\log p(x\mid y,z) + \log p(y\mid u)\big] - \mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid y,u)\big) - \mathrm{KL}\big(q(u\mid y)\,\|\,p_\lambda(u)\big).$$
#
# The first inequality is not an equality: the model does not know that $y$ is a function of $x$ and gives mass to sketches $y \ne d(x)$
# as well, so $p(x) = \sum_y p(x, y) \ge p(x, d(x))$. The negative ELBO and the importance-weighted estimate of the selfVAE are upper bounds of
# $-\log p(x, d(x))$, which is itself at least $-\log p(x)$: its NLL is at most what the tables print.
#
# The baseline is a VAE with the same kind of prior: $\log p(x) \ge \mathbb E_q \log p(x\mid z) - \mathrm{KL}(q(z\mid x)\,\|\,p_\lambda(z))$. Both are
# scored in **bits per dimension**, $\mathrm{bpd} = (\mathrm{RE} + \mathrm{KL}) / (D \ln 2)$, with RE and KL the two terms in nats per image and $D$
# the number of sub-pixels of $x$ only: the selfVAE pays for its sketch inside RE ($-\log p(y\mid u)$), and gets it back only if the sketch makes
# $x$ cheaper to describe. The paper's own numbers say it does not on CelebA (3.24 bpd against the VAE's 3.12); what the sketch is meant to
# buy is control and compression: given a sketch, the model draws images that keep it, and u and z alone (16 % of the values) rebuild the image.
#
# The likelihood is `companion.core.discretized_logistic` (tested: the 256 probabilities of a pixel sum to one, RGB and grey), the models
# `companion.papers.selfvae.model` (the hierarchical ELBO's KL sum starts at $k = 1$; the paper prints $k = 2$, which would drop $z_1$'s KL), the
# importance-weighted likelihood the per-image estimator of Burda et al. (tested: one sample gives the ELBO).

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"      # "quick": two CPU cores, minutes; "full": CelebA 64 x 64 and CIFAR-10 at a larger scale, a GPU job
datasets = None        # subset of ["cifar10", "celeba"]; None: the profile's
seeds = None           # seeds of both models (paired by seed); None: the profile's (three)
device = "auto"        # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None      # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/04_selfvae_sketch (quick), figures/full/... (full)
overrides = {}         # Config fields changed for every run, e.g. {"iterations": 2000}
jobs = None            # parallel training processes (one torch thread each); None: $COMPANION_JOBS or one per core
scheduler = None       # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False          # True: the profile's every dataset, model and evaluation at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from companion.claims import show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.selfvae import sketch_claims as sc
from companion.papers.selfvae import sketch_experiment as se
from companion.papers.selfvae import sketch_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir, shown
from companion.plots import save_figure, save_table, use_style
from companion.tables import run_times, run_times_line

use_style()
plt.rcParams["figure.dpi"] = 70  # inline images small enough for the repository; saved files keep 150 dpi
pd.set_option("display.max_colwidth", 120)
plan = se.make_plan(profile, datasets=datasets, seeds=seeds, overrides=overrides, smoke=smoke)
out = check_output_dir(output_dir or figures_dir("04_selfvae_sketch", profile, smoke))
jobs = jobs or default_jobs()
use_scheduler(scheduler)
print(f"profile {plan.profile.name}: {len(plan.all_runs)} trained models")
for ds in plan.datasets():
    print(f"  {ds}: {[se.MODEL_NAMES[m] for m in se.MODELS]}, seeds {[c.seed for c in plan.runs[(ds, 'vae')]]}")
missing = se.missing_datasets(plan)
for ds, why in missing.items():
    print(f"NOT RUN {ds}: {why}")
plan = se.without(plan, missing)
print(f"Figures and tables are written to {shown(out)}/")

# %% [markdown]
# ## Settings
#
# The settings of each dataset's runs (both models share them; each run then sets its model and seed). The `source` column says where a value
# comes from; a value that differs from the field's default shows the default it replaces.

# %%
for ds in plan.datasets():
    print(ds)
    display(report.settings_table(plan.runs[(ds, "selfvae")][0]))

# %% [markdown]
# ### Why the quick profile looks like this
#
# The paper trains 32–42 M-parameter DenseNet-style networks for days on a GPU (latents 16 × 8 × 8, ten mixture components). The **quick**
# profile [A] keeps every piece of the model — both latents, the RealNVP prior (four checkerboard couplings with s = w·tanh), the conditional
# Gaussian p(z|y,u), discretized logistic mixtures for x and for the sketch — and shrinks the rest for two CPU cores: plain ELU conv nets of
# width 32 (0.16 M parameters for the VAE, 0.30 M for the selfVAE), latents 4 × 8 × 8, three mixture components, 210 Adamax steps of 64 images
# on the first 10k CIFAR-10 training images of the offline folder, **three seeds of each model**, paired by seed. One step costs ~0.24 s
# (VAE) and ~0.6 s (selfVAE) on one core with the AVX2 kernels the notebooks pin for reproducible numbers (up to ~40 % more on a busy
# day of the same machine); 400 steps took the notebook to 612 s, over its ten-minute budget, and 300 steps to 530 s, too much for the six
# notebooks to share CI's hour, so it trains 210 (the claims of an earlier version of this notebook had the same verdicts at 300 steps). The
# learning rate is 6e-3 [A]: with the predecessor code's scale the quick VAE needs 800 steps to reach the bpd that a larger rate reaches in
# 300 (measured with torch's default kernels: 6.16 bpd after 800 steps at 1e-3; after 300 steps, 6.17 at 3e-3 and 5.77 at 6e-3).
# These models are far from converged: their bpd is not comparable with the paper's, only with each other.
#
# This is **CIFAR-10 at 32 × 32, not the paper's CelebA at 64 × 64**: the paper's sketch rows are on CelebA, which is not among the offline
# copies. The **full** profile trains on CelebA 64 × 64 with the paper's crop (and CIFAR-10 at full size), latents 16 × 8 × 8 [P], ten
# components [S], batch 32 and Adamax 2e-3 [S], wider plain conv nets (not the paper's DenseNets), ~20 epochs, three seeds, and the
# importance-weighted NLL with the paper's 512 samples.

# %% [markdown]
# ## The transformations (Fig. 7)
#
# The non-trainable views d(x) of eight test images: the original, its ×2 and ×4 downscalings (the paper's other selfVAE, not trained here)
# and the pencil sketch this notebook's selfVAE conditions on. A Sobel edge map is shown beside it as a deviation (the paper describes the
# dodge blend). Every row is an 8-bit image; the downscaled ones are drawn at full size with nearest-neighbour pixels.

# %%
for ds in plan.datasets():
    fig = report.transformation_gallery(se.images(plan.runs[(ds, "selfvae")][0], "test")[:8], plan.base.sketch_sigma)
    save_figure(fig, out, f"fig7_transformations_{ds}")
    plt.show()

# %% [markdown]
# ## Training and evaluation
#
# Every model trains through `companion.train.fit` (Adamax on the mean negative ELBO per image) and is evaluated once on held-out images: the
# ELBO with its RE and KL terms (one sample per image), the importance-weighted NLL, and for the selfVAE the squared error of every mode of
# Fig. 3 and the edge overlap of its conditional generations. Results are cached under the hash of the config and the code, so a re-run
# retrains nothing.

# %%
# NBVAL_IGNORE_OUTPUT
runs = se.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["dataset", ("model", se.label), "seed"])
print(run_times_line(timing, jobs))

# %% [markdown]
# ## Table 1 — bits per dimension, RE and KL
#
# This run's rows (mean ± std over seeds), with the bpd that RE and KL imply beside the ELBO bpd: the two agree by construction, since bpd is
# (RE + KL)/(D ln 2) (an identity, checked among the diagnostics, not a claim). The IW-NLL column is the per-image importance-weighted
# estimate on the first test images; for the selfVAE it is an upper bound of $-\log p(x, d(x))$, not of $-\log p(x)$ alone (§ The idea).

# %%
frame = report.metrics_frame(runs)
for ds in plan.datasets():
    table = report.results_table(frame, ds)
    save_table(table, out, f"table1_{ds}")
    print(report.DATASET_NAMES[ds], "(this run)")
    display(table)

# %% [markdown]
# Where the bits go: RE and KL split by variable, in bits per sub-pixel of x (mean over seeds). The selfVAE's total adds the sketch's cost
# (RE_y) and u's (KL_u) to what x costs given its sketch and z.

# %%
for ds in plan.datasets():
    split = report.split_table(frame, ds)
    save_table(split, out, f"bits_by_variable_{ds}")
    display(split)

# %% [markdown]
# The paper's rows (Table 1, the likelihood-based models; Table 2, the CIFAR-10 VAE with three priors). Its RE and KL columns imply the
# printed bpd within 0.015 in every row, and no printed bpd lies above the bpd its RE and KL imply by more than the printed rounding (as an
# importance-weighted bound must not): RE and KL are the ELBO's terms and the printed bpd is practically the ELBO (a diagnostic below). The
# paper's CelebA sketch row is **another dataset, at another resolution, network and scale** than this quick run: its values and its
# ordering are printed beside this run's, not tested.

# %%
paper = report.paper_table()
save_table(paper, out, "paper_tables_1_2")
display(paper)

# %% [markdown]
# ## Fig. 3 and Fig. 12 — every mode, and what it transmits
#
# The same eight test images through every mode (samples of (i) are not of these images). In brackets: the share of the image's values the
# mode sends through the latents or the sketch — the paper's "16 % of the original data" for RS2 on CelebA is (u + z)/x = 2·16·8·8/(64·64·3).
# (ii) conditional reconstruction: the true sketch y* and z inferred from x; (iii) conditional generation: y* given, z drawn from p(z|y*,u);
# (iv) RS1: only u is sent, the sketch ŷ and z are generated; (v) RS2: u and z are sent, the sketch is generated. The VAE sends its z.
#
# The paper's Fig. 6, whose CIFAR-10 panel this grid resembles, shows its *downscaling* selfVAEs, which this notebook does not train; this grid
# is the same idea for the sketch model. After 210 steps it does not show the paper's Fig. 12 effect: RS2's rows are blurred copies of the
# images (the paper's CelebA RS2 reconstructions are "identical with the input ones"), RS1 and the conditional generations are colour noise
# around the sketch's strokes, and the VAE's reconstruction from half the values looks about as sharp as RS2 (the first claim measures it).

# %%
for ds in plan.datasets():
    fig = report.modes_figure(runs, ds)
    save_figure(fig, out, f"fig12_modes_{ds}")
    plt.show()

# %% [markdown]
# ## Fig. 1 (ii, iii) — unconditional samples
#
# u from the RealNVP prior, its sketch (the mean of p(y|u)), z from p(z|y,u), and the mean of p(x|y,z); the VAE's z from its own RealNVP prior.
# After 210 steps neither model draws objects: the selfVAE's sketches are nearly blank and both models' images are colour blobs, so the
# paper's point — more coherent selfVAE generations (its Fig. 1 is CelebA) — does not show here.

# %%
for ds in plan.datasets():
    fig = report.samples_figure(runs, ds)
    save_figure(fig, out, f"fig1_samples_{ds}")
    plt.show()

# %% [markdown]
# ## Fig. 13 (i) — interpolation through u
#
# u moves on a straight line between the posterior means of two test images' sketches; each u gives a sketch, and the image is drawn with z at
# the mean of p(z|y,u). The paper's Fig. 13 (ii), z varied at a fixed u, needs its 3-level model. After 210 steps the path gives faint
# sketches and near-uniform grey-brown images, not the paper's "meaningful modifications" that share characteristics of both ends.

# %%
for ds in plan.datasets():
    fig = report.interpolation_figure(runs, ds)
    save_figure(fig, out, f"fig13_interpolation_{ds}")
    plt.show()

# %% [markdown]
# ## Claims
#
# Each claim quotes the paper and says where the words stand. Its test is also run on a **negative control**, where the paper's effect should
# be absent: both models rebuilt at initialisation from their configs' seeds (untrained), or shuffled sketch/image pairs; a test that passes on
# its control cannot tell the effect from its absence, and the claim is then NOT TESTED. So it is when a model has not learned — every model's
# test ELBO must lie below 7.4 bpd (half a bit under an independent per-channel histogram of the images, which scores 7.92) and below its own
# ELBO at initialisation — and when the seeds cannot decide: a comparison is a paired t-interval over three or more seeds (each seed's mean
# over the same 100 test images), and an interval that straddles the line decides nothing. What holds for any model (bpd = (RE + KL)/(D ln 2),
# the importance-weighted bound at or below the ELBO) is not a claim; it is among the diagnostics.
#
# * **RS2 at 16 %.** The paper's point is compression: RS2 sends u and z, (u + z)/x = 16.7 % of the values, and rebuilds the image. RS1
#   against RS2 says nothing about that (RS2 also gets z from x itself); the comparison is the VAE's reconstruction from as many values. This
#   run's VAE sends its z, 8.3 %: RS2 *worse* than the VAE is a FAIL (a VAE with more latent channels can leave them unused, so it would do
#   no worse), RS2 better is not decided (the VAE was given half as much).
# * **The kept sketch.** A decoder that copies the sketch into the image keeps it by construction, and it passes the obvious test — the
#   generation's sketch overlaps the given one more than another image's — too. So the conditional generations must keep the sketch better than
#   that copy does (edge IoU of d(x̂) with y*).
# * **The bpd ordering** of Table 1 is on CelebA with the paper's networks: shown beside this run's, not comparable.

# %%
measured = sc.measure(plan, runs)  # the controls: each model rebuilt at initialisation, the copy-the-sketch decoder
claims = sc.claims(plan, runs, measured)
show_claims(claims, out)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile: CIFAR-10 32 × 32, 210 steps, three seeds of each model). Every model learned:
# test ELBO 5.85–6.07 bpd for the VAE and 6.93–7.24 for the selfVAE, against 9.94–10.01 and 11.73–11.80 for the same models at
# initialisation (the diagnostics' learned row).
#
# * **RS2 against the VAE: NOT TESTED.** RS2's squared error per pixel is 0.0104, 0.0098 and 0.0116 by seed, the VAE's reconstruction
#   0.0098, 0.0115 and 0.0243 (its seed 2 reconstructs worse): RS2 − VAE −0.0046 [−0.0223, +0.0131], an interval that straddles 0. Had it
#   cleared 0 on RS2's side, the claim would still not be decided: RS2 sends twice the VAE's values (16.7 % against 8.3 %) and more nats
#   (KL_u + KL_z = 391 against the VAE's 249), so only RS2 doing worse could have decided it (FAIL). The control, both models at
#   initialisation, straddles as well (RS2 0.20–0.25 against the VAE's 0.25–0.28) and so does not pass. At equal values the run holds a
#   pair that is not the paper's claim: RS1 sends u alone, 8.3 % like the VAE's z, and its error, 0.072–0.092 (diagnostics), is seven to
#   nine times the VAE's: at this budget u is a far poorer code of x than the VAE's z.
# * **The kept sketch: PASS.** The sketch of a conditional generation overlaps the sketch it was given with an edge IoU of 0.561, 0.482 and
#   0.480 by seed, above the 0.359 of the copy-the-sketch decoder on the same 100 images: +0.149 [+0.035, +0.263]. The copy is the bar
#   because it passes the obvious test too (0.359 with its own sketch against 0.026 with another image's). Both controls fail: the selfVAE
#   at initialisation reaches 0.001–0.028, and the trained model's generations scored against another image's sketch 0.039–0.046. What
#   passes is the strokes: the colours are not the image's (row (iii) fills the given strokes with the blue-and-tan palette of the model's
#   samples), and the paper's "high-level details that characterize each person" is a CelebA statement this run cannot look at.
# * **The bpd ordering: NOT TESTED, not comparable.** The paper's 3.24 against 3.12 bpd is CelebA 64 × 64 with 32–42 M-parameter networks;
#   this run's selfVAE is above its VAE by far more, 7.24, 7.22 and 6.93 against 5.99, 5.85 and 6.07 (+1.16 [+0.50, +1.82]). The control
#   shows why the ordering would not be evidence even on CelebA: before any training the selfVAE is above the VAE too (11.73–11.80 against
#   9.94–10.01), because it also pays for its sketch. The table of bits by variable says the same of the trained models: given its sketch
#   and z, x costs about what the VAE's x costs given z (5.74 against 5.85 bits per sub-pixel), so the sketch's own 1.21 bits per sub-pixel
#   of x are almost all extra.
#
# The identities that were claims before — the paper's printed bpd as its RE + KL, this run's bpd as its RE + KL (to 1.1e-06), the
# importance-weighted bound 0.029–0.068 bpd below the ELBO — hold, and are diagnostics: they hold for a model at initialisation too. The
# per-latent row shows how little the sketch's latent carries: u holds 40 nats per image (0.019 bits per sub-pixel of x, 0.16 nats per
# dimension) against z's 351 (1.37 per dimension) and the VAE's 249. By Burda et al.'s count most of u's 256 dimensions are active
# (207–255: their posterior means vary over the images), but 40 nats is little next to the 2,574 nats (1.21 bits per sub-pixel of x) that
# the sketch itself costs: ŷ(u), the sketch that RS1 and RS2 regenerate, is nearly blank in the grid.
#
# None of this says the quick models are good: they are two orders of magnitude smaller than the paper's and trained for minutes; their
# unconditional samples are colour blobs, and the selfVAE's conditional reconstructions lose some colours (green frogs turn brown).

# %% [markdown]
# ## What this run cannot show

# %%
display(Markdown("\n".join(f"* {p}" for p in report.limits(plan, runs))))

# %% [markdown]
# ## Diagnostics
#
# Training-health checks of the runs behind the claims, and the identities that hold for any model (the paper's printed bpd against its RE + KL,
# this run's bpd as its RE + KL, the importance-weighted bound at or below the ELBO). They are not claims of the paper: they say whether a run is
# usable and a computation consistent. The learned row is the claims' precondition with its numbers; the latent row gives each latent's KL
# and its active units (dimensions whose posterior mean varies over the test images, Burda et al.).

# %%
show_diagnostics(sc.diagnostics(plan, runs, measured), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it.

# %%
show_coverage(report.coverage(plan), out)
