"""The aggregate posterior q(z) = (1/N) sum_i q(z|x_i) and its Gaussian-mixture approximation
(sigma-VAE §3.5, Eq. 11-12; spec sigma_vae §1.7-1.8).

q̂ is fitted by EM with scikit-learn on one draw z_i ~ q(z|x_i) per image (a sample of the true
aggregate posterior) and turned into a torch `MixtureSameFamily`, so it can be sampled and
scored like any other latent density. KL(q̂ || p) is a Monte-Carlo estimate, as in the paper.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, MultivariateNormal, Normal


def fit_gmm(z: torch.Tensor, n_components: int = 32, seed: int = 0, reg_covar: float = 1e-6):
    """EM fit of a full-covariance Gaussian mixture to latent samples [N, D]; returns the torch
    distribution. 32 components for MNIST and Fashion-MNIST [P]; reg_covar [A]."""
    from sklearn.mixture import GaussianMixture

    if n_components <= 0:
        raise ValueError(f"n_components must be positive, got {n_components}")
    gmm = GaussianMixture(n_components, covariance_type="full", reg_covar=reg_covar,
                          random_state=seed).fit(z.detach().cpu().double().numpy())
    return mixture(gmm.weights_, gmm.means_, gmm.covariances_)


def mixture(weights, means, covariances) -> MixtureSameFamily:
    """A Gaussian mixture as a torch distribution (float32)."""
    t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)
    return MixtureSameFamily(Categorical(probs=t(weights)),
                             MultivariateNormal(t(means), covariance_matrix=t(covariances)))


def on_device(q: MixtureSameFamily, device) -> MixtureSameFamily:
    """The Gaussian mixture `q` with its parameters on `device` (the fit runs on the CPU; latent
    codes scored on a GPU need the mixture there)."""
    comp = q.component_distribution
    return MixtureSameFamily(Categorical(probs=q.mixture_distribution.probs.to(device)),
                             MultivariateNormal(comp.loc.to(device),
                                                scale_tril=comp.scale_tril.to(device)))


def exact_aggregate_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                                chunk: int = 4096) -> torch.Tensor:
    """log q(z) of the exact mixture of the N diagonal posteriors N(mu_i, exp(logvar_i)), for
    query points z [M, D] -> [M] (Table 1, row 1).

    Written by hand as matrix products: the quadratic form sum_d (z_d - mu_id)^2 / var_id expands
    into z^2 @ (1/var)^T - 2 z @ (mu/var)^T + sum_d mu^2/var, so no [M, N, D] tensor is built
    (torch.distributions would, and is ~10x slower here). Chunked over z.
    """
    prec = (-logvar).exp()                                              # [N, D]
    const = -0.5 * ((mu.pow(2) * prec).sum(1) + logvar.sum(1) + mu.shape[1] * math.log(2 * math.pi))
    out = []
    for zc in z.split(chunk):
        quad = zc.pow(2) @ prec.T - 2 * zc @ (mu * prec).T              # [m, N]
        out.append(torch.logsumexp(const - 0.5 * quad, dim=1) - math.log(len(mu)))
    return torch.cat(out)


def kl_to_standard_normal(q, n_samples: int = 10_000, repeats: int = 10,
                          seed: int = 0) -> tuple[float, float]:
    """Monte-Carlo KL(q || N(0, I)): mean of log q(z) - log p(z) over `n_samples` draws,
    `repeats` times; returns (mean, std) as the paper reports (10k samples x 10 runs)."""
    torch.manual_seed(seed)
    values = []
    for _ in range(repeats):
        z = q.sample((n_samples,))
        prior = Independent(Normal(torch.zeros_like(z[0]), torch.ones_like(z[0])), 1)
        values.append(float((q.log_prob(z) - prior.log_prob(z)).mean()))
    return float(np.mean(values)), float(np.std(values, ddof=1)) if repeats > 1 else float("nan")
