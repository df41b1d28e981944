"""Figures, tables, diagnostics and coverage of notebook 02 (sigma-VAE), from the runs of
`mnist_sweep`, and the evidence its claims need beyond the stored metrics (`evidence`: the
trivial baselines of the "models learned" precondition and each test's numbers on its negative
control). The claims themselves are declared in `mnist_sweep_claims`.

Everything here reads what a run stored (metrics, arrays, training history) or evaluates the loaded
models; nothing retrains. Every table puts the paper's number beside this run's. Fréchet distances
are labelled with the features they used ("FD (classifier features)" offline), never called FID
unless they are.

* **Like with like.** Samples of every method are scored from the same sampler (all from q̂, and
  all from the prior); log-likelihoods of models trained with different sigma^2 are also shown at
  each model's own best (post-hoc, closed-form) sigma^2, because -(d/2) log(2 pi sigma^2) alone
  orders the paper's Table 3 columns (`log_constant`, `loglik_like_for_like`).
* **Null floors shown beside the numbers.** The KL(q̂‖p) that the estimator gives when q̂ is
  fitted to draws of the prior itself (`kl_null_floor`); the Fréchet distance between two sets of
  real images (`mnist_sweep.real_floor`). The twin pair of the one-seed sweep, two models that
  reach the same learned sigma^2 by two routes (`twin_spread`, `twin_routes`), says how far two
  training routes land apart; it is not a seed spread (the routes differ from the first epoch:
  Adam starts at sigma^2 = 1). They inform; the claims are decided by `mnist_sweep_claims`.
"""

from __future__ import annotations

import dataclasses
import math
import random
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from torchvision.utils import make_grid

from ...claims import Coverage, Diagnostic
from ...core.metrics import frechet_distance_of_features
from ...core.objectives import reparameterize
from ...tables import DATASET_LABELS, format_mean_std, mean_std
from .mnist_sweep import Plan, build_model, feature_function, label
from .mnist_sweep import images as sv_images
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


def fd_label(runs) -> str:
    labels = sorted({r.metrics["fd_features"] for r in runs.values()})
    return " / ".join(labels)


def _datasets(plan: Plan) -> list[str]:
    return list(dict.fromkeys(ds for ds, _ in plan.table))


def _n_seeds(plan: Plan, dataset: str, method: str = "dataset σ²") -> int:
    return len(plan.table[(dataset, method)])


def log_constant(sigma2: float, d: int = D_PIXELS) -> float:
    """-(d/2) log(2 pi sigma^2): the part of a Gaussian log-likelihood that sigma^2 alone sets."""
    return -0.5 * d * math.log(2 * math.pi * sigma2)


# ------------------------------------------------------------------------------- the sweep

def sweep_frame(plan: Plan, runs) -> pd.DataFrame:
    """One row per sweep model of the first seed (`Plan.shown_sweep`): sigma^2 (fixed or learned),
    test ELBO (and with a post-hoc closed-form sigma^2), MSE per pixel, KL terms, Fréchet distances
    of q̂ and prior samples."""
    rows = []
    for c in plan.shown_sweep:
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
    two routes (Eq. 9 and Adam), land apart. Not a seed-to-seed spread: the two routes follow
    different sigma^2 paths and losses from the first epochs (`twin_routes`).
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


def twin_routes(plan: Plan, runs) -> str:
    """How the two learned-σ² routes travel: σ² over their first three epochs and the per-epoch
    difference of their training losses (Adam − Eq. 9). Two different routes, not two draws of one
    (what a seed spread would need); '' when the sweep lacks one of them."""
    eq9 = [c for c in plan.sweep if c.sigma_mode == "closed_form"]
    adam = [c for c in plan.sweep if c.sigma_mode == "adam"]
    if not eq9 or not adam:
        return ""
    a, b = runs[eq9[0]].history, runs[adam[0]].history
    if "sigma2" not in a or "sigma2" not in b:
        return ""
    path = lambda h: " → ".join(f"{v:.2g}" for v in h.sigma2.iloc[:3])
    n = min(len(a), len(b))
    diff = b.loss.to_numpy()[:n] - a.loss.to_numpy()[:n]
    return (f"σ² over the first three epochs: Eq. 9 {path(a)}, Adam {path(b)}; training loss per epoch, Adam − "
            "Eq. 9: " + ", ".join(f"{d:+.1f}" for d in diff))


def convergence(plan: Plan, runs) -> str:
    """How far from converged the runs are, from their own numbers: the learned-σ² (16-D) post-hoc
    test ELBO at its epochs against the same model trained as long as stage 1 + stage 2, and how
    much the training loss still fell over the last epoch (16-D learned σ², 2-D Eq. 9)."""
    ds = plan.sweep[0].dataset
    ours, long = plan.table.get((ds, "dataset σ²"), ()), plan.table.get((ds, CONTROL), ())
    drop = lambda c: float(runs[c].history.loss.iloc[-2] - runs[c].history.loss.iloc[-1])
    parts = []
    pairs = [(a, b) for a in ours for b in long if a.seed == b.seed]
    if pairs:
        a, b = pairs[0]
        parts.append(f"the learned σ² ({DATASET_LABELS[ds]}, {a.zdim}-D, seed {a.seed}) reaches a post-hoc test ELBO "
                     f"of {runs[a].metrics['elbo_posthoc']:.0f} after {a.epochs} epochs and "
                     f"{runs[b].metrics['elbo_posthoc']:.0f} when the same model trains {b.epochs}")
    if ours and all(len(runs[c].history) > 1 for c in ours):
        d = [drop(c) for c in ours]
        parts.append(f"its training loss still falls {min(d):.0f}–{max(d):.0f} nats per epoch at epoch "
                     f"{ours[0].epochs} ({len(ours)} seed{'s' if len(ours) > 1 else ''})")
    eq9 = [c for c in plan.sweep if c.sigma_mode == "closed_form"]
    if eq9 and len(runs[eq9[0]].history) > 1:
        parts.append(f"the 2-D sweep's learned σ² (Eq. 9) {drop(eq9[0]):.1f} nats per epoch at epoch {eq9[0].epochs}")
    return "; ".join(parts)


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
    for c in plan.shown_sweep:
        if c.sigma_mode == "fixed" and c.sigma2 in TABLE1_COLUMNS:
            by[c.sigma2] = runs[c]
        elif c.sigma_mode == "closed_form":
            by["learned"] = runs[c]
    return {k: by[k] for k in TABLE1_COLUMNS if k in by}


def table1_kl(plan: Plan, runs, null: NullFloor | None = None, evidence: "Evidence | None" = None) -> pd.DataFrame:
    """Table 1's KL(q̂||p) row: paper vs this run (mean ± std of 10 Monte-Carlo runs), their
    ratio, and the null floor (a GMM fitted to draws of the prior) when given; and how well the
    images show the two densities: KL(exact ‖ q̂) over the grid's cells, and (with `evidence`) the
    exact aggregate posterior's mass inside the plotted box."""
    rows = []
    box = plan.base.density_box
    for key, run in _table1_runs(plan, runs).items():
        m = run.metrics
        name = f"learned ({m['sigma2']:.3f}; paper {SIGMA_VAE_LEARNED_SIGMA2})" if key == "learned" else f"{key:g}"
        paper = SIGMA_VAE_TABLE1_KL[key]
        row = {"σ²": name, "paper": format_mean_std(*paper, digits=3),
               "this run": format_mean_std(m["kl_agg"], m["kl_agg_std"], digits=3),
               "this run / paper": f"{m['kl_agg'] / paper[0]:.2f}"}
        if "log_q_exact" in run.arrays:
            row["KL(exact ‖ q̂) on the grid"] = f"{gmm_grid_kl(run):.3f}"
        if evidence is not None and run.config in evidence.box_mass:
            mass, std = evidence.box_mass[run.config]
            row[f"exact mass in ±{box:g}"] = f"{mass:.3f}"
            row["median posterior std"] = f"{std:.3f}"
        rows.append(row)
    if null is not None:
        rows.append({"σ²": "null: q̂ fitted to N(0, I) draws", "paper": "—",
                     "this run": f"{min(null.values):.3f}–{max(null.values):.3f}", "this run / paper": "—"})
    return pd.DataFrame(rows).fillna("—")


def table1_figure(plan: Plan, runs, evidence: "Evidence | None" = None):
    """Table 1's images: log density of the exact aggregate posterior (row 1) and of its
    32-component GMM (row 2) over the latent plane, per sigma^2, and the prior's; one colour
    scale for every panel (log density, nats), clipped below at the prior's lowest value. Each
    exact panel says (with `evidence`) how much of the aggregate posterior's mass lies inside the
    box, each GMM panel KL(exact ‖ q̂) over the grid's cells."""
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
        notes = [(0, f"mass in box {evidence.box_mass[run.config][0]:.2f}")] if (
            evidence is not None and run.config in evidence.box_mass) else []
        notes.append((1, f"KL(exact ‖ q̂) on grid {gmm_grid_kl(run):.2f}"))
        for i, text in notes:
            axes[i, j].text(0.03, 0.03, text, transform=axes[i, j].transAxes, fontsize=7, color="white",
                            bbox=dict(facecolor="black", alpha=0.55, edgecolor="none", pad=1.5))
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
    # to the right of the best fixed point, the rightmost of the panel: clear of the learned models' labels
    ax.annotate(f"σ²={best['σ²']:g}: {best['test ELBO']:.1f}", (best["σ²"], best["test ELBO"]),
                textcoords="offset points", xytext=(7, 0), va="center", fontsize=8)
    for _, row in learned.iterrows():
        marker = "*" if "Eq. 9" in row.model else "P"
        ax.plot(row["σ²"], row["test ELBO"], marker, ms=12 if marker == "*" else 8, color="tab:green",
                   markeredgecolor="k")
        ax.annotate(f"{row['test ELBO']:.1f}", (row["σ²"], row["test ELBO"]), textcoords="offset points",
                       xytext=(8, -3), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(pts["σ²"].min() / 1.3, pts["σ²"].max() * 1.6)
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
            # a short range (under a decade and a half) labels 2, 3, 4, 5 and 7 of each decade
            decades = np.log10(ax.get_ylim()[1] / ax.get_ylim()[0])
            subs = (2, 3, 4, 5, 7) if decades < 1.5 else (2, 5)
            ax.yaxis.set_minor_locator(LogLocator(base=10, subs=subs, numticks=10))
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
    rows = len(plan.shown_sweep)
    fig, axes = plt.subplots(rows, 2, figsize=(9, 1.15 * rows + 0.5), squeeze=False)
    for i, c in enumerate(plan.shown_sweep):
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


def moment_table(plan: Plan, runs, evidence: "Evidence") -> pd.DataFrame:
    """The learned σ² sampled three ways: from q̂, from a Gaussian with q̂'s mean and covariance,
    from the prior; the share of q̂'s gain over the prior that the Gaussian already gives, and the
    aggregate posterior's variance per latent dimension (the prior's is 1)."""
    rows = []
    for c, mm in evidence.moment.items():
        m = runs[c].metrics
        gain = m["fd_prior"] - m["fd_agg"]
        share = (m["fd_prior"] - mm.fd) / gain if gain > 0 else float("nan")
        rows.append({"dataset": DATASET_LABELS[c.dataset], "model": label(c), "latent": c.zdim, "seed": c.seed,
                     "FD from q̂": round(m["fd_agg"], 2), "FD from the moment-matched Gaussian": round(mm.fd, 2),
                     "FD from the prior": round(m["fd_prior"], 2),
                     "share of q̂'s gain": f"{share:.0%}" if np.isfinite(share) else "—",
                     "variance per dimension": round(mm.variance, 3)})
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
    """`variance_error_stats` of the stored reconstructed test images (the eight of Fig. 3)."""
    a = run.arrays
    return variance_error_stats(a["recon_input"], a["recon_mean"], a["recon_var"], resamples, seed)


def variance_error_stats(x, m, v, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> dict:
    """Fig. 3 against a parameter-free baseline, for images x, decoder means m and predicted
    variances v: the correlation of the squared reconstruction error with v and with m(1-m) (a
    pixel near 0 or 1 is sure, a grey edge pixel is not), their difference with a bootstrap 95 %
    interval over the images (resampled with replacement, seeded; each resample's correlations from
    per-image sums, so 500 images cost milliseconds), and the held-out per-pixel Gaussian NLL with
    the predicted variance and with the best single variance for the same images."""
    x, m, v = (np.asarray(t, dtype=float) for t in (x, m, v))
    n = len(x)
    err, base = (x - m) ** 2, m * (1 - m)
    flat = lambda t: (t - t.mean()).reshape(n, -1)     # centred: the sums below lose no digits
    e, b, p = flat(err), flat(base), flat(v)
    # per image: pixels, sum e, sum e^2, then for v and for the baseline: sum, sum of squares, sum with e
    stats = np.stack([np.full(n, e.shape[1], float), e.sum(1), (e * e).sum(1), p.sum(1), (p * p).sum(1),
                      (p * e).sum(1), b.sum(1), (b * b).sum(1), (b * e).sum(1)], axis=1)

    def corr(s):                     # rows of summed stats -> (r(v, e), r(baseline, e))
        k, se, see = s[..., 0], s[..., 1], s[..., 2]
        out = []
        for sx, sxx, sxe in (s[..., 3:6].T, s[..., 6:9].T):
            out.append((k * sxe - sx * se) / np.sqrt((k * sxx - sx ** 2) * (k * see - se ** 2)))
        return out

    rng = np.random.default_rng(seed)
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)]).astype(float)
    r_model, r_base = corr(counts @ stats)
    low, high = np.percentile(np.round(r_model - r_base, 9), [2.5, 97.5])   # an exact tie stays a tie
    nll = lambda var: float(np.mean(0.5 * (np.log(2 * np.pi * var) + err / var)))
    return {"r_model": _corr(v, err), "r_baseline": _corr(base, err), "low": float(low), "high": float(high),
            "images": n, "nll_pixel": nll(v), "nll_global": nll(float(err.mean()))}


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


# ------------------------------------------------------------- evidence beyond the stored runs

@dataclass(frozen=True)
class InitNet:
    """The networks of one (dataset, latent size, seed) at initialisation, untrained. Every method
    builds the same encoder and decoder from the same seed (`mnist_sweep.build_model` after
    `seed_everything`), so this one network is every method's, and every sweep σ²'s, at step 0."""

    elbo_posthoc: float     # test ELBO with the best single σ² (post hoc, closed form on the test images)
    elbo_fixed: dict        # σ² -> test ELBO with that fixed σ²
    sigma2_eq9: float       # Eq. 9 on the training images (what both learned routes converge to)
    elbo_eq9: float         # test ELBO with it
    kl_agg: float           # KL(q̂‖p) of the untrained encoder (2-D latent only; NaN otherwise)


@dataclass(frozen=True)
class Evidence:
    """What the claims need beyond the stored metrics: the trivial baselines of the 'models
    learned' precondition and each test's numbers on its negative control, computed by `evidence`
    from the loaded models (nothing trains). Keys are the plan's configs unless said otherwise."""

    mean_image: dict        # dataset -> (test ELBO, MSE per pixel) of the per-pixel-mean model: every image
                            # decoded as the training mean image, KL 0, best single σ² (post hoc)
    wae_mse: dict           # WAE config -> test MSE per pixel of decoder(mu(x)) (a WAE has no ELBO)
    init: dict              # (dataset, zdim, seed) -> InitNet
    fd_null: dict           # config -> Fréchet distance of its decoder's samples from a GMM fitted to N(0, I)
                            # draws (same size, components and seed as q̂'s fit), to the same test images
    fd_again: dict          # config -> Fréchet distance of a second, independent draw from its own q̂
    iwae_null: dict         # config -> (IWAE with the null GMM as latent density, the stored IWAE with the prior)
    null_again: NullFloor | None  # KL(q̂‖p) of GMMs fitted to fresh draws of N(0, I) (`NULL_AGAIN_SEEDS`, one per
                                  # seed of the sweep)
    untrained: dict = dataclasses.field(default_factory=dict)
                            # sweep or Table 3 config -> UntrainedDraw: its network at initialisation with one
                            # independent draw of its own per config (the same network for every σ² and method)
    gmm_refit: dict = dataclasses.field(default_factory=dict)
                            # learned-σ² (Eq. 9) sweep config -> KL(exact ‖ q̂) on its stored density grid with q̂
                            # refitted to a second draw of its aggregate posterior, another seed
    box_mass: dict = dataclasses.field(default_factory=dict)
                            # 2-D sweep config -> (mass of its exact aggregate posterior inside the density box,
                            # median posterior standard deviation: narrow posteriors alias on the grid)
    moment: dict = dataclasses.field(default_factory=dict)
                            # learned-σ² config -> Moment: Fréchet distance of samples from a Gaussian with q̂'s
                            # mean and covariance
    posthoc_again: dict = dataclasses.field(default_factory=dict)
                            # learned-σ² sweep config -> its post-hoc test ELBO from a second, independent
                            # Monte-Carlo draw of z (the stored one is the first)
    variance: dict = dataclasses.field(default_factory=dict)
                            # stage-2 config (the sweep's dataset) -> `variance_error_stats` on FIG3_IMAGES test
                            # images, with r_shuffled (each image's σ² map against the next image's errors)


@dataclass(frozen=True)
class UntrainedDraw:
    """One config's network at initialisation (the same for every σ² and method of its seed), with
    random draws of its own: the post-hoc test ELBO from one Monte-Carlo draw of z, and (2-D fixed
    σ² only) KL(q̂‖p) with q̂ fitted to its own draw of the aggregate posterior, its own k-means
    seed and Monte-Carlo seed. The test's own noise, where σ² and the method make no difference."""
    elbo_posthoc: float
    kl_agg: float = float("nan")


@dataclass(frozen=True)
class Moment:
    """Samples from a Gaussian with q̂'s mean and covariance (the aggregate posterior's first two
    moments), scored like q̂'s and the prior's."""
    fd: float           # Fréchet distance of the decoder means of its samples
    variance: float     # trace(covariance) / latent size: the aggregate posterior's variance per dimension


#: Seeds of the control's fresh N(0, I) draws (the floor uses `NULL_SEEDS`).
NULL_AGAIN_SEEDS = (3, 4, 5)
#: Offsets of the random streams the controls draw from (the runs' own evaluation used 20_000 and
#: 30_000 + seed): the null GMM's draws, its samples, a second draw from q̂, the IWAE samples.
NULL_DRAW_SEED, NULL_SAMPLE_SEED, AGAIN_SAMPLE_SEED, IWAE_CONTROL_SEED = 50_000, 30_000, 31_000, 40_000
#: ... the untrained network's draws (+ 100 x its position among its seed's configs), q̂'s refit, the
#: moment-matched Gaussian's samples.
UNTRAINED_SEED, REFIT_SEED, MOMENT_SAMPLE_SEED, ELBO_AGAIN_SEED = 60_000, 70_000, 32_000, 21_000
#: Fig. 3's claim reads this many test images (the figure shows the eight stored ones).
FIG3_IMAGES = 500


@contextmanager
def _kept_rng():
    """Leave Python's, NumPy's and torch's global random state as it was (the evidence seeds them)."""
    state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        yield
    random.setstate(state[0])
    np.random.set_state(state[1])


def _mean_image(config) -> tuple[float, float]:
    """(test ELBO, MSE per pixel) of the per-pixel-mean model on `config`'s test images."""
    from ...core.likelihoods import profile_neg_elbo

    x_train = sv_images(config.dataset, "train")[: config.n_train]
    x_test = sv_images(config.dataset, "test")[: config.eval_images]
    sse = (x_test - x_train.mean(0)).pow(2).flatten(1).sum(1)
    d = x_test[0].numel()
    return float(-profile_neg_elbo(sse, torch.zeros_like(sse), d)), float(sse.mean() / d)


def _init_net(config, sigma2s) -> InitNet:
    """`config`'s networks at initialisation (`InitNet`), their ELBO at each fixed σ² of `sigma2s`."""
    from ...core.aggregate_posterior import fit_gmm, kl_to_standard_normal
    from ...core.likelihoods import LOG2PI, closed_form_variance, profile_neg_elbo
    from ...core.objectives import kl_normal, sse
    from ...train import seed_everything
    from .method import encode, reconstruction_sse

    seed_everything(config.seed)
    model = build_model(config).eval()
    gen = torch.Generator().manual_seed(20_000 + config.seed)
    x_train = sv_images(config.dataset, "train")[: config.n_train]
    x_test = sv_images(config.dataset, "test")[: config.eval_images]
    d = x_test[0].numel()
    s2_eq9 = float(closed_form_variance(reconstruction_sse(model, x_train, generator=gen), d))
    mu, logvar = encode(model, x_test)
    err = sse(x_test, model.decoder(reparameterize(mu, logvar, gen)))
    kl = kl_normal(mu, logvar)
    elbo = lambda s2: float(-(0.5 * d * (LOG2PI + math.log(s2)) + err / (2 * s2) + kl).mean())
    kl_agg = float("nan")
    if config.zdim == 2:
        mu, logvar = encode(model, x_train)
        q = fit_gmm(reparameterize(mu, logvar, gen), config.gmm_components, seed=config.seed)
        kl_agg = kl_to_standard_normal(q, config.kl_samples, config.kl_repeats, seed=config.seed)[0]
    return InitNet(float(-profile_neg_elbo(err, kl, d)), {float(s2): elbo(s2) for s2 in sigma2s},
                   s2_eq9, elbo(s2_eq9), kl_agg)


def _null_gmm(config):
    """A GMM fitted, like q̂, to `config.n_train` points with its components and seed, but the points
    are draws of N(0, I): a q̂ with no gap to the prior."""
    from ...core.aggregate_posterior import fit_gmm

    z = torch.randn(config.n_train, config.zdim, generator=torch.Generator().manual_seed(NULL_DRAW_SEED + config.seed))
    return fit_gmm(z, config.gmm_components, seed=config.seed)


def _q_hat(run):
    from ...core.aggregate_posterior import mixture

    a = run.arrays
    return mixture(a["gmm_weights"], a["gmm_means"], a["gmm_covariances"])


def _fd_of(run, latent, seed: int, features, real) -> float:
    """Fréchet distance of the decoder means of `config.fd_samples` draws of `latent`."""
    from .method import decode_mean

    torch.manual_seed(seed)
    z = latent.sample((run.config.fd_samples,)).float()
    return frechet_distance_of_features(features(decode_mean(run.model, z)), real)


def _untrained_draws(configs) -> dict:
    """config -> `UntrainedDraw` for configs that share one (dataset, latent size, seed): the
    network at initialisation, built once, with seeds UNTRAINED_SEED + 100 j + seed for the j-th
    config (so every config draws its own z, fits its own q̂ and estimates its own KL)."""
    from ...core.aggregate_posterior import fit_gmm, kl_to_standard_normal
    from ...core.likelihoods import profile_neg_elbo
    from ...core.objectives import kl_normal, sse
    from ...train import seed_everything
    from .method import encode

    c0 = configs[0]
    seed_everything(c0.seed)
    model = build_model(c0).eval()
    x_test = sv_images(c0.dataset, "test")[: c0.eval_images]
    d = x_test[0].numel()
    mu, logvar = encode(model, x_test)
    kl = kl_normal(mu, logvar)
    train = None
    out = {}
    for j, c in enumerate(configs):
        s = UNTRAINED_SEED + 100 * j + c.seed
        gen = torch.Generator().manual_seed(s)
        err = sse(x_test, model.decoder(reparameterize(mu, logvar, gen)))
        kl_agg = float("nan")
        if c.zdim == 2 and c.sigma_mode == "fixed":
            if train is None:
                train = encode(model, sv_images(c0.dataset, "train")[: c0.n_train])
            q = fit_gmm(reparameterize(*train, gen), c.gmm_components, seed=s)
            kl_agg = kl_to_standard_normal(q, c.kl_samples, c.kl_repeats, seed=s)[0]
        out[c] = UntrainedDraw(float(-profile_neg_elbo(err, kl, d)), kl_agg)
    return out


def grid_kl(log_p, log_q) -> float:
    """KL(p ‖ q) of two log densities on one grid, each normalised over the grid's cells (what a
    density image shows; mass outside the grid is not counted)."""
    from scipy.special import logsumexp

    log_p, log_q = np.asarray(log_p, dtype=float).ravel(), np.asarray(log_q, dtype=float).ravel()
    lp, lq = log_p - logsumexp(log_p), log_q - logsumexp(log_q)
    return float(np.sum(np.exp(lp) * (lp - lq)))


def gmm_grid_kl(run) -> float:
    """KL(exact aggregate posterior ‖ q̂) on the stored density grid (Table 1's two rows)."""
    return grid_kl(run.arrays["log_q_exact"], run.arrays["log_q_gmm"])


def box_mass(mu: torch.Tensor, logvar: torch.Tensor, box: float) -> float:
    """The mass of the exact aggregate posterior (1/N) sum_i N(mu_i, diag exp(logvar_i)) inside
    [-box, box]^D, in closed form (per posterior, a product of normal CDF differences)."""
    from scipy.stats import norm

    m, s = mu.double().numpy(), (0.5 * logvar.double()).exp().numpy()
    return float(np.mean(np.prod(norm.cdf((box - m) / s) - norm.cdf((-box - m) / s), axis=1)))


def _encode_train(run):
    from .method import encode

    c = run.config
    return encode(run.model, sv_images(c.dataset, "train")[: c.n_train])


def _refit_grid_kl(run, mu, logvar) -> float:
    """KL(exact ‖ q̂') on the run's stored density grid, q̂' refitted to a second draw of its
    aggregate posterior with another k-means seed: q̂'s own fit noise."""
    from ...core.aggregate_posterior import fit_gmm
    from ...core.metrics import grid_points

    c = run.config
    gen = torch.Generator().manual_seed(REFIT_SEED + c.seed)
    q = fit_gmm(reparameterize(mu, logvar, gen), c.gmm_components, seed=REFIT_SEED + c.seed)
    g = c.density_grid
    log_q = q.log_prob(grid_points((-c.density_box, c.density_box), g)).view(g, g).numpy()
    return grid_kl(run.arrays["log_q_exact"], log_q)


def moment_matched(run, features, real) -> Moment:
    """Samples from N(mean, covariance of q̂) scored like q̂'s (`Moment`)."""
    from torch.distributions import MultivariateNormal

    a = run.arrays
    w = np.asarray(a["gmm_weights"], dtype=float)
    w = w / w.sum()
    m, cov = np.asarray(a["gmm_means"], dtype=float), np.asarray(a["gmm_covariances"], dtype=float)
    mean = w @ m
    dev = m - mean
    c = np.einsum("k,kij->ij", w, cov + dev[:, :, None] * dev[:, None, :])
    latent = MultivariateNormal(torch.as_tensor(mean, dtype=torch.float64),
                                covariance_matrix=torch.as_tensor(c, dtype=torch.float64))
    fd = _fd_of(run, latent, MOMENT_SAMPLE_SEED + run.config.seed, features, real)
    return Moment(fd, float(np.trace(c) / len(mean)))


def _posthoc_again(run) -> float:
    """The run's post-hoc test ELBO (`method.elbo_terms`) from a second, independent draw of z."""
    from .method import elbo_terms

    c = run.config
    x = sv_images(c.dataset, "test")[: c.eval_images]
    return elbo_terms(run.model, x, generator=torch.Generator().manual_seed(ELBO_AGAIN_SEED + c.seed))["elbo_posthoc"]


def _variance_maps(run, n: int = FIG3_IMAGES) -> dict:
    """`variance_error_stats` of the stage-2 model on its first `n` test images, and r_shuffled."""
    from ...core.likelihoods import pixel_variance
    from .method import encode

    c = run.config
    x = sv_images(c.dataset, "test")[: c.eval_images][:n]
    mean, head = run.model.decoder(encode(run.model, x)[0], with_variance=True)
    var = pixel_variance(head, float(run.model.sigma2_dataset))
    x, mean, var = (t.numpy() for t in (x, mean, var))
    out = variance_error_stats(x, mean, var)
    out["r_shuffled"] = _corr(np.roll(var, 1, axis=0), (x - mean) ** 2)
    return out


def evidence(plan: Plan, runs, cache=None) -> Evidence:
    """The baselines and control numbers the claims need (`Evidence`), from the loaded models on
    the CPU; the global random state is left as it was. About a second per model on one thread."""
    from ...cache import ResultCache

    cache = cache or ResultCache()
    table2 = [c for (ds, m), cs in plan.table.items() if m in TABLE2_METHODS.values() for c in cs]
    table3 = [c for (ds, m), cs in plan.table.items() if m in TABLE3_METHODS for c in cs]
    scored = list(plan.sweep) + table2
    first = {}
    for c in scored:
        first.setdefault(c.dataset, c)
    with _kept_rng():
        # the Fréchet features first: a classifier not yet in the cache trains here, with gradients
        features = {ds: feature_function(c, cache).fn for ds, c in first.items()}
        with torch.no_grad():
            return _evidence(plan, runs, scored, table2, table3, first, features)


def _evidence(plan: Plan, runs, scored, table2, table3, first, features) -> Evidence:
    """`evidence` past the feature extractors, without gradients."""
    from .method import iwae_log_likelihood

    real = {ds: features[ds](sv_images(ds, "test")[: c.eval_images][: c.fd_samples]) for ds, c in first.items()}
    mean_image = {ds: _mean_image(dataclasses.replace(plan.base, dataset=ds))
                  for ds in dict.fromkeys(c.dataset for c in plan.all_runs)}
    wae_mse = {}
    for c in table2:
        if c.objective == "wae":
            x = sv_images(c.dataset, "test")[: c.eval_images]
            model = runs[c].model
            wae_mse[c] = float((model.decoder(model.encoder(x)[0]) - x).pow(2).mean())
    init = {}
    sigma2s = sorted({c.sigma2 for c in plan.sweep if c.sigma_mode == "fixed"} | {0.5, 1.0})
    for c in list(plan.sweep) + table2 + table3:
        key = (c.dataset, c.zdim, c.seed)
        if key not in init:
            init[key] = _init_net(c, sigma2s)
    nulls, fd_null, fd_again = {}, {}, {}
    again = {c for c in plan.sweep if c.sigma_mode == "closed_form"} | {
        c for (ds, m), cs in plan.table.items() if m == "dataset σ²" for c in cs}
    for c in scored:
        key = (c.zdim, c.seed, c.n_train, c.gmm_components)
        if key not in nulls:
            nulls[key] = _null_gmm(c)
        f, r = features[c.dataset], real[c.dataset]
        fd_null[c] = _fd_of(runs[c], nulls[key], NULL_SAMPLE_SEED + c.seed, f, r)
        if c in again:
            fd_again[c] = _fd_of(runs[c], _q_hat(runs[c]), AGAIN_SAMPLE_SEED + c.seed, f, r)
    iwae_null = {}
    for c in table3:
        key = (c.zdim, c.seed, c.n_train, c.gmm_components)
        if key not in nulls:
            nulls[key] = _null_gmm(c)
        x = sv_images(c.dataset, "test")[: c.eval_images][: c.iwae_images]
        gen = torch.Generator().manual_seed(IWAE_CONTROL_SEED + c.seed)
        # against the stored IWAE with the prior: two independent draws, as the test's q̂ and prior IWAEs are
        iwae_null[c] = (float(iwae_log_likelihood(runs[c].model, x, c.iwae_k, nulls[key], gen).mean()),
                        float(runs[c].metrics["iwae_prior"]))
    n_sweep = len({c.seed for c in plan.sweep})
    null_again = kl_null_floor(plan.sweep[0], NULL_AGAIN_SEEDS[:n_sweep])
    # the untrained network with draws of its own per config: the sweep's and Table 3's controls
    groups = {}
    ll = [c for (ds, m), cs in plan.table.items() if m in ("dataset σ²",) + BASELINES_LL for c in cs]
    for c in list(plan.sweep) + ll:
        groups.setdefault((c.dataset, c.zdim, c.seed), []).append(c)
    untrained = {}
    for cs in groups.values():
        untrained.update(_untrained_draws(cs))
    gmm_refit, mass = {}, {}
    for c in plan.sweep:
        if "log_q_exact" not in runs[c].arrays:
            continue
        mu, logvar = _encode_train(runs[c])
        mass[c] = (box_mass(mu, logvar, c.density_box), float((0.5 * logvar).exp().median()))
        if c.sigma_mode == "closed_form":
            gmm_refit[c] = _refit_grid_kl(runs[c], mu, logvar)
    moment = {c: moment_matched(runs[c], features[c.dataset], real[c.dataset]) for c in scored if c in again}
    posthoc_again = {c: _posthoc_again(runs[c]) for c in plan.sweep if c.sigma_mode != "fixed"}
    variance = {c: _variance_maps(runs[c]) for c in plan.table.get((plan.sweep[0].dataset, "pixel σ²"), ())}
    return Evidence(mean_image, wae_mse, init, fd_null, fd_again, iwae_null, null_again, untrained, gmm_refit,
                    mass, moment, posthoc_again, variance)


# ------------------------------------------------------------------------------- diagnostics

def diagnostics(plan: Plan, runs, sweep: pd.DataFrame, floors: dict,
                evidence: Evidence | None = None) -> list[Diagnostic]:
    """Training-health checks: whether the runs are usable, not claims of the paper. With
    `evidence`, the margin of every model over the per-pixel-mean model (the claims' "learned"
    precondition)."""
    out = []
    if evidence is not None:
        margins = {}
        for c, r in runs.items():
            elbo0, mse0 = evidence.mean_image[c.dataset]
            if c.objective == "wae":
                if c in evidence.wae_mse:
                    margins[c] = (mse0 - evidence.wae_mse[c]) / mse0 * 100, "% lower reconstruction MSE"
            else:
                margins[c] = r.metrics["elbo_posthoc"] - elbo0, " nats of post-hoc test ELBO"
        elbo = {c: m for c, m in margins.items() if c.objective != "wae"}
        wae = {c: m for c, m in margins.items() if c.objective == "wae"}
        worst = min(elbo, key=lambda c: elbo[c][0])
        value = (f"smallest margin: {label(worst)} ({DATASET_LABELS[worst.dataset]}, seed {worst.seed}) "
                 f"{elbo[worst][0]:+.1f} nats")
        if wae:
            w = min(wae, key=lambda c: wae[c][0])
            value += f"; WAE {wae[w][0]:.0f}% below the mean image's MSE (seed {w.seed}, {DATASET_LABELS[w.dataset]})"
        out.append(Diagnostic("every model beats the per-pixel-mean model (post-hoc test ELBO; WAE: reconstruction "
                              "MSE) — the claims' 'models learned' precondition",
                              value, "every margin > 0", all(m[0] > 0 for m in margins.values())))
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

def coverage(plan: Plan, runs=None, evidence: "Evidence | None" = None) -> list[Coverage]:
    """Every figure and table of the paper and what this notebook does with it
    (`companion.claims.COVERAGE_STATUSES`: "reproduced (quick)" only for what the stored quick run
    shows; the paper's numbers printed beside ours are not a reproduction). With `runs` and
    `evidence`, the notes quote this run's numbers."""
    q, part = "reproduced (quick)", "partly reproduced"
    ds = plan.sweep[0].dataset
    n_sweep = len({c.seed for c in plan.sweep})
    sweep_seeds = f"{n_sweep} seed{'s' if n_sweep > 1 else ''}"
    ratios = ""
    if runs is not None:
        r = [run.metrics["kl_agg"] / SIGMA_VAE_TABLE1_KL[k][0] for k, run in _table1_runs(plan, runs).items()]
        ratios = f" (×{min(r):.1f}–{max(r):.1f} the paper's)" if r else ""
    n3 = {d: _n_seeds(plan, d) for d in _datasets(plan)}
    n_pix = {d: len(plan.table[(d, "pixel σ²")]) for d in _datasets(plan)}
    seeds3 = "; ".join(f"{DATASET_LABELS[d]}: the four global-σ² columns {n3[d]} seed{'s' if n3[d] > 1 else ''}, the "
                       f"'pixel' column {n_pix[d]}" for d in _datasets(plan))
    fig3 = "Figs. 3 and 4 section, with the squared error and the m(1−m) baseline"
    pix = plan.table.get((ds, "pixel σ²"), ())
    if evidence is not None and pix and pix[0] in evidence.variance:
        v = evidence.variance[pix[0]]
        side = "less" if v["r_model"] < v["r_baseline"] else "more"
        fig3 += (f"; at seed {pix[0].seed} the predicted σ² tracks the squared error {side} closely than the m(1−m) "
                 f"baseline (r = {v['r_model']:.2f} against {v['r_baseline']:.2f} over {v['images']} test images, "
                 f"difference [{v['low']:+.2f}, {v['high']:+.2f}])")
    celeba = ("CelebA needs its own download, conv nets and GPU hours; the companion trains MNIST and "
              "Fashion-MNIST only")
    fd = "Fréchet distance on a small classifier's features in place of FID (not on the paper's scale)"
    return [
        Coverage("Table 1", "log densities of the aggregate posterior and its 32-component GMM over the 2-D latent "
                 "plane, and KL(q̂‖p), for σ² = 1, 0.5, learned, 0.01", part,
                 f"Table 1 section: the images and the KL row on {DATASET_LABELS[ds]}, {sweep_seeds}, with the null "
                 f"floor{ratios}; its claims ('KL rises as σ² falls', 'a gap persists', 'the GMM approximates the "
                 f"aggregate posterior except at very small σ²') are decided over these {sweep_seeds}, and its values "
                 "are not comparable "
                 "(another architecture, data size and schedule)"),
        Coverage("Fig. 1 (a)–(c)", "test ELBO, FID (q̂ and prior samples) and KL(q̂‖p) against σ², MNIST", part,
                 f"Fig. 1 section, all three panels on MNIST (the figure shows seed {plan.sweep[0].seed}; the claims "
                 f"pair {sweep_seeds}), six fixed σ² from 1 to 0.001 (the paper's "
                 "six are not listed) and the learned one; panel (b) is a " + fd),
        Coverage("Table 2 (MNIST, Fashion-MNIST)", "FID of Ours, VAE, β-VAE, DIP-VAE, WAE and of real images", part,
                 "Table 2 section: every method from q̂ and from the prior, " + fd + "; "
                 + "; ".join(f"{DATASET_LABELS[d]}: {n3[d]} seed{'s' if n3[d] > 1 else ''}" for d in _datasets(plan))),
        Coverage("Table 2 (CelebA)", "FID of the five methods on CelebA", "out of scope", celeba),
        Coverage("Fig. 2 (a)", "FID from q̂ against FID from the prior for 4 methods", part,
                 "Table 2's two rows per dataset and the claim 'Fig. 2(a)' (5 methods on MNIST and Fashion-MNIST; the "
                 "paper's dataset and methods are not named); " + fd),
        Coverage("Fig. 2 (b)", "CelebA samples from q̂ and from the prior", "out of scope",
                 celeba + "; the MNIST counterpart is the samples figure of the sweep"),
        Coverage("Table 3", "IWAE log-likelihood (K = 20, 500 test images, 16-D latent), prior and q̂, MNIST and "
                 "Fashion-MNIST", part,
                 f"Table 3 section, every column and row, with the like-for-like table ({seeds3}); "
                 "the ordering of the global-σ² columns is decided like for like (each model at its best σ²) only "
                 "where they have three seeds; the 'pixel' column's values are out of reach under the paper's own "
                 "floor (see 'Where the paper is inconsistent')"),
        Coverage("Fig. 3 (a)", "MNIST test images, reconstructions and predicted σ²", part,
                 fig3 + "; the maps are regenerated, and the claim says what they decide"),
        Coverage("Fig. 3 (b)", "the same for CelebA", "out of scope", celeba),
        Coverage("Fig. 4 (a)", "MNIST generated samples and predicted σ²", part,
                 "Figs. 3 and 4 section; samples from q̂, as the method samples; regenerated, no claim tests it"),
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
    routes = twin_routes(plan, runs)
    ds = plan.sweep[0].dataset
    sweep_seeds = sorted({c.seed for c in plan.sweep})
    n_sweep = len(sweep_seeds)
    pix = plan.table[(ds, "pixel σ²")][0]
    iwae_ds = _stat(runs, plan.table[(ds, "dataset σ²")], "iwae_prior")[0]
    iwae_pix = _stat(runs, plan.table[(ds, "pixel σ²")], "iwae_prior")[0]
    paper3 = SIGMA_VAE_TABLE3[(ds, "prior")]
    out = [
        "**Seeds.** A claim is decided only over three or more seeds. Table 2's five methods have "
        + ", ".join(f"{n} seed{'s' if n > 1 else ''} on {d}" for d, n in seeds.items())
        + (f"; on {', '.join(few)} their claims are NOT TESTED (the full profile trains three seeds there)"
           if few else "") + ". The stage-2 ('pixel σ²') model and its control trained as long have "
        + f"{len(plan.table[(ds, 'pixel σ²')])} seed{'s' if len(plan.table[(ds, 'pixel σ²')]) > 1 else ''}.",
        (f"**The sweep has {n_sweep} seeds** (seeds {', '.join(str(x) for x in sweep_seeds)}): Table 1's and Fig. 1's "
         "claims are paired over them; its figures and per-model tables show the first seed. The "
         if n_sweep >= 3 else
         f"**The sweep has {n_sweep} seed{'s' if n_sweep > 1 else ''}**, so the claims of Table 1 and Fig. 1 show "
         "their numbers and are NOT TESTED. The ")
        + (f"{twin}" if twin else f"twin pair — not measured here: {why}")
        + (f". It is no measure of seed spread: the two routes travel differently from the first epoch ({routes})"
           if routes else "") + ".",
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
        "extra training. The claim is therefore tested against a global-σ² control trained as long, and on the same "
        "stage-2 networks with their per-pixel variance against the best single σ².",
        "**CelebA** (Table 2's third row, Figs. 2(b), 3(b), 4(b), Table 4) is not trained here.",
    ]
    far = convergence(plan, runs)
    if far:
        out.insert(2, f"**Far from converged.** {far[0].upper() + far[1:]}. The verdicts are about these short runs "
                      f"({pix.epochs} epochs per stage), not about converged models.")
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
