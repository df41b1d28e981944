"""How spatially coherent an image's noise is (the SOS-VAE companion's Table 1 analogue; Langley et
al., arXiv 2205.12533, Fig. 2): the lag-1 autocorrelation of a residual field r = sample − mean,

    ρ₁ = ½ [corr(r_{i,j}, r_{i,j+1}) + corr(r_{i,j}, r_{i+1,j})],

each a Pearson correlation over every pair of neighbouring pixels of every image (and channel).
Independent pixel noise gives ρ₁ ≈ 0; the residuals of real images around a model's mean are
smooth (the spec measured 0.49–0.50 on Fashion-MNIST), and a sample of a good structured
observation model should carry noise of that kind.
"""

from __future__ import annotations

import torch


def _corr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a, b = a.flatten().double(), b.flatten().double()
    a, b = a - a.mean(), b - b.mean()
    return (a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-300)


def lag1_autocorrelation(residual: torch.Tensor) -> float:
    """ρ₁ of residual images [B, C, H, W] (or [B, H, W])."""
    if residual.dim() == 3:
        residual = residual.unsqueeze(1)
    if residual.dim() != 4 or min(residual.shape[-2:]) < 2:
        raise ValueError(f"expected residual images [B, C, H, W] with H, W >= 2, got {tuple(residual.shape)}")
    horizontal = _corr(residual[..., :, :-1], residual[..., :, 1:])
    vertical = _corr(residual[..., :-1, :], residual[..., 1:, :])
    return float(0.5 * (horizontal + vertical))
