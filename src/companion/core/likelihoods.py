"""Gaussian observation models p(x|z) for real-valued images (sigma-VAE, spec sigma_vae §1).

One global variance shared by every pixel (Eq. 7), in three modes: fixed, learned by gradient
(log sigma as a parameter), or set to its closed-form optimum (Eq. 9, averaged over the dataset);
and a per-pixel, latent-conditioned variance with a floor of half the stage-1 variance (Eq. 10,
Algorithm 1 stage 2). Densities are per image, in nats, summed over pixels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LOG2PI = math.log(2 * math.pi)
SIGMA_MODES = ("fixed", "adam", "closed_form")
MIN_VARIANCE = 1e-6  # [A] clamp of the closed-form variance


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, var) -> torch.Tensor:
    """-log N(x; mean, var) summed over all pixels, per image, shape [B] (Eq. 7 / Eq. 10).

    `var` is a scalar (one global variance) or has the shape of `x` (per pixel). Equal to
    -Independent(Normal(mean, var.sqrt()), x.dim() - 1).log_prob(x).
    """
    var = torch.as_tensor(var, dtype=x.dtype, device=x.device)
    nll = 0.5 * (LOG2PI + torch.log(var) + (x - mean).pow(2) / var)
    if nll.dim() == 0 or nll.shape != x.shape:
        nll = nll.expand_as(x)
    return nll.flatten(1).sum(1)


def closed_form_variance(sse: torch.Tensor, d: int) -> torch.Tensor:
    """The sigma^2 that maximises the ELBO for fixed encoder and decoder (Eq. 9, averaged over
    the data as Eq. 8 requires): the mean squared error per pixel. `sse` is per image, [B]."""
    return (sse.mean() / d).clamp_min(MIN_VARIANCE)


def profile_neg_elbo(sse: torch.Tensor, kl: torch.Tensor, d: int) -> torch.Tensor:
    """-ELBO per image with sigma^2 at its closed-form optimum: d/2 (log(2 pi s*) + 1) + mean KL."""
    s2 = closed_form_variance(sse, d)
    return 0.5 * d * (LOG2PI + torch.log(s2) + 1) + kl.mean()


class GlobalVariance(nn.Module):
    """One sigma^2 for every pixel: "fixed", "adam" (log sigma learned with the model, sigma = 1
    at the start, Alg. 1) or "closed_form" (Eq. 9 on the batch, no gradient)."""

    def __init__(self, mode: str = "fixed", sigma2: float = 0.5):
        super().__init__()
        if mode not in SIGMA_MODES:
            raise ValueError(f"unknown sigma^2 mode {mode!r}; choose one of {', '.join(SIGMA_MODES)}")
        if mode == "fixed" and not sigma2 > 0:
            raise ValueError(f"sigma^2 must be positive, got {sigma2}")
        self.mode = mode
        self.register_buffer("fixed", torch.tensor(float(sigma2)))
        self.log_sigma = nn.Parameter(torch.zeros(())) if mode == "adam" else None

    def forward(self, sse: torch.Tensor, d: int) -> torch.Tensor:
        """The variance to use for a batch whose per-image squared errors are `sse`."""
        if self.mode == "fixed":
            return self.fixed
        if self.mode == "adam":
            return torch.exp(2 * self.log_sigma)
        return closed_form_variance(sse.detach(), d)


def softplus_variance(head: torch.Tensor, floor: float) -> torch.Tensor:
    """A per-pixel (or per-coordinate) variance from a network's raw output: softplus(head) + floor."""
    if not floor > 0:
        raise ValueError(f"the variance floor must be positive, got {floor}")
    return F.softplus(head) + floor


def pixel_variance(head: torch.Tensor, sigma2_dataset: float) -> torch.Tensor:
    """Per-pixel variance of stage 2 (Eq. 10): softplus(head) [A] plus the floor
    sigma^2_dataset / 2 (Algorithm 1)."""
    if not sigma2_dataset > 0:
        raise ValueError(f"sigma^2_dataset must be positive, got {sigma2_dataset}")
    return softplus_variance(head, 0.5 * sigma2_dataset)
