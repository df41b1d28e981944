"""The papers' reported numbers as data [P, copied exactly], and the paper-vs-run table.

Soft-IntroVAE: Table 2 (2D toys, mean ± std over 5 seeds; gnELBO in units of 1e-7) and
Table 5 (the best 2D hyperparameters) — spec soft_introvae §2.3, §2.5.
"""

from __future__ import annotations

import pandas as pd

METHODS_2D = ("vae", "introvae", "sintrovae")
METHOD_LABELS = {"vae": "VAE", "introvae": "IntroVAE", "sintrovae": "S-IntroVAE"}
DATASET_LABELS = {"8gaussians": "8 Gaussians", "spiral": "Spiral",
                  "checkerboard": "Checkerboard", "rings": "Rings"}

#: Table 5 [P]: dataset -> method -> (beta_rec, beta_kl, beta_neg, m); None where not used.
SOFT_INTROVAE_TABLE5 = {
    "8gaussians": {"vae": (0.8, 0.05, None, None), "introvae": (0.3, 0.5, 1.0, 1.0),
                   "sintrovae": (0.2, 0.3, 0.9, None)},
    "spiral": {"vae": (1.0, 0.05, None, None), "introvae": (0.2, 0.5, 0.5, 2.0),
               "sintrovae": (0.2, 0.5, 1.0, None)},
    "checkerboard": {"vae": (0.8, 0.1, None, None), "introvae": (0.4, 0.2, 0.2, 8.0),
                     "sintrovae": (0.2, 0.1, 0.2, None)},
    "rings": {"vae": (0.8, 0.05, None, None), "introvae": (0.8, 0.5, 0.5, 5.0),
              "sintrovae": (0.2, 0.2, 1.0, None)},
}

#: Table 2 [P]: (dataset, metric) -> method -> (mean, std). gnELBO in units of 1e-7.
SOFT_INTROVAE_TABLE2 = {
    ("8gaussians", "gnelbo"): {"vae": (7.42, 0.07), "introvae": (1.29, 0.76), "sintrovae": (1.25, 0.35)},
    ("8gaussians", "kl"): {"vae": (6.72, 0.46), "introvae": (2.53, 1.07), "sintrovae": (1.25, 0.11)},
    ("8gaussians", "jsd"): {"vae": (16.04, 0.3), "introvae": (1.67, 0.46), "sintrovae": (0.96, 0.15)},
    ("spiral", "gnelbo"): {"vae": (6.19, 0.06), "introvae": (5.87, 0.03), "sintrovae": (5.21, 0.04)},
    ("spiral", "kl"): {"vae": (9.8, 0.48), "introvae": (8.38, 0.45), "sintrovae": (8.13, 0.3)},
    ("spiral", "jsd"): {"vae": (4.89, 0.05), "introvae": (3.58, 0.04), "sintrovae": (3.37, 0.04)},
    ("checkerboard", "gnelbo"): {"vae": (8.53, 0.1), "introvae": (8.54, 0.11), "sintrovae": (4.47, 0.29)},
    ("checkerboard", "kl"): {"vae": (20.91, 0.45), "introvae": (19.03, 0.34), "sintrovae": (20.27, 0.21)},
    ("checkerboard", "jsd"): {"vae": (9.78, 0.04), "introvae": (9.07, 0.1), "sintrovae": (9.06, 0.15)},
    ("rings", "gnelbo"): {"vae": (6.4, 0.04), "introvae": (7.25, 0.18), "sintrovae": (6.3, 0.08)},
    ("rings", "kl"): {"vae": (13.16, 0.55), "introvae": (10.21, 0.49), "sintrovae": (9.18, 0.33)},
    ("rings", "jsd"): {"vae": (7.26, 0.07), "introvae": (4.24, 0.11), "sintrovae": (4.13, 0.09)},
}
TABLE2_METRICS = ("gnelbo", "kl", "jsd")


def table2_frame() -> pd.DataFrame:
    """Table 2 in long form: dataset, metric, method, mean, std."""
    rows = [{"dataset": d, "metric": metric, "method": method, "mean": mean, "std": std}
            for (d, metric), by_method in SOFT_INTROVAE_TABLE2.items()
            for method, (mean, std) in by_method.items()]
    return pd.DataFrame(rows)


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


# ---------------------------------------------------------------------------- sigma-VAE (notebook 02)
# Lin et al. 2019, spec sigma_vae §3 [P]. FID in Table 2; IWAE log-likelihoods (nats per image,
# continuous densities on [0, 1] pixels) in Table 3.

#: Table 1 [P]: KL(q̂ || p) on MNIST, 2-D latent, mean ± std of 10 runs; key: sigma^2 or "learned".
SIGMA_VAE_TABLE1_KL = {1.0: (0.094, 0.003), 0.5: (0.132, 0.003), "learned": (0.422, 0.011),
                       0.01: (1.552, 0.034)}
#: Table 1 [P]: the learned ("optimal") sigma^2 on MNIST with a 2-D latent.
SIGMA_VAE_LEARNED_SIGMA2 = 0.035

#: Table 2 [P]: FID by dataset and method ("Ours" = learned sigma^2, samples from q̂).
SIGMA_VAE_TABLE2 = {
    "mnist": {"Ours": 8.9, "VAE": 74.9, "β-VAE": 438.1, "DIP-VAE": 114.9, "WAE": 142.8, "Real images": 1.9},
    "fashion-mnist": {"Ours": 10.6, "VAE": 123.8, "β-VAE": 281.5, "DIP-VAE": 103.6, "WAE": 149.5,
                      "Real images": 0.7},
    "celeba": {"Ours": 74.7, "VAE": 78.4, "β-VAE": 106.4, "DIP-VAE": 87.5, "WAE": 85.4, "Real images": 2.9},
}

#: Table 3 [P]: IWAE log-likelihood, 16-D latent, K = 20, 500 test images;
#: (dataset, latent density) -> method -> value.
SIGMA_VAE_TABLE3 = {
    ("mnist", "prior"): {"dataset σ²": 1307, "pixel σ²": 6037, "VAE": -462, "β-VAE": -730, "DIP-VAE": -461},
    ("mnist", "q̂"): {"dataset σ²": 1323, "pixel σ²": 6052, "VAE": -461, "β-VAE": -730, "DIP-VAE": -460},
    ("fashion-mnist", "prior"): {"dataset σ²": 1145, "pixel σ²": 5708, "VAE": -463, "β-VAE": -731,
                                 "DIP-VAE": -463},
    ("fashion-mnist", "q̂"): {"dataset σ²": 1157, "pixel σ²": 5724, "VAE": -462, "β-VAE": -731,
                             "DIP-VAE": -462},
}


# ------------------------------------------------------------------ Soft-IntroVAE OOD (notebook 05)

#: Table 7 [P]: AUROC of the ELBO score, mean ± std over 3 seeds; in-distribution dataset ->
#: method -> (mean, std). The OOD partner is `ood_histograms.PAIRS`.
SOFT_INTROVAE_TABLE7 = {
    "mnist": {"vae": (0.992, 0.002), "sintrovae": (0.999, 0.0002)},
    "fashion-mnist": {"vae": (0.996, 0.0009), "sintrovae": (0.999, 0.0004)},
    "cifar10": {"vae": (0.378, 0.01), "sintrovae": (0.9987, 0.008)},
    "svhn": {"vae": (0.936, 0.003), "sintrovae": (0.966, 0.02)},
}
