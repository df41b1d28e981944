"""dpVAE's reported numbers as data [P, copied exactly].

Bhalodia, Lee & Elhabian, "dpVAEs: Fixing Sample Generation for Regularized VAEs", arXiv
1911.10506 (ACCV 2020). Table 1: FID of random prior samples, FID of low-posterior (LP) samples,
the symmetric KL between q(z) and the prior (sKL), and the NLL, whose scale factor in the table's
header was lost with the text. Lower is better everywhere.
"""

import pandas as pd

#: Table 1 [P]: method -> dataset -> (FID, FID(LP), sKL, NLL).
DPVAE_TABLE1 = {
    "VAE":          {"mnist": (137.4, 165.0, 1.26, 3.56), "svhn": (78.9, 83.8, 53.67, 0.386), "celeba": (81.4, 79.0, 59.3, 9.26)},
    "dpVAE":        {"mnist": (129.0, 153.1, 0.88, 3.53), "svhn": (50.8, 55.2, 13.02, 0.318), "celeba": (71.5, 74.3, 10.4, 4.91)},
    "β-VAE-H":      {"mnist": (144.2, 163.1, 4.49, 4.12), "svhn": (96.7, 97.6, 10.35, 0.611), "celeba": (80.3, 79.9, 39.7, 6.93)},
    "β-dpVAE-H":    {"mnist": (127.1, 127.4, 1.07, 2.98), "svhn": (65.2, 67.7, 4.05, 0.592), "celeba": (67.2, 72.5, 33.5, 10.6)},
    "β-VAE-B":      {"mnist": (130.8, 163.6, 2.74, 3.11), "svhn": (61.7, 68.5, 2.62, 0.606), "celeba": (75.7, 79.6, 25.8, 12.5)},
    "β-dpVAE-B":    {"mnist": (113.3, 114.1, 1.32, 2.80), "svhn": (51.1, 50.3, 2.47, 0.550), "celeba": (67.9, 72.0, 19.1, 10.4)},
    "β-TCVAE":      {"mnist": (149.8, 200.3, 4.48, 2.91), "svhn": (69.2, 70.5, 7.76, 9.86), "celeba": (83.8, 83.0, 93.6, 9.33)},
    "β-TC-dpVAE":   {"mnist": (133.3, 133.1, 2.07, 2.70), "svhn": (50.3, 53.8, 2.94, 4.52), "celeba": (80.3, 81.4, 90.3, 10.0)},
    "FactorVAE":    {"mnist": (130.5, 191.2, 1.04, 3.50), "svhn": (97.2, 108.5, 1.91, 2.13), "celeba": (82.6, 86.8, 71.3, 9.89)},
    "Factor-dpVAE": {"mnist": (120.8, 121.3, 0.85, 3.60), "svhn": (86.3, 86.9, 1.57, 2.36), "celeba": (65.0, 73.4, 51.3, 12.2)},
    "InfoVAE":      {"mnist": (128.7, 133.2, 2.89, 2.88), "svhn": (81.3, 83.2, 4.91, 1.55), "celeba": (76.5, 79.1, 30.6, 11.1)},
    "Info-dpVAE":   {"mnist": (110.1, 110.5, 1.70, 2.81), "svhn": (62.9, 67.7, 2.67, 1.56), "celeba": (68.9, 72.9, 20.3, 12.1)},
}

TABLE1_COLUMNS = ("fid", "fid_lp", "skl", "nll")


def table1_frame(dataset: str | None = None) -> pd.DataFrame:
    """Table 1 as rows (method, dataset, fid, fid_lp, skl, nll), optionally one dataset."""
    rows = [{"method": m, "dataset": ds, **dict(zip(TABLE1_COLUMNS, values))}
            for m, by_ds in DPVAE_TABLE1.items() for ds, values in by_ds.items()]
    frame = pd.DataFrame(rows)
    return frame[frame.dataset == dataset].reset_index(drop=True) if dataset else frame
