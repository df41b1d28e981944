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
# training health in a separate table, and lists what this notebook does with every figure and table of the paper. It covers §6.5 and App. 9.7 only; the 2D experiments are notebook 01.
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
profile = "quick"   # "quick": two CPU cores, minutes; "full": all four pairs, the paper's epochs, 3 seeds (a GPU job)
datasets = None     # in-distribution datasets (Table 7 rows): subset of ["mnist", "fashion-mnist", "cifar10", "svhn"]
methods = None      # subset of ["vae", "sintrovae"]
seeds = None        # seeds; None: the profile's
device = "auto"     # "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps"
output_dir = None        # figures (PNG, PDF) and tables (CSV, Markdown); None: figures/05_ood_histograms (quick), figures/full/05_ood_histograms (full)
overrides = {}      # OODConfig fields changed for every run, e.g. {"epochs": 5}
jobs = None         # parallel training processes; None: $COMPANION_JOBS or one per core
scheduler = None    # Dask: "tcp://HOST:PORT", "local" or None ($COMPANION_SCHEDULER, else local processes)
smoke = False      # True: the profile's every pair, network and score at tiny sizes (checks the code runs; numbers meaningless)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from companion.claims import show_claims, show_coverage, show_diagnostics
from companion.config import check_output_dir
from companion.papers.soft_introvae import ood, ood_claims
from companion.papers.soft_introvae import ood_report as report
from companion.parallel import default_jobs, use_scheduler
from companion.paths import figures_dir
from companion.plots import list_files, save_figure, save_table, use_style
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
# The paper's networks (from the authors' code: IntroVAE-style residual blocks, widths (64, 128) for 28×28 and (64, 128, 256) for 32×32, linear decoder
# output) and training (Adam 2e-4, β_rec = β_kl = 1, β_neg = 256, s = 1/input dimension, no warm-up). The settings of the first run of
# each image size; a value the profile changed shows the default it replaces.

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
#   60k training images, **3 epochs at learning rate 1e-3** (the paper's 2e-4 learns too slowly for a few epochs). The narrow residual net
#   (widths 16, 32) was slower (189 s for 2 epochs) and *worse* (MNIST→Fashion-MNIST AUROC 0.874 vs 0.937 for the MLP VAE). The MLP VAE's
#   AUROC levels off: 0.893 after 3 epochs at 2e-4, 0.910 at 1e-3, 0.937 after 8 epochs, 0.936 after 10 epochs at 2e-4 (measured in
#   earlier runs; an 8-epoch MLP VAE gave 0.932, a 5-epoch one 0.922 on an Intel machine, a 4-epoch one 0.917; this run's 3 epochs at 1e-3
#   give 0.908). Three epochs, not eight, keep the notebook within ten minutes on two cores and the six notebooks within CI's hour: one
#   Soft-IntroVAE step costs about 4 VAE steps, and the notebook measured 548 s with 4 epochs and 6k CIFAR-10 images, 337 s with 3
#   epochs and 4k.
# * **CIFAR-10 → SVHN: the residual net with its widths divided by 4** (16, 32, 64), latent 64, batch 64, **2 epochs** of 2k of the 10k
#   CIFAR-10 training images in the offline copy (SVHN's training split is not offline, so SVHN → CIFAR-10 waits for the full profile).
#   Both methods rank SVHN above CIFAR-10 after this budget, but neither model has learned by the diagnostic below, so the CIFAR-10 claims
#   are not tested here; they need the paper's budget. With 4k and 6k images the models had not learned either (AUROC 0.23–0.24), so
#   the block shows the code path and the figure at 2k.
# * **2000 test images per dataset** (the first 2000 in the official order; every class appears) and 2000 training images for Fig. 8.
#
# One seed, so Table 7 has no ± here. `-p profile full` runs all four pairs with the paper's networks and epochs and 3 seeds (a GPU job).
#
# Three provenance tags in the settings tables above are wrong and wait for a change to `companion.papers.soft_introvae.ood` (which is part of
# the cached runs' key, so it is not edited together with this report): the 28×28 epochs (200) come from the authors' code, **[C]**, not the paper;
# the learning rate 2e-4 is the paper's (§9.2.2, CIFAR-10), **[P]**; and `n_train` = 0 (all training images) and `eval_images` = 0 (the whole test
# split) are this companion's reading, **[A]**: the paper does not say how many images its OOD models were trained or scored on.

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
# Every claim's test is also run on references that have learned nothing, scoring the same test images with the same score: the config's
# network **at initialisation** (built with the run's seed, as training builds it before its first step, and not trained) and a
# **per-pixel-mean Gaussian** (the mean training image, $\log p(x) := -\lVert x - \bar x\rVert^2$, the decoder's σ² = ½ and dropped
# constant). A test that already passes on them cannot tell the paper's effect from its absence, and its claim stays NOT TESTED. The VAE and
# Soft-IntroVAE of one seed start from the same network, so their columns at initialisation are equal. The last column puts the model on both
# sides: its own test images at even against odd indices, which any score leaves near 0.5 (a check of the scoring, in the diagnostics).

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
# statistic's SD when nothing differs, 0.013 for 1000 + 1000 images). The last logged training losses follow.

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
# are drawn the same way.

# %%
for ds in dict.fromkeys(c.dataset for c in plan.runs):
    fig = report.figure8(plan, runs, ds)
    save_figure(fig, out, f"fig8_{ds}_vs_{ood.PAIRS[ds]}")
    plt.show()

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
# * **App. 9.7, Table 7**: for CIFAR-10 → SVHN "the standard VAE performs poorly" (0.378): ELBO AUROC < 0.5. **§6.5, Fig. 8(a), (b)**: with
#   the M = 5 estimate, the VAE gives SVHN the higher log-likelihood (AUROC < 0.5) and Soft-IntroVAE gives CIFAR-10 the higher one
#   (AUROC > 0.5). Control: the network at initialisation and the per-pixel-mean Gaussian.
# * **§6.5 (and §1), per pair**: "near perfect" detection, AUROC ≥ 0.9. The lowest Table 7 value the paper calls so is 0.966 ± 0.02 over 3
#   seeds (SVHN → CIFAR-10), whose 95 % t-interval reaches down to 0.916; the paper's own numbers must pass, so the line is 0.9. It is the
#   level of the paper's model, so it is tested only on the paper's setting (networks, epochs, all training images, optimiser, betas): any
#   other setting is "not comparable". Control as above.
# * **§1 and App. 9.7, per pair**: Soft-IntroVAE's AUROC above the VAE's on the same networks, budget and seeds ("by a large margin" on
#   CIFAR-10 → SVHN; the test asks only for a positive gap). Control: both methods at initialisation. They are the same network from the
#   same seed, so their gap is exactly 0: this control shows only that the comparison itself makes no gap.
#
# How the run decides (`companion.claims.decide`), in this order: a model that has **not learned** (diagnostics) → NOT TESTED; "near
# perfect" outside the paper's setting → NOT TESTED, not comparable; a test that also passes on its **control** → NOT TESTED; then the
# **interval rule** (`companion.claims.interval_outcome`): with three or more seeds a paired 95 % t-interval clear of the line decides PASS or
# FAIL, an interval that straddles the line is NOT TESTED with the interval, and fewer than three seeds is NOT TESTED. Where the interval
# cannot decide for a control, the control's mean does: a control whose mean reaches the claimed side blocks the verdict. The paper's own
# Table 7, read as three seeds at mean − std, mean and mean + std, passes every claim but one: on SVHN → CIFAR-10 (0.966 ± 0.02 vs
# 0.936 ± 0.003) the gap's interval [−0.012, +0.072] straddles zero, NOT TESTED (`tests/test_ood_report.py`).
#
# The paper says nothing about the VAE on the 28×28 pairs beyond its Table 7 numbers (0.992, 0.996), so there is no claim about them; Table 7
# above shows them.

# %%
claims = ood_claims.claims(plan, runs, refs)
show_claims(claims, out)

# %% [markdown]
# ## Coverage — what this notebook does with each figure and table of the paper

# %%
show_coverage(report.coverage(plan, runs, refs), out)

# %% [markdown]
# ## Reading the committed quick run
#
# **No claim is decided by this run: all eleven are NOT TESTED**, each for a measured reason: "near perfect" on MNIST ↔ Fashion-MNIST is not
# comparable (a 3-epoch MLP is not the paper's model), the two 28×28 comparisons have one seed, the five CIFAR-10 → SVHN claims are about
# models that have not learned, and SVHN → CIFAR-10 did not run. What the run does show:
#
# * **MNIST ↔ Fashion-MNIST.** Both methods separate the pair, below the paper's ≈0.99 after 3 epochs of a small MLP: VAE 0.908 and 0.961,
#   Soft-IntroVAE 0.878 and 0.968 (AUROC of the ELBO). Every 28×28 model has learned by both measures: reconstruction MSE 0.022–0.045 against
#   0.056–0.061 for the 7×7 block averages, and a mean ELBO above the per-pixel-mean Gaussian's log-likelihood on every one, least for the
#   MNIST Soft-IntroVAE (−46.2 against −50.2 nats, interval [+3.7, +4.4]; the VAE: −33.7) whose samples are speckled. The untrained references
#   are far from the trained models here: at initialisation 0.771 (MNIST → Fashion-MNIST) and 0.229 (Fashion-MNIST → MNIST, the direction in
#   which Nalisnick et al. find likelihoods fail), the per-pixel-mean Gaussian 0.773 and 0.742; so the controls fail every 28×28 test, and what
#   stops a verdict is the setting and the seed count, not the controls. Soft-IntroVAE is behind the VAE on MNIST → Fashion-MNIST (−0.030) and
#   ahead on Fashion-MNIST → MNIST (+0.006); one seed cannot tell gaps of a few hundredths from seed-to-seed spread (the previous committed
#   run, 4 epochs, had −0.009 and +0.011; the one before it, 5 epochs on an Intel machine, +0.012 and +0.002). The bootstrap SD of the gap
#   over test images is 0.0020 and 0.0009, so the gaps are not an accident of *which test images* were scored; whether another training seed
#   keeps them is unmeasured. One diagnostic warns: the Fashion-MNIST Soft-IntroVAE ends training with kl_fake − kl_real = −0.10, so at its
#   last logged step its encoder gave its fakes slightly *less* KL than real images (the MNIST one: +2.38); one seed after 3 epochs cannot say
#   whether β_neg needs retuning, and no claim uses this check.
# * In Fig. 8 (MNIST) the Fashion-MNIST histogram has a long left tail and a shoulder under the MNIST peak. The VAE's score of a Fashion-MNIST
#   image follows how much ink it has (correlation −0.94 with the mean pixel over these 2000 images, measured once outside the notebook on the
#   8-epoch model); the 20 % that score above MNIST's 5th percentile have 40 % of the ink of the rest, and half of them are sandals and
#   sneakers.
# * **CIFAR-10 → SVHN.** Both models rank SVHN *above* CIFAR-10 (VAE 0.274, paper 0.378; Soft-IntroVAE 0.293, paper 0.9987), and in Fig. 8 both
#   put SVHN's histogram to the right of CIFAR-10's. Neither model has learned: after 2 epochs of 2k images their reconstructions (MSE 0.0472
#   and 0.0483) are *worse* than replacing each 8×8 block by its mean colour (0.0213), as the samples figure shows (grainy multicoloured
#   texture that keeps at most each image's overall brightness), and Soft-IntroVAE's ELBO is even below the per-pixel-mean Gaussian's
#   (−200.9 against −189.8; the VAE's −182.0 is above it). The untrained references rank SVHN above CIFAR-10 too: the network at
#   initialisation gives 0.410 and the per-pixel-mean Gaussian 0.384. So the test AUROC < 0.5 of "the standard VAE performs poorly" passes on
#   its control, and that claim (and Fig. 8(a)'s) would stay NOT TESTED even for a VAE that had learned: the test cannot tell a failure
#   learned by the VAE from the ranking that an untrained network already gives. The VAE's 0.274 is what the paper reports, but this run
#   cannot credit it to a trained VAE, and Soft-IntroVAE's 0.293 does
#   not contradict the paper, whose model trains for 220 epochs of 50k images. Soft-IntroVAE is 0.019 above the VAE here (the previous runs:
#   4k images 0.008 above, 6k images 0.010 below), far from the paper's margin; its encoder already gives its fakes more KL than real images
#   (kl_fake − kl_real = +5.15 at the end).
# * Train and test histograms coincide for every model (train-vs-test AUROC 0.476–0.522), so the scores do not reflect memorised training
#   images, and each model leaves its own test images at chance (even vs odd indices, 0.482–0.509, within 1.4 null SDs of 0.5). The IW (M = 5)
#   and ELBO AUROCs agree to within 0.007 on the 28×28 pairs; on CIFAR-10 the IW AUROC is lower by 0.007 (VAE) and 0.018 (Soft-IntroVAE).
#
# ## What this run cannot show
#
# * **Any gap between the methods**: one seed per model, and the interval rule needs three. The full profile's three seeds decide it with
#   paired intervals.
# * **"Near perfect"**: it is the paper's model's level; this run's 28×28 models are an MLP after 3 epochs at learning rate 1e-3 (the paper's
#   setting: residual nets, 200 epochs at 2e-4), its CIFAR-10 models a quarter-width residual net after 2 epochs of 2k images (220 epochs of
#   50k). Only the full profile, never run, trains the paper's setting.
# * **CIFAR-10 → SVHN for a trained model**, VAE or Soft-IntroVAE: the quick models have not learned (above). Whether Soft-IntroVAE reverses the
#   ranking needs the paper's budget (a GPU). The VAE's failure stays untestable with AUROC < 0.5 alone as long as the untrained references
#   rank SVHN higher too (0.410 and 0.384 here).
# * **SVHN → CIFAR-10**: SVHN's training split is not in the offline copies.
# * **The decoder variance**: every score uses σ² = ½ (the training loss's); the paper does not give it, and another value can change the
#   ranking. Not explored here.
# * **Image quality**: no FID; the samples only show what each model learned.

# %%
# NBVAL_IGNORE_OUTPUT
list_files(out)
