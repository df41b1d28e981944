# %% [markdown]
# # Out-of-distribution detection with likelihoods: VAE vs Soft-IntroVAE
#
# *Daniel & Tamar, "Soft-IntroVAE: Analyzing and Improving the Introspective Variational Autoencoder", CVPR 2021* — §6.5, App. 9.7,
# Table 7 and Fig. 8 (arXiv 2012.13253).
#
# Likelihood models are known to fail a simple test (Nalisnick et al. 2019): a VAE trained on CIFAR-10 gives SVHN digits a *higher* likelihood
# than CIFAR-10's own test images. The paper shows that Soft-IntroVAE, whose encoder is trained to give low ELBO to samples off the data
# manifold, ranks the in-distribution images higher. This notebook trains both methods on the same residual networks and regenerates
# **Table 7** (AUROC of the ELBO score), **Fig. 8** (log-likelihood histograms) and samples and reconstructions of every model, then checks
# the paper's claims.
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

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from companion.claims import show_claims
from companion.config import check_output_dir
from companion.papers.soft_introvae import ood
from companion.papers.soft_introvae import ood_report as report
from companion.parallel import default_jobs
from companion.paths import figures_dir
from companion.plots import list_files, save_figure, save_table, use_style
from companion.tables import run_times, run_times_line

use_style()
pd.set_option("display.max_colwidth", 120)
plan = ood.make_plan(profile, datasets=datasets, methods=methods, seeds=seeds, overrides=overrides)
out = check_output_dir(output_dir or figures_dir("05_ood_histograms", profile))
jobs = jobs or default_jobs()
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
# The paper trains each model for 200–220 epochs on a GPU; two CPU cores allow minutes. What this profile changes, and what was measured
# on this kind of machine (2 cores, one torch thread per training process) to choose it [A]:
#
# * **MNIST ↔ Fashion-MNIST: a fully connected VAE** (784-512-256-(2×32) and its mirror, linear output) for both methods, all
#   60k training images, **8 epochs at learning rate 1e-3** (the paper's 2e-4 learns too slowly for a few epochs). The narrow residual net
#   (widths 16, 32) was slower (189 s for 2 epochs) and *worse* (MNIST→Fashion-MNIST AUROC 0.874 vs 0.937 for the MLP VAE). The MLP VAE's
#   AUROC levels off: 0.893 after 3 epochs at 2e-4, 0.910 at 1e-3, 0.937 after 8 epochs, 0.936 after 10 epochs at 2e-4. One Soft-IntroVAE
#   step costs about 4 VAE steps (~4 min per 28×28 model).
# * **CIFAR-10 → SVHN: the residual net with its widths divided by 4** (16, 32, 64), latent 64, batch 64, **2 epochs** of the 10k
#   CIFAR-10 training images in the offline copy (SVHN's training split is not offline, so SVHN → CIFAR-10 waits for the full profile).
#   The VAE's failure on SVHN shows after this budget; whether Soft-IntroVAE fixes it needs the paper's budget (the claim below says so).
# * **2000 test images per dataset** (the first 2000 in the official order; every class appears) and 2000 training images for Fig. 8.
#
# One seed, so Table 7 has no ± here. `-p profile full` runs all four pairs with the paper's networks and epochs and 3 seeds (a GPU job).

# %% [markdown]
# ## Training and scoring

# %%
# NBVAL_IGNORE_OUTPUT
runs = ood.run_plan(plan, device=device, jobs=jobs)
timing = run_times(runs, ["dataset", "method", "seed"])
print(run_times_line(timing, jobs))
timing

# %% [markdown]
# Training health: Soft-IntroVAE's encoder should give fakes a larger KL than real images (`kl_fake` ≥ `kl_real`) at the end.

# %%
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
# ## Fig. 8 — log-likelihood histograms
#
# Histograms of the M = 5 estimate for the in-distribution train and test images and the OOD test images. The paper (CIFAR-10): the VAE puts
# SVHN to the right of CIFAR-10 (higher likelihood), Soft-IntroVAE to the left.

# %%
for ds in dict.fromkeys(c.dataset for c in plan.runs):
    fig = report.figure8(plan, runs, ds)
    save_figure(fig, out, f"fig8_{ds}_vs_{ood.PAIRS[ds]}")
    plt.show()

# %% [markdown]
# ## Samples and reconstructions
#
# Top: decoder outputs for $z\sim\mathcal N(0, I)$; bottom: test images (odd rows) and their reconstructions $D(\mu(x))$ (even rows), as the paper's
# Figs. 6 and 10 lay them out for CIFAR-10.

# %%
if runs:
    fig = report.samples_figure(plan, runs)
    save_figure(fig, out, "samples_and_reconstructions")
    plt.show()
else:
    print("No model was trained (no dataset available): nothing to show.")

# %% [markdown]
# ## Claims

# %%
claims = report.claims(plan, runs)
show_claims(claims, out)

# %% [markdown]
# ## Reading the committed quick run
#
# * **MNIST ↔ Fashion-MNIST.** Both methods separate the pair, below the paper's ≈0.99 after 8 epochs of a small MLP: VAE 0.937 and 0.974,
#   Soft-IntroVAE 0.961 and 0.979 (AUROC of the ELBO). Soft-IntroVAE ranks at least as well as the VAE in both directions, as in Table 7.
#   The VAE's MNIST → Fashion-MNIST row misses the 0.95 line and the claim says FAIL: at this budget the MLP VAE levels off near 0.94
#   (0.936 after 10 epochs); the paper's residual nets train for 200 epochs. In Fig. 8 the Fashion-MNIST histogram has a long left tail
#   and a right shoulder under the MNIST peak. The VAE's score of a Fashion-MNIST image follows how much ink it has (correlation −0.93
#   with the mean pixel over these 2000 images, measured once outside the notebook); the 19 % that score above MNIST's 5th percentile are
#   mostly sandals and sneakers, with 40 % of the ink of the rest.
# * **CIFAR-10 → SVHN.** The VAE reproduces the failure the paper starts from: SVHN digits get the *higher* likelihood (AUROC 0.219; paper
#   0.378), and Fig. 8(a)'s SVHN histogram sits to the right of CIFAR-10's. Soft-IntroVAE after 2 epochs of 10k images still ranks like
#   the VAE (0.214) although its encoder already gives its fakes more KL than real images (kl_fake − kl_real = +5.8 at the end). The
#   paper's 0.9987 comes after 220 epochs of 50k images; this row needs the full profile (a GPU) and is reported as FAIL here, not hidden.
# * Train and test histograms coincide for every model, so the scores do not reflect memorised training images. The IW (M = 5) and ELBO
#   AUROCs agree to within 0.01 everywhere.

# %%
# NBVAL_IGNORE_OUTPUT
list_files(out)
