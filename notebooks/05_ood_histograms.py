# %% [markdown]
# # Out-of-distribution detection with likelihoods: VAE vs Soft-IntroVAE
#
# *Daniel & Tamar, "Soft-IntroVAE: Analyzing and Improving the Introspective Variational Autoencoder", CVPR 2021* — §6.5, App. 9.7,
# Table 7 and Fig. 8 (arXiv 2012.13253).
#
# Likelihood models are known to fail a simple test (Nalisnick et al. 2019): a VAE trained on CIFAR-10 gives SVHN digits a *higher* likelihood
# than CIFAR-10's own test images. The paper shows that Soft-IntroVAE, whose encoder is trained to give low ELBO to samples off the data
# manifold, ranks the in-distribution images higher. This notebook trains both methods on the same networks and regenerates
# **Table 7** (AUROC of the ELBO score), **Fig. 8** (log-likelihood histograms) and samples and reconstructions of every model, then checks
# the paper's claims, each quoted and tested beside a negative control (PASS, FAIL, or NOT TESTED with the measured reason), the models'
# training health in a separate table, what deciding each claim costs, and what this notebook does with every figure and table of the paper;
# it ends with the stored extended run's verdicts. It covers §6.5 and App. 9.7 only; the 2D experiments are notebook 01.
#
# Three profiles: **quick** (this notebook as committed, a few CPU minutes): MNIST ↔ Fashion-MNIST with a small MLP; **extended** (about 80
# minutes of training on two cores, stored under `figures/extended/05_ood_histograms/`): CIFAR-10 → SVHN, three seeds (the stored run; the
# profile can also train the 28×28 pairs longer);
# **full**: all four pairs with the paper's networks and epochs, a GPU job.
#
# ```
# papermill notebooks/05_ood_histograms.ipynb out.ipynb -p profile full
# ```
#
# Every setting carries its provenance: **[P]** paper, **[C]** the authors' code, **[A]** this companion's choice (the paper gives no
# architecture, epochs or decoder variance for this experiment).

# %% [markdown]
# ## Scores
#
# A model trained on dataset A scores an image $x$ by
#
# * the **ELBO** (Table 7): $\mathrm{ELBO}(x) = \frac1M\sum_{i} \log p(x|z_i) - \mathrm{KL}(q(z|x)\,\|\,p(z))$, $z_i\sim q(z|x)$, unit betas;
# * the **importance-weighted log-likelihood** (Fig. 8), $M = 5$:
#   $\log p(x) \approx \log\frac1M\sum_{i=1}^{M} \frac{p(x|z_i)\,p(z_i)}{q(z_i|x)}$. The paper's formula has no $\frac1M$; that only shifts every
#   score by $\log 5$.
#
# Both need a decoder density. The models are trained with the squared error, so $\log p(x|z) := -\lVert x - D(z)\rVert^2$: a Gaussian with
# variance ½ and its constant dropped [A]. Another variance would change the ranking.
#
# The AUROC (`sklearn.metrics.roc_auc_score`) asks how often an in-distribution test image scores above an OOD test image: 1 is perfect
# separation, 0.5 chance, and below 0.5 the OOD images score *higher*. Scores and AUROC are in `companion.core.ood_scores`; the Soft-IntroVAE update is
# `companion.papers.soft_introvae.method.soft_introvae_step`, the same function as in notebook 01.

# %% tags=["parameters"]
# Parameters (papermill overrides these)
profile = "quick"   # "quick": two CPU cores, minutes; "extended": ~80 min on two cores; "full": the paper's epochs (a GPU job)
datasets = None     # in-distribution datasets (Table 7 rows): subset of ["mnist", "fashion-mnist", "cifar10", "svhn"]
methods = None      # subset of ["vae", "sintrovae"]
seeds = None        # seeds; None: the profile's
device = "auto"     # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None        # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/05_ood_histograms (quick), figures/<profile>/05_ood_histograms
overrides = {}      # OODConfig fields changed for every run, e.g. {"epochs": 5}
jobs = None         # parallel training processes; None: $COMPANION_JOBS or one per core
scheduler = None    # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False      # True: the profile's every pair, network and score at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from companion.claims import show_budget, show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.soft_introvae import ood, ood_claims
from companion.papers.soft_introvae import ood_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir
from companion.plots import list_files, save_figure, save_table, use_style
from companion.stored import show_stored
from companion.tables import run_times, run_times_line

use_style()
pd.set_option("display.max_colwidth", 120)
plan = ood.make_plan(profile, datasets=datasets, methods=methods, seeds=seeds, overrides=overrides, smoke=smoke)
out = check_output_dir(output_dir or figures_dir("05_ood_histograms", profile, smoke))
jobs = jobs or default_jobs()
use_scheduler(scheduler)
print(f"profile {plan.profile.name}: {len(plan.runs)} models")
for ds in dict.fromkeys(c.dataset for c in plan.runs):
    print(f"  {ds} -> {ood.PAIRS[ds]}")
for ds, why in plan.skipped.items():
    print(f"  {ds} -> {ood.PAIRS[ds]}: not run. {why}")

# %% [markdown]
# ## Settings
#
# The paper gives no architecture for its OOD models; the defaults are the authors' image code's networks (IntroVAE-style residual blocks,
# widths (64, 128) for 28×28 and (64, 128, 256) for 32×32, linear decoder output) and training (Adam 2e-4, β_rec = β_kl = 1, β_neg = 256,
# s = 1/input dimension, no warm-up). The settings of the first run of each image size; a value the profile changed shows the default it
# replaces.

# %%
for size in (28, 32):
    first = next((c for c in plan.runs if ood.IMAGE_SHAPES[c.dataset][1] == size), None)
    if first is not None:
        print(f"{size}x{size} images:")
        display(ood.settings_table(first).drop(index=["dataset", "method", "seed"]))

# %% [markdown]
# ### Why the quick profile looks like this
#
# The paper trains its CIFAR-10 model for 220 epochs (the authors' code: 200 for MNIST) on a GPU; two CPU cores allow minutes. What this profile changes, and what was measured
# on this kind of machine (2 cores, one torch thread per training process) to choose it [A]:
#
# * **MNIST ↔ Fashion-MNIST: a fully connected VAE** (784-512-256-(2×32) and its mirror, linear output) for both methods, all
#   60k training images, **3 epochs at learning rate 1e-3** (the paper's 2e-4 learns too slowly for a few epochs). Three epochs keep the
#   notebook within ten minutes on two cores and the six notebooks within CI's hour: one Soft-IntroVAE step costs about 4 VAE steps.
# * **CIFAR-10 → SVHN is not in the quick profile.** With the residual net's widths divided by 4 (16, 32, 64), 2 epochs of 2k, 4k or 6k
#   of the offline CIFAR-10 images, neither model learned (AUROC 0.23–0.24), so its claims could not be decided in a quick run. The
#   **extended** profile trains it on all 10k offline images for 8 epochs, three seeds, and the MLP pairs for 10 epochs (section "The
#   extended profile" at the end). SVHN's training split is not offline, so SVHN → CIFAR-10 waits for the full profile.
# * **2000 test images per dataset** (the first 2000 in the official order; every class appears) and 2000 training images for Fig. 8.
#
# *History, in no stored output:* earlier runs of this notebook chose these settings. In them the narrow residual net was slower than the
# MLP on 28×28 and worse after 2 epochs, the MLP VAE's MNIST → Fashion-MNIST AUROC rose with more epochs (to about 0.94 after 8–10), 4 and 6
# epochs or 4k and 6k CIFAR-10 images took the notebook past its ten minutes, and at 4k and 6k images the CIFAR-10 models had not learned
# either. Those numbers are not evidence for anything in this notebook.
#
# One seed, so Table 7 has no ± here. `-p profile full` runs all four pairs with the authors' networks and the paper's epochs and 3 seeds
# (a GPU job); on the offline data it trains CIFAR-10 on the 10,000 images there, not the official 50,000, so even the full profile is not
# the paper's CIFAR-10 setting without the whole training split.
#
# One provenance tag in the settings tables above is wrong and waits for a change to `companion.papers.soft_introvae.ood` (which is part of
# the cached runs' key, so it is not edited together with this report): `epochs` is tagged **[P]**, but the 28×28 epochs (200) come from the
# authors' code, **[C]**; only CIFAR-10's 220 is the paper's (§9.2.2).

# %% [markdown]
# ## Training and scoring

# %%
# NBVAL_IGNORE_OUTPUT
runs = ood.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["dataset", "method", "seed"])
print(run_times_line(timing, jobs))
timing

# %% [markdown]
# ## Untrained references: the controls
#
# Every claim's test is also run on references that learn nothing by training, scoring the same test images: the config's network **at
# initialisation** (built with the run's seed, as training builds it before its first step, and not trained), a **per-pixel-mean Gaussian**
# (the mean training image, $\log p(x) := -\lVert x - \bar x\rVert^2$, the decoder's σ² = ½ and dropped constant) and **probabilistic
# PCA** in closed form (Tipping & Bishop), fitted to the same training images with the decoder's σ² = ½ as its noise variance and
# $k = \min(z_{dim}, \text{number of covariance eigenvalues above } σ^2)$ components (its exact log-likelihood, for both scores; seconds,
# no training). A test that already passes on them cannot tell the paper's effect from its absence, and its claim stays NOT TESTED. The VAE
# and Soft-IntroVAE of one seed start from the same network, so their columns at initialisation are equal. The column "in-test vs in-test"
# puts the model on both sides: its own test images at even against odd indices, which any score leaves near 0.5; the claims that compare
# the two methods use it as their control (the same paired test on Soft-IntroVAE's value minus the VAE's, over seeds: nothing to detect but
# noise). "training images" counts what each model trained on.

# %%
refs = report.references(plan, runs, device=device)
controls = report.controls_table(plan, runs, refs)
save_table(controls, out, "controls")
display(controls)

# %% [markdown]
# ## Diagnostics — training health
#
# Not claims of the paper: checks that say whether a model is usable, and checks that hold for any working score. A model has **learned**
# when both hold:
#
# 1. its reconstructions $D(\mu(x))$ of the 16 stored test images have a lower mean squared error than a *coarse layout* of the same images:
#    each image replaced by its block averages on the finest square grid that uses no more numbers than the model's latent code (7×7-pixel
#    blocks, 16 numbers, for 28×28 with zdim 32; 8×8-pixel blocks, 48 numbers, for 32×32 with zdim 64 or 128). A code that reconstructs no
#    better has learned no more than the colour of each region, and its likelihood ranks images by little more than how smooth they are;
# 2. its ELBO of the in-distribution test images (Table 7's score) is above the per-pixel-mean Gaussian's log-likelihood of the same images,
#    by a paired 95 % interval over the images clear of zero (the model at initialisation is shown beside them).
#
# The claims treat a model that fails either as not tested. Soft-IntroVAE's encoder should end with `kl_fake` ≥ `kl_real` (else β_neg needs
# retuning); a model that scores its training images above its test images (train-vs-test AUROC far from 0.5) has memorised them; and a
# model should not separate its own test images from themselves (even vs odd indices: within three null SDs of 0.5, the Mann–Whitney
# statistic's SD when nothing differs, 0.013 for 1000 + 1000 images). A model whose training loss (rec + kl_real, the negative ELBO of the
# real training batches, logged by both methods) still falls over the last third of training, beyond the scatter of its logged windows (a
# line through them whose 95 % interval of the change lies below 0), is **still converging**: its AUROCs are those of a model in mid-training.
# The last logged training losses follow.

# %%
show_diagnostics(report.diagnostics(plan, runs, refs), out)
last = pd.DataFrame([{"dataset": c.dataset, "method": c.method, **{k: round(v, 2) for k, v in r.history.iloc[-1].items()
                       if k in ("rec", "kl_real", "kl_fake", "kl_rec")}} for c, r in runs.items()])
display(last)

# %% [markdown]
# ## Table 7 — AUROC

# %%
t7 = report.table7(plan, runs)
save_table(t7, out, "table7")
display(t7)

# %% [markdown]
# How much an AUROC moves with the choice of test images: the standard deviation over 500 bootstrap resamples of the in-distribution and OOD
# test images (seeded), per model, and of the Soft-IntroVAE − VAE difference on the same resampled images. This is the sampling spread of
# the test set, **not** the seed-to-seed spread of training, which needs several seeds; it decides no claim.

# %%
spreads = report.spread_table(plan, runs)
save_table(spreads, out, "auroc_spread")
display(spreads)

# %% [markdown]
# ## Fig. 8 — log-likelihood histograms
#
# Histograms (density, step outlines, 100 bins over the full range of the scores: nothing is clipped, so a long tail widens the axis) of
# the M = 5 estimate for the in-distribution train and test images and the OOD test images, first seed of each model. The paper (CIFAR-10):
# the VAE puts SVHN to the right of CIFAR-10 (higher likelihood), Soft-IntroVAE to the left. The paper draws CIFAR-10 only; the 28×28 pairs
# are drawn in the same layout and titled "Fig. 8 layout (pair not in the paper)".

# %%
for ds in dict.fromkeys(c.dataset for c in plan.runs):
    fig = report.figure8(plan, runs, ds)
    save_figure(fig, out, f"fig8_{ds}_vs_{ood.PAIRS[ds]}")
    plt.show()

# %% [markdown]
# Which OOD images score like in-distribution ones? Per model (first seed, ELBO): the correlation of an OOD test image's ELBO with its mean
# pixel value (how much ink, or light, it has), the share of OOD images that score above the in-distribution test images' 5th percentile,
# their mean pixel value over the rest's, and the two classes most common among them (their share there, and among all scored OOD images).
# An observation, not a claim of the paper.

# %%
ink = report.ink_table(plan, runs)
save_table(ink, out, "ink")
display(ink)

# %% [markdown]
# ## Samples and reconstructions
#
# One column per model (first seed). Top: 16 decoder outputs for $z\sim\mathcal N(0, I)$. Bottom: 8 test images and their reconstructions
# $D(\mu(x))$ in alternating rows (rows 1 and 3 real, rows 2 and 4 the reconstructions of the images above them, as labelled), as the
# paper's Fig. 10(b) lays them out for CIFAR-10. Pixel values are clipped to [0, 1] for display (the decoder's output is linear).

# %%
if runs:
    fig = report.samples_figure(plan, runs)
    save_figure(fig, out, "samples_and_reconstructions")
    plt.show()
else:
    print("No model was trained (no dataset available): nothing to show.")

# %% [markdown]
# ## Claims
#
# Each claim carries the paper's own words and where they stand, the test on this run's AUROCs, the same test on its control, and the
# verdict; `companion.papers.soft_introvae.ood_claims` declares them.
#
# * **App. 9.7, Table 7**: for CIFAR-10 → SVHN "the standard VAE performs poorly" (0.378): ELBO AUROC < 0.5. **§6.5, Fig. 8(a)**: with the
#   M = 5 estimate, the VAE gives SVHN the higher log-likelihood (AUROC < 0.5). Controls: the network at initialisation, the per-pixel-mean
#   Gaussian and probabilistic PCA. The per-pixel-mean Gaussian depends only on the data and ranks SVHN above CIFAR-10 in every profile
#   (AUROC 0.384 on these 2000 test images, 0.387 on all 10,000 offline ones), so AUROC < 0.5 needs no learning: these two claims cannot be
#   decided by this test at any budget, and their reason says so first.
# * **§6.5 (and §1), per pair**: "near perfect" detection, AUROC ≥ 0.9. The lowest Table 7 value the paper calls so is 0.966 ± 0.02 over 3
#   seeds (SVHN → CIFAR-10), whose 95 % t-interval reaches down to 0.916; the paper's own numbers must pass, so the line is 0.9. Controls as
#   above.
# * **§1 and App. 9.7, per pair**: Soft-IntroVAE's AUROC above the VAE's on the same networks, budget and seeds ("by a large margin" on
#   CIFAR-10 → SVHN; the test asks only for a positive gap). **§6.5, Fig. 8(b)**: Soft-IntroVAE gives CIFAR-10 the higher log-likelihood
#   (AUROC > 0.5; controls as above). The comparison's control is the same paired test on a difference with nothing to detect but noise:
#   Soft-IntroVAE's even-vs-odd AUROC of its own test images minus the VAE's, over seeds; it passes only when its interval clears 0 on the
#   claimed side, and with fewer than three seeds it cannot be evaluated.
# * **The paper's setting**: "near perfect", "a well-trained S-IntroVAE model … significantly outperforming the standard VAE", "outperforms it
#   by a large margin" and Fig. 8(b) are about the paper's trained models, so they are tested only on the paper's setting (the authors'
#   networks, the paper's epochs, optimiser and betas, and every image of the official training split, counted: 50,000 for CIFAR-10, of
#   which the offline copy holds 10,000); any other setting is "not comparable".
#
# How the run decides (`companion.claims.decide`), in this order: a model that has **not learned** (diagnostics) → NOT TESTED; a claim about
# the paper's trained models outside its setting → NOT TESTED, not comparable; a test that also passes on its **control** → NOT TESTED; then
# the **interval rule** (`companion.claims.interval_outcome`): with three or more seeds a paired 95 % t-interval clear of the line decides PASS
# or FAIL, an interval that straddles the line is NOT TESTED with the interval, and fewer than three seeds is NOT TESTED. Where the interval
# cannot decide for a line claim's control, the control's mean does: a control whose mean reaches the claimed side blocks the verdict.
#
# The paper's own Table 7, read as three seeds at mean − std, mean and mean + std on the paper's setting, with every control at chance, passes
# every claim but one: on SVHN → CIFAR-10 (0.966 ± 0.02 vs 0.936 ± 0.003) the gap's interval [−0.012, +0.072] straddles zero. With the
# controls this run measured, three more stay NOT TESTED: the VAE's failure and Fig. 8(a) (the per-pixel-mean Gaussian, 0.384) and "near
# perfect" on Fashion-MNIST → MNIST (probabilistic PCA, 0.945, is above 0.9 too) (`tests/test_ood_report.py`).
#
# The paper says nothing about the VAE on the 28×28 pairs beyond its Table 7 numbers (0.992, 0.996), so there is no claim about them; Table 7
# above shows them.

# %%
claims = ood_claims.claims(plan, runs, refs)
show_claims(claims, out)

# %% [markdown]
# ### Budget per claim
#
# What deciding each claim costs on this kind of CPU (core-minutes: measured training images per second times the images, epochs and seeds it
# needs, one thread per run) and the profile that decides it: **quick** (this notebook), **extended** (the stored long CPU run at the end of this
# notebook) or **full** (the paper's networks and epochs, a GPU); "not decidable here" says why no budget helps. A row covers every claim whose
# sentence starts with it.

# %%
show_budget(ood_claims.budget(), out, claims)

# %% [markdown]
# ## Coverage — what this notebook does with each figure and table of the paper

# %%
show_coverage(report.coverage(plan, runs, refs), out)

# %% [markdown]
# ## Reading the committed quick run
#
# **No claim is decided by this run: all eleven are NOT TESTED**, each for a measured reason: the four MNIST ↔ Fashion-MNIST claims are about
# the paper's trained models, and a 3-epoch MLP is not its setting ("not comparable"); CIFAR-10 → SVHN is the extended profile's (its stored
# run, at the end, decides none of them either; two cannot be decided at any budget, as the budget table says); SVHN → CIFAR-10 did not run (its
# training split is not offline). What the run does show:
#
# * **MNIST ↔ Fashion-MNIST.** Both methods separate the pair, below the paper's ≈0.99 after 3 epochs of a small MLP: VAE 0.908 and 0.961,
#   Soft-IntroVAE 0.878 and 0.968 (AUROC of the ELBO). Every 28×28 model has learned by both measures: reconstruction MSE 0.022–0.045 against
#   0.056–0.061 for the 7×7 block averages, and a mean ELBO above the per-pixel-mean Gaussian's log-likelihood on every one, least for the
#   MNIST Soft-IntroVAE (−46.2 against −50.2 nats, interval [+3.7, +4.4]; the VAE: −33.7) whose samples are speckled. But every one is
#   **still converging**: its training loss (rec + kl_real) fell over the last third of training by 2.9 % (MNIST VAE), 18.8 % (MNIST
#   Soft-IntroVAE), 6.5 % and 13.2 % (Fashion-MNIST), each beyond the scatter of its logged windows. Soft-IntroVAE is behind the VAE on
#   MNIST → Fashion-MNIST (−0.030) and ahead on Fashion-MNIST → MNIST (+0.006), with one seed each and a Soft-IntroVAE that is further from
#   converged than its VAE; the bootstrap SD of the gap over test images is 0.0020 and 0.0009, so the gaps are not an accident of *which test
#   images* were scored, but whether another training seed or a longer run keeps them is unmeasured.
# * **The references that learn nothing by training are close.** Probabilistic PCA in closed form (23 and 13 components) reaches 0.875 on
#   MNIST → Fashion-MNIST, level with the MNIST Soft-IntroVAE (0.878), and 0.945 on Fashion-MNIST → MNIST, above the 0.9 line of "near
#   perfect": that claim's control passes, so even a comparable run could not credit 0.9 on this pair to Soft-IntroVAE. The per-pixel-mean
#   Gaussian gives 0.773 and 0.742, the network at initialisation 0.771 and 0.229 (the direction in which Nalisnick et al. find likelihoods
#   fail).
# * **What the likelihood ranks by** (the table under Fig. 8). The MNIST VAE's ELBO of a Fashion-MNIST image follows how much ink it has
#   (correlation −0.940 with the mean pixel over these 2000 images); the 23 % of Fashion-MNIST images that score above MNIST's 5th percentile
#   have 0.42 times the ink of the rest, and 47 % of them are sandals and sneakers (20 % of all scored images). The MNIST Soft-IntroVAE is
#   much the same (−0.912; 30 % above, 0.46, 42 %). In Fig. 8 (MNIST) this is the Fashion-MNIST histogram's shoulder under the MNIST peak.
# * One diagnostic also warns: the Fashion-MNIST Soft-IntroVAE ends training with kl_fake − kl_real = −0.10, so at its last logged step its
#   encoder gave its fakes slightly *less* KL than real images (the MNIST one: +2.38); one seed in mid-training cannot say whether β_neg needs
#   retuning, and no claim uses this check.
# * Train and test histograms coincide for every model (train-vs-test AUROC 0.476–0.522), so the scores do not reflect memorised training
#   images, and each model leaves its own test images at chance (even vs odd indices, 0.482–0.509, within 1.4 null SDs of 0.5). The IW (M = 5)
#   and ELBO AUROCs agree to within 0.007 on the 28×28 pairs.
#
# ## What this run cannot show
#
# * **Any gap between the methods, or "near perfect"**: the paper's words are about its well-trained models, and this run's 28×28 models are an
#   MLP after 3 epochs at learning rate 1e-3 (the authors' setting: residual nets, 200 epochs at 2e-4), still converging. Only the full
#   profile, never run, trains the paper's
#   networks and epochs, and on the offline data its CIFAR-10 models would see 10,000 of the 50,000 training images: still not comparable.
#   Its three seeds decide the comparisons with paired intervals, beside the even-vs-odd control.
# * **The VAE's failure on CIFAR-10 → SVHN** with AUROC < 0.5: a per-pixel-mean Gaussian already ranks SVHN higher (0.384 in an earlier
#   quick run; the extended run measures it again), at any budget.
# * **CIFAR-10 → SVHN for a trained Soft-IntroVAE**: a quick budget does not train it (2 epochs of 2k–6k images learned nothing), and
#   neither did the extended run (the quarter-width net, 8 epochs of the 10k offline images, three seeds: below). Whether Soft-IntroVAE
#   reverses the ranking at the paper's setting needs its networks on all 50k images (a GPU).
# * **SVHN → CIFAR-10**: SVHN's training split is not in the offline copies.
# * **The decoder variance**: every score uses σ² = ½ (the training loss's); the paper does not give it, and another value can change the
#   ranking. Not explored here.
# * **Image quality**: no FID; the samples only show what each model learned.

# %% [markdown]
# ## The extended profile (stored run)
#
# CIFAR-10 → SVHN on three seeds: the stored run's verdicts, read from `figures/extended/05_ood_histograms/` with the commit, the hardware, the
# date and the wall time of that run (`run.json`), never mixed with this run's tables above. A run whose training code has changed since is
# marked stale. The stored run is `companion run 05 --profile extended -p datasets "['cifar10']"` (the profile's 28×28 pairs, 10 epochs,
# were left out: at any epoch count below the paper's their claims are "not comparable", as the budget table says).
#
# What it shows (2026-12-06; the six models trained in two sittings, the last one and the scoring in 28 minutes on two shared cores; their
# cached training times add up to 80 minutes): **nothing is decided: all eleven claims NOT TESTED.** No CIFAR-10 model passes the "learned"
# line: each reconstructs worse than 8 × 8 block averages of the image (48 numbers, fewer than its latent) on the mean of the 16 checked test
# images: squared error 0.024–0.025 for the VAE and 0.027–0.029 for Soft-IntroVAE against 0.0213 (a referee's check: clear of the line for
# every Soft-IntroVAE seed by a paired interval over the 16 images, but not for two of the VAE's; and the VAE's importance-weighted
# log-likelihood stays 12–14 nats below probabilistic PCA fitted in closed form to the same images, so it has not learned more than a linear
# model). Both rank SVHN above CIFAR-10 (ELBO AUROC 0.194 for the VAE, 0.225 for Soft-IntroVAE; IW, M = 5: 0.192
# and 0.222) — the VAE's "failure" of the paper, which a per-pixel-mean Gaussian already shows (0.384), so it needs no learning and cannot be
# decided at any budget. Whether more epochs on the 10k offline images would teach the narrow nets is not measured (three seeds of both for 40
# epochs ≈ 210 core-min, still not the paper's setting); the budget table places Fig. 8(b) and the Soft-IntroVAE claims in the full profile.

# %%
if plan.profile.name == "quick":
    show_stored("05_ood_histograms", "extended", columns=["claim", "this run", "on the control", "verdict", "why not tested"])
else:
    print(f"This is the {plan.profile.name} profile's run: its own tables are above.")

# %% [markdown]
# ## The full profile (stored GPU runs)
#
# The paper's settings, trained piece by piece in short GPU slots by `make gpu` (`companion gpu --plan` lists the pieces and what fits in a
# slot) and stored under `figures/full/05_ood_histograms/` with `run.json`, beside this run's tables and never mixed with them.

# %%
if plan.profile.name == "quick":
    show_stored("05_ood_histograms", "full", columns=["claim", "this run", "on the control", "verdict", "why not tested"])

# %%
# NBVAL_IGNORE_OUTPUT
list_files(out)
