"""Labels and number formats shared by every report: one spelling of each dataset and method,
"mean ± std", and the paper-vs-run table."""

from __future__ import annotations

import pandas as pd

DATASET_LABELS = {
    "8gaussians": "8 Gaussians", "spiral": "Spiral", "checkerboard": "Checkerboard", "rings": "Rings",
    "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10", "svhn": "SVHN", "celeba": "CelebA",
}
METHOD_LABELS = {"vae": "VAE", "introvae": "IntroVAE", "sintrovae": "Soft-IntroVAE"}


def format_mean_std(mean: float, std: float, digits: int = 2) -> str:
    """'mean ± std' (std omitted when it is NaN, as for a single seed)."""
    if pd.isna(mean):
        return "not run"
    if pd.isna(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def paper_vs_run(run: pd.DataFrame, paper: pd.DataFrame, keys: list[str],
                 label: str = "this run", digits: int = 2) -> pd.DataFrame:
    """Join a run's long table (keys + mean, std) with the paper's, side by side as text.

    Returns one row per key combination with columns `paper` and `label`; rows the run did not
    produce say 'not run'.
    """
    merged = paper.merge(run, on=keys, how="left", suffixes=("_paper", "_run"))
    out = merged[keys].copy()
    out["paper"] = [format_mean_std(m, s, digits) for m, s in zip(merged.mean_paper, merged.std_paper)]
    out[label] = [format_mean_std(m, s, digits) for m, s in zip(merged.mean_run, merged.std_run)]
    return out


def mean_std(values) -> tuple[float, float]:
    """(mean, sample std) of seeds' values; std is NaN for a single value, both NaN for none."""
    import numpy as np

    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    if v.size == 0:
        return float("nan"), float("nan")
    return float(np.mean(v)), (float(np.std(v, ddof=1)) if v.size > 1 else float("nan"))


def run_times(runs: dict, fields) -> pd.DataFrame:
    """One row per run: the config `fields` (a field name, or a (column, function of the config)
    pair), seconds spent training and evaluating, and whether it came from the cache. Has its
    columns even when no run was made."""
    getters = [(f, lambda c, f=f: getattr(c, f)) if isinstance(f, str) else f for f in fields]
    rows = [{**{name: get(c) for name, get in getters}, "seconds": round(r.seconds, 1),
             "cached": r.from_cache} for c, r in runs.items()]
    return pd.DataFrame(rows, columns=[name for name, _ in getters] + ["seconds", "cached"])


def run_times_line(times: pd.DataFrame, jobs: int, what: str = "models") -> str:
    """'N models, S s of training and evaluation (J process(es)); K loaded from the cache'."""
    return (f"{len(times)} {what}, {times.seconds.sum():.0f} s of training and evaluation "
            f"({jobs} process(es)); {int(times.cached.sum())} loaded from the cache")
