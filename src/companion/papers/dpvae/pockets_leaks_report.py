"""Figures, tables, claims, diagnostics and coverage of notebook 03 (dpVAE, arXiv 1911.10506).

The paper's claims are decided on this run's numbers. Two moons trains every model on three
seeds, so each "with the decoupled prior is better" is a paired comparison of a dpVAE and its VAE
on the same seeds; MNIST trains one seed in the quick profile, so a single-seed gap decides only
when it is larger than the seed-to-seed spread measured on the VAE pair trained on a second seed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from torchvision.utils import make_grid

from ...claims import Claim, Coverage, Diagnostic, decide, per_model_verdict
from ...tables import format_mean_std, mean_std
from . import latent_metrics as lm
from .objectives import NAMES
from .pockets_leaks import Config, Plan, data, moons, twin
from .reported import table1_frame

#: [A] a moons model has learned the data when its decoded q(z) draws lie within this mean
#: distance of a training point (the data's noise is 0.05; held-out real points sit at ~0.01)
LEARNED_LINE = 0.05
#: [A] the quantiles of log N(z; 0, I) under the VAE's q(z) at which the leakage curve is read
#: (spec: the authors' fixed tau grid is meaningless in 2-D, where log N is at most -1.84)
LEAK_QUANTILES = (0.01, 0.02, 0.05, 0.10, 0.25, 0.50)
FIG3_REGULARIZERS = ("beta_h", "factor", "beta_tc", "info")
#: [A] a model whose held-out KL term is below this many nats ignores its latent (posterior collapse):
#: its samples are one average image, and a comparison on it says nothing about pockets
COLLAPSE_LINE = 0.5
#: [A] the k-NN sKL between two samples of one Gaussian scatters by ~0.05 (tests); a VAE whose sKL is
#: below twice that has no overlap gap left for the decoupled prior to close (the metric is saturated)
SKL_FLOOR = 0.1
#: [A] the moons draw of the real-point floor (the training set is seed 0, the NLL's points seed 1)
REAL_FLOOR_SEED = 2


# ------------------------------------------------------------------------------------ tables

def metrics_frame(runs) -> pd.DataFrame:
    """One row per run: dataset, regulariser, prior, seed, model name and every scalar metric."""
    rows = []
    for c, r in runs.items():
        scalars = {k: v for k, v in r.metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        rows.append({"dataset": c.dataset, "regularizer": c.regularizer, "decoupled": c.decoupled,
                     "seed": c.seed, "model": c.name, **scalars})
    return pd.DataFrame(rows)


def _values(frame, dataset, regularizer, decoupled, metric) -> np.ndarray:
    rows = frame[(frame.dataset == dataset) & (frame.regularizer == regularizer) & (frame.decoupled == decoupled)]
    return rows.sort_values("seed")[metric].to_numpy(dtype=float)


def summary(frame: pd.DataFrame, dataset: str, metrics: dict) -> pd.DataFrame:
    """mean ± std over seeds per model, VAE and dpVAE of each regulariser side by side."""
    rows = []
    for reg in dict.fromkeys(frame[frame.dataset == dataset].regularizer):
        for dp in (False, True):
            row = {"model": NAMES[reg][int(dp)]}
            for col, (key, digits) in metrics.items():
                v = _values(frame, dataset, reg, dp, key)
                row[col] = format_mean_std(*mean_std(v), digits) if len(v) else "not run"
            rows.append(row)
    return pd.DataFrame(rows)


MOONS_METRICS = {"sKL": ("skl", 2), "LP distance": ("lp_distance", 3), "random-sample distance": ("random_distance", 3),
                 "HP distance": ("hp_distance", 3), "q(z)-sample distance": ("q_distance", 3), "NLL": ("nll", 3)}


def fd_label(runs) -> str:
    """How the Fréchet distances of this run were computed (classifier or Inception features)."""
    labels = {r.metrics["fd_features"] for r in runs.values() if "fd_features" in r.metrics}
    return " / ".join(sorted(labels)) or "no images scored"


def fallback_notes(runs) -> list[str]:
    """Why Inception features were not used, once per distinct reason."""
    return sorted({r.metrics["fd_note"].split("; fell back")[0] for r in runs.values() if r.metrics.get("fd_note")})


#: how tables and claims name the image datasets
DATASET_NAMES = {"mnist": "MNIST", "svhn": "SVHN", "celeba": "CelebA"}


def table1(frame: pd.DataFrame, fd_name: str = "FD", dataset: str = "mnist") -> pd.DataFrame:
    """One dataset's column of Table 1: the paper's FID, FID(LP), sKL and NLL beside this run's
    Fréchet distances (classifier features: not on FID's scale), sKL and NLL (nats per image)."""
    paper = table1_frame(dataset).set_index("method")
    rows = []
    for reg in dict.fromkeys(frame[frame.dataset == dataset].regularizer):
        for dp in (False, True):
            name = NAMES[reg][int(dp)]
            p = paper.loc[name]
            cell = lambda key, digits: (format_mean_std(*mean_std(_values(frame, dataset, reg, dp, key)), digits)
                                        if key in frame else "n/a")
            rows.append({"model": name, "paper FID": p.fid, f"{fd_name}": cell("fd", 2),
                         "paper FID(LP)": p.fid_lp, f"{fd_name}(LP)": cell("fd_lp", 2),
                         "paper sKL": p.skl, "sKL": cell("skl", 2), "paper NLL (scale lost)": p.nll,
                         "NLL (nats)": cell("nll", 1)})
    return pd.DataFrame(rows)


def real_floor(config: Config, n: int = 1000) -> float:
    """The on-manifold distance of real held-out moons points (a floor for every model)."""
    held_out = moons(n, config.moons_noise, REAL_FLOOR_SEED)
    return float(lm.nearest_distance(held_out, data(config, "train")).mean())


# ------------------------------------------------------------------------------------ leakage

def leak_taus(runs, dataset: str, seed: int) -> tuple:
    """tau at LEAK_QUANTILES of log N(z; 0, I) under the VAE's q(z) (fixed across models)."""
    vae = next(r for c, r in runs.items() if c.dataset == dataset and c.regularizer == "vae"
               and not c.decoupled and c.seed == seed)
    import torch

    return lm.quantile_thresholds(torch.as_tensor(vae.arrays["leak_lp"]), LEAK_QUANTILES)


def leakage_curve(run, taus, jacobian: bool | None = None) -> pd.DataFrame:
    """The leakage score at each tau from the stored per-sample terms: mean over the samples with
    lp < tau of log q_f(f(z)) - lp, where log q_f(f(z)) = log q̂(z) - log|det df/dz| (the
    determinant only when `jacobian`, by default the run's `leak_jacobian`)."""
    a = run.arrays
    jacobian = run.config.leak_jacobian if jacobian is None else jacobian
    lp, log_qf = a["leak_lp"], a["leak_log_q"] - (a["leak_logdet"] if jacobian else 0.0)
    rows = []
    for tau in taus:
        leaking = lp < tau
        rows.append({"tau": tau, "share": float(leaking.mean()),
                     "score": float((log_qf - lp)[leaking].mean()) if leaking.any() else float("nan")})
    return pd.DataFrame(rows)


def leakage_area(run, taus) -> float:
    """The mean leakage score over the tau grid (lower is better), NaN-free taus only."""
    return float(leakage_curve(run, taus).score.mean())  # pandas skips the taus where nothing leaks


def leakage_frame(plan: Plan, runs, dataset: str) -> pd.DataFrame:
    """One row per run: the mean leakage score over the VAE-quantile tau grid of its seed."""
    rows = []
    for c, r in runs.items():
        if c.dataset == dataset:
            rows.append({"dataset": c.dataset, "regularizer": c.regularizer, "decoupled": c.decoupled,
                         "seed": c.seed, "leakage": leakage_area(r, leak_taus(runs, dataset, c.seed))})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ figures

def _run(runs, dataset, reg, dp, seed):
    key = (dataset, reg, dp, seed)
    return next(r for c, r in runs.items() if (c.dataset, c.regularizer, c.decoupled, c.seed) == key)


def _data_panel(ax, real, points, title, lp=None, hp=None):
    ax.scatter(*real.T, s=2, c="0.8", linewidths=0, label="training data", rasterized=True)
    if points is not None:
        ax.scatter(*points.T, s=3, c="tab:blue", alpha=0.6, linewidths=0, label="random samples",
                   rasterized=True)
    if hp is not None:
        ax.scatter(*hp[:60].T, marker="^", s=16, c="tab:red", linewidths=0, label="HP samples")
    if lp is not None:
        ax.scatter(*lp[:60].T, marker="*", s=28, c="k", linewidths=0, label="LP samples")
    ax.set(xlim=(-1.6, 2.6), ylim=(-1.0, 1.5), title=title, xlabel="$x_1$", ylabel="$x_2$")
    ax.set_aspect("equal")


def _axis_labels(space: str) -> tuple[str, str]:
    """Axis labels of a latent plane: z_1, z_2, or z_{0,1}, z_{0,2} for the generation space."""
    return (r"$z_1$", r"$z_2$") if space == "z" else (r"$z_{0,1}$", r"$z_{0,2}$")


def _latent_panel(ax, z, lp, hp, title, space="z"):
    lim = max(3.5, float(np.quantile(np.abs(z), 0.995)) + 0.3)
    ax.hist2d(z[:, 0], z[:, 1], bins=60, range=[[-lim, lim], [-lim, lim]], cmap="Blues", rasterized=True)
    ax.scatter(*hp[:60].T, marker="^", s=16, c="tab:red", linewidths=0)
    ax.scatter(*lp[:60].T, marker="*", s=28, c="k", linewidths=0)
    xlabel, ylabel = _axis_labels(space)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title=title, xlabel=xlabel, ylabel=ylabel)
    ax.set_aspect("equal")
    ax.grid(False)


def pockets_figure(runs, regularizers, seed: int = 0):
    """Figs. 1 and 3: per model (rows), (a) random samples over the data, (b) q(z) with LP (black
    stars) and HP (red triangles) samples, (c) for a dpVAE the same in z0 = g(z), (d) where the LP
    and HP samples decode."""
    rows = [(reg, dp) for reg in regularizers for dp in (False, True)]
    fig, axes = plt.subplots(len(rows), 4, figsize=(15, 3.4 * len(rows)))
    axes = np.atleast_2d(axes)
    for ax, (reg, dp) in zip(axes, rows):
        r = _run(runs, "moons", reg, dp, seed)
        a, name = r.arrays, r.config.name
        real = data(r.config, "train").numpy()[:2000]
        _data_panel(ax[0], real, a["x_rand"][:1000], f"{name}: random samples")
        _latent_panel(ax[1], a["z_q"], a["z_lp"], a["z_hp"], f"{name}: q(z), LP ★, HP ▲")
        if dp:
            _latent_panel(ax[2], a["z0_q"], a["z0_lp"], a["z0_hp"], f"{name}: the same in $z_0=g(z)$", "z_0")
        else:
            ax[2].axis("off")
            ax[2].text(0.5, 0.5, "no generation space:\nsamples come from N(0, I) in z", ha="center", va="center",
                       transform=ax[2].transAxes, fontsize=9, color="0.4")
        m = r.metrics
        _data_panel(ax[3], real, None, f"decoded LP / HP (LP distance {m['lp_distance']:.3f})", a["x_lp"], a["x_hp"])
    axes[0, 3].legend(loc="upper right", fontsize=7, markerscale=1.5)
    fig.tight_layout()
    return fig


def leakage_figure(runs, dataset: str, seed: int = 0):
    """Fig. 4: the leakage score against tau, one panel per regulariser, dashed = N(0, I) prior,
    solid = decoupled prior; mean over seeds."""
    regs = list(dict.fromkeys(c.regularizer for c in runs if c.dataset == dataset))
    seeds = sorted({c.seed for c in runs if c.dataset == dataset})
    fig, axes = plt.subplots(1, len(regs), figsize=(3.2 * len(regs), 3.0), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, reg in zip(axes, regs):
        for dp, style in ((False, "--"), (True, "-")):
            curves = [leakage_curve(_run(runs, dataset, reg, dp, s), leak_taus(runs, dataset, s)) for s in seeds]
            taus = np.mean([c.tau for c in curves], axis=0)
            score = pd.DataFrame([c.score.to_numpy() for c in curves]).mean().to_numpy()  # NaN-skipping, silent
            ax.plot(taus, score, style, marker="o", ms=3, color="tab:blue" if dp else "tab:orange",
                    label=NAMES[reg][int(dp)])
        ax.set(title=f"{NAMES[reg][0]} and {NAMES[reg][1]}", xlabel="threshold τ (log N(f(z); 0, I))")
        ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylabel("leakage score (lower is better)")
    fig.tight_layout()
    return fig


def _grid(images, nrow=8):
    import torch

    g = make_grid(torch.as_tensor(images[:nrow * nrow]).clamp(0, 1), nrow=nrow, padding=1, pad_value=1.0)
    return g.permute(1, 2, 0).numpy()


def samples_figure(runs, seed: int = 0, dataset: str = "mnist"):
    """Fig. 5: random and LP samples, each model with and without the decoupled prior."""
    regs = list(dict.fromkeys(c.regularizer for c in runs if c.dataset == dataset))
    fig, axes = plt.subplots(len(regs), 4, figsize=(12, 3.2 * len(regs)))
    axes = np.atleast_2d(axes)
    for ax, reg in zip(axes, regs):
        for j, (dp, kind) in enumerate([(False, "rand"), (False, "lp"), (True, "rand"), (True, "lp")]):
            r = _run(runs, dataset, reg, dp, seed)
            ax[j].imshow(_grid(r.arrays[f"x_{kind}"]), cmap="gray")
            ax[j].set_title(f"{r.config.name}: {'random' if kind == 'rand' else 'LP'} samples", fontsize=9)
            ax[j].axis("off")
    fig.tight_layout()
    return fig


def interpolation_figure(runs, seed: int = 0, regularizer: str = "vae", dataset: str = "mnist"):
    """Fig. 6: one interpolation between two test digits, for the VAE and the dpVAE: the path over
    q(z) (straight for the VAE; for the dpVAE straight in z0 and curved in z) and the decoded images."""
    fig = plt.figure(figsize=(13, 6.4))
    grid = fig.add_gridspec(2, 4, height_ratios=[3, 1])
    for j, dp in enumerate((False, True)):
        r = _run(runs, dataset, regularizer, dp, seed)
        a = r.arrays
        ax = fig.add_subplot(grid[0, 2 * j])
        proj = "" if r.config.zdim == 2 else " (first two of its coordinates)"
        _path_panel(ax, a["z_bank"], a["interp_z"], f"{r.config.name}: path in z{proj}")
        ax0 = fig.add_subplot(grid[0, 2 * j + 1])
        if dp:
            import torch

            with torch.no_grad():
                z0_bank = r.model.flow(torch.as_tensor(a["z_bank"]))[0].numpy()
            _path_panel(ax0, z0_bank, a["interp_z0"], f"{r.config.name}: path in $z_0${proj}", "z_0")
        else:
            ax0.axis("off")
            ax0.text(0.5, 0.5, "no generation space:\nthe VAE interpolates\nin z", ha="center", va="center",
                     transform=ax0.transAxes, fontsize=9, color="0.4")
        strip = fig.add_subplot(grid[1, 2 * j: 2 * j + 2])
        strip.imshow(_grid(a["interp_x"], nrow=len(a["interp_x"])), cmap="gray")
        strip.set_title(f"{r.config.name}: decoded path", fontsize=9)
        strip.axis("off")
    fig.tight_layout()
    return fig


def traversal_figure(runs, dataset: str = "celeba", regularizer: str = "factor", seed: int = 0,
                     dims: int = 8, steps: int = 9, reach: float = 3.0):
    """Fig. 8: single-factor traversals of the dpVAE of `regularizer`: from the first training
    image's code, one coordinate of z at a time moves over ±`reach` posterior-mean standard
    deviations while the others stay; one row per coordinate, the `dims` most used ones (largest
    spread of the encodings' means)."""
    import torch

    r = _run(runs, dataset, regularizer, True, seed)
    bank = torch.as_tensor(r.arrays["z_bank"])
    std = bank.std(0)
    order = std.argsort(descending=True)[:dims]
    offsets = torch.linspace(-reach, reach, steps)
    codes = bank[0].repeat(len(order), steps, 1)
    for row, d in enumerate(order):
        codes[row, :, d] = bank[0, d] + offsets * std[d]
    with torch.no_grad():
        images = r.model.decode(codes.reshape(-1, bank.shape[1])).clamp(0, 1)
    fig, ax = plt.subplots(figsize=(1.1 * steps, 1.1 * len(order)))
    ax.imshow(_grid(images.numpy(), nrow=steps))
    ax.set_title(f"{r.config.name} ({DATASET_NAMES.get(dataset, dataset)}): one coordinate of z per row, "
                 f"±{reach:g} std", fontsize=9)
    ax.axis("off")
    fig.tight_layout()
    return fig


def _path_panel(ax, bank, path, title, space="z"):
    lim = max(3.0, float(np.quantile(np.abs(bank), 0.995)) + 0.3)
    ax.hist2d(bank[:, 0], bank[:, 1], bins=60, range=[[-lim, lim], [-lim, lim]], cmap="Blues")
    ax.plot(path[:, 0], path[:, 1], "-o", color="tab:red", ms=3)
    xlabel, ylabel = _axis_labels(space)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title=title, xlabel=xlabel, ylabel=ylabel)
    ax.set_aspect("equal")
    ax.grid(False)


# ------------------------------------------------------------------------------------ claims

def _pairs(frame, dataset, regs, metric) -> dict:
    """name -> (dpVAE seed values, VAE seed values) of `metric`."""
    return {NAMES[r][1]: (_values(frame, dataset, r, True, metric), _values(frame, dataset, r, False, metric))
            for r in regs}


def _fmt_pairs(pairs, digits=3) -> str:
    return "; ".join(f"{k}: {np.mean(a):.{digits}f} vs {np.mean(b):.{digits}f}" for k, (a, b) in pairs.items())


def _learned(frame, dataset, regs) -> tuple[bool, str]:
    """Precondition of the moons claims: every compared model reconstructs the moons."""
    rows = frame[(frame.dataset == dataset) & frame.regularizer.isin(regs)]
    bad = rows[rows.q_distance > LEARNED_LINE]
    if len(bad):
        worst = bad.sort_values("q_distance").iloc[-1]
        return False, (f"{len(bad)} run(s) have not learned the moons (decoded q(z) draws {worst.q_distance:.3f} from "
                       "the "
                       f"data, line {LEARNED_LINE}; worst {worst.model}, seed {worst.seed})")
    return True, ""


def spread(frame: pd.DataFrame, dataset: str, metric: str) -> float | None:
    """The seed-to-seed spread (range) of `metric` over the VAE pair's seeds (None with one seed)."""
    spreads = []
    for dp in (False, True):
        v = _values(frame, dataset, "vae", dp, metric)
        if len(v) >= 2:
            spreads.append(float(v.max() - v.min()))
    return max(spreads) if spreads else None


def _image_verdict(frame, regs, metric, direction="less", digits=2, skip=None, dataset="mnist"):
    """Single-seed image-dataset comparisons against the spread of the VAE pair's two seeds. `skip`:
    regulariser -> why its pair cannot be compared (a measured precondition); the claim is then
    NOT TESTED unless another pair contradicts the paper (FAIL)."""
    skip = skip or {}
    kept = [r for r in regs if r not in skip]
    pairs = {NAMES[r][1]: (_values(frame, dataset, r, True, metric)[:1], _values(frame, dataset, r, False, metric)[:1])
             for r in kept}
    s = spread(frame, dataset, metric)
    if s is None:
        return None, _fmt_pairs(pairs, digits), "one seed and no second seed of the VAE pair to measure the spread"
    if pairs:
        passed, text, why = per_model_verdict(pairs, direction, s, f"the seed-to-seed spread {s:.{digits}f} (VAE pair, "
                                              "two seeds)", "{:+.%df}" % digits)
    else:
        passed, text, why = None, "", ""
    if skip and passed is not False:
        why = "; ".join([*skip.values(), *([why] if why else [])])
        return None, text or "no comparable pair", why
    return passed, text, why


def collapsed(frame, dataset, regs) -> dict:
    """regulariser -> why (a model of the pair ignores its latent: held-out KL below COLLAPSE_LINE)."""
    out = {}
    for r in regs:
        kls = {NAMES[r][int(dp)]: _values(frame, dataset, r, dp, "kl_mean") for dp in (False, True)}
        low = {k: float(v.min()) for k, v in kls.items() if len(v) and v.min() < COLLAPSE_LINE}
        if low:
            out[r] = ("posterior collapse in " + ", ".join(f"{k} (KL {v:.2f} nats)" for k, v in low.items())
                      + f": its samples are one average image (KL line {COLLAPSE_LINE})")
    return out


def skl_saturated(frame, dataset, regs) -> dict:
    """regulariser -> why (its VAE's sKL is already at the estimator's floor: nothing to close)."""
    out = {}
    for r in regs:
        v = _values(frame, dataset, r, False, "skl")
        if len(v) and float(np.mean(v)) < SKL_FLOOR:
            out[r] = (f"{NAMES[r][0]}'s q(z) already matches the prior (sKL {np.mean(v):.2f}, below {SKL_FLOOR}: the "
                      "k-NN estimator's noise)")
    return out


def claims(plan: Plan, runs) -> list[Claim]:
    frame = metrics_frame(runs)
    out = []
    if "moons" in plan.datasets():
        regs = [r for r in FIG3_REGULARIZERS if r in plan.regularizers("moons")]
        seeds = len(plan.runs[("moons", regs[0], False)]) if regs else 0
        tol = f"{LEARNED_LINE / 10:g} (a tenth of the learned line)"
        if "beta_h" in regs:
            pairs = _pairs(frame, "moons", ["beta_h"], "lp_distance")
            passed, text, why = per_model_verdict(pairs, "less", LEARNED_LINE / 10, tol, "{:+.3f}")
            out.append(_decided("Fig. 1: with the decoupled prior the β-VAE's LP samples decode onto the two moons, "
                                "without it off them", "β-dpVAE's LP samples on the manifold, β-VAE's off it",
                                _fmt_pairs(pairs) + f" ({text})", passed, why,
                                "mean distance of the decoded LP samples to the nearest training point (the "
                                "companion's "
                                f"on-manifold metric), dpVAE < VAE, paired over {seeds} seeds",
                                _learned(frame, "moons", ["beta_h"])))
        pairs = _pairs(frame, "moons", regs, "lp_distance")
        passed, text, why = per_model_verdict(pairs, "less", LEARNED_LINE / 10, tol, "{:+.3f}")
        out.append(_decided("Fig. 3(c): for every regulariser the LP samples of the dpVAE lie on the manifold and "
                            "those of the VAE off it", "four regularisers, dp better in each",
                            _fmt_pairs(pairs) + f" ({text})", passed, why,
                            f"LP on-manifold distance, dpVAE < VAE for each regulariser, paired over {seeds} seeds",
                            _learned(frame, "moons", regs)))
        pairs = _pairs(frame, "moons", regs, "random_distance")
        passed, text, why = per_model_verdict(pairs, "less", LEARNED_LINE / 10, tol, "{:+.3f}")
        out.append(_decided("Fig. 3(a): sampling from the generation space improves the random samples of every "
                            "regulariser", "samples closer to the moons with dp",
                            _fmt_pairs(pairs) + f" ({text})", passed, why,
                            f"random-sample on-manifold distance, dpVAE < VAE, paired over {seeds} seeds",
                            _learned(frame, "moons", regs)))
        all_regs = plan.regularizers("moons")
        pairs = _pairs(frame, "moons", all_regs, "skl")
        passed, text, why = per_model_verdict(pairs, "less", 0.05, "0.05 nats (the k-NN estimator's bias between "
                                              "two samples of one Gaussian)", "{:+.3f}")
        out.append(_decided("sKL between q(z) and the prior drops with the decoupled prior for every regulariser "
                            "(two moons)", "lower sKL with dp in every cell of Table 1",
                            _fmt_pairs(pairs) + f" ({text})", passed, why,
                            f"k-NN symmetric KL in the generation space, dpVAE < VAE, paired over {seeds} seeds",
                            _learned(frame, "moons", all_regs)))
        leak = leakage_frame(plan, runs, "moons")
        pairs = _pairs(leak, "moons", all_regs, "leakage")
        passed, text, why = per_model_verdict(pairs, "less", 0.1, "0.1 nats", "{:+.2f}")
        out.append(_decided("Fig. 4: each dpVAE's leakage curve lies below its VAE's", "dp curves lower, "
                            "especially at low τ", _fmt_pairs(pairs, 2) + f" ({text})", passed, why,
                            "mean leakage score over τ at the 1–50 % quantiles of the VAE's log N(z; 0, I), "
                            f"dpVAE < VAE, paired over {seeds} seeds", _learned(frame, "moons", all_regs)))
    for ds in plan.datasets():
        if ds in DATASET_NAMES and ds in set(frame.dataset):
            out += _image_claims(plan, frame, ds)
    out.append(same_hyperparameters_claim(plan, runs))
    return out


def _decided(claim, paper, run, passed, why, test, precondition) -> Claim:
    ok, reason = precondition
    if ok and passed is None:
        return Claim(claim, paper, run, None, test, why)
    return decide(claim, paper, run, bool(passed), test, precondition)


def _image_claims(plan: Plan, frame, dataset: str = "mnist") -> list[Claim]:
    """Table 1's claims on one image dataset (one seed per model, against the VAE pair's spread)."""
    regs = plan.regularizers(dataset)
    name = DATASET_NAMES[dataset]
    paper = table1_frame(dataset).set_index("method")
    frame = frame[frame.dataset == dataset]
    dead = collapsed(frame, dataset, regs)
    out = []
    keys = (("fd", "fid", "FD of random samples"), ("fd_lp", "fid_lp", "FD of LP samples"), ("skl", "skl", "sKL"))
    for key, paper_key, what in (k for k in keys if k[0] in frame and frame[k[0]].notna().any()):
        skip = dict(dead)
        if key == "skl":
            skip.update({r: w for r, w in skl_saturated(frame, dataset, regs).items() if r not in skip})
        passed, text, why = _image_verdict(frame, regs, key, skip=skip, dataset=dataset)
        paper_text = "; ".join(f"{NAMES[r][1]} {paper.loc[NAMES[r][1], paper_key]} vs "
                               f"{paper.loc[NAMES[r][0], paper_key]}" for r in regs)
        out.append(_decided(f"Table 1 ({name}): {what} is lower with the decoupled prior for every regulariser",
                            paper_text, text, passed, why, f"{what}, dpVAE < VAE; one seed each, decided against the "
                            "seed-to-seed spread of the VAE pair", (True, "")))
    gaps = frame.assign(gap=frame.fd_lp - frame.fd) if "fd" in frame and frame.fd.notna().any() else frame
    reg_only = [r for r in regs if r != "vae"]
    if reg_only and "gap" in gaps:
        passed, text, why = _image_verdict(gaps, reg_only, "gap", skip={r: w for r, w in dead.items() if r in reg_only},
                                           dataset=dataset)
        lp_gap = lambda name: paper.loc[name, "fid_lp"] - paper.loc[name, "fid"]
        paper_text = "; ".join(f"{NAMES[r][1]} {lp_gap(NAMES[r][1]):+.1f} vs {NAMES[r][0]} {lp_gap(NAMES[r][0]):+.1f}"
                               for r in reg_only)
        out.append(_decided(f"Table 1 ({name}): the gap FD(LP) − FD shrinks with the decoupled prior for the "
                            "regularised models (no pockets)", paper_text, text, passed, why,
                            "FD(LP) − FD, dpVAE < VAE; one seed, against the VAE pair's seed-to-seed spread",
                            (True, "")))
    better = [r for r in regs if paper.loc[NAMES[r][1], "nll"] < paper.loc[NAMES[r][0], "nll"]]
    if better:
        passed, text, why = _image_verdict(frame, better, "nll", digits=1,
                                           skip={r: w for r, w in dead.items() if r in better}, dataset=dataset)
        paper_text = "; ".join(f"{NAMES[r][1]} {paper.loc[NAMES[r][1], 'nll']} vs {paper.loc[NAMES[r][0], 'nll']}"
                               for r in better)
        out.append(_decided(f"Table 1 ({name}): the NLL is lower with the decoupled prior where the paper's table says "
                            "so (not for FactorVAE, and not on every dataset)", paper_text, text, passed, why,
                            "importance-sampled NLL (nats), dpVAE < VAE; one seed, against the VAE pair's spread",
                            (True, "")))
    return out


def same_hyperparameters_claim(plan: Plan, runs) -> Claim:
    """[P] "no additional tuning": each dpVAE uses exactly its VAE's config but for the prior,
    and trains (finite loss, learned) with it."""
    differing = []
    for c in plan.all_runs:
        if c.decoupled and twin(c) not in set(plan.all_runs):
            differing.append(c.name)
    diverged = [c.name for c, r in runs.items() if not np.isfinite(r.metrics.get("nll", np.nan))]
    passed = not differing and not diverged
    run = ("every dpVAE config equals its VAE's but for the prior" if not differing else
           f"no VAE twin with the same settings: {', '.join(sorted(set(differing)))}")
    if diverged:
        run += f"; non-finite NLL: {', '.join(sorted(set(diverged)))}"
    return decide("The same hyperparameters serve the regulariser with and without the decoupled prior (no retuning)",
                  "same Table 2 values for both", run, passed,
                  "each dpVAE's config is its VAE's with only `decoupled` changed, and every model ends with a "
                  "finite NLL")


# ------------------------------------------------------------------------------------ diagnostics

def diagnostics(plan: Plan, runs) -> list[Diagnostic]:
    frame = metrics_frame(runs)
    out = []
    if "moons" in plan.datasets():
        moons_rows = frame[frame.dataset == "moons"]
        worst = moons_rows.q_distance.max()
        out.append(Diagnostic("every two-moons model reconstructs the data (decoded q(z) draws near a training point)",
                              f"worst mean distance {worst:.3f}", f"< {LEARNED_LINE}", bool(worst < LEARNED_LINE)))
        floor = real_floor(plan.all_runs[0])
        out.append(Diagnostic("the on-manifold distance separates real points from samples",
                              f"held-out real points {floor:.4f}; best model's random samples "
                              f"{moons_rows.random_distance.min():.4f}", "real < every model",
                              bool(floor < moons_rows.random_distance.min())))
    kl = frame.kl_mean.min() if "kl_mean" in frame else None
    if kl is not None:
        worst = frame.sort_values("kl_mean").iloc[0]
        out.append(Diagnostic("every model uses its latent (held-out KL term, no posterior collapse)",
                              f"smallest {kl:.2f} nats ({worst.model}, {worst.dataset}, seed {worst.seed})",
                              f"≥ {COLLAPSE_LINE}", bool(kl >= COLLAPSE_LINE)))
    flows = [(c, r) for c, r in runs.items() if c.decoupled]
    if flows:
        moved = min(float(np.abs(r.arrays["leak_logdet"]).mean()) for _, r in flows)
        out.append(Diagnostic("every flow moved away from the identity (mean |log det| on q(z) draws)",
                              f"smallest {moved:.3f}", "> 0.01", bool(moved > 0.01)))
        agree = [abs(r.metrics["skl"] - r.metrics["skl_z"]) for _, r in flows]
        out.append(Diagnostic("sKL in z0 agrees with sKL in z (KL is invariant under the bijection g)",
                              f"largest difference {max(agree):.3f}", "< 0.2 nats", bool(max(agree) < 0.2)))
    factor = [(c, r) for c, r in runs.items() if c.regularizer == "factor"]
    if factor:
        last = max(float(r.history.disc_loss.iloc[-5:].mean()) for _, r in factor)
        out.append(Diagnostic("FactorVAE's discriminator tells q(z) from its permutation (loss below ln 2)",
                              f"worst final loss {last:.3f}", f"< {np.log(2):.3f}", bool(last < np.log(2))))
    acc = [r.metrics["classifier_accuracy"] for c, r in runs.items() if "classifier_accuracy" in r.metrics]
    if acc:
        out.append(Diagnostic("the MNIST feature classifier recognises test digits", f"test accuracy {acc[0]:.4f}",
                              "≥ 0.8", bool(acc[0] >= 0.8)))
    return out


# ------------------------------------------------------------------------------------ coverage

def coverage(plan: Plan) -> list[Coverage]:
    q, full = "reproduced (quick)", "reproduced (full profile only)"
    mnist = "mnist" in plan.datasets()
    celeba = ("full profile, CelebA 64 × 64 (not among the offline copies: needs the data, "
              "and GPU hours)")
    return [
        Coverage("Fig. 1", "β-VAE with and without dp on two moons: samples, q(z) with LP, decoded LP", q,
                 "§ Pockets and leaks on two moons"),
        Coverage("Fig. 2", "schematic of the representation and generation spaces", "out of scope",
                 "a drawing, no data; the idea section says it in words"),
        Coverage("Fig. 3", "four regularisers ± dp on two moons: samples, q(z) with LP/HP, z0, decoded LP", q,
                 "§ Pockets and leaks on two moons"),
        Coverage("Fig. 4", "leakage score against τ", q, "two moons, τ at quantiles of the VAE's log N(z)"),
        Coverage("Table 1", "FID, FID(LP), sKL, NLL on MNIST, SVHN, CelebA", q if mnist else full,
                 "MNIST column beside the paper's (quick: classifier-feature Fréchet distances, not FID); the SVHN "
                 "and CelebA columns in the full profile (Inception FID; their training data are not offline)"),
        Coverage("Table 2", "the regularisers' hyperparameters", "paper's numbers shown",
                 "lost from the paper's text; the settings table gives the values used with their [C]/[A] tags"),
        Coverage("Fig. 5", "random and LP sample grids", q if mnist else full,
                 "MNIST half here; the CelebA half: " + celeba),
        Coverage("Fig. 6", "MNIST interpolation, path in z and z0", q if mnist else full, "§ MNIST"),
        Coverage("Fig. 7", "CelebA interpolations", full, celeba),
        Coverage("Fig. 8", "Factor-dpVAE CelebA traversals", full, celeba + "; one coordinate of z per row"),
        Coverage("Fig. 9", "coupling-layer architecture", "out of scope",
                 "lost from the text; the flow follows the authors' code (K = 6, width 64), `companion.core.flows`"),
        Coverage("Fig. 10", "VAE architectures", "out of scope",
                 "lost from the text; the nets follow the paper's words and the authors' code "
                 "(`companion.papers.dpvae.model`)"),
    ]


# ------------------------------------------------------------------------------------ settings sweep

SWEEP_FILE = "benchmarks/results/dpvae_moons_sweep.json"


def sweep_table(path: str = SWEEP_FILE) -> pd.DataFrame:
    """The β × σ_x sweep of the two-moons β-VAE pair as `benchmarks/dpvae_moons_sweep.py` stored it:
    mean over its seeds of each metric, the β-VAE and the β-dpVAE side by side; `attrs["provenance"]`
    says where it ran. Empty when nothing was stored."""
    import json

    from ...paths import resolve

    file = resolve(path)
    if not file.exists():
        return pd.DataFrame()
    record = json.loads(file.read_text())
    rows = pd.DataFrame(record["rows"])
    table = rows.groupby(["beta", "sigma_x", "model"])[["lp_distance", "random_distance", "skl", "q_distance"]].mean()
    table = table.unstack("model").round(3)
    table.attrs["provenance"] = (f"{record['cpu']}, {record['jobs']} processes, commit {record['commit']}, "
                                 f"{record['date'][:10]}, seeds {sorted(set(rows.seed))}, {record['iterations']} "
                                 f"iterations, {record['seconds'] / 60:.0f} min")
    return table


# ------------------------------------------------------------------------------------ limits

def limits(plan: Plan, runs) -> list[str]:
    """What this run cannot show, with the numbers that say why."""
    out = []
    iters = {ds: plan.runs[(ds, plan.regularizers(ds)[0], False)][0].iterations for ds in plan.datasets()}
    out.append("Training length: " + ", ".join(f"{ds} {n:,} iterations" for ds, n in iters.items())
               + " against the paper's 100,000. The MNIST numbers are of models far from converged.")
    if "mnist" in plan.datasets():
        out.append("FID: the Fréchet distances use a small MNIST classifier's features (offline), not Inception-v3; "
                   "they rank models but are not on the paper's scale. The NLL is in nats per image with "
                   f"{plan.runs[('mnist', 'vae', False)][0].nll_k} importance samples; the paper's column lost its "
                   "scale factor and printed 21,000 samples.")
        seeds = {c.seed for c in plan.all_runs if c.dataset == "mnist" and c.regularizer != "vae"}
        if len(seeds) < 3:
            out.append("MNIST's regularised models train one seed; their gaps are decided against the spread of the "
                       "VAE pair's two seeds, a rough yardstick (the spread of a regularised model may differ).")
    if not {"svhn", "celeba"} & set(plan.datasets()):
        out.append("SVHN and CelebA (Table 1's other columns, Figs. 5, 7, 8) are in the full profile only: SVHN's "
                   "training split and CelebA are not among the offline copies, and the paper's budget on them is "
                   "GPU hours.")
    out.append("Table 2 (the regularisers' weights) is lost from the paper's text; the values used are the authors' "
               "code's where it is consistent and the companion's choice elsewhere (settings table), identical with "
               "and without the decoupled prior.")
    return out
