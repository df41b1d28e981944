"""Terms of the ELBO shared by every paper (spec soft_introvae §1.1).

Per-sample values: the KL is summed over latent dimensions and the squared error over input
dimensions; callers average over the batch.
"""

from __future__ import annotations

import math

import torch


def kl_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per sample, shape [B] (Kingma & Welling, App. B)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)


def sse(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Squared error summed over all input dimensions, per sample, shape [B] (the paper's L_r)."""
    return (x_hat - x).pow(2).flatten(1).sum(dim=1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps with eps ~ N(0, I)."""
    return mu + torch.randn_like(mu) * (0.5 * logvar).exp()


def neg_elbo(rec: torch.Tensor, kl: torch.Tensor, beta_rec: float, beta_kl: float) -> torch.Tensor:
    """The beta-weighted negative ELBO of Soft-IntroVAE §5: beta_rec * L_r + beta_kl * KL."""
    return beta_rec * rec + beta_kl * kl


def iwae_bound(log_weights: torch.Tensor) -> torch.Tensor:
    """Importance-weighted bound log (1/K) sum_k w_k per image from log w_k = log p(x|z_k) +
    log p(z_k) - log q(z_k|x), shape [B, K] -> [B] (Burda et al. 2016). K = 1 gives the ELBO."""
    k = log_weights.shape[1]
    return torch.logsumexp(log_weights, dim=1) - math.log(k)
