"""Figures, tables, references, diagnostics and coverage of notebook 05 (OOD detection), from
`ood` runs. The claims are declared in `ood_claims`.

Everything here reads what a run stored (metrics, score arrays, samples, reconstructions, the
training history), or computes on the same test images what needs no training (`references`:
the config's model at initialisation, a per-pixel-mean Gaussian and probabilistic PCA in closed
form, fitted to the run's own training images); nothing trains.

* A model **has learned** (`learning`) when (1) its reconstructions of the 16 stored test images
  beat the best "coarse layout" of those images that uses no more numbers than its latent code
  (the block average of `coarse_layout`), and (2) its ELBO of the in-distribution test images is
  above the log-likelihood of a per-pixel-mean Gaussian (the mean training image, the same σ² = ½
  and dropped constant) by a paired 95 % interval over the test images clear of zero.
* The **bootstrap** SDs (`spread_table`) say how much an AUROC moves with the choice of test
  images; they are not a seed-to-seed spread and decide nothing.
* A run trains **the paper's setting** (`setting_differences`) when its networks, epochs,
  optimiser and betas are spec §3.2's and it trained on every image of the official training
  split; the images are counted (`Reference.n_train`), since "the whole train split" under an
  offline data root can be a subset (the offline CIFAR-10 copy holds 10,000 of 50,000).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from scipy.stats import rankdata
from torchvision.utils import make_grid

from ...claims import Coverage, Diagnostic, paired_comparison
from ...core.ood_scores import auroc
from ...tables import DATASET_LABELS, METHOD_LABELS, format_mean_std, mean_std
from .ood import PAIRS, Plan, paper_config
from .reported import SOFT_INTROVAE_TABLE7

SPLIT_STYLE = {"in_train": ("train", "tab:blue"), "in_test": ("test", "tab:green"), "ood": ("OOD", "tab:red")}

BOOTSTRAP_RESAMPLES = 500
BOOTSTRAP_SEED = 0
#: A diagnostic: the ELBO AUROC of training vs test images within 0.5 +- this (no memorisation).
TRAIN_TEST_TOLERANCE = 0.05
#: A diagnostic: the AUROC of one model's in-distribution test images against themselves (even vs
#: odd indices) lies within this many null standard deviations of 0.5 (the Mann-Whitney statistic's
#: SD under no difference, sqrt((n1 + n2 + 1) / (12 n1 n2)): 0.013 for 1000 + 1000 images).
SPLIT_NULL_SDS = 3
#: The decoder density's variance (log p(x|z) := -||x - D(z)||², σ² = ½), which probabilistic PCA
#: keeps as its noise variance so that its log-likelihood is on the models' scale.
PPCA_SIGMA2 = 0.5
#: The official training splits' sizes (the datasets' releases): "the paper's setting" trains on
#: all of them.
OFFICIAL_TRAIN_IMAGES = {"mnist": 60_000, "fashion-mnist": 60_000, "cifar10": 50_000, "svhn": 73_257}
#: The fields of `ood.Config` that make a model the paper's (besides the number of training
#: images, which `setting_differences` counts). How many test images are scored is not among
#: them (a sample of the same test split).
TRAINING_FIELDS = ("arch", "channels", "zdim", "batch_size", "epochs", "lr", "beta_rec", "beta_kl", "beta_neg",
                   "gamma_r")


def _by_pair(plan: Plan, runs) -> dict:
    out = {}
    for c in plan.runs:
        if c in runs:
            out.setdefault((c.dataset, c.method), []).append(runs[c])
    return out


def _label(key) -> str:
    return f"{DATASET_LABELS[key[0]]} {METHOD_LABELS[key[1]]}"


def _auroc(runs_list, key="auroc_elbo"):
    return mean_std(r.metrics[key] for r in runs_list)


# ------------------------------------------------------------------------------------ spreads

def _auroc_rows(in_scores: np.ndarray, ood_scores: np.ndarray) -> np.ndarray:
    """AUROC of every row (in-distribution scores above OOD scores; ties count ½), through the
    rank sum (Mann-Whitney), equal to sklearn's roc_auc_score."""
    n_in, n_ood = in_scores.shape[1], ood_scores.shape[1]
    ranks = rankdata(np.concatenate([in_scores, ood_scores], axis=1), axis=1)
    return (ranks[:, :n_in].sum(1) - n_in * (n_in + 1) / 2) / (n_in * n_ood)


def _resamples(n_in: int, n_ood: int, seed: int = BOOTSTRAP_SEED):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, n_in, (BOOTSTRAP_RESAMPLES, n_in)),
            rng.integers(0, n_ood, (BOOTSTRAP_RESAMPLES, n_ood)))


def bootstrap_auroc_sd(run, score: str = "elbo") -> float:
    """Std of the AUROC over test images resampled with replacement (seeded): how much the
    AUROC moves with the choice of test images. Not a seed-to-seed (training) spread."""
    a_in, a_ood = run.arrays[f"{score}_in_test"], run.arrays[f"{score}_ood"]
    i, j = _resamples(len(a_in), len(a_ood))
    return float(np.std(_auroc_rows(a_in[i], a_ood[j]), ddof=1))


def bootstrap_gap_sd(run_a, run_b, score: str = "elbo") -> float:
    """Std over resampled test images of AUROC(a) − AUROC(b), both models scoring the same
    resampled images (the runs score the same test images in the same order)."""
    ai, ao = run_a.arrays[f"{score}_in_test"], run_a.arrays[f"{score}_ood"]
    bi, bo = run_b.arrays[f"{score}_in_test"], run_b.arrays[f"{score}_ood"]
    if ai.shape != bi.shape or ao.shape != bo.shape:
        raise ValueError("the two runs scored different numbers of test images")
    i, j = _resamples(len(ai), len(ao))
    return float(np.std(_auroc_rows(ai[i], ao[j]) - _auroc_rows(bi[i], bo[j]), ddof=1))


# --------------------------------------------------------------------------- has it learned?

def coarse_layout(images: np.ndarray, zdim: int) -> tuple[np.ndarray, int, int]:
    """Every image replaced by its block averages, on the finest square grid of blocks that uses
    at most `zdim` numbers (channels × blocks): what a code as long as the model's latent could
    hold with no learning beyond "colour per region". Returns (layout, block side, numbers)."""
    n, ch, h, w = images.shape
    for cells in range(min(h, w), 0, -1):     # blocks per side, finest first
        if h % cells or w % cells or ch * cells * cells > zdim:
            continue
        bh, bw = h // cells, w // cells
        means = images.reshape(n, ch, cells, bh, cells, bw).mean(axis=(3, 5), keepdims=True)
        layout = np.broadcast_to(means, (n, ch, cells, bh, cells, bw)).reshape(images.shape)
        return layout, bh, ch * cells * cells
    raise ValueError(f"no block grid of {h}x{w}x{ch} images fits in {zdim} numbers")


@dataclass(frozen=True)
class Reference:
    """What a run is compared with, on the run's own test images, with nothing trained: the
    config's model at initialisation (built with the config's seed, as `ood.train_one` builds it
    before its first step), a per-pixel-mean Gaussian (the mean of the config's training images,
    log p(x) := -||x - mean||², the decoder density's σ² = ½ and dropped constant), and
    probabilistic PCA fitted in closed form to the same training images (`ppca_fit`)."""
    auroc_init_elbo: float       # AUROC of the model at initialisation, ELBO score
    auroc_init_iw: float         # ... IW (M = 5) score
    elbo_init: float             # its mean ELBO of the in-distribution test images
    mean_model_in: np.ndarray    # per-pixel-mean log-likelihood of each in-distribution test image
    auroc_mean_model: float      # the per-pixel-mean model's AUROC on the same in/out test images
    auroc_ppca: float            # probabilistic PCA's AUROC (exact log-likelihood) on the same images
    ppca_k: int                  # its number of principal components
    n_train: int                 # training images the run trained on (counted, not the config's 0)


def ppca_fit(train: np.ndarray, sigma2: float = PPCA_SIGMA2, chunk: int = 2000):
    """Probabilistic PCA's maximum-likelihood fit with a fixed noise variance `sigma2` (Tipping &
    Bishop 1999): the mean, and the eigenvalues above `sigma2` of the training images' covariance
    (divided by n) with their eigenvectors, largest first. `train`: [n, D]."""
    from scipy.linalg import eigh

    x = np.asarray(train).reshape(len(train), -1)
    mean = x.mean(0, dtype=np.float64)
    cov = np.zeros((x.shape[1], x.shape[1]))
    for start in range(0, len(x), chunk):
        c = x[start:start + chunk].astype(np.float64) - mean
        cov += c.T @ c
    lam, vec = eigh(cov / len(x), subset_by_value=(sigma2, np.inf))
    return mean, lam[::-1].copy(), vec[:, ::-1].copy()


def ppca_loglik(x: np.ndarray, fit, k: int, sigma2: float = PPCA_SIGMA2) -> np.ndarray:
    """log N(x; mean, W Wᵀ + σ² I) of each row of `x` under `ppca_fit`'s first `k` components
    (W = U_k (Λ_k − σ² I)^½), plus (D/2) log(2πσ²): the decoder density's dropped constant, so that
    k = 0 gives the per-pixel-mean Gaussian's -||x - mean||²."""
    mean, lam, vec = fit
    if k > len(lam):
        raise ValueError(f"only {len(lam)} eigenvalues lie above σ² = {sigma2}, asked for {k}")
    r = np.asarray(x).reshape(len(x), -1).astype(np.float64) - mean
    proj = r @ vec[:, :k]
    lam = lam[:k]
    quad = ((r * r).sum(1) - (proj * proj).sum(1)) / sigma2 + (proj * proj / lam).sum(1)
    return -0.5 * quad - 0.5 * float(np.log(lam / sigma2).sum())


def _init_key(c) -> tuple:
    """The fields that fix a model at initialisation and what it scores (`ood.build_model`,
    `ood.evaluate_one`): the VAE and Soft-IntroVAE of one seed start from the same network."""
    return c.dataset, c.arch, tuple(c.channels), c.zdim, c.seed, c.eval_images, c.m_samples


def references(plan: Plan, runs, device="cpu") -> dict:
    """Config -> `Reference` for every run: the model at initialisation scores the in-distribution
    and OOD test images that the trained model scored (same images, same generator seed as
    `ood.evaluate_one`), and the per-pixel-mean Gaussian scores them too. Nothing trains."""
    from ...core.data import load_dataset
    from ...core.ood_scores import ood_scores
    from ...train import resolve_device, seed_everything
    from .ood import build_model

    device = resolve_device(device)
    data, means, fits, init, out = {}, {}, {}, {}, {}

    def images(name, split, limit):
        if (name, split, limit) not in data:
            data[(name, split, limit)] = load_dataset(name, split, limit=limit)[0]
        return data[(name, split, limit)]

    for c in [c for c in plan.runs if c in runs]:
        limit = c.eval_images or None
        x_in, x_ood = images(c.dataset, "test", limit), images(c.ood_dataset, "test", limit)
        key = _init_key(c)
        if key not in init:
            seed_everything(c.seed)
            model = build_model(c).to(device).eval()
            scores = {}
            for name, x in (("in", x_in), ("ood", x_ood)):
                g = torch.Generator(device=device).manual_seed(40_000 + c.seed)
                scores[name] = {k: v.cpu().numpy() for k, v in ood_scores(model, x.to(device), c.m_samples,
                                                                          generator=g).items()}
            init[key] = (auroc(scores["in"]["elbo"], scores["ood"]["elbo"]),
                         auroc(scores["in"]["iw"], scores["ood"]["iw"]), float(np.mean(scores["in"]["elbo"])))
        train = images(c.dataset, "train", c.n_train or None)       # what `ood.train_one` trained on
        mkey = (c.dataset, c.n_train, limit)
        if mkey not in means:
            mean = train.mean(0, keepdim=True)
            ll_in = -((x_in - mean) ** 2).flatten(1).sum(1).numpy().astype(np.float64)
            ll_ood = -((x_ood - mean) ** 2).flatten(1).sum(1).numpy().astype(np.float64)
            means[mkey] = (ll_in, auroc(ll_in, ll_ood))
        pkey = (c.dataset, c.n_train, limit, c.zdim)
        if pkey not in fits:
            fkey = (c.dataset, c.n_train)
            if fkey not in fits:
                fits[fkey] = ppca_fit(train.numpy())
            k = min(c.zdim, len(fits[fkey][1]))
            fits[pkey] = (auroc(ppca_loglik(x_in.numpy(), fits[fkey], k), ppca_loglik(x_ood.numpy(), fits[fkey], k)), k)
        out[c] = Reference(*init[key], *means[mkey], *fits[pkey], len(train))
    return out


def train_split_size(dataset: str) -> int | None:
    """How many images the dataset's training split under the data root holds (what a config
    with n_train = 0 trains on), without downloading; None when it is not there."""
    from ...core.data import IMAGE_FOLDERS, DatasetMissing, data_root, load_dataset

    folder = data_root() / IMAGE_FOLDERS.get(dataset, dataset) / "train"
    if dataset in IMAGE_FOLDERS and folder.is_dir():
        return sum(1 for _ in folder.glob("*/*.png"))
    try:
        return len(load_dataset(dataset, "train", download=False)[0])
    except DatasetMissing:
        return None


def setting_differences(runs_list, refs) -> list[str]:
    """What the runs change from the paper's setting (`ood.paper_config`: networks, epochs,
    optimiser, betas) and, counted, how many training images they trained on against the official
    split's size; [] when they train the paper's setting."""
    out = []
    for r in runs_list:
        c = r.config
        paper = paper_config(c.dataset, c.method, seed=c.seed)
        out += [f"{f} {getattr(c, f)!s} (paper's: {getattr(paper, f)!s})" for f in TRAINING_FIELDS
                if getattr(c, f) != getattr(paper, f)]
        used, official = refs[c].n_train, OFFICIAL_TRAIN_IMAGES[c.dataset]
        if used < official:
            out.append(f"{used:,} training images (the official split: {official:,})")
    return list(dict.fromkeys(out))


def learning(run, ref: Reference) -> dict:
    """Has the model learned? (1) reconstruction error of the 16 stored test images (x vs D(mu(x)),
    mean squared error per pixel value) below the coarse layout's; (2) its ELBO of the
    in-distribution test images above the per-pixel-mean Gaussian's log-likelihood of the same
    images, by a paired 95 % t-interval over the images clear of zero."""
    x, recon = run.arrays["recon_input"], run.arrays["recon"]
    layout, side, numbers = coarse_layout(x, run.config.zdim)
    mse, layout_mse = float(np.mean((recon - x) ** 2)), float(np.mean((layout - x) ** 2))
    elbo = np.asarray(run.arrays["elbo_in_test"], dtype=np.float64)
    if elbo.shape != ref.mean_model_in.shape:
        raise ValueError("the reference scored other test images than the run")
    gain = paired_comparison(elbo, ref.mean_model_in, "greater")
    return {"mse": mse, "layout_mse": layout_mse, "recon_ok": mse < layout_mse, "block": side,
            "numbers": numbers, "images": len(x), "elbo": float(elbo.mean()),
            "mean_model": float(ref.mean_model_in.mean()), "elbo_init": ref.elbo_init, "gain": gain,
            "elbo_ok": gain.supports, "learned": mse < layout_mse and gain.supports}


def _learning_text(info) -> str:
    parts = []
    if not info["recon_ok"]:
        parts.append(f"reconstruction MSE {info['mse']:.4f} vs {info['layout_mse']:.4f} for "
                     f"{info['block']}×{info['block']}-pixel block averages ({info['numbers']} numbers ≤ zdim)")
    if not info["elbo_ok"]:
        g = info["gain"]
        parts.append(f"mean ELBO {info['elbo']:.1f} vs {info['mean_model']:.1f} for the per-pixel-mean Gaussian "
                     f"(difference [{g.low:+.1f}, {g.high:+.1f}] over {g.n} test images)")
    return ", ".join(parts)


def _learned(pairs, keys, refs) -> tuple[bool, str]:
    """(every seed of every key has learned, the measured reason when one has not)."""
    bad = []
    for key in keys:
        for r in pairs[key]:
            info = learning(r, refs[r.config])
            if not info["learned"]:
                seed = f" seed {r.config.seed}" if len(pairs[key]) > 1 else ""
                bad.append(f"{_label(key)}{seed}: {_learning_text(info)}")
    return not bad, "; ".join(bad)


def _data_missing(ds: str) -> str:
    """'' when the pair's training and OOD test splits load (without downloading), else the
    loader's message."""
    from ...core.data import DatasetMissing, load_dataset

    why = []
    for name, split in ((ds, "train"), (PAIRS[ds], "test")):
        try:
            load_dataset(name, split, limit=1, download=False)
        except DatasetMissing as err:
            why.append(str(err))
    return " ".join(why)


def _missing_data_note(ds: str) -> str:
    """Why a pair did not run, without the machine's paths (the notebook's printed verdicts must
    read the same wherever it runs; the loader's full message is printed where the plan is made)."""
    return (f"the data of {DATASET_LABELS[ds]} → {DATASET_LABELS[PAIRS[ds]]} is not under the data "
            f"root ($COMPANION_DATA) and was not downloaded")


def _not_run(plan: Plan, pairs, ds: str, methods) -> str:
    """'' when every method of the pair has runs, else why not: the loader's message when the
    data is missing, or what this run trained instead."""
    absent = [m for m in methods if (ds, m) not in pairs]
    if not absent:
        return ""
    if ds in plan.skipped or (not any(c.dataset == ds for c in plan.runs) and _data_missing(ds)):
        return f"not run: {_missing_data_note(ds)}"
    if not any(c.dataset == ds for c in plan.runs):
        trained = ", ".join(dict.fromkeys(c.dataset for c in plan.runs)) or "none"
        return f"not run: this run trained no model on {DATASET_LABELS[ds]} (its datasets: {trained})"
    return (f"not run: this run trained no {' or '.join(METHOD_LABELS[m] for m in absent)} on "
            f"{DATASET_LABELS[ds]}")


# ------------------------------------------------------------------------------------ tables

def table7(plan: Plan, runs, datasets=tuple(PAIRS)) -> pd.DataFrame:
    """Table 7: AUROC (ELBO score) per pair and method, paper vs this run; pairs without data
    say "not run" and why is printed by the notebook."""
    pairs = _by_pair(plan, runs)
    rows = []
    for ds in datasets:
        row = {"in-distribution": DATASET_LABELS[ds], "OOD": DATASET_LABELS[PAIRS[ds]]}
        for m in ("vae", "sintrovae"):
            paper_mean, paper_std = SOFT_INTROVAE_TABLE7[ds][m]
            row[f"{METHOD_LABELS[m]} paper"] = f"{paper_mean:g} ± {paper_std:g}"  # as printed in Table 7
            got = pairs.get((ds, m))
            row[f"{METHOD_LABELS[m]} this run"] = format_mean_std(*_auroc(got), digits=3) if got else "not run"
            row[f"{METHOD_LABELS[m]} this run (IW, M=5)"] = (
                format_mean_std(*_auroc(got, "auroc_iw"), digits=3) if got else "not run")
        rows.append(row)
    return pd.DataFrame(rows)


def spread_table(plan: Plan, runs) -> pd.DataFrame:
    """Per model (first seed): the ELBO AUROC and its bootstrap SD over test images; per pair, the
    bootstrap SD of Soft-IntroVAE − VAE on the same resampled images. A sampling spread of the test
    set, not a seed-to-seed spread: it decides no claim."""
    pairs = _by_pair(plan, runs)
    rows = []
    for (ds, m), rs in pairs.items():
        row = {"in-distribution": DATASET_LABELS[ds], "method": METHOD_LABELS[m], "seeds": len(rs),
               "AUROC (ELBO), first seed": round(rs[0].metrics["auroc_elbo"], 4),
               "bootstrap SD": round(bootstrap_auroc_sd(rs[0]), 4), "bootstrap SD of S-IntroVAE − VAE": ""}
        if m == "sintrovae" and (ds, "vae") in pairs:
            row["bootstrap SD of S-IntroVAE − VAE"] = round(bootstrap_gap_sd(rs[0], pairs[(ds, "vae")][0]), 4)
        rows.append(row)
    return pd.DataFrame(rows)


def split_auroc(run, score: str = "elbo") -> tuple[float, float]:
    """The same model on both sides: AUROC of its in-distribution test images at even indices
    against those at odd indices (one distribution, so ≈ 0.5), and the Mann-Whitney statistic's
    null SD for those sizes."""
    a = np.asarray(run.arrays[f"{score}_in_test"])
    even, odd = a[0::2], a[1::2]
    return auroc(even, odd), float(np.sqrt((len(even) + len(odd) + 1) / (12 * len(even) * len(odd))))


def controls_table(plan: Plan, runs, refs) -> pd.DataFrame:
    """Per model (every seed): its ELBO and IW AUROC beside the same test on the controls: the
    model at initialisation, the per-pixel-mean Gaussian, probabilistic PCA (exact
    log-likelihood, its number of components), and the model on both sides (its own test images,
    even vs odd)."""
    rows = []
    for c in plan.runs:
        if c not in runs:
            continue
        r, ref = runs[c], refs[c]
        rows.append({"in-distribution": DATASET_LABELS[c.dataset], "OOD": DATASET_LABELS[c.ood_dataset],
                     "method": METHOD_LABELS[c.method], "seed": c.seed,
                     "AUROC (ELBO)": round(r.metrics["auroc_elbo"], 3), "AUROC (IW)": round(r.metrics["auroc_iw"], 3),
                     "at initialisation (ELBO)": round(ref.auroc_init_elbo, 3),
                     "at initialisation (IW)": round(ref.auroc_init_iw, 3),
                     "per-pixel-mean Gaussian": round(ref.auroc_mean_model, 3),
                     "probabilistic PCA": round(ref.auroc_ppca, 3), "pPCA components": ref.ppca_k,
                     "training images": ref.n_train,
                     "in-test vs in-test (ELBO)": round(split_auroc(r)[0], 3)})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------- figures

def figure8(plan: Plan, runs, dataset: str):
    """Fig. 8: step histograms (density) of the M = 5 log-likelihood estimate of the
    in-distribution train and test images and the OOD test images, one panel per method (first
    seed), over the full range of the scores (nothing clipped), AUROC in the title. The paper
    draws CIFAR-10 -> SVHN only; another pair is titled "Fig. 8 layout (pair not in the paper)"."""
    pairs = _by_pair(plan, runs)
    methods = [m for m in ("vae", "sintrovae") if (dataset, m) in pairs]
    fig, axes = plt.subplots(1, len(methods), figsize=(5 * len(methods), 3.4), squeeze=False)
    for ax, m in zip(axes[0], methods):
        run = pairs[(dataset, m)][0]
        values = [run.arrays[f"iw_{s}"] for s in SPLIT_STYLE]
        lo, hi = float(min(v.min() for v in values)), float(max(v.max() for v in values))
        for s, v in zip(SPLIT_STYLE, values):
            name, color = SPLIT_STYLE[s]
            label = (f"{DATASET_LABELS[dataset]} {name}" if s != "ood" else
                     f"{DATASET_LABELS[PAIRS[dataset]]} test (OOD)") + f", n = {len(v)}"
            ax.hist(v, bins=100, range=(lo, hi), density=True, histtype="step", linewidth=1.2,
                    color=color, label=label)
        ax.set_title(f"({'ab'[methods.index(m)]}) {METHOD_LABELS[m]} trained on {DATASET_LABELS[dataset]}\n"
                     f"AUROC {run.metrics['auroc_elbo']:.3f} (ELBO), {run.metrics['auroc_iw']:.3f} (IW)",
                     fontsize=9)
        ax.set_xlabel("log p(x) estimate, M = 5 (nats; σ² = ½ decoder, constant dropped)")
        ax.set_ylabel("density")
        ax.legend(fontsize=7, loc="upper left")
    head = "Fig. 8 —" if dataset == "cifar10" else "Fig. 8 layout (pair not in the paper) —"
    fig.suptitle(f"{head} trained on {DATASET_LABELS[dataset]}, tested on {DATASET_LABELS[PAIRS[dataset]]} "
                 f"(first seed; full range of the scores, 100 bins)", fontsize=10)
    fig.tight_layout()
    return fig


def samples_figure(plan: Plan, runs):
    """One column per model (first seed). Top: 16 decoder samples D(z), z ~ N(0, I). Bottom:
    8 test images and their reconstructions D(mu(x)) in alternating rows (rows 1 and 3 real,
    rows 2 and 4 their reconstructions), as the paper's Fig. 10(b)."""
    pairs = _by_pair(plan, runs)
    keys = list(pairs)
    fig, axes = plt.subplots(2, len(keys), figsize=(2.4 * len(keys) + 0.8, 5.4), squeeze=False)
    for j, key in enumerate(keys):
        a = pairs[key][0].arrays
        real, rec = a["recon_input"][:8], a["recon"][:8]
        rows = np.concatenate([real[:4], rec[:4], real[4:8], rec[4:8]])  # real, recon, real, recon
        for i, imgs in enumerate((a["samples"][:16], rows)):
            grid = make_grid(torch.from_numpy(np.clip(imgs, 0, 1)), nrow=4, padding=1, pad_value=1)
            ax = axes[i, j]
            ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.grid(False)
            size = imgs.shape[-1] + 1  # image + padding, in grid pixels
            if j == 0 and i == 0:
                ax.set_ylabel("samples D(z), z ~ N(0, I)", fontsize=8)
            if i == 1:
                ax.set_yticks([size * (r + 0.5) for r in range(4)])
                ax.set_yticklabels(["real", "recon.", "real", "recon."] if j == 0 else [""] * 4, fontsize=7)
                if j == 0:
                    ax.set_ylabel("test images and D(μ(x))", fontsize=8)
            else:
                ax.set_yticks([])
        axes[0, j].set_title(f"{METHOD_LABELS[key[1]]}\ntrained on {DATASET_LABELS[key[0]]}", fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------- still learning?

def convergence(history: pd.DataFrame) -> dict:
    """Is the model still converging? The negative ELBO of the real training batches (rec +
    kl_real, logged by both methods, window means) over the last third of training: its relative
    fall from the logged window nearest two thirds of the steps to the last one, and a straight
    line through those windows: `falling` when the line's 95 % interval of the change over the
    third lies below 0 (a fall beyond the windows' scatter). None with fewer than three windows."""
    from scipy import stats

    loss = (history["rec"] + history["kl_real"]).to_numpy(dtype=np.float64)
    step = history["step"].to_numpy(dtype=np.float64)
    start = int(np.argmin(np.abs(step - step[-1] * 2 / 3)))
    s, v = step[start:], loss[start:]
    out = {"from_step": int(s[0]), "to_step": int(s[-1]), "windows": len(s), "start": float(v[0]),
           "end": float(v[-1]), "fall": float((v[0] - v[-1]) / abs(v[0])), "change": None, "low": None,
           "high": None, "falling": None}
    if len(s) >= 3 and s[-1] > s[0]:
        fit = stats.linregress(s, v)
        span = s[-1] - s[0]
        half = float(stats.t.ppf(0.975, len(s) - 2) * fit.stderr * span)
        change = float(fit.slope * span)
        out.update(change=change, low=change - half, high=change + half, falling=change + half < 0)
    return out


# ------------------------------------------------------------------------------ ink analysis

#: Class names of the test splits whose labels are not digits.
CLASS_NAMES = {"fashion-mnist": ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                                 "sneaker", "bag", "ankle boot"),
               "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                           "truck")}
#: The in-distribution percentile above which an OOD image counts as scored "like an
#: in-distribution image" in `ink_table`.
INK_PERCENTILE = 5


def ink_table(plan: Plan, runs) -> pd.DataFrame:
    """Why OOD images score high, per model (first seed; ELBO, Table 7's score): the Pearson
    correlation of an OOD test image's ELBO with its mean pixel value (how much ink or light it
    has); the share of OOD images scored above the in-distribution test images' 5th percentile;
    their mean pixel value over the rest's; and the two classes most common among them, with
    their share there and in all the scored OOD images. Reads the stored scores and the OOD test
    images; nothing trains."""
    from ...core.data import load_dataset

    pairs, rows, data = _by_pair(plan, runs), [], {}
    for (ds, m), rs in pairs.items():
        r = rs[0]
        ood_ds, limit = r.config.ood_dataset, r.config.eval_images or None
        if (ood_ds, limit) not in data:
            x, y = load_dataset(ood_ds, "test", limit=limit)
            data[(ood_ds, limit)] = (x.flatten(1).mean(1).numpy().astype(np.float64), y.numpy())
        ink, labels = data[(ood_ds, limit)]
        score = np.asarray(r.arrays["elbo_ood"], dtype=np.float64)
        if len(score) != len(ink):
            raise ValueError("the run scored other OOD test images than the test split's first ones")
        above = score > np.percentile(r.arrays["elbo_in_test"], INK_PERCENTILE)
        names = CLASS_NAMES.get(ood_ds)
        top = pd.Series(labels[above]).value_counts().index[:2] if above.any() else []
        both = np.isin(labels, list(top))
        rows.append({"in-distribution": DATASET_LABELS[ds], "OOD": DATASET_LABELS[ood_ds], "method": METHOD_LABELS[m],
                     "corr(ELBO, mean pixel) of OOD images": round(float(np.corrcoef(score, ink)[0, 1]), 3),
                     f"OOD above in-dist. {INK_PERCENTILE}th pct.": f"{above.mean():.0%}",
                     "their mean pixel / the rest's": (round(float(ink[above].mean() / ink[~above].mean()), 2)
                                                       if above.any() and (~above).any() else float("nan")),
                     "two commonest classes there": " and ".join(names[i] if names else str(i) for i in top),
                     "their share there (of all OOD)": (f"{both[above].mean():.0%} ({both.mean():.0%})"
                                                        if above.any() else "")})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- diagnostics

def diagnostics(plan: Plan, runs, refs) -> list[Diagnostic]:
    """Training health of every model (every seed): it has learned (reconstructions vs the coarse
    layout; ELBO vs the per-pixel-mean Gaussian, with the model at initialisation beside it),
    Soft-IntroVAE's encoder gives its fakes more KL than real images at the end, the model does
    not score its training images above its test images (memorisation), it does not separate
    its own test images from themselves (even vs odd indices: a check of the scoring), and its
    training loss has levelled off (`convergence`: still converging otherwise)."""
    pairs = _by_pair(plan, runs)
    out = []

    def name(k, r):
        return _label(k) + (f" seed {r.config.seed}" if len(pairs[k]) > 1 else "")

    models = [(k, r) for k, rs in pairs.items() for r in rs]
    infos = {id(r): learning(r, refs[r.config]) for _, r in models}
    for k, r in models:
        info = infos[id(r)]
        out.append(Diagnostic(
            f"{name(k, r)}: reconstructs its test images better than a coarse layout with as many numbers "
            f"as its latent code",
            f"MSE {info['mse']:.4f} vs {info['layout_mse']:.4f} ({info['block']}×{info['block']}-pixel blocks, "
            f"{info['numbers']} numbers; {info['images']} test images)",
            "reconstruction MSE < block-average MSE", info["recon_ok"]))
    for k, r in models:
        info = infos[id(r)]
        g = info["gain"]
        out.append(Diagnostic(
            f"{name(k, r)}: its ELBO of the test images is above a per-pixel-mean Gaussian's log-likelihood",
            f"mean ELBO {info['elbo']:.1f} vs {info['mean_model']:.1f} (difference [{g.low:+.1f}, {g.high:+.1f}] "
            f"over {g.n} images); at initialisation {info['elbo_init']:.1f}",
            "paired 95 % interval above 0", info["elbo_ok"]))
    for k, r in models:
        if k[1] == "sintrovae":
            margin = float(r.history["kl_fake"].iloc[-1] - r.history["kl_real"].iloc[-1])
            out.append(Diagnostic(
                f"{name(k, r)}: the encoder gives fakes a larger KL than real images at the end of training",
                f"kl_fake − kl_real = {margin:+.2f}", "≥ 0 (retune β_neg otherwise)", margin >= 0))
    for k, r in models:
        value = auroc(r.arrays["elbo_in_train"], r.arrays["elbo_in_test"])
        out.append(Diagnostic(
            f"{name(k, r)}: training and test images get the same ELBO distribution",
            f"AUROC train vs test {value:.3f}", f"within 0.5 ± {TRAIN_TEST_TOLERANCE}",
            abs(value - 0.5) <= TRAIN_TEST_TOLERANCE))
    for k, r in models:
        value, sd = split_auroc(r)
        out.append(Diagnostic(
            f"{name(k, r)}: the same model on both sides (its test images, even vs odd indices) scores ≈ 0.5",
            f"AUROC {value:.3f} (null SD {sd:.3f})", f"within 0.5 ± {SPLIT_NULL_SDS} null SDs",
            abs(value - 0.5) <= SPLIT_NULL_SDS * sd))
    for k, r in models:
        cv = convergence(r.history)
        trend = (f"; a line through its {cv['windows']} logged windows: {cv['change']:+.1f} "
                 f"[{cv['low']:+.1f}, {cv['high']:+.1f}] nats" if cv["falling"] is not None else
                 f"; {cv['windows']} logged window(s), too few for a trend")
        out.append(Diagnostic(
            f"{name(k, r)}: its training loss (rec + kl_real) has levelled off over the last third of training "
            f"(else still converging)",
            f"fell {cv['fall']:.1%}, {cv['start']:.1f} → {cv['end']:.1f} from step {cv['from_step']} to "
            f"{cv['to_step']}{trend}", "no fall beyond the logged windows' scatter (the line's 95 % interval "
            "reaches 0)", cv["falling"] is False))
    return out


# ---------------------------------------------------------------------------------- coverage

_NB01 = "covered by notebook 01 (01_soft_introvae_2d), not by this notebook"
_STYLE = ("style-based (ALAE/StyleGAN) architecture grown progressively to 256×256 (LSUN Bedroom: 128×128), "
          "CelebA-HQ and FFHQ trained for 230 and 270 epochs: multi-GPU days, and these datasets are not in the "
          "offline copies; this notebook is about OOD detection (§6.5)")
_TRANSLATION = ("unsupervised image translation (LORD's two-encoder architecture, VGG perceptual loss, 400 epochs) "
                "on Cars3D and KTH, which are not in the offline copies; not an OOD result")
_FID = ("image generation, scored by FID over 50,000 samples with an Inception network: neither the FID "
        "network nor the paper's 220-epoch CIFAR-10 model is part of this notebook, which is about OOD detection")


def _row_status(plan: Plan, pairs, refs, ds: str) -> tuple[str, str]:
    """(status, note) of one Table 7 row from what this run stored: not run; ran but not learned;
    ran another setting than the paper's (`setting_differences`: its AUROCs reproduce nothing);
    or the paper's setting, "partly reproduced" (with fewer than three seeds the interval rule
    decides nothing; with three, the claims table says what the AUROCs support)."""
    missing = _not_run(plan, pairs, ds, ("vae", "sintrovae"))
    if missing:
        why = "SVHN's training split is not in the offline copies; " if ds == "svhn" else ""
        return "implemented, not run", f"the full profile (all four pairs, 3 seeds) has never run; {why}{missing}"
    runs_list = pairs[(ds, "vae")] + pairs[(ds, "sintrovae")]
    seeds = len(pairs[(ds, "vae")])
    c = pairs[(ds, "vae")][0].config
    used = refs[c].n_train
    setting = (f"an MLP, {c.epochs} epochs" if c.arch == "mlp" else
               f"the residual net {tuple(c.channels)}, {c.epochs} epochs of "
               f"{f'{used // 1000}k' if used % 1000 == 0 else f'{used:,}'} images")
    where = f"{plan.profile.name}: {setting}, {seeds} seed{'s' if seeds > 1 else ''}"
    ok, why = _learned(pairs, [(ds, "vae"), (ds, "sintrovae")], refs)
    if not ok:
        return "not reproduced", (f"{where}; the models have not learned ({why}); the paper's setting is the full "
                                  "profile, never run")
    diff = setting_differences(runs_list, refs)
    if diff:
        return "not reproduced", (f"{where}; not comparable with the paper's setting ({'; '.join(diff)}): its "
                                  "AUROCs are shown beside the paper's, not as a reproduction")
    if seeds < 3:
        return "partly reproduced", (f"{where}, the paper's setting: the AUROCs of the paper's models, but the "
                                     "interval rule needs 3 seeds to decide the claims")
    return "partly reproduced", (f"{where}, the paper's setting: the claims table says which of the paper's "
                                 "statements these AUROCs support")


def _split_note(ds: str) -> str:
    """How many training images a full-profile run of `ds` would use here, against the official
    split."""
    n, official = train_split_size(ds), OFFICIAL_TRAIN_IMAGES[ds]
    if n is None:
        return f"none here: the training split is not under the data root; the official split has {official:,}"
    if n < official:
        return (f"{n:,} images here, the official split: {official:,}, so not the paper's model unless the whole "
                "split is put there")
    return f"{n:,} images, the official split"


def coverage(plan: Plan, runs, refs) -> list[Coverage]:
    """What notebook 05 does with each figure and table of the paper: the OOD items (§6.5,
    App. 9.7), with a status measured from this run (ran or not, learned or not), and, so that
    nothing goes unmentioned, everything else with where it is or why it is out of scope."""
    from ... import stored

    pairs = _by_pair(plan, runs)
    trained = {c.dataset for c in plan.runs}

    def extended(row: Coverage) -> Coverage:
        """`row`, or — where this profile trains nothing of the row's pair and a stored extended run
        covers it — the stored run's status and note, labelled."""
        kept = None if plan.profile.name != "quick" else stored.stored_coverage("05_ood_histograms", row.item)
        return row if kept is None else Coverage(row.item, row.content, *kept)

    out = []
    for ds in PAIRS:
        status, note = _row_status(plan, pairs, refs, ds)
        row = Coverage(f"Table 7, {DATASET_LABELS[ds]} → {DATASET_LABELS[PAIRS[ds]]}",
                       "OOD AUROC of the ELBO, VAE vs Soft-IntroVAE", status, f"Table 7 section; {note}")
        out.append(row if ds in trained else extended(row))
    status, note = _row_status(plan, pairs, refs, "cifar10")
    note = f"Fig. 8 section, the models of the CIFAR-10 → SVHN row ({note})"
    fig8 = Coverage("Fig. 8 (a), (b)",
                    "log-likelihood histograms (M = 5), trained on CIFAR-10: CIFAR-10 train/test vs SVHN",
                    status, note + "; also drawn for every other pair this run trains (not in the paper).")
    out += [
        fig8 if "cifar10" in trained else extended(fig8),
        Coverage("Figs. 6, 10 (samples and test reconstructions)",
                 "CIFAR-10 samples and reconstructions, unconditional", "implemented, not run",
                 "Samples section: the full profile (never run) trains the CIFAR-10 Soft-IntroVAE with the authors' "
                 f"networks and §9.2.2's 220 epochs on every image of the training split under the data root "
                 f"({_split_note('cifar10')}); the quick models' samples only show what they learned. "
                 "Their FID (4.6) is out of scope, see below."),
        Coverage("§6.3 FID 4.6 (Figs. 6, 10), FID 4.07 (Fig. 11, class-conditional)", "CIFAR-10 image generation",
                 "out of scope", _FID + "; the class-conditional model is not trained here."),
        Coverage("Table 3", "FID on CelebA-HQ and FFHQ at 256×256 vs GANs and other autoencoders",
                 "out of scope", _STYLE),
        Coverage("Figs. 1, 12–14, 16, 17", "FFHQ and CelebA-HQ samples and reconstructions at 256×256",
                 "out of scope", _STYLE),
        Coverage("Figs. 5, 18", "latent-space interpolation, CelebA-HQ", "out of scope", _STYLE),
        Coverage("Fig. 15", "LSUN Bedroom samples at 128×128 (FID 15.88)", "out of scope", _STYLE),
        Coverage("Table 4, Figs. 7, 19, 20", "content transfer (LPIPS) on Cars3D and KTH", "out of scope",
                 _TRANSLATION),
        Coverage("Fig. 2, Table 2, Table 5", "2D toy densities: samples, densities, KL / JSD / gnELBO, their "
                 "hyperparameters", "out of scope", _NB01),
        Coverage("Fig. 3", "IntroVAE's sensitivity to its margin m (2D)", "out of scope", _NB01),
        Coverage("Fig. 21 (App. 9.5)", "posterior collapse on 8 Gaussians", "out of scope", _NB01),
        Coverage("Table 1, Figs. 4, 9, Table 6", "method comparison, architectures, training flow, the 1024² "
                 "residual architecture", "out of scope",
                 "diagrams and descriptions, not results; Table 6's residual blocks, at 32×32 and 28×28, are the "
                 "networks of the CIFAR-10 models and of every full-profile model (companion.core.nets.residual_vae)"),
    ]
    return out
