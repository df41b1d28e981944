"""Figures, tables, claims, diagnostics and coverage of notebook 02 (sigma-VAE), from the runs of
`mnist_sweep`.

Everything here reads what a run stored (metrics, arrays, training history); nothing retrains.
Every table puts the paper's number beside this run's. Fréchet distances are labelled with the
features they used ("FD (classifier features)" offline), never called FID unless they are.

How a claim is decided (`claims`):

* **Like with like.** Samples of every method are scored from the same sampler (all from q̂, or
  all from the prior); log-likelihoods of models trained with different sigma^2 are compared at
  each model's own best (post-hoc, closed-form) sigma^2 as well as the paper's way, because
  -(d/2) log(2 pi sigma^2) alone orders the paper's Table 3 columns.
* **Three or more seeds** (the 16-D comparison block: Table 2's five methods on MNIST in the
  quick profile, everything in the full one): `claims.paired_comparison` over seeds; PASS when
  every interval lies on the paper's side, FAIL when one lies on the other side, else NOT TESTED
  with the intervals as the reason.
* **One or two seeds** cannot measure a seed-to-seed spread. The sigma^2 sweep (one seed in every
  profile) has a **twin pair** instead: two models with the same seed and data that learn the
  same sigma^2 by two routes (Eq. 9 and Adam on log sigma). How far apart their metrics land is
  the training-path spread this run measures (`twin_spread`); a single-seed gap between sweep
  models decides only when it is larger than the twin spread of the same statistic. A 16-D
  between-method gap with fewer than three seeds is NOT TESTED, except where a seed spread of the
  same statistic was measured on the same dataset (the per-pixel model against the control
  trained as long, judged against the three seeds' spread of the 'dataset σ²' model). A claim
  with a PASS rule and a FAIL rule that both hold on the same numbers (Fig. 1(b)'s "both ends
  sub-optimal") is NOT TESTED: the run supports neither reading.
* **Within one model** (q̂ against the prior for the same decoder, per-pixel against global
  variance for the same networks) a gap is decided on the run's numbers when it exceeds the
  evaluation's own noise: for Fréchet distances the distance between two real image sets of the
  same size (`mnist_sweep.real_floor`); for Table 3 the rounding of the paper's integers.
* **Null floors and baselines.** "KL(q̂‖p) > 0" is compared with the KL that the same estimator
  gives when q̂ is fitted to draws of the prior itself (`kl_null_floor`), not with zero; "the
  predicted variance lines up with the errors" with a parameter-free baseline, m(1 - m) of the
  decoder mean, with a bootstrap interval over the stored test images (`variance_error_check`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from torchvision.utils import make_grid

from ...claims import Claim, Coverage, Diagnostic, decide, paired_comparison, per_model_verdict
from ...tables import DATASET_LABELS, format_mean_std, mean_std
from .mnist_sweep import Plan, label
from .reported import SIGMA_VAE_LEARNED_SIGMA2, SIGMA_VAE_TABLE1_KL, SIGMA_VAE_TABLE2, SIGMA_VAE_TABLE3

TABLE1_COLUMNS = (1.0, 0.5, "learned", 0.01)
TABLE3_METHODS = ("dataset σ²", "pixel σ²", "VAE", "β-VAE", "DIP-VAE")
CONTROL = "dataset σ² (as long)"   # the global-σ² model trained as long as stage 1 + stage 2
#: Diagnostics: the Fréchet features come from a classifier at least this accurate on test images.
CLASSIFIER_ACCURACY = 0.8
TABLE2_METHODS = {"Ours": "dataset σ²", "VAE": "VAE", "β-VAE": "β-VAE", "DIP-VAE": "DIP-VAE", "WAE": "WAE"}
BASELINES_LL = ("VAE", "β-VAE", "DIP-VAE")   # Table 3's fixed-sigma^2 columns
D_PIXELS = 784                                # MNIST and Fashion-MNIST, 28 x 28

#: The twin pair measures a spread only when both routes reach the same sigma^2 (within 25 %).
TWIN_SIGMA2_TOLERANCE = 1.25
#: Table 1's KL(q̂||p) values "reproduce" the paper's within this factor (architecture, data size
#: and training length differ; the factor is wider than the twin spread, e^0.24 = 1.27 here).
KL_VALUE_FACTOR = 2.0
#: Table 3 prints integers: a q̂-vs-prior gain above -0.5 nats is "≥ 0" at the paper's precision.
IWAE_ROUNDING = 0.5
#: Draws of N(0, I) whose GMM gives the null KL floor (seeds of the draws, the fit and the KL).
NULL_SEEDS = (0, 1, 2)
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
#: Diagnostics: what a healthy run shows.
TWIN_ELBO_TOLERANCE = 5.0        # nats: the two learned-sigma^2 routes end this close
STAGE2_START_TOLERANCE = 1.5     # first stage-2 epoch's mean variance / sigma^2_dataset
FLOOR_SHARE_LIMIT = 0.9          # share of predicted variances within 10 % of the floor


def _stat(runs, configs, key):
    """(mean, std over seeds) of a metric; std is NaN for one seed; NaN when absent."""
    return mean_std(runs[c].metrics.get(key, np.nan) for c in configs)


def _values(runs, configs, key) -> np.ndarray:
    """Per-seed values of a metric, in seed order."""
    return np.array([runs[c].metrics.get(key, np.nan) for c in configs], dtype=float)


def fd_label(runs) -> str:
    labels = sorted({r.metrics["fd_features"] for r in runs.values()})
    return " / ".join(labels)


def _datasets(plan: Plan) -> list[str]:
    return list(dict.fromkeys(ds for ds, _ in plan.table))


def _n_seeds(plan: Plan, dataset: str, method: str = "dataset σ²") -> int:
    return len(plan.table[(dataset, method)])


def _seed_text(plan: Plan, dataset: str) -> str:
    n = _n_seeds(plan, dataset)
    return f"{n} seed{'s' if n > 1 else ''}"


def log_constant(sigma2: float, d: int = D_PIXELS) -> float:
    """-(d/2) log(2 pi sigma^2): the part of a Gaussian log-likelihood that sigma^2 alone sets."""
    return -0.5 * d * math.log(2 * math.pi * sigma2)


# ------------------------------------------------------------------------------- the sweep

def sweep_frame(plan: Plan, runs) -> pd.DataFrame:
    """One row per sweep model: sigma^2 (fixed or learned), test ELBO (and with a post-hoc
    closed-form sigma^2), MSE per pixel, KL terms, Fréchet distances of q̂ and prior samples."""
    rows = []
    for c in plan.sweep:
        m = runs[c].metrics
        learned = c.sigma_mode != "fixed"
        rows.append({"model": label(c), "learned": learned, "σ²": m["sigma2"] if learned else c.sigma2,
                     "test ELBO": m["elbo"], "ELBO, post-hoc σ*²": m["elbo_posthoc"],
                     "MSE/pixel": m["mse"], "KL(q(z|x)‖p)": m["kl"], "KL(q̂‖p)": m["kl_agg"],
                     "KL(q̂‖p) std": m["kl_agg_std"], "FD q̂ samples": m["fd_agg"],
                     "FD prior samples": m["fd_prior"]})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TwinSpread:
    """How far two models of the same seed and data, with the same learned sigma^2 reached by
    two routes (Eq. 9 and Adam), land apart: the training-path spread of a single-seed sweep.
    ELBO in nats; KL and Fréchet distances as |log ratio|; `gap` = |difference of
    FD(prior) - FD(q̂)|; `gap_log` = |difference of log(FD(prior) / FD(q̂))|."""

    sigma2: tuple     # (Eq. 9, Adam)
    elbo: float
    kl: float
    fd_agg: float
    fd_prior: float
    gap: float
    gap_log: float

    def __str__(self) -> str:
        return (f"twin pair (same seed and data, learned σ² {self.sigma2[0]:.4f} by Eq. 9 and "
                f"{self.sigma2[1]:.4f} by Adam): ELBO {self.elbo:.1f} nats, KL(q̂‖p) ×{math.exp(self.kl):.2f}, "
                f"FD(q̂) ×{math.exp(self.fd_agg):.2f}, FD(prior) ×{math.exp(self.fd_prior):.2f}, "
                f"FD gap {self.gap:.1f}")


def _twin_rows(sweep: pd.DataFrame):
    eq9 = sweep[sweep.model.str.contains("Eq. 9")]
    adam = sweep[sweep.model.str.contains("Adam")]
    return (eq9.iloc[0] if len(eq9) else None), (adam.iloc[0] if len(adam) else None)


def twin_spread(sweep: pd.DataFrame) -> tuple[TwinSpread | None, str]:
    """(the twin spread, '') or (None, why it is not measured): both learned-sigma^2 models must
    be in the sweep and their sigma^2 within `TWIN_SIGMA2_TOLERANCE` of each other."""
    a, b = _twin_rows(sweep)
    if a is None or b is None:
        return None, "the sweep lacks one of the two learned-σ² models (Eq. 9, Adam), so no spread is measured"
    ratio = max(a["σ²"], b["σ²"]) / min(a["σ²"], b["σ²"])
    if ratio > TWIN_SIGMA2_TOLERANCE:
        return None, (f"the two learned-σ² routes did not reach the same σ² ({a['σ²']:.4f} vs {b['σ²']:.4f}), "
                      "so they measure no spread")
    lg = lambda x, y: abs(math.log(x / y))
    gap = lambda r: r["FD prior samples"] - r["FD q̂ samples"]
    log_gap = lambda r: math.log(r["FD prior samples"] / r["FD q̂ samples"])
    return TwinSpread((float(a["σ²"]), float(b["σ²"])), abs(float(a["test ELBO"] - b["test ELBO"])),
                      lg(a["KL(q̂‖p)"], b["KL(q̂‖p)"]), lg(a["FD q̂ samples"], b["FD q̂ samples"]),
                      lg(a["FD prior samples"], b["FD prior samples"]),
                      abs(float(gap(a) - gap(b))), abs(log_gap(a) - log_gap(b))), ""


@dataclass(frozen=True)
class NullFloor:
    """KL(q̂||p) when q̂ is fitted to draws of p = N(0, I) itself: what the estimator reports for
    no gap at all (per seed of the draws: the mean of the repeated Monte-Carlo estimates)."""

    values: tuple
    mc_std: tuple
    n_draws: int
    components: int

    @property
    def high(self) -> float:
        """The largest null value plus three of its Monte-Carlo stds."""
        return float(max(v + 3 * s for v, s in zip(self.values, self.mc_std)))

    def __str__(self) -> str:
        return (f"GMM ({self.components} components) fitted to {self.n_draws} draws of N(0, I): "
                f"KL {min(self.values):.3f}–{max(self.values):.3f} over {len(self.values)} seeds "
                f"(+3 std: {self.high:.3f})")


def kl_null_floor(config, seeds=NULL_SEEDS) -> NullFloor:
    """`fit_gmm` + `kl_to_standard_normal` on `config.n_train` draws of N(0, I) in `config.zdim`
    dimensions, with the config's components, samples and repeats (seconds per seed)."""
    from ...core.aggregate_posterior import fit_gmm, kl_to_standard_normal

    values, stds = [], []
    n = config.n_train
    for s in seeds:
        z = torch.randn(n, config.zdim, generator=torch.Generator().manual_seed(s))
        q = fit_gmm(z, config.gmm_components, seed=s)
        kl, std = kl_to_standard_normal(q, config.kl_samples, config.kl_repeats, seed=s)
        values.append(kl)
        stds.append(0.0 if np.isnan(std) else std)
    return NullFloor(tuple(values), tuple(stds), n, config.gmm_components)


def _table1_runs(plan: Plan, runs) -> dict:
    by = {}
    for c in plan.sweep:
        if c.sigma_mode == "fixed" and c.sigma2 in TABLE1_COLUMNS:
            by[c.sigma2] = runs[c]
        elif c.sigma_mode == "closed_form":
            by["learned"] = runs[c]
    return {k: by[k] for k in TABLE1_COLUMNS if k in by}


def table1_kl(plan: Plan, runs, null: NullFloor | None = None) -> pd.DataFrame:
    """Table 1's KL(q̂||p) row: paper vs this run (mean ± std of 10 Monte-Carlo runs), their
    ratio, and the null floor (a GMM fitted to draws of the prior) when given."""
    rows = []
    for key, run in _table1_runs(plan, runs).items():
        m = run.metrics
        name = f"learned ({m['sigma2']:.3f}; paper {SIGMA_VAE_LEARNED_SIGMA2})" if key == "learned" else f"{key:g}"
        paper = SIGMA_VAE_TABLE1_KL[key]
        rows.append({"σ²": name, "paper": format_mean_std(*paper, digits=3),
                     "this run": format_mean_std(m["kl_agg"], m["kl_agg_std"], digits=3),
                     "this run / paper": f"{m['kl_agg'] / paper[0]:.2f}"})
    if null is not None:
        rows.append({"σ²": "null: q̂ fitted to N(0, I) draws", "paper": "—",
                     "this run": f"{min(null.values):.3f}–{max(null.values):.3f}", "this run / paper": "—"})
    return pd.DataFrame(rows)


def table1_figure(plan: Plan, runs):
    """Table 1's images: log density of the exact aggregate posterior (row 1) and of its
    32-component GMM (row 2) over the latent plane, per sigma^2, and the prior's; one colour
    scale for every panel (log density, nats), clipped below at the prior's lowest value."""
    chosen = _table1_runs(plan, runs)
    box = plan.base.density_box
    g = plan.base.density_grid
    t = np.linspace(-box, box, g)
    zx, zy = np.meshgrid(t, t, indexing="ij")
    log_prior = -0.5 * (zx ** 2 + zy ** 2) - np.log(2 * np.pi)
    vmin = float(log_prior.min())
    vmax = float(max([log_prior.max()] + [r.arrays[n].max() for r in chosen.values()
                                           for n in ("log_q_exact", "log_q_gmm")]))
    ncol = len(chosen) + 1
    fig, axes = plt.subplots(2, ncol, figsize=(3.0 * ncol + 0.8, 6.4), squeeze=False,
                             constrained_layout=True)
    extent = (-box, box, -box, box)
    image = None
    for j, (key, run) in enumerate(chosen.items()):
        title = f"σ² = {key:g}" if key != "learned" else f"learned σ² = {run.metrics['sigma2']:.3f}"
        for i, name in enumerate(("log_q_exact", "log_q_gmm")):
            image = axes[i, j].imshow(np.clip(run.arrays[name], vmin, None).T, origin="lower", cmap="viridis",
                                      extent=extent, vmin=vmin, vmax=vmax)
        axes[0, j].set_title(f"{title}\nKL(q̂‖p) = {run.metrics['kl_agg']:.3f} nats")
    for i in range(2):
        axes[i, -1].imshow(log_prior.T, origin="lower", cmap="viridis", extent=extent, vmin=vmin, vmax=vmax)
    axes[0, -1].set_title("prior N(0, I)\n")
    for ax in axes.flat:
        ax.grid(False)
        ax.set_xticks([-box, 0, box])
        ax.set_yticks([-box, 0, box])
        ax.tick_params(labelsize=7)
    for j in range(ncol):
        axes[1, j].set_xlabel("z₁")
    axes[0, 0].set_ylabel("exact aggregate posterior\nz₂")
    axes[1, 0].set_ylabel(f"GMM q̂ ({plan.base.gmm_components} components)\nz₂")
    bar = fig.colorbar(image, ax=axes, shrink=0.8, pad=0.02)
    bar.set_label(f"log density (nats), clipped below at {vmin:.1f}")
    return fig


PLAIN = FuncFormatter(lambda v, _: f"{v:g}")


def _peak_panel(ax, fixed: pd.DataFrame, learned: pd.DataFrame) -> None:
    """A panel zoomed on the top of the ELBO curve: the best fixed sigma^2 and the learned models."""
    best = fixed.loc[fixed["test ELBO"].idxmax()]
    pts = pd.concat([best.to_frame().T, learned])
    lo, hi = pts["test ELBO"].min(), pts["test ELBO"].max()
    ax.plot([best["σ²"]], [best["test ELBO"]], "o", color="tab:green")
    ax.annotate(f"σ²={best['σ²']:g}\n{best['test ELBO']:.1f}", (best["σ²"], best["test ELBO"]),
                   textcoords="offset points", xytext=(-14, 8), fontsize=8)
    for _, row in learned.iterrows():
        marker = "*" if "Eq. 9" in row.model else "P"
        ax.plot(row["σ²"], row["test ELBO"], marker, ms=12 if marker == "*" else 8, color="tab:green",
                   markeredgecolor="k")
        ax.annotate(f"{row['test ELBO']:.1f}", (row["σ²"], row["test ELBO"]), textcoords="offset points",
                       xytext=(8, -3), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(pts["σ²"].min() / 1.3, pts["σ²"].max() * 1.3)
    ax.set_ylim(lo - 0.25 * (hi - lo + 1), hi + 0.25 * (hi - lo + 1))
    ax.xaxis.set_major_formatter(PLAIN)
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(2, 3, 4, 5, 6, 8), numticks=10))
    ax.xaxis.set_minor_formatter(PLAIN)
    ax.tick_params(labelsize=7, which="both")
    ax.set_title("(a) zoom on the peak")
    ax.set_xlabel("σ² (log scale)")
    ax.set_ylabel("test ELBO (nats per image)")


def figure1(sweep: pd.DataFrame, feature_label: str):
    """Fig. 1: test ELBO, Fréchet distance (q̂ and prior samples) and KL(q̂||p) against sigma^2;
    the learned models as a star (Eq. 9) and a plus (Adam). Log sigma^2 axis [A]: the grid spans
    three decades. The legend sits below the panels."""
    fixed, learned = sweep[~sweep.learned].sort_values("σ²"), sweep[sweep.learned]
    fig, all_axes = plt.subplots(1, 4, figsize=(17, 4.4), gridspec_kw={"width_ratios": [1, 0.55, 1, 1]})
    axes = [all_axes[0], all_axes[2], all_axes[3]]
    panels = [("(a) test ELBO ↑", "test ELBO (nats per image)", ["test ELBO"]),
              ("(b) Fréchet distance ↓", f"{feature_label}, log scale", ["FD q̂ samples", "FD prior samples"]),
              ("(c) KL(q̂‖p) ↓", "KL(q̂‖p) (nats), log scale", ["KL(q̂‖p)"])]
    colors = {"test ELBO": "tab:green", "FD q̂ samples": "tab:blue", "FD prior samples": "tab:red",
              "KL(q̂‖p)": "tab:purple"}
    names = {"test ELBO": "fixed σ²", "FD q̂ samples": "fixed σ², samples from q̂",
             "FD prior samples": "fixed σ², samples from the prior", "KL(q̂‖p)": "fixed σ²"}
    handles = {}
    for ax, (title, ylabel, cols) in zip(axes, panels):
        for col in cols:
            h, = ax.plot(fixed["σ²"], fixed[col], "o-", color=colors[col], label=names[col])
            handles.setdefault(col, h)
            for _, row in learned.iterrows():
                marker = "*" if "Eq. 9" in row.model else "P"
                ax.plot(row["σ²"], row[col], marker, ms=15 if marker == "*" else 10,
                        color=colors[col], markeredgecolor="k")
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=10))
        ax.xaxis.set_major_formatter(PLAIN)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("σ² (log scale)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if cols[0] == "test ELBO":  # keep the low outliers from flattening the peak
            lo, hi = fixed["test ELBO"].nlargest(4).min(), sweep["test ELBO"].max()
            ax.set_ylim(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo))
            hidden = fixed[fixed["test ELBO"] < lo - 0.2 * (hi - lo)]
            if len(hidden):
                ax.text(0.02, 0.03, "below the axis: " + ", ".join(
                    f"σ²={s:g}: {e:.0f}" for s, e in zip(hidden["σ²"], hidden["test ELBO"])),
                    transform=ax.transAxes, fontsize=8)
            _peak_panel(all_axes[1], fixed, learned)
        else:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(PLAIN)
            ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2, 5), numticks=10))
            ax.yaxis.set_minor_formatter(PLAIN)
            ax.tick_params(axis="y", which="minor", labelsize=7)
    star = plt.Line2D([], [], marker="*", ls="", ms=13, color="0.6", markeredgecolor="k",
                      label="learned σ², closed form (Eq. 9)")
    plus = plt.Line2D([], [], marker="P", ls="", ms=9, color="0.6", markeredgecolor="k",
                      label="learned σ², Adam on log σ")
    fig.legend(handles=[handles["test ELBO"], handles["FD q̂ samples"], handles["FD prior samples"],
                        handles["KL(q̂‖p)"], star, plus],
               labels=["(a) fixed σ²", "(b) fixed σ², samples from q̂", "(b) fixed σ², samples from the prior",
                       "(c) fixed σ²", "learned σ², closed form (Eq. 9)", "learned σ², Adam on log σ"],
               loc="lower center", ncol=6, fontsize=8, bbox_to_anchor=(0.5, -0.02), frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def samples_figure(plan: Plan, runs, n: int = 16):
    """Decoder means of every sweep model (rows), from q̂ (left) and from the prior (right), as
    the paper's Fig. 2(b) shows for CelebA."""
    rows = len(plan.sweep)
    fig, axes = plt.subplots(rows, 2, figsize=(9, 1.15 * rows + 0.5), squeeze=False)
    for i, c in enumerate(plan.sweep):
        for j, key in enumerate(("samples_agg", "samples_prior")):
            img = make_grid(torch.from_numpy(runs[c].arrays[key][:n]), nrow=n // 2, padding=1, pad_value=1)
            axes[i, j].imshow(img.permute(1, 2, 0).numpy(), interpolation="nearest")
            axes[i, j].set_xticks([]), axes[i, j].set_yticks([])
        name = label(c) + (f"\nσ² = {runs[c].metrics['sigma2']:.4f}" if c.sigma_mode != "fixed" else "")
        axes[i, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    axes[0, 0].set_title("samples from q̂ (GMM of the aggregate posterior)")
    axes[0, 1].set_title("samples from the prior N(0, I)")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------- method comparison

def table2(plan: Plan, runs, floors: dict) -> pd.DataFrame:
    """Table 2: the paper's FID, then this run's Fréchet distance with every method sampled
    from q̂, and with every method sampled from the prior (mean ± std over seeds), per dataset;
    the last column compares two sets of real images (same features)."""
    rows = []
    for ds in _datasets(plan):
        paper = SIGMA_VAE_TABLE2[ds]
        rows.append({"dataset": DATASET_LABELS[ds], "row": "paper FID (Ours from q̂)", **paper})
        floor = f"{floors[ds]:.1f}" if ds in floors else "not run"
        for sampler, key in (("q̂", "fd_agg"), ("the prior", "fd_prior")):
            rows.append({"dataset": DATASET_LABELS[ds], "row": f"this run, every method from {sampler}",
                         **{n: format_mean_std(*_stat(runs, plan.table[(ds, m)], key), digits=1)
                            for n, m in TABLE2_METHODS.items()},
                         "Real images": floor})
    return pd.DataFrame(rows)


def table3(plan: Plan, runs) -> pd.DataFrame:
    """Table 3: IWAE log-likelihood (K = 20, 500 test images, 16-D latent) with the prior and
    with q̂ as latent density: paper vs this run."""
    rows = []
    for ds in _datasets(plan):
        for density, key in (("prior", "iwae_prior"), ("q̂", "iwae_agg")):
            paper = SIGMA_VAE_TABLE3[(ds, density)]
            rows.append({"dataset": DATASET_LABELS[ds], "latent density": density, "row": "paper",
                         **{m: f"{paper[m]:.0f}" for m in TABLE3_METHODS}})
            rows.append({"dataset": DATASET_LABELS[ds], "latent density": density, "row": "this run",
                         **{m: format_mean_std(*_stat(runs, plan.table[(ds, m)], key), digits=1)
                            for m in TABLE3_METHODS}})
    return pd.DataFrame(rows)


def loglik_like_for_like(plan: Plan, runs) -> pd.DataFrame:
    """Table 3's models side by side with what sigma^2 alone contributes: sigma^2, the constant
    -(d/2) log(2 pi sigma^2), the IWAE log-likelihood (prior), the test ELBO with the model's own
    variance, and the test ELBO with the best single sigma^2 for the same networks (post hoc,
    closed form on the test images; for "pixel σ²" this replaces the per-pixel variance)."""
    rows = []
    for ds in _datasets(plan):
        for m in TABLE3_METHODS + ((CONTROL,) if (ds, CONTROL) in plan.table else ()):
            cfgs = plan.table[(ds, m)]
            s2 = _stat(runs, cfgs, "sigma2")[0]
            rows.append({"dataset": DATASET_LABELS[ds], "model": m,
                         "stage-1 σ²": format_mean_std(*_stat(runs, cfgs, "sigma2"), digits=4),
                         "−(d/2) log 2πσ²": f"{log_constant(s2):.0f}",
                         "IWAE (prior)": format_mean_std(*_stat(runs, cfgs, "iwae_prior"), digits=1),
                         "test ELBO, own variance": format_mean_std(*_stat(runs, cfgs, "elbo"), digits=1),
                         "test ELBO, best global σ² (post hoc)":
                             format_mean_std(*_stat(runs, cfgs, "elbo_posthoc"), digits=1),
                         "epochs": cfgs[0].epochs + cfgs[0].stage2_epochs, "seeds": len(cfgs)})
    return pd.DataFrame(rows)


def pixel_run(plan: Plan, runs, dataset: str | None = None):
    dataset = dataset or plan.sweep[0].dataset
    return runs[plan.table[(dataset, "pixel σ²")][0]]


def uncertainty_figure(run, kind: str = "recon"):
    """Fig. 3 (kind "recon": test image, reconstruction, squared error, predicted sigma^2 and the
    parameter-free m(1-m) of the reconstruction) or Fig. 4 (kind "sample": decoder mean of a
    sample from q̂ and its predicted sigma^2), from the stage-2 model. Images on one grey scale [0, 1];
    squared error, sigma^2 and m(1-m) (all in pixel intensity^2) on one log colour scale from the
    floor sigma^2_dataset / 2, so that the rows compare directly; one colourbar per scale."""
    a = run.arrays
    floor = 0.5 * run.metrics["sigma2"]
    if kind == "recon":
        x, m = a["recon_input"], a["recon_mean"]
        rows = [("test image", x, "image"), ("reconstruction\n(decoder mean)", m, "image"),
                ("squared error\n(x − mean)²", (x - m) ** 2, "var"), ("predicted σ²", a["recon_var"], "var"),
                ("baseline m(1 − m)\nof the mean", m * (1 - m), "var")]
        head = "test image"
    else:
        rows = [("sample from q̂\n(decoder mean)", a["sample_mean"], "image"),
                ("predicted σ²", a["sample_var"], "var")]
        head = "sample"
    vmax = max(float(imgs.max()) for _, imgs, kind_ in rows if kind_ == "var")
    norms = {"image": dict(cmap="gray", vmin=0, vmax=1),
             "var": dict(cmap="magma", norm=LogNorm(vmin=floor, vmax=max(vmax, 2 * floor)))}
    n = rows[0][1].shape[0]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.55 * n + 2.0, 1.6 * len(rows)), squeeze=False,
                             constrained_layout=True)
    mappables = {}
    for i, (name, imgs, scale) in enumerate(rows):
        for j in range(n):
            img = np.clip(imgs[j, 0], floor, None) if scale == "var" else imgs[j, 0]
            mappables[scale] = axes[i, j].imshow(img, interpolation="nearest", **norms[scale])
            axes[i, j].set_xticks([]), axes[i, j].set_yticks([])
            axes[i, j].grid(False)
            if i == 0:
                axes[i, j].set_title(f"{head} {j + 1}", fontsize=8)
        axes[i, 0].set_ylabel(name, fontsize=8)
    for scale, text in (("image", "pixel intensity"),
                        ("var", f"pixel intensity²\n(log scale, from the\nfloor σ²_dataset/2 = {floor:.4f})")):
        rows_of = [i for i, r in enumerate(rows) if r[2] == scale]
        bar = fig.colorbar(mappables[scale], ax=axes[rows_of, :].ravel().tolist(), shrink=0.9, pad=0.01)
        bar.set_label(text, fontsize=7)
        if scale == "var":
            bar.ax.yaxis.set_major_formatter(PLAIN)
            bar.ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2, 5), numticks=10))
            bar.ax.yaxis.set_minor_formatter(PLAIN)
        bar.ax.tick_params(labelsize=7, which="both")
    return fig


def _corr(a, b) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def variance_error_correlation(run) -> float:
    """Pearson correlation, over all pixels of the reconstructed test images, between the
    predicted variance and the squared reconstruction error (Fig. 3's claim, as a number)."""
    a = run.arrays
    return _corr(a["recon_var"], (a["recon_input"] - a["recon_mean"]) ** 2)


def variance_error_check(run, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> dict:
    """Fig. 3 against a parameter-free baseline: the correlation of the squared reconstruction
    error with the predicted sigma^2 and with m(1-m) of the decoder mean m (a pixel near 0 or 1
    is sure, a grey edge pixel is not), their difference with a bootstrap 95 % interval over the
    stored test images (resampled with replacement, seeded), and the held-out per-pixel Gaussian
    NLL with the predicted variance and with the best single variance for the same images."""
    a = run.arrays
    x, m, v = a["recon_input"], a["recon_mean"], a["recon_var"]
    err, base = (x - m) ** 2, m * (1 - m)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        i = rng.integers(0, len(x), len(x))
        diffs.append(_corr(v[i], err[i]) - _corr(base[i], err[i]))
    low, high = np.percentile(np.round(diffs, 9), [2.5, 97.5])   # an exact tie stays a tie
    nll = lambda var: float(np.mean(0.5 * (np.log(2 * np.pi * var) + err / var)))
    return {"r_model": _corr(v, err), "r_baseline": _corr(base, err), "low": float(low), "high": float(high),
            "images": len(x), "nll_pixel": nll(v), "nll_global": nll(float(err.mean()))}


def floor_share(run) -> float:
    """Share of predicted pixel variances within 10% of the floor sigma^2_dataset / 2."""
    floor = 0.5 * run.metrics["sigma2"]  # a stage-2 model keeps its stage-1 sigma^2_dataset
    v = np.concatenate([run.arrays["recon_var"].ravel(), run.arrays["sample_var"].ravel()])
    return float((v < 1.1 * floor).mean())


def stage2_start(run) -> tuple[float, float] | None:
    """(mean predicted variance over the first stage-2 epoch, sigma^2_dataset) from the stored
    training history, or None without a stage 2."""
    h = run.history
    if "stage" not in h or "sigma2" not in h or not (h.stage == 2).any():
        return None
    return float(h[h.stage == 2].sigma2.iloc[0]), float(run.metrics["sigma2"])


# ---------------------------------------------------------------------------- decision rules

def _between_methods(a: dict, b: dict, direction: str, what: str, unit: str = "") -> tuple[bool | None, str, str]:
    """Method `a` (seed values) against each of `b` (name -> seed values) in the 16-D block.
    Returns (passed or None, this run's text, why not tested). direction "less": a < b claimed."""
    sign = -1 if direction == "less" else 1
    n = len(next(iter(a.values())))
    name_a, va = next(iter(a.items()))
    if n >= 3:
        results = {k: paired_comparison(va, vb, direction) for k, vb in b.items()}
        text = "; ".join(f"{name_a} − {k}: {r}" for k, r in results.items())
        if all(r.supports for r in results.values()):
            return True, text, ""
        against = [k for k, r in results.items() if (r.low > 0 if direction == "less" else r.high < 0)]
        if against:
            return False, text, ""
        within = [k for k, r in results.items() if not r.supports]
        return None, text, f"the gap to {', '.join(within)} is within the seed-to-seed spread (interval includes 0)"
    gaps = {k: sign * (float(np.mean(va)) - float(np.mean(vb))) for k, vb in b.items()}
    closest = min(gaps, key=gaps.get)
    text = "; ".join(f"{name_a} − {k}: {np.mean(va) - np.mean(vb):+.2f}{unit}" for k, vb in b.items())
    return None, text, (f"{n} seed{'s' if n > 1 else ''} on this dataset (a paired test needs ≥ 3; a single seed "
                        f"cannot tell a gap from seed-to-seed spread): {name_a} is {abs(gaps[closest]):.2f}{unit} "
                        f"{'ahead of' if gaps[closest] > 0 else 'behind'} the closest method, {closest}, in {what}")


def _pixel_claim(plan: Plan, runs, ds: str, t: dict, spread_ds: str | None) -> Claim:
    """Table 3's "per-pixel variance gives a further large gain", decided twice: on the same
    stage-2 networks (per-pixel variance against the best single σ², post hoc) and against the
    global-σ² control trained as many epochs (IWAE), whose gap must exceed the seed-to-seed spread
    (range) of the 'dataset σ²' IWAE measured on `spread_ds`."""
    name = DATASET_LABELS[ds]
    pix = t["pixel σ²"]
    same, same_text, same_why = per_model_verdict(
        {"pixel σ²": (_values(runs, pix, "elbo"), _values(runs, pix, "elbo_posthoc"))}, "greater", 0.0, "zero")
    iw_pix, iw_ds = _stat(runs, pix, "iwae_prior")[0], _stat(runs, t["dataset σ²"], "iwae_prior")[0]
    text = f"same stage-2 networks, per-pixel − best global σ²: {same_text} nats of test ELBO"
    test = ("(1) test ELBO of the stage-2 model with its per-pixel variance > with the best single σ² for the "
            "same networks (post hoc)")
    reasons = [same_why] if same_why else []
    control = t.get(CONTROL)
    if control is None:
        long_ok = None
        reasons.append("no global-σ² control trained as long as stage 1 + stage 2 in this plan")
    else:
        iw_ctrl = _values(runs, control, "iwae_prior")
        gap = float(np.mean(_values(runs, pix, "iwae_prior")) - np.mean(iw_ctrl))
        epochs = pix[0].epochs + pix[0].stage2_epochs
        text += (f"; IWAE pixel {iw_pix:.0f} vs global σ² trained as long ({epochs} epochs) "
                 f"{np.mean(iw_ctrl):.0f}: {gap:+.1f} nats (vs the {pix[0].epochs}-epoch 'dataset σ²' {iw_ds:.0f})")
        test += (f"; (2) IWAE of the per-pixel model − the global-σ² model trained as long ({epochs} epochs) > the "
                 "range over seeds of the 'dataset σ²' IWAE")
        if len(pix) >= 3 and len(control) >= 3:
            r = paired_comparison(_values(runs, pix, "iwae_prior"), iw_ctrl, "greater")
            long_ok = True if r.supports else (False if r.high < 0 else None)
            text += f" (paired: {r})"
            if long_ok is None:
                reasons.append("the IWAE gap to the control is within the seed-to-seed spread")
        elif spread_ds is None:
            long_ok = None
            reasons.append("no seed spread of the IWAE was measured (a dataset with ≥ 3 seeds)")
        else:
            spread = float(np.ptp(_values(runs, t["dataset σ²"] if spread_ds == ds else
                                          plan.table[(spread_ds, "dataset σ²")], "iwae_prior")))
            where = "" if spread_ds == ds else f", measured on {DATASET_LABELS[spread_ds]}"
            text += f"; seed spread (range) of the 'dataset σ²' IWAE {spread:.1f} nats{where}"
            long_ok = True if gap > spread else (False if gap < -spread else None)
            if long_ok is None:
                reasons.append(f"the IWAE gap to the control ({gap:+.1f}) is within the seed spread ({spread:.1f})")
    if same is False or long_ok is False:
        passed, reasons = False, []
    elif same and long_ok:
        passed = True
    else:
        passed = None
    return Claim(f"Table 3 ({name}): a per-pixel variance gives a further large gain over the global σ²",
                 f"pixel {SIGMA_VAE_TABLE3[(ds, 'prior')]['pixel σ²']} vs dataset "
                 f"{SIGMA_VAE_TABLE3[(ds, 'prior')]['dataset σ²']}", text, passed, test + "; both must hold",
                 "; ".join(reasons) if passed is None else "")


# ------------------------------------------------------------------------------------ claims

def claims(plan: Plan, runs, sweep: pd.DataFrame, null: NullFloor, floors: dict) -> list[Claim]:
    """The paper's claims tested on this run, decided as the module docstring says. `null` is
    `kl_null_floor(plan.sweep[0])`, `floors` the real-vs-real Fréchet distance per dataset."""
    out = []
    twin, no_twin = twin_spread(sweep)
    have_twin = (twin is not None, no_twin)
    twin_text = f" Spread: {twin}." if twin else ""
    fixed = sweep[~sweep.learned].sort_values("σ²")
    learned = sweep[sweep.learned]
    sweep_ds = plan.sweep[0].dataset

    # Fig. 1(a): the ELBO peaks at the learned sigma^2
    best_fixed = fixed.loc[fixed["test ELBO"].idxmax()]
    gaps = {r.model: r["test ELBO"] - best_fixed["test ELBO"] for _, r in learned.iterrows()}
    spread = twin.elbo if twin else np.nan
    passed = min(gaps.values()) > spread
    contradicted = max(gaps.values()) < -spread
    out.append(decide("Fig. 1(a): the ELBO peaks at the learned σ²", "Fig. 1(a): green star highest",
                      f"best fixed: σ²={best_fixed['σ²']:g} ({best_fixed['test ELBO']:.1f}); "
                      + ", ".join(f"{k} {v:+.1f}" for k, v in gaps.items())
                      + f"; post-hoc σ*²: learned {learned['ELBO, post-hoc σ*²'].max():.1f} vs best fixed "
                        f"{fixed['ELBO, post-hoc σ*²'].max():.1f}",
                      passed, "every learned model's ELBO − best fixed σ²'s > twin spread (FAIL: < −spread)."
                      + twin_text,
                      precondition=(have_twin[0] and (passed or contradicted),
                                    no_twin or f"one seed: a learned model is {min(gaps.values()):+.1f} nats from the "
                                    f"best fixed σ², within the twin spread of {spread:.1f} nats")))

    # Table 1 / Fig. 1(c): KL(q̂||p) rises as sigma^2 falls
    kl = fixed["KL(q̂‖p)"].to_numpy()
    steps = np.diff(np.log(kl))        # along increasing sigma^2: should be negative
    spread = twin.kl if twin else np.nan
    passed, contradicted = bool(np.all(-steps > spread)), bool(np.any(steps > spread))
    out.append(decide("Table 1 / Fig. 1(c): KL(q̂‖p) rises as σ² falls",
                      "0.094 (σ²=1) … 1.552 (σ²=0.01)",
                      ", ".join(f"{s:g}: {k:.3f}" for s, k in zip(fixed["σ²"], kl)),
                      passed, "every step of the fixed grid: log KL ratio > twin spread (FAIL: a rise beyond it)."
                      + twin_text,
                      precondition=(have_twin[0] and (passed or contradicted),
                                    no_twin or f"one seed: the smallest step (×{math.exp(-steps.max()):.2f}) is "
                                    f"within the twin spread (×{math.exp(spread):.2f})")))

    # Table 1: the values
    t1 = _table1_runs(plan, runs)
    ratios = {k: r.metrics["kl_agg"] / SIGMA_VAE_TABLE1_KL[k][0] for k, r in t1.items()}
    out.append(Claim("Table 1: the KL(q̂‖p) values (MNIST, 2-D latent)",
                     ", ".join(f"{k if k == 'learned' else f'{k:g}'}: {SIGMA_VAE_TABLE1_KL[k][0]}" for k in t1),
                     ", ".join(f"{k if k == 'learned' else f'{k:g}'}: {r.metrics['kl_agg']:.3f} "
                               f"(×{ratios[k]:.2f})" for k, r in t1.items()),
                     bool(all(1 / KL_VALUE_FACTOR <= q <= KL_VALUE_FACTOR for q in ratios.values())),
                     f"every column within a factor {KL_VALUE_FACTOR:g} of the paper (architecture, data size and "
                     "epochs differ: the paper's are unknown)"))

    # Table 1: a gap to the prior persists for every sigma^2
    lower = sweep["KL(q̂‖p)"] - 3 * sweep["KL(q̂‖p) std"]
    low_row = sweep.loc[lower.idxmin()]
    out.append(Claim("Table 1: a gap between aggregate posterior and prior persists for every σ²",
                     "KL(q̂‖p) > 0 in every column",
                     f"smallest KL − 3 std: {lower.min():.3f} ({low_row.model}); null: {null}",
                     bool(lower.min() > null.high),
                     "KL(q̂‖p) − 3 std > the null floor + 3 std for every sweep model"))

    # Fig. 1(b): q̂ samples beat prior samples for every sigma^2 (within each model)
    if sweep_ds in floors:
        pairs = {(f"σ²={r['σ²']:g}" if not r.learned else r.model): ([r["FD q̂ samples"]], [r["FD prior samples"]])
                 for _, r in sweep.iterrows()}
        passed, text, why = per_model_verdict(pairs, "less", floors[sweep_ds],
                                          f"the real-vs-real Fréchet distance ({floors[sweep_ds]:.2f})")
    else:
        passed, text, why = None, "", "no real-vs-real floor was computed for the sweep's dataset"
    out.append(Claim("Fig. 1(b): samples from q̂ beat samples from the prior for every σ²",
                     "blue below red at every σ²", "FD(prior) − FD(q̂): " + text, passed,
                     "per model, FD(prior) − FD(q̂) > the real-vs-real FD (the metric's floor)", why))

    # Fig. 1(b): the gap grows as sigma^2 shrinks
    gap = dict(zip(fixed["σ²"], fixed["FD prior samples"] - fixed["FD q̂ samples"]))
    growth = gap.get(0.01, np.nan) - gap.get(1.0, np.nan)
    spread = twin.gap if twin else np.nan
    out.append(decide("Fig. 1(b): the gap between prior and q̂ samples grows as σ² shrinks",
                      "gap grows 'exponentially' as σ² → 0",
                      "FD(prior) − FD(q̂): " + ", ".join(f"σ²={s:g} {g:.1f}" for s, g in gap.items()),
                      growth > spread, "gap(σ²=0.01) − gap(σ²=1) > twin spread (FAIL: < −spread)." + twin_text,
                      precondition=(have_twin[0] and abs(growth) > spread,
                                    no_twin or f"one seed: the growth ({growth:+.1f}) is within the twin spread "
                                    f"({spread:.1f})")))

    # Fig. 1(b) / Sec. 5.1: the learned sigma^2 is among the lowest FD, both ends sub-optimal
    fd = fixed.set_index("σ²")["FD q̂ samples"]
    ends = (fd.iloc[0], fd.iloc[-1])                       # smallest and largest sigma^2
    best_learned = learned["FD q̂ samples"].min()
    falls_to_small_end = bool(np.all(np.diff(fd.to_numpy()) > 0))   # FD rises with sigma^2 at every step
    ends_worse = all(math.log(v / best_learned) > twin.fd_agg for v in ends) if twin is not None else False
    if twin is None:
        passed, why = None, no_twin
    elif ends_worse and falls_to_small_end:
        # the small end is worse than the learned model, yet the fixed grid improves at every step toward
        # it: the two rules point opposite ways, so neither is a verdict
        passed, why = None, (f"both rules hold: the ends are worse than the best learned model by more than the "
                             f"twin spread (small end ×{ends[0] / best_learned:.3f} vs ×{math.exp(twin.fd_agg):.3f}), "
                             "yet FD(q̂) falls at every step down to the smallest σ²")
    elif ends_worse:
        passed, why = True, ""
    elif falls_to_small_end:
        passed, why = False, ""
    else:
        passed, why = None, ("one seed: an end of the grid is within the twin spread of the best learned model "
                             "and the FD does not fall at every step")
    out.append(Claim("Fig. 1(b) / Sec. 5.1: the learned σ² gives one of the lowest FDs; both ends of the σ² range "
                     "are sub-optimal", "'one of the lowest FID'; 'either end … is sub-optimal'",
                     "FD(q̂): " + ", ".join(f"σ²={s:g} {v:.1f}" for s, v in fd.items()) + "; learned: "
                     + ", ".join(f"{r.model} {r['FD q̂ samples']:.1f}" for _, r in learned.iterrows()),
                     passed, "PASS: FD(q̂) at the smallest and at the largest σ² of the grid exceeds the best learned "
                     "model's by more than the twin spread; FAIL: FD(q̂) falls at every step down to the smallest σ² "
                     "(the small end is the best fixed σ²; 1 in 720 orderings of six values without a trend); "
                     "NOT TESTED when both hold." + twin_text, why))

    # the 16-D comparison block, per dataset
    spread_ds = next((d for d in _datasets(plan) if _n_seeds(plan, d) >= 3), None)
    for ds in _datasets(plan):
        name = DATASET_LABELS[ds]
        t = {m: plan.table[(ds, m)] for m in dict.fromkeys(m for d, m in plan.table if d == ds)}
        paper = SIGMA_VAE_TABLE2[ds]
        best_baseline = min(v for k, v in paper.items() if k not in ("Ours", "Real images"))
        for sampler, key in (("q̂", "fd_agg"), ("the prior", "fd_prior")):
            a = {"Ours": _values(runs, t["dataset σ²"], key)}
            b = {n: _values(runs, t[m], key) for n, m in TABLE2_METHODS.items() if n != "Ours"}
            passed, text, why = _between_methods(a, b, "less", "Fréchet distances")
            out.append(Claim(f"Table 2 ({name}), every method sampled from {sampler}: the learned σ² gives the "
                             "lowest Fréchet distance",
                             f"Ours {paper['Ours']} (from q̂) vs ≥ {best_baseline}",
                             "FD: " + ", ".join(f"{n} {format_mean_std(*mean_std(v), digits=2)}"
                                                for n, v in {**a, **b}.items()) + f". Gaps: {text}",
                             passed, f"Ours (dataset σ²) below every baseline, all sampled from {sampler}; "
                             "paired over seeds", why))

        pairs = {n: (_values(runs, t[m], "fd_agg"), _values(runs, t[m], "fd_prior")) for n, m in TABLE2_METHODS.items()}
        floor = floors.get(ds)
        if floor is None:
            passed, text, why = None, "", "no real-vs-real floor was computed for this dataset"
        else:
            passed, text, why = per_model_verdict({k: (v[1], v[0]) for k, v in pairs.items()}, "greater", floor,
                                              f"the real-vs-real FD ({floor:.2f})")
        out.append(Claim(f"Fig. 2(a) ({name}): samples from q̂ beat samples from the prior for every method",
                         "blue below orange for all 4 methods", "FD(prior) − FD(q̂): " + text, passed,
                         "per method, FD(prior) − FD(q̂) > the real-vs-real FD; paired over seeds with ≥ 3", why))

        a = {"dataset σ²": _values(runs, t["dataset σ²"], "elbo_posthoc")}
        b = {m: _values(runs, t[m], "elbo_posthoc") for m in BASELINES_LL}
        passed, text, why = _between_methods(a, b, "greater", "post-hoc ELBOs", " nats")
        iwae = {m: _stat(runs, t[m], "iwae_prior")[0] for m in ("dataset σ²",) + BASELINES_LL}
        out.append(Claim(f"Table 3 ({name}): optimising σ² improves the log-likelihood over VAE, β-VAE and DIP-VAE",
                         ", ".join(f"{m} {SIGMA_VAE_TABLE3[(ds, 'prior')][m]}" for m in ("dataset σ²",) + BASELINES_LL),
                         "IWAE: " + ", ".join(f"{m} {v:.0f}" for m, v in iwae.items())
                         + f" (−(d/2) log 2πσ² alone: {log_constant(_stat(runs, t['dataset σ²'], 'sigma2')[0]):.0f}, "
                         f"{log_constant(0.5):.0f}, {log_constant(1.0):.0f}, {log_constant(0.5):.0f}). "
                         f"Post-hoc ELBO gaps: {text}",
                         passed, "like with like: test ELBO with each model's best global σ² (post hoc, which "
                         "removes the σ² constant), learned σ² above every baseline; paired over seeds", why))

        out.append(_pixel_claim(plan, runs, ds, t, spread_ds))

        pairs = {m: (_values(runs, t[m], "iwae_agg"), _values(runs, t[m], "iwae_prior")) for m in TABLE3_METHODS}
        texts, passed = [], True
        for m, (a_, b_) in pairs.items():
            if len(a_) >= 3:
                r = paired_comparison(a_, b_, "greater")
                texts.append(f"{m}: {r}")
                passed &= not r.high < 0
            else:
                g = float(np.mean(a_ - b_))
                texts.append(f"{m} {g:+.1f}")
                passed &= g >= -IWAE_ROUNDING
        test = (f"for every model, IWAE(q̂) − IWAE(prior) ≥ −{IWAE_ROUNDING} nats (the paper's rounding) on one "
                "seed, or its paired interval over ≥ 3 seeds not below 0")
        out.append(Claim(f"Table 3 ({name}): q̂ as latent density is at least as good as the prior",
                         "+0 to +16 nats", "; ".join(texts), bool(passed), test))

    # Fig. 3: the predicted variance lines up with reconstruction errors
    pr = pixel_run(plan, runs)
    chk = variance_error_check(pr)
    text = (f"r(σ², error²) = {chk['r_model']:.2f}, r(m(1−m), error²) = {chk['r_baseline']:.2f}, difference "
            f"95% bootstrap [{chk['low']:+.2f}, {chk['high']:+.2f}] over {chk['images']} test images; held-out NLL "
            f"per pixel {chk['nll_pixel']:.2f} (predicted σ²) vs {chk['nll_global']:.2f} (best single σ²)")
    out.append(decide(f"Fig. 3 ({DATASET_LABELS[pr.config.dataset]}): high predicted σ² lines up with "
                      "reconstruction errors", "visual (strokes' ends)", text, chk["low"] > 0,
                      "r(σ², error²) above the parameter-free baseline r(m(1−m), error²): the bootstrap interval "
                      "of the difference lies above 0 (FAIL: below 0)",
                      precondition=(chk["low"] > 0 or chk["high"] < 0,
                                    f"the {chk['images']} stored test images cannot separate the two: the interval "
                                    f"[{chk['low']:+.2f}, {chk['high']:+.2f}] includes 0")))
    return out


# ------------------------------------------------------------------------------- diagnostics

def diagnostics(plan: Plan, runs, sweep: pd.DataFrame, floors: dict) -> list[Diagnostic]:
    """Training-health checks: whether the runs are usable, not claims of the paper."""
    out = []
    rising = []
    for c, r in runs.items():
        h = r.history
        stage1 = h[h.stage == 1] if "stage" in h else h
        if len(stage1) > 1 and not stage1.loss.iloc[-1] < stage1.loss.iloc[0]:
            rising.append(f"{label(c)} ({c.dataset}, seed {c.seed})")
    out.append(Diagnostic("every model's stage-1 training loss fell from the first to the last epoch",
                          "all fell" if not rising else "did not fall: " + ", ".join(rising),
                          "all fell", not rising))

    eq9, adam = _twin_rows(sweep)
    if eq9 is not None:
        s2, mse = eq9["σ²"], sweep["MSE/pixel"]
        out.append(Diagnostic("learned σ² (Eq. 9, 2-D) lies in 0.01–0.08, around the paper's 0.035 (σ² equals the "
                              "reconstruction error, and every sweep model's MSE/pixel is "
                              f"{mse.min():.3f}–{mse.max():.3f}, so this cannot be a claim)",
                              f"{s2:.4f} (paper {SIGMA_VAE_LEARNED_SIGMA2})", "0.01 < σ² < 0.08",
                              bool(0.01 < s2 < 0.08)))
    if eq9 is not None and adam is not None:
        ratio = max(eq9["σ²"], adam["σ²"]) / min(eq9["σ²"], adam["σ²"])
        out.append(Diagnostic("the two learned-σ² routes (Eq. 9, Adam on log σ) reach the same σ²",
                              f"{eq9['σ²']:.4f} vs {adam['σ²']:.4f} (×{ratio:.2f})",
                              f"within ×{TWIN_SIGMA2_TOLERANCE}", bool(ratio <= TWIN_SIGMA2_TOLERANCE)))
        d = adam["test ELBO"] - eq9["test ELBO"]
        out.append(Diagnostic("… and the same test ELBO (Sec. 3.3 offers Eq. 9 for stability, not for a different "
                              "optimum)", f"Adam − Eq. 9: {d:+.1f} nats (post hoc: "
                              f"{adam['ELBO, post-hoc σ*²'] - eq9['ELBO, post-hoc σ*²']:+.1f})",
                              f"within {TWIN_ELBO_TOLERANCE:g} nats", bool(abs(d) <= TWIN_ELBO_TOLERANCE)))

    for ds in _datasets(plan):
        for c in plan.table[(ds, "pixel σ²")]:
            start = stage2_start(runs[c])
            if start is None:
                continue
            mean1, s2 = start
            out.append(Diagnostic(f"stage 2 ({DATASET_LABELS[ds]}, seed {c.seed}) starts from the stage-1 variance "
                                  "(Alg. 1 continues from the optimised values)",
                                  f"mean predicted σ² over the first stage-2 epoch {mean1:.4f} = "
                                  f"{mean1 / s2:.1f} × σ²_dataset ({s2:.4f})",
                                  f"≤ {STAGE2_START_TOLERANCE} × σ²_dataset",
                                  bool(mean1 <= STAGE2_START_TOLERANCE * s2)))
    pr = pixel_run(plan, runs)
    share = floor_share(pr)
    out.append(Diagnostic(f"the stage-2 variance ({DATASET_LABELS[pr.config.dataset]}) is not stuck at its floor "
                          "σ²_dataset/2 everywhere", f"{share:.2f} of predicted variances within 10% of the floor",
                          f"< {FLOOR_SHARE_LIMIT}", bool(share < FLOOR_SHARE_LIMIT)))

    for ds in _datasets(plan):
        if ds not in floors:
            continue
        best = min(_stat(runs, cs, k)[0] for (d, _), cs in plan.table.items() if d == ds
                   for k in ("fd_agg", "fd_prior"))
        out.append(Diagnostic(f"the Fréchet distance tells real from generated images ({DATASET_LABELS[ds]})",
                              f"real vs real {floors[ds]:.2f}; best model {best:.2f}", "real < every model",
                              bool(floors[ds] < best)))
    notes = fallback_notes(runs)
    out.append(Diagnostic("the Fréchet features are the ones the profile asked for", "; ".join(notes) or "yes",
                          "no fallback", not notes))
    for ds, acc in classifier_accuracies(runs).items():
        out.append(Diagnostic(f"the feature classifier ({DATASET_LABELS[ds]}, one for every model and seed) "
                              "recognises test images", f"test accuracy {acc:.4f}", f"≥ {CLASSIFIER_ACCURACY}",
                              bool(acc >= CLASSIFIER_ACCURACY)))
    return out


def fallback_notes(runs) -> list[str]:
    """Why the profile's Fréchet features were not used, once per distinct reason."""
    notes = (r.metrics.get("fd_note") or "" for r in runs.values())
    return sorted({n.split("; fell back")[0] for n in notes if "fell back" in n})


def classifier_accuracies(runs) -> dict:
    """dataset -> the test accuracy of the feature classifier, as the runs recorded it (the
    classifier features only; none for Inception)."""
    out = {}
    for c, r in runs.items():
        if r.metrics.get("classifier_accuracy") is not None:
            out.setdefault(c.dataset, float(r.metrics["classifier_accuracy"]))
    return out


# ---------------------------------------------------------------------------------- coverage

def coverage(plan: Plan) -> list[Coverage]:
    """Every figure and table of the paper and what this notebook does with it."""
    q = "reproduced (quick)"
    celeba = ("CelebA needs its own download, conv nets and GPU hours; the companion trains MNIST and "
              "Fashion-MNIST only")
    return [
        Coverage("Table 1", "log densities of the aggregate posterior and its 32-component GMM over the 2-D latent "
                 "plane, and KL(q̂‖p), for σ² = 1, 0.5, learned, 0.01", q,
                 "Table 1 section (images and KL, with the null floor); claims 'KL rises as σ² falls', 'the values', "
                 "'a gap persists'"),
        Coverage("Fig. 1 (a)–(c)", "test ELBO, FID (q̂ and prior samples) and KL(q̂‖p) against σ², MNIST", q,
                 "Fig. 1 section; Fréchet distance on classifier features in place of FID (Inception FID in the "
                 "full profile when its weights are available); six fixed σ² from 1 to 0.001 (the paper's six are "
                 "not listed)"),
        Coverage("Table 2 (MNIST, Fashion-MNIST)", "FID of Ours, VAE, β-VAE, DIP-VAE, WAE and of real images", q,
                 "Table 2 section: every method from q̂ and from the prior; the ranking is decided by paired tests "
                 "over 3 seeds on MNIST (Fashion-MNIST: 1 seed in the quick profile, 3 in the full one)"),
        Coverage("Table 2 (CelebA)", "FID of the five methods on CelebA", "out of scope", celeba),
        Coverage("Fig. 2 (a)", "FID from q̂ against FID from the prior for 4 methods", q,
                 "Table 2's two rows per dataset and the claim 'Fig. 2(a)' (5 methods; the paper's dataset and "
                 "methods are not named)"),
        Coverage("Fig. 2 (b)", "CelebA samples from q̂ and from the prior", "out of scope",
                 celeba + "; the MNIST counterpart is the samples figure of the sweep"),
        Coverage("Table 3", "IWAE log-likelihood (K = 20, 500 test images, 16-D latent), prior and q̂, MNIST and "
                 "Fashion-MNIST", q, "Table 3 section with the like-for-like table; the 'pixel' column's values are "
                 "out of reach under the paper's own floor (see 'Where the paper is inconsistent')"),
        Coverage("Fig. 3 (a)", "MNIST test images, reconstructions and predicted σ²", q,
                 "Figs. 3 and 4 section, with the squared error and the m(1−m) baseline"),
        Coverage("Fig. 3 (b)", "the same for CelebA", "out of scope", celeba),
        Coverage("Fig. 4 (a)", "MNIST generated samples and predicted σ²", q,
                 "Figs. 3 and 4 section; samples from q̂, as the method samples"),
        Coverage("Fig. 4 (b)", "the same for CelebA", "out of scope", celeba),
        Coverage("Table 4", "FID against the number of GMM components (500–10 000), CelebA", "out of scope",
                 celeba + "; MNIST uses the paper's 32 components"),
        Coverage("Algorithm 1", "two-stage training: global σ², then per-pixel variance with floor σ²_dataset/2", q,
                 "the 'pixel σ²' models; stopping rule as a fixed epoch count (the printed loop condition is "
                 "inverted)"),
        Coverage("Supplementary material (two appendices)", "data pre-processing, architectures, more samples",
                 "out of scope", "not part of the available text of arXiv 1909.03765; its figures and tables "
                 "cannot be listed or reproduced"),
    ]


# ----------------------------------------------------------------------- what it cannot show

def limits(plan: Plan, runs, sweep: pd.DataFrame) -> list[str]:
    """What this run cannot show, with the run's own numbers."""
    seeds = {DATASET_LABELS[d]: _n_seeds(plan, d) for d in _datasets(plan)}
    few = [d for d, n in seeds.items() if n < 3]
    twin, why = twin_spread(sweep)
    ds = plan.sweep[0].dataset
    pix = plan.table[(ds, "pixel σ²")][0]
    iwae_ds = _stat(runs, plan.table[(ds, "dataset σ²")], "iwae_prior")[0]
    iwae_pix = _stat(runs, plan.table[(ds, "pixel σ²")], "iwae_prior")[0]
    paper3 = SIGMA_VAE_TABLE3[(ds, "prior")]
    out = [
        "**Seeds.** Table 2's five methods have " + ", ".join(f"{n} seed{'s' if n > 1 else ''} on {d}"
                                                              for d, n in seeds.items())
        + (f". On {', '.join(few)} no between-method gap (Table 2's ranking, Table 3's learned-vs-fixed σ²) can be "
           "decided: one seed measures no seed-to-seed spread; the full profile's three seeds give the paired tests "
           "there." if few else "; their gaps are decided by paired tests over them.")
        + " The stage-2 ('pixel σ²') model and its control trained as long have one seed.",
        "**The sweep is one seed in every profile.** Its gaps are decided against the "
        + (f"{twin}" if twin else f"twin pair — not measured here: {why}")
        + ". One pair is a rough spread: it can be larger or smaller than a seed-to-seed spread.",
        "**Fréchet distance, not FID.** Offline the features are a small classifier's, so the numbers rank models "
        "within this run but are not on the paper's FID scale; the 'Real images' column uses the same features.",
        f"**Scale.** An MLP on {pix.n_train // 1000}k training images for {pix.epochs} epochs per stage (the "
        "paper's architecture, data size and training length are in its missing supplement). Absolute values "
        "differ: Table 1's KL(q̂‖p) is "
        + ", ".join(f"×{r.metrics['kl_agg'] / SIGMA_VAE_TABLE1_KL[k][0]:.1f}"
                    for k, r in _table1_runs(plan, runs).items())
        + f" the paper's; Table 3's learned-σ² IWAE ({DATASET_LABELS[ds]}, prior) is {iwae_ds:.0f} ('dataset') and "
        f"{iwae_pix:.0f} ('pixel') against the paper's {paper3['dataset σ²']} and {paper3['pixel σ²']}.",
        f"**Per-pixel against global variance.** The 'pixel' models trained {pix.epochs + pix.stage2_epochs} "
        f"epochs, the 'dataset' ones {pix.epochs}; Table 3's IWAE gap between them mixes the variance head with the "
        "extra training. The claim is therefore decided against a global-σ² control trained as long, and on the same "
        "stage-2 networks with their per-pixel variance against the best single σ².",
        "**CelebA** (Table 2's third row, Figs. 2(b), 3(b), 4(b), Table 4) is not trained here.",
    ]
    start = stage2_start(runs[pix])
    if start and start[0] > STAGE2_START_TOLERANCE * start[1]:
        out.append(f"**Stage 2's start.** The per-pixel variance averaged {start[0]:.4f} over the first stage-2 epoch, "
                   f"{start[0] / start[1]:.1f} × σ²_dataset ({start[1]:.4f}): stage 2 did not continue from the "
                   "stage-1 variance, as Algorithm 1 intends.")
    return out


def paper_pitfalls() -> list[str]:
    """Where the paper is inconsistent, and what this companion does."""
    return [
        "Eq. 9 prints the optimal σ² for a single image; Eq. 8 averages over the data, so the optimum is the "
        "mean squared error per pixel over the dataset (what `closed_form_variance` computes).",
        "Algorithm 1's loop condition 'while e < n_epoch or δ_ELBO < ε' is inverted; this companion trains a "
        "fixed number of epochs per stage (deterministic notebooks).",
        "Table 3's 'pixel' column (5.7k-6.0k nats) cannot be reached under the stated floor σ²_dataset/2: each "
        "pixel's log-density is at most −½ log(2π σ²_min), about 1.8k nats per image for the σ²_dataset that the "
        "'dataset' column implies. Only the ordering is compared.",
        "Table 3's fixed-σ² columns are set by σ² itself: −(d/2) log 2πσ² is −449 for σ² = 0.5 and −720 for σ² = 1 "
        "(d = 784), and a learned σ² of a few 10⁻² gives several hundred nats more before any model difference. The "
        "ordering 'learned ≫ VAE ≈ DIP-VAE > β-VAE' follows from the σ² values; the like-for-like test compares each "
        "model at its own best σ².",
        "Sec. 3.5 says M = 30 components, Table 1 and Sec. 5.5 say 32; 32 is used.",
        "Table 2's CelebA FID for 'Ours' (74.7) differs from Table 4's 79.9 at the default 500 components.",
        "Table 2 samples 'Ours' from q̂ 'where possible' and does not say how the baselines were sampled; this "
        "notebook scores every method both ways.",
        "Positive log-likelihoods are continuous densities of [0, 1] pixels, not bits/dim.",
    ]
