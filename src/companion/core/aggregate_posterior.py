"""The aggregate posterior q(z) = (1/N) sum_i q(z|x_i) and its Gaussian-mixture approximation
(sigma-VAE §3.5, Eq. 11-12; spec sigma_vae §1.7-1.8).

q̂ is fitted by EM on one draw z_i ~ q(z|x_i) per image (a sample of the true aggregate
posterior) and turned into a torch `MixtureSameFamily`, so it can be sampled and scored like any
other latent density. KL(q̂ || p) is a Monte-Carlo estimate, as in the paper.

The EM is scikit-learn's `GaussianMixture(covariance_type="full")` algorithm (its k-means start,
its M-step with `reg_covar`, its stopping rule: the mean log-likelihood changes by less than
`tol`), written with whole-tensor operations in float64: with the points' outer products x x^T
computed once, the E-step's quadratic forms (x - m)^T Σ^-1 (x - m) and the M-step's second
moments are each one matrix product over all K components (no [N, K, D] tensor). scikit-learn loops
over the components in Python: for 32 components on 10k 16-D points it took 4.3 s on one thread
(13 s with an unpinned BLAS beside a busy core), this 2.7 s; in 2-D 1.1 s against 0.3 s
(benchmarks/bench_evaluation.py). The tests hold it to scikit-learn's fit.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, MultivariateNormal, Normal


def fit_gmm(z: torch.Tensor, n_components: int = 32, seed: int = 0, reg_covar: float = 1e-6,
            tol: float = 1e-3, max_iter: int = 100):
    """EM fit of a full-covariance Gaussian mixture to latent samples [N, D]; returns the torch
    distribution. 32 components for MNIST and Fashion-MNIST [P]; reg_covar, tol, max_iter [A]
    (scikit-learn's defaults). Starts from k-means labels (scikit-learn's `KMeans`, n_init=1,
    `seed`), as `sklearn.mixture.GaussianMixture` does."""
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.utils import check_random_state

    if n_components <= 0:
        raise ValueError(f"n_components must be positive, got {n_components}")
    x = z.detach().cpu().double()
    n, d = x.shape
    if n < n_components:
        raise ValueError(f"fit_gmm needs at least n_components = {n_components} points, got {n}")
    labels = KMeans(n_components, n_init=1, random_state=check_random_state(seed)).fit(x.numpy()).labels_
    resp = torch.nn.functional.one_hot(torch.as_tensor(labels, dtype=torch.long), n_components).double()
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, d * d)      # [N, D*D], once
    eye = torch.eye(d, dtype=torch.float64)

    def m_step(resp):
        nk = resp.sum(0) + 10 * torch.finfo(torch.float64).eps       # [K]
        means = resp.T @ x / nk[:, None]                              # [K, D]
        second = (resp.T @ outer).view(n_components, d, d) / nk[:, None, None]
        cov = second - means[:, :, None] * means[:, None, :] + reg_covar * eye
        chol, info = torch.linalg.cholesky_ex(cov)
        if bool((info > 0).any()):
            raise ValueError("fitting the Gaussian mixture failed: a component's covariance is singular "
                             "(collapsed samples or too few points); raise reg_covar or use fewer components")
        # the precision's Cholesky factor: (x - m) @ prec_chol has identity covariance
        prec_chol = torch.linalg.solve_triangular(chol, eye.expand_as(chol), upper=False).mT
        return nk / n, means, cov, prec_chol

    def e_step(weights, means, prec_chol):
        # (x - m)^T A (x - m) with A = prec_chol prec_chol^T, expanded so no [N, K, D] tensor is built:
        # x^T A x from the points' outer products, then the cross and constant terms
        prec = prec_chol @ prec_chol.mT                                   # [K, D, D]
        am = (prec @ means[:, :, None]).squeeze(-1)                       # [K, D]
        quad = outer @ prec.reshape(n_components, d * d).T - 2 * x @ am.T + (means * am).sum(1)
        log_det = prec_chol.diagonal(dim1=1, dim2=2).log().sum(1)         # [K]
        weighted = -0.5 * (d * math.log(2 * math.pi) + quad) + log_det + weights.log()
        norm = torch.logsumexp(weighted, dim=1)
        return float(norm.mean()), (weighted - norm[:, None]).exp()

    weights, means, cov, prec_chol = m_step(resp)
    lower, converged = -math.inf, False
    for _ in range(max_iter):
        previous = lower
        lower, resp = e_step(weights, means, prec_chol)
        weights, means, cov, prec_chol = m_step(resp)
        weights = weights / weights.sum()
        if abs(lower - previous) < tol:
            converged = True
            break
    if not converged:
        warnings.warn(f"the Gaussian mixture's EM did not converge in {max_iter} iterations", stacklevel=2)
    return mixture(weights.numpy(), means.numpy(), cov.numpy())


class GaussianMixture(MixtureSameFamily):
    """A mixture of full-covariance Gaussians whose `sample` draws each point's component first and
    then only that component's Gaussian (`MixtureSameFamily.sample` draws from all K components and
    keeps one: K times the work). Same distribution, other random numbers."""

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            k = self.mixture_distribution.sample(sample_shape)                  # [*S]
            comp = self.component_distribution
            eps = torch.randn(*k.shape, comp.loc.shape[-1], dtype=comp.loc.dtype, device=comp.loc.device)
            return comp.loc[k] + (comp.scale_tril[k] @ eps.unsqueeze(-1)).squeeze(-1)


def mixture(weights, means, covariances) -> GaussianMixture:
    """A Gaussian mixture as a torch distribution (float32)."""
    t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)
    return GaussianMixture(Categorical(probs=t(weights)),
                           MultivariateNormal(t(means), covariance_matrix=t(covariances)))


def on_device(q: MixtureSameFamily, device) -> GaussianMixture:
    """The Gaussian mixture `q` with its parameters on `device` (the fit runs on the CPU; latent
    codes scored on a GPU need the mixture there)."""
    comp = q.component_distribution
    return GaussianMixture(Categorical(probs=q.mixture_distribution.probs.to(device)),
                           MultivariateNormal(comp.loc.to(device), scale_tril=comp.scale_tril.to(device)))


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
