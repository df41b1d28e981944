"""Terms of the ELBO shared by every paper (spec soft_introvae §1.1).

Per-sample values: the KL is summed over latent dimensions and the squared error over input
dimensions; callers average over the batch.
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Independent, Normal


def kl_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per sample, shape [B] (Kingma & Welling, App. B)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)


def sse(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Squared error summed over all input dimensions, per sample, shape [B] (the paper's L_r)."""
    return (x_hat - x).pow(2).flatten(1).sum(dim=1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None,
                   n: int | None = None) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps with eps ~ N(0, I), from `generator` (torch's global one when
    None); with `n`, n draws per row stacked in front: [n, *mu.shape]."""
    shape = mu.shape if n is None else (n, *mu.shape)
    eps = torch.randn(shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + eps * (0.5 * logvar).exp()


def neg_elbo(rec: torch.Tensor, kl: torch.Tensor, beta_rec: float, beta_kl: float) -> torch.Tensor:
    """The beta-weighted negative ELBO of Soft-IntroVAE §5: beta_rec * L_r + beta_kl * KL."""
    return beta_rec * rec + beta_kl * kl


def importance_log_weights(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                           log_px: torch.Tensor, latent_density=None) -> torch.Tensor:
    """log w = log p(x|z) + log p(z) - log q(z|x) for draws z [K, B, D] of q(z|x) = N(mu, exp(logvar)),
    given log p(x|z) [K, B]; the latent density is N(0, I) unless `latent_density` (a
    `torch.distributions` object over [D]) replaces it. Returns [B, K], ready for `iwae_bound`."""
    std = (0.5 * logvar).exp()
    posterior = Independent(Normal(mu, std), 1)
    prior = latent_density or Independent(Normal(torch.zeros_like(mu[0]), torch.ones_like(mu[0])), 1)
    return (log_px + prior.log_prob(z) - posterior.log_prob(z)).T


def iwae_bound(log_weights: torch.Tensor) -> torch.Tensor:
    """Importance-weighted bound log (1/K) sum_k w_k per image from log w_k = log p(x|z_k) +
    log p(z_k) - log q(z_k|x), shape [B, K] -> [B] (Burda et al. 2016). K = 1 gives the ELBO."""
    k = log_weights.shape[1]
    return torch.logsumexp(log_weights, dim=1) - math.log(k)


# ---------------------------------------------------------- regularisers of the sigma-VAE baselines

def dip_vae_i_penalty(mu: torch.Tensor, lambda_od: float, lambda_d: float) -> torch.Tensor:
    """DIP-VAE-I regulariser (Kumar et al. 2018, Eq. 6): with C = Cov_batch[mu(x)],
    lambda_od * sum_{i != j} C_ij^2 + lambda_d * sum_i (C_ii - 1)^2, pushing the covariance of
    the encoder means towards the prior's identity."""
    cov = torch.cov(mu.T, correction=0).reshape(mu.shape[1], mu.shape[1])
    diag = torch.diagonal(cov)
    off = cov - torch.diag(diag)
    return lambda_od * off.pow(2).sum() + lambda_d * (diag - 1).pow(2).sum()


#: Scales of the inverse multiquadric kernel, as multiples of 2 * latent size (prior variance 1):
#: a sum of kernels of several widths [A, as in the WAE authors' code].
IMQ_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def mmd_imq(z: torch.Tensor, z_prior: torch.Tensor, scales=IMQ_SCALES) -> torch.Tensor:
    """Unbiased estimate of MMD^2 between encoded codes and prior samples with the inverse
    multiquadric kernel k(x, y) = C / (C + |x - y|^2), summed over C = s * 2 * dim(z)
    (WAE-MMD, Tolstikhin et al. 2018, Alg. 2)."""
    n = z.shape[0]
    both = torch.cat([z, z_prior])
    d2 = torch.cdist(both, both).pow(2)
    base = 2.0 * z.shape[1]
    k = sum(s * base / (s * base + d2) for s in scales)
    off = ~torch.eye(n, dtype=torch.bool, device=z.device)
    k_zz, k_pp, k_zp = k[:n, :n][off], k[n:, n:][off], k[:n, n:]
    return k_zz.mean() + k_pp.mean() - 2 * k_zp.mean()
