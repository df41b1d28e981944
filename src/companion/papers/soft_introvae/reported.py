"""Soft-IntroVAE's reported numbers as data [P, copied exactly].

Daniel & Tamar, "Soft-IntroVAE: Analyzing and Improving the Introspective Variational
Autoencoder", CVPR 2021, arXiv 2012.13253. Table 2 (2D toys, mean ± std over 5 seeds; gnELBO in
units of 1e-7), Table 5 (the best 2D hyperparameters) and Table 7 (OOD AUROC).
"""

from __future__ import annotations

import pandas as pd

METHODS_2D = ("vae", "introvae", "sintrovae")

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


#: Table 7 [P]: AUROC of the ELBO score, mean ± std over 3 seeds; in-distribution dataset ->
#: method -> (mean, std). The OOD partner is `ood.PAIRS`.
SOFT_INTROVAE_TABLE7 = {
    "mnist": {"vae": (0.992, 0.002), "sintrovae": (0.999, 0.0002)},
    "fashion-mnist": {"vae": (0.996, 0.0009), "sintrovae": (0.999, 0.0004)},
    "cifar10": {"vae": (0.378, 0.01), "sintrovae": (0.9987, 0.008)},
    "svhn": {"vae": (0.936, 0.003), "sintrovae": (0.966, 0.02)},
}
