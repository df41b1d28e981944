"""Structured observation noise (Langley et al., "Structured Uncertainty in the Observation Space of
Variational Autoencoders", TMLR 2022, arXiv 2205.12533, §3): a decoder that predicts a Gaussian
over the whole image with a low-rank-plus-diagonal covariance,

    p(x | z) = N(x; μ(z), Σ(z)),     Σ = P Pᵀ + diag(d),     P ∈ ℝ^{D×R},

so a sample x = μ + P ε_P + √d ⊙ ε_D moves R directions of correlated pixels together instead of
adding independent noise to every pixel. The diagonal is a fixed 1e-5 [authors' code]. With
A = I_R + Pᵀ diag(d)⁻¹ P (the R × R capacitance matrix), Woodbury and the determinant lemma give
log p(x|z) and the entropy in O(D R² + R³) — `torch.distributions.LowRankMultivariateNormal` does
exactly this. Only ΔH = ½ log|A| of the entropy H = D/2 (1 + log 2π) + ½ Σ log d_i + ΔH depends on P.

Tools of the paper's figures, all without a D × D matrix:
* the per-pixel variance diag Σ = Σ_r P_ir² + d_i and the covariance row of one pixel (Fig. 2);
* slerp between two ε_P (Appendix D; Fig. 4's interpolation in observation space);
* P's principal directions (SVD) scaled one at a time (Eq. 5, Fig. 5);
* the conditional mean of the unedited pixels given edited ones (Eqs. 6–7, Fig. 6):
  μ₁ + P₁ Pᵀ₂ Σ₂₂⁻¹ (x₂ − μ₂), with Σ₂₂⁻¹ applied through Woodbury.
"""

from __future__ import annotations

import math

import torch
from torch.distributions import LowRankMultivariateNormal

#: [authors' code] the fixed diagonal of Σ (`zero_diag=True`, EPS = 1e-5)
FIXED_DIAGONAL = 1e-5


def low_rank_normal(mean: torch.Tensor, factor: torch.Tensor, diagonal: float | torch.Tensor = FIXED_DIAGONAL):
    """N(mean, factor factorᵀ + diag(diagonal)) over flattened images: mean [B, D], factor [B, D, R]."""
    if factor.dim() != 3 or factor.shape[:2] != mean.shape:
        raise ValueError(f"factor must be [B, D, R] with [B, D] = {tuple(mean.shape)}, got {tuple(factor.shape)}")
    d = diagonal if torch.is_tensor(diagonal) else torch.full_like(mean, float(diagonal))
    return LowRankMultivariateNormal(mean, factor, d)


def entropy_excess(factor: torch.Tensor, diagonal: float = FIXED_DIAGONAL) -> torch.Tensor:
    """ΔH = ½ log|I_R + Pᵀ P / d| per image: the part of the entropy that P controls (fixed diagonal d)."""
    r = factor.shape[-1]
    a = torch.eye(r, dtype=factor.dtype, device=factor.device) + factor.transpose(-1, -2) @ factor / diagonal
    return 0.5 * torch.linalg.slogdet(a)[1]


def sample(mean, factor, diagonal: float = FIXED_DIAGONAL, eps_factor=None, eps_diag=None, generator=None):
    """x = μ + P ε_P + √d ε_D (ε drawn when not given); mean [B, D], factor [B, D, R]."""
    if eps_factor is None:
        eps_factor = torch.randn(*factor.shape[::2], generator=generator, device=mean.device, dtype=mean.dtype)
    if eps_diag is None:
        eps_diag = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    return mean + (factor @ eps_factor.unsqueeze(-1)).squeeze(-1) + math.sqrt(diagonal) * eps_diag


def variance_map(factor: torch.Tensor, diagonal: float = FIXED_DIAGONAL) -> torch.Tensor:
    """diag Σ = Σ_r P_ir² + d, [B, D]."""
    return factor.pow(2).sum(-1) + diagonal


def covariance_row(factor: torch.Tensor, pixel: int, diagonal: float = FIXED_DIAGONAL) -> torch.Tensor:
    """Σ_{j,:} = P_j Pᵀ + d e_jᵀ for pixel j, [B, D]."""
    row = (factor @ factor[:, pixel, :].unsqueeze(-1)).squeeze(-1)
    row[:, pixel] += diagonal
    return row


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherical interpolation (Appendix D): sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, cos Ω = âᵀb̂
    (the last dimension holds the vectors; t broadcasts against the leading ones). Falls back to the
    straight line when a and b are parallel."""
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    cos = (a / a.norm(dim=-1, keepdim=True) * b / b.norm(dim=-1, keepdim=True)).sum(-1, keepdim=True)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    so = torch.sin(omega)
    t = t.unsqueeze(-1) if t.dim() else t
    straight = so.abs() < 1e-6
    wa = torch.where(straight, 1 - t, torch.sin((1 - t) * omega) / torch.where(straight, 1.0, so))
    wb = torch.where(straight, t, torch.sin(t * omega) / torch.where(straight, 1.0, so))
    return wa * a + wb * b


def principal_directions(factor: torch.Tensor):
    """P = U S Vᵀ (thin SVD), per image: (U [B, D, R], S [B, R], Vᵀ [B, R, R])."""
    return torch.linalg.svd(factor, full_matrices=False)


def scaled_sample(mean, factor, eps_factor, scales, diagonal: float = FIXED_DIAGONAL, eps_diag=None):
    """Eq. 5: x = μ + U S diag(k) Vᵀ ε_P + √d ε_D, the user's knobs k = `scales` [B, R]."""
    u, s, vt = principal_directions(factor)
    coef = s * scales * (vt @ eps_factor.unsqueeze(-1)).squeeze(-1)
    noise = 0.0 if eps_diag is None else math.sqrt(diagonal) * eps_diag
    return mean + (u @ coef.unsqueeze(-1)).squeeze(-1) + noise


def conditional_mean(mean: torch.Tensor, factor: torch.Tensor, edited: torch.Tensor, values: torch.Tensor,
                     diagonal: float = FIXED_DIAGONAL) -> torch.Tensor:
    """E[x₁ | x₂ = values] for one image (Eqs. 6–7): mean [D], factor [D, R], `edited` a boolean mask
    [D], `values` [k] for the edited pixels. Returns the whole image, the edited pixels set to
    `values`. Σ₂₂⁻¹ r = (r − P₂ A⁻¹ P₂ᵀ r / d) / d with A = I + P₂ᵀ P₂ / d, so nothing is larger than
    k × R."""
    p2 = factor[edited]
    r = values - mean[edited]
    a = torch.eye(factor.shape[1], dtype=factor.dtype, device=factor.device) + p2.T @ p2 / diagonal
    solved = (r - p2 @ torch.linalg.solve(a, p2.T @ r) / diagonal) / diagonal
    out = mean + factor @ (p2.T @ solved)
    out[edited] = values
    return out
