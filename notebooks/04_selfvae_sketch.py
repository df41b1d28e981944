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
# runs' training health, the identities every model satisfies and what the paper shows without saying it in words (the conditional
# generations keep their sketch), and ends with every figure and table of the paper and what this notebook does with it.
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
# importance-weighted likelihood the per-image estimator of Burda et al. (tested: one sample gives the ELBO). The docstrings of `model.py`
# (the module's and `SketchSelfVAE.log_weights`) write $\log p(x, d(x)) = \log p(x)$ where $\le$ is right (above); the code computes the
# bound stated here, and the words are corrected with the next retrain (editing a training-side module invalidates the cached models).

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"      # "quick": two CPU cores, minutes; "extended": 1,600 steps and an equal-values VAE (~1 h); "full": CelebA 64 x 64 and CIFAR-10 at a larger scale, a GPU job
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

from companion.claims import show_budget, show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.selfvae import sketch_claims as sc
from companion.papers.selfvae import sketch_experiment as se
from companion.papers.selfvae import sketch_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir, shown
from companion.plots import save_figure, save_table, use_style
from companion.stored import show_stored
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
    print(f"  {ds}: {[se.MODEL_NAMES.get(m, m) for d, m in plan.runs if d == ds]}, seeds {[c.seed for c in plan.runs[(ds, 'vae')]]}")
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
# notebooks to share CI's hour, so it trains 210. The
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
# The non-trainable views d(x) of eight test images, lettered as the paper's Fig. 7: (a) the original, its ×2 and ×4 downscalings (among
# panels (b)–(d); the paper's other selfVAE, not trained here) and (i) the pencil sketch this notebook's selfVAE conditions on. The sketch
# is the paper's recipe — a colour dodge of the grey image with its blurred inverse — with a **Gaussian** blur (σ = 1 px, the companion's
# choice), not the Gastal–Oliveira edge-preserving filter the paper cites for it (OpenCV's, not in the package list). A Sobel edge map is
# shown beside it as a deviation (not in Fig. 7). Every row is an 8-bit image; the downscaled ones are drawn at full size with
# nearest-neighbour pixels.

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
# The same eight test images through every mode (samples of (i) are not of these images), the rows named as App. A.6 names them. In
# brackets: the share of the image's values the mode sends through the latents or the sketch — the paper's "16 % of the original data" for
# RS2 on CelebA is (u + z)/x = 2·16·8·8/(64·64·3). CM is the true sketch y*; (ii) conditional reconstruction: CM and z inferred from x;
# CG, (iii) conditional generation: CM given, z drawn from p(z|y*,u); the reconstructed CM, ŷ(u): the sketch regenerated from u; RS1, (iv):
# only u is sent, ŷ(u) and z are generated; RS2, (v): u and z are sent, ŷ(u) is generated. The VAE sends its z.
#
# The paper's Fig. 6, whose CIFAR-10 panel this grid resembles, shows its *downscaling* selfVAEs, which this notebook does not train; this grid
# is the same idea for the sketch model. After 210 steps it does not show the paper's Fig. 12 effect, and the reason is the sketch branch:
# it has learned nothing that shows. The reconstructed CM is nearly blank, no closer to the true sketch than the mean training sketch (the
# first claim), so RS1 is colour noise and RS2 is z alone — its blurred copies of the images (the paper's CelebA RS2 reconstructions are
# "identical with the input ones") come out the same with an all-white sketch in ŷ(u)'s place (diagnostics). CG does follow the strokes
# it is given, filled with the blue-and-tan palette of the model's samples; the VAE's reconstruction from half the values looks about as
# sharp as RS2.

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
# u moves on a straight line between the posterior means of two test images' sketches, from t = 0 (image A's u) to t = 1 (image B's u),
# with the two images and their true sketches at either end; each u gives a sketch, and the image is drawn with z at the mean of p(z|y,u).
# The paper's Fig. 13 (ii), z varied at a fixed u, needs its 3-level model. After 210 steps the path gives faint sketches and near-uniform
# grey-brown images, not the paper's "meaningful modifications" that share characteristics of both ends — for the reason of Fig. 12: even
# at the ends, ŷ(u) is nearly blank where the true sketches are full of strokes, so there is little to interpolate.

# %%
for ds in plan.datasets():
    fig = report.interpolation_figure(runs, ds)
    save_figure(fig, out, f"fig13_interpolation_{ds}")
    plt.show()

# %% [markdown]
# ## Claims
#
# Each claim quotes the paper and says where the words stand. Its test is also run on a **negative control**, where the paper's effect should
# be absent: the selfVAE rebuilt at initialisation from its config's seed (untrained), RS2 given another image's z, or both models at
# initialisation; a test that passes on its control cannot tell the effect from its absence, and the claim is then NOT TESTED. So it is when
# a model has not learned — every model's test ELBO must lie below its own trivial baseline, an independent per-channel histogram of the
# images for the VAE (7.918 bpd on these test images) and that plus a histogram of the sketch's pixels for the selfVAE, which models both
# (7.918 + 1.267 = 9.185), and below its own ELBO at initialisation — and when the seeds cannot decide: a comparison is a paired t-interval
# over three or more seeds (each seed's mean over the same 100 test images), and an interval that straddles the line decides nothing.
# What holds for any model (bpd = (RE + KL)/(D ln 2), the importance-weighted bound at or below the ELBO) is not a claim, nor is what the
# paper does not say in words; both are among the diagnostics.
#
# * **u reconstructs the sketch** (App. A.6: the sketch, "through the latent variable u, manages to reconstruct with tremendous accuracy").
#   ŷ(u), the sketch that RS1 and RS2 regenerate, must match the image's own sketch better than another image's (edge IoU) and better than
#   the mean training sketch, a sketch that ignores u (squared error). Its likelihood p(y|u) must also have learned on its own metric: RE_y
#   below the sketch histogram's bits and below its own at initialisation. The paper gives no number for "tremendous accuracy", so the test
#   has a second control, a shortcut: the sketch projected on 16 principal components of the training sketches (16 numbers, a sixteenth of
#   u's), a reconstruction nobody would call accurate. If it clears the same test, the test can only say that u carries image-specific
#   sketch information, and the claim is NOT TESTED; a PCA with as many numbers as u is printed beside ŷ(u) as a reference line.
# * **RS2 at 16 %** (§4.3). The paper's point is compression: RS2 sends u and z, (u + z)/x = 16.7 % of the values, and rebuilds the
#   image. RS1 against RS2 says nothing about that (RS2 also gets z from x itself); the comparison is a VAE's reconstruction from as many
#   values, a VAE with twice the latent channels. That VAE is not trained here (~3–5 core-minutes for three seeds; the notebook is near its
#   ten-minute budget; the extended run trains it), so the claim shows RS2 beside this run's VAE, which sends half as much (8.3 %), and is
#   decided only once both the equal-values VAE exists and the sketch branch has learned (ŷ(u) beats the mean sketch beyond the untrained
#   model; else RS2 is z with an uninformative sketch). The test asks for RS2 below the VAE; "at least as well" with no margin given, a
#   straddling interval decides nothing either way.
# * **The bpd ordering** of Table 1 is on CelebA at 64 × 64 with latents 16 × 8 × 8: shown beside this run's, decided only on a run set up
#   that way, and then only if the ordering does not already hold before training.

# %%
measured = sc.measure(plan, runs)  # baselines and controls: histograms, each model rebuilt at initialisation, shuffled pairs
claims = sc.claims(plan, runs, measured)
show_claims(claims, out)

# %% [markdown]
# ### Budget per claim
#
# What deciding each claim costs on this kind of CPU (core-minutes: measured seconds per step times the steps and runs it needs, one thread per
# run) and the profile that decides it: **quick** (this notebook, at most ten minutes on two cores), **extended** (a long CPU run, stored at the end
# of this notebook) or **full** (the paper's setting on a GPU); "not decidable here" says why no budget helps. A row covers every claim
# whose sentence starts with it.

# %%
show_budget(sc.budget(), out, claims)

# %% [markdown]
# ### Reading the verdicts
#
# Measured when this notebook was committed (quick profile: CIFAR-10 32 × 32, 210 steps, three seeds of each model). Every model learned:
# test ELBO 5.85–6.07 bpd for the VAE against its histogram's 7.918 and 9.94–10.01 at initialisation, and 6.93–7.24 for the selfVAE
# against 9.185 and 11.73–11.80 (the diagnostics' learned row). All three claims are NOT TESTED, and the first says why the paper's
# figures do not show here.
#
# * **u reconstructs the sketch: NOT TESTED — the sketch branch has learned nothing that shows.** p(y|u) passes its own precondition, but
#   barely: RE_y is 1.203–1.218 bits per sub-pixel of x against 1.267 for a histogram of the sketch's pixels (and 1.81–1.84 at
#   initialisation). ŷ(u) itself overlaps its own sketch with an edge IoU of 0.075, 0.026 and 0.014 by seed, another image's with 0.012,
#   0.006 and 0.003: +0.031 [−0.037, +0.099], an interval that straddles 0; its squared error to the true sketch, 0.0131, 0.0160 and
#   0.0191, is no better than the mean training sketch's 0.0180 (−0.0019 [−0.0093, +0.0055]). On the IoU the trained model cannot be
#   told from the untrained one (whose ŷ is dark everywhere, so every pixel counts as an edge and it scores 0.097 against its own sketch
#   and against another's alike): the model minus its control straddles 0, which the table reports as the control passing (the test
#   cannot tell the model from it); the model's own intervals straddle too. This is why RS1, RS2 and Fig. 13 show nothing of the paper's: they run on a
#   regenerated sketch that is nearly blank.
# * **RS2 against a VAE at equal values: NOT TESTED**, for two reasons measured above: the sketch branch has not learned, and no VAE
#   sending 16.7 % of the values is trained. Beside the VAE this run has (8.3 %), RS2's squared error per pixel is 0.0104, 0.0098 and
#   0.0116 by seed against 0.0098, 0.0115 and 0.0243 (its seed 2 reconstructs worse): −0.0046 [−0.0223, +0.0131], straddling 0. The
#   control works as it should: RS2 given another image's z errs by 0.097–0.102, +0.085 [+0.067, +0.103] above the VAE. What RS2 is here,
#   the diagnostics say: the same decoder and z with an all-white sketch in ŷ(u)'s place err by 0.0116, 0.0101 and 0.0119 (RS2 −
#   all-white −0.0006 [−0.0019, +0.0006]), so RS2 is z alone; with the true sketch (the conditional reconstruction, (ii)) they err by
#   0.0055–0.0069. At equal values the run does hold one pair, though not the paper's claim: RS1 sends u alone, 8.3 % like the VAE's z,
#   and its error, 0.072–0.092 (diagnostics), is 7.3, 7.5 and 3.8 times the VAE's by seed.
# * **The bpd ordering: NOT TESTED, not comparable.** The paper's 3.24 against 3.12 bpd is CelebA 64 × 64 with latents 16 × 8 × 8 and
#   32–42 M-parameter networks; this run's selfVAE is above its VAE by far more, 7.24, 7.22 and 6.93 against 5.99, 5.85 and 6.07 (+1.16
#   [+0.50, +1.82]). A run set up as the paper's would not decide it either while its control passes, as it does here: before any
#   training the selfVAE is above the VAE too (11.73–11.80 against 9.94–10.01, +1.79 [+1.77, +1.82]), because it also pays for its
#   sketch. The table of bits by variable says the same of the trained models: given its sketch and z, x costs about what the VAE's x
#   costs given z (5.74 against 5.85 bits per sub-pixel), so the sketch's own 1.21 bits per sub-pixel of x are almost all extra.
#
# The conditional generations (CG) follow the sketch they are given — the paper shows it in Fig. 12 but states it nowhere in words, so it is
# a diagnostic, not a claim: d(CG) overlaps its own sketch with an edge IoU of 0.561, 0.482 and 0.480 by seed, another image's with
# 0.039–0.046 (+0.465 [+0.352, +0.578]), where the untrained selfVAE scores 0.001–0.029 against either. The decoders that copy the sketch
# into RGB are reference lines, not a bar: y itself scores 0.359, y² 0.760, y⁴ 0.534, a blurred y 0.149, and x's own luma (the oracle) 1.000
# — which copy one picks moves the line from below the model to above it. What CG keeps is the strokes: the colours are not the image's
# (row CG fills the given strokes with the blue-and-tan palette of the model's samples), and the paper's "high-level details that
# characterize each person" is a CelebA statement this run cannot look at.
#
# The identities — the paper's printed bpd as its RE + KL, this run's bpd as its RE + KL (to 1.1e-06), the importance-weighted bound
# 0.029–0.068 bpd below the ELBO — hold, and are diagnostics: they hold for a model at initialisation too. The per-latent row shows how
# little the sketch's latent carries: u holds 40 nats per image (0.019 bits per sub-pixel of x, 0.16 nats per dimension) against z's 351
# (1.37 per dimension) and the VAE's 249. By Burda et al.'s count most of u's 256 dimensions are active (207–255: their posterior means
# vary over the images), but 40 nats is little next to the 2,574 nats (1.21 bits per sub-pixel of x) that the sketch itself costs.
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
# usable and a computation consistent. The learned rows are the claims' preconditions with their numbers; the latent row gives each latent's KL
# and its active units (dimensions whose posterior mean varies over the test images, Burda et al.); the last two say what the sketches do:
# whether RS2 uses its regenerated sketch (against an all-white one) and whether the conditional generations follow theirs (against another
# image's, beside the untrained model, with the copy-the-sketch decoders as reference lines).

# %%
show_diagnostics(sc.diagnostics(plan, runs, measured), out)

# %% [markdown]
# ## Coverage
#
# Every figure and table of the paper and what this notebook does with it.

# %%
show_coverage(report.coverage(plan, runs, measured), out)

# %% [markdown]
# ## The extended profile (stored run)
#
# The quick models trained 1,600 steps instead of 210 (three seeds of each), with a third model the quick profile lacks: a VAE whose z has
# twice the latent channels (8 × 8 × 8), so that it sends as many values as the selfVAE's u and z together (16.7 % of x's), the comparison
# RS2's claim needs. 1,600 steps was fixed before the run (the budget table's estimate of when the sketch branch learns). Trained on the
# two-core AMD EPYC beside other jobs: 60 minutes (2026-12-06). **0 PASS, 3 NOT TESTED.** The sketch branch has learned: ŷ(u) overlaps its
# own sketch's edges with IoU 0.461, 0.481 and 0.487 by seed against 0.037–0.042 for another image's (+0.437 [+0.410, +0.465]), and its
# squared error to the true sketch, 0.0047–0.0052, is about a quarter of the mean training sketch's 0.0180 (the fig12 row "reconstructed
# CM" now draws the sketches). But *u reconstructs the sketch* stays **NOT TESTED**: the same test is cleared by the shortcut control, the
# sketches projected on 16 principal components of the training sketches (IoU 0.067 against 0.014, error 0.0126), so it shows that u
# carries image-specific sketch information, not the paper's "tremendous accuracy", for which the paper gives no number; ŷ(u) is about as
# good as a linear PCA with as many numbers as u (IoU 0.495, error 0.0046). (A referee's check beside it: RS2, decoded from ŷ(u), errs
# 1.7–1.9 times as much as the same decoder given the true sketch.) The untrained selfVAE fails the test, as it must, but by construction
# (its ŷ is dark everywhere), so it is no evidence alone. *RS2* is **NOT TESTED**: its squared error, 0.0030–0.0036, against the
# equal-values VAE's 0.0037–0.0055 straddles (−0.0011 [−0.0038, +0.0016]); at that mean and spread about seven seeds would decide it. The
# comparison leans towards RS2 (0.30 M parameters against 0.18 M, a rate of 698 nats against 612). The bpd ordering holds again (6.12
# against 5.18 bpd) and stays not comparable (CIFAR-10, latents 4 × 8 × 8), its control passing as before. Every model learned (test ELBO
# 5.06–5.27 bpd for the VAEs, 6.05–6.24 for the selfVAE, against 7.92 and 9.19 for the histograms), and the sketch likelihood p(y|u) is at
# 1.07–1.09 bits per sub-pixel of x against the sketch histogram's 1.27.
#
# Read from `figures/extended/04_selfvae_sketch/` with the commit, the hardware, the date and the wall time of that run (`run.json`), never
# mixed with this run's tables above; a run whose training code has changed since is marked stale. `companion run 04 --profile extended`
# re-makes it.

# %%
if plan.profile.name == "quick":
    show_stored("04_selfvae_sketch", "extended", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
else:
    print(f"This is the {plan.profile.name} profile's run: its own tables are above.")

# %% [markdown]
# ## The full profile (stored GPU runs)
#
# The paper's settings, trained piece by piece in short GPU slots by `make gpu` (`companion gpu --plan` lists the pieces and what fits in a
# slot) and stored under `figures/full/04_selfvae_sketch/` with `run.json`, beside this run's tables and never mixed with them.

# %%
if plan.profile.name == "quick":
    show_stored("04_selfvae_sketch", "full", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
