"""Numbers the papers report, computed exactly as the papers' code does.

2D toys (spec soft_introvae §2.4): the histogram "KL" and "JSD" of the official code, which act
on 100x100 histograms of *densities* with a 1e-14 floor and a mean over histogram rows, so they
are comparable with Table 2 but are not the textbook divergences. Properly normalised versions
(probability masses, smoothed) are given separately and labelled as such. gnELBO is the
grid-normalised energy of the data. All are "lower is better".
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import rel_entr

from .objectives import kl_normal, sse

FLOOR = 1e-14  # [C] added inside the logs of the histogram metrics


def histogram_density(points: np.ndarray, box: tuple[float, float], bins: int = 100) -> np.ndarray:
    """np.histogram2d(..., density=True) over box x box; points outside the box are dropped [C]."""
    points = np.asarray(points, dtype=np.float64)
    h, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=bins, range=[box, box], density=True)
    return h


def _kl_div_batchmean(log_q: np.ndarray, p: np.ndarray) -> float:
    """torch's F.kl_div(log_q, p, reduction='batchmean'): sum p (log p - log_q) / n_rows, 0 where p = 0."""
    mask = p > 0
    return float((p[mask] * (np.log(p[mask]) - log_q[mask])).sum() / p.shape[0])


def hist_kl_paper(P: np.ndarray, Q: np.ndarray) -> float:
    """The paper's "KL" of density histograms P (data) and Q (model) [C calculate_sample_kl]."""
    return _kl_div_batchmean(np.log(Q + FLOOR), P)


def hist_jsd_paper(P: np.ndarray, Q: np.ndarray) -> float:
    """The paper's "JSD": 0.5 [KL(M||P) + KL(M||Q)] on floored densities, M = (P+Q)/2 [C].

    Note the reverse direction and the unnormalised densities: this is not the textbook JSD,
    which is bounded by ln 2; Table 2 reports values up to 16.
    """
    M = 0.5 * (P + Q)
    return 0.5 * (_kl_div_batchmean(np.log(P + FLOOR), M) + _kl_div_batchmean(np.log(Q + FLOOR), M))


def _masses(h: np.ndarray, smoothing: float) -> np.ndarray:
    m = h / h.sum() if h.sum() > 0 else np.full_like(h, 1.0 / h.size)
    m = m + smoothing
    return m / m.sum()


def hist_kl_normalised(P: np.ndarray, Q: np.ndarray, smoothing: float = 1e-6) -> float:
    """KL(p || q) in nats between the histograms as probability masses, each smoothed by
    `smoothing` per bin and renormalised [A]; a true divergence, 0 for identical histograms."""
    p, q = _masses(P, smoothing), _masses(Q, smoothing)
    return float(rel_entr(p, q).sum())


def hist_jsd_normalised(P: np.ndarray, Q: np.ndarray, smoothing: float = 1e-6) -> float:
    """Jensen-Shannon divergence in nats of the histograms as masses [A]; in [0, ln 2]."""
    p, q = _masses(P, smoothing), _masses(Q, smoothing)
    m = 0.5 * (p + q)
    return float(0.5 * rel_entr(p, m).sum() + 0.5 * rel_entr(q, m).sum())


def histogram_metrics(real: np.ndarray, fake: np.ndarray, box, bins: int = 100) -> dict:
    """Paper-compatible KL and JSD, and their normalised counterparts, of two point sets."""
    P, Q = histogram_density(real, box, bins), histogram_density(fake, box, bins)
    return {"kl": hist_kl_paper(P, Q), "jsd": hist_jsd_paper(P, Q),
            "kl_normalised": hist_kl_normalised(P, Q), "jsd_normalised": hist_jsd_normalised(P, Q)}


@torch.no_grad()
def energy(model, x: torch.Tensor, batch_size: int = 65536) -> torch.Tensor:
    """e(x) = KL(q(z|x)||p) + ||x - D(mu(x))||^2 with unit betas and z = mu: minus the
    deterministic ELBO used for gnELBO and the density plots [C]. Shape [N]."""
    out = []
    for chunk in x.split(batch_size):
        mu, logvar = model.encoder(chunk)
        out.append(kl_normal(mu, logvar) + sse(chunk, model.decoder(mu)))
    return torch.cat(out)


def grid_points(box: tuple[float, float], size: int, device=None) -> torch.Tensor:
    """The size x size grid over the box, endpoints included, 'ij' order, shape [size*size, 2]."""
    axis = torch.linspace(box[0], box[1], size, device=device)
    gx, gy = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def gnelbo(energy_grid: torch.Tensor, energy_data: torch.Tensor,
           n_grid_reference: int | None = None) -> float:
    """Grid-normalised ELBO: mean(E_data / (sum E_grid + sum E_data)) [C calculate_elbo_with_grid].

    Constant energies give 1 / (N_grid + N_data). Table 2 reports it in units of 1e-7.
    `n_grid_reference`: the grid was coarser than the paper's; its sum is estimated as
    mean(E_grid) * n_grid_reference (a Riemann estimate of the finer grid's sum) [A].
    """
    grid = energy_grid.double()
    grid_sum = grid.mean() * n_grid_reference if n_grid_reference else grid.sum()
    total = grid_sum + energy_data.double().sum()
    return float((energy_data.double() / total).mean())


def nearest_mode_distance(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each point to its nearest mode centre, and that mode's index."""
    d = np.linalg.norm(np.asarray(points)[:, None, :] - np.asarray(centres)[None, :, :], axis=2)
    return d.min(axis=1), d.argmin(axis=1)


def off_support_fraction(points, centres, radius: float) -> float:
    """Fraction of points farther than `radius` from every mode centre [A: the Fig. 2 claim]."""
    dist, _ = nearest_mode_distance(points, centres)
    return float((dist > radius).mean())


def modes_covered(points, centres, radius: float, min_share: float = 0.25) -> int:
    """Number of modes that receive at least `min_share` of their fair share (1/K) of the points
    within `radius` [A]."""
    dist, idx = nearest_mode_distance(points, centres)
    k = len(centres)
    counts = np.bincount(idx[dist <= radius], minlength=k)
    return int((counts >= min_share * len(points) / k).sum())


def off_support_mass(points, weights, centres, radius: float) -> float:
    """Share of the total weight (e.g. exp(ELBO) on a grid) at points farther than `radius`
    from every mode centre [A: the §6.1 remark that a VAE gives high likelihood off the support]."""
    weights = np.asarray(weights, dtype=np.float64)
    dist, _ = nearest_mode_distance(points, centres)
    return float(weights[dist > radius].sum() / weights.sum())


# ------------------------------------------------------------------------ sample quality (FD)

def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance of two Gaussians: |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))
    (Heusel et al. 2017).

    Tr((S1 S2)^(1/2)) is computed as the sum of the square roots of the eigenvalues of the
    symmetric PSD matrix S1^(1/2) S2 S1^(1/2), which has the same spectrum as S1 S2; unlike a
    general matrix square root it stays real and stable when a covariance is singular (dead
    ReLU features).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    w, v = np.linalg.eigh(s1)
    s1_half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    eig = np.linalg.eigvalsh(s1_half @ s2 @ s1_half)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(eig, 0, None)).sum())


def frechet_distance_of_features(features_a, features_b) -> float:
    """Frechet distance between the Gaussians fitted to two feature sets [N, F]."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
