"""The SOS distribution without deep learning (Langley et al., arXiv 2205.12533, §4.5, Fig. 7): one
Gaussian N(μ, P Pᵀ + d I) for the whole dataset, μ ∈ ℝ^D and P ∈ ℝ^{D×R} free parameters trained by
maximum likelihood, compared with linear PCA of the same rank.

With the diagonal d fixed and isotropic this is probabilistic PCA (Tipping & Bishop 1999), whose
maximum-likelihood solution is known in closed form: μ = the data mean and P = U_R (Λ_R − d I)^{1/2} R
for the top-R eigenvectors U_R and eigenvalues Λ_R of the data covariance and any rotation R. So the
trained P's spectrum — the eigenvalues of P Pᵀ, the squared singular values of P — should equal the
top-R PCA variances minus d, and the samples of the two should look alike.

The fit never visits the images one by one: the mean log-likelihood of N images depends on them only
through their mean x̄ and covariance C,

    (1/N) Σ_n log N(x_n; μ, Σ) = −½ [D log 2π + log|Σ| + tr(Σ⁻¹ (C + (x̄ − μ)(x̄ − μ)ᵀ))],

and with Σ = P Pᵀ + d I, Woodbury and the R × R capacitance A = I + Pᵀ P / d give log|Σ| =
D log d + log|A| and tr(Σ⁻¹ S) = tr(S)/d − tr(A⁻¹ Pᵀ S P)/d². One evaluation costs O(D² R) instead of
O(N D R) (`mean_log_likelihood`; ten times faster at N = 2,000, D = 784, R = 10).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from ...train import seed_everything
from . import observation as obs


class FreeGaussian(nn.Module):
    """μ and P as parameters; μ starts at the data mean's scale (0.5), P at small random values (P = 0
    is a stationary point of the likelihood)."""

    def __init__(self, d: int, rank: int, diagonal: float = obs.FIXED_DIAGONAL, init_std: float = 0.01):
        super().__init__()
        self.mean = nn.Parameter(torch.full((d,), 0.5))
        self.factor = nn.Parameter(init_std * torch.randn(d, rank))
        self.diagonal = diagonal

    @torch.no_grad()
    def sample(self, n: int, generator=None) -> torch.Tensor:
        return obs.sample(self.mean.expand(n, -1), self.factor.expand(n, -1, -1), self.diagonal,
                          generator=generator)

    @torch.no_grad()
    def spectrum(self) -> np.ndarray:
        """Eigenvalues of P Pᵀ, largest first."""
        return torch.linalg.svdvals(self.factor).pow(2).cpu().double().numpy()


class DataStatistics(NamedTuple):
    """What the mean Gaussian log-likelihood of a set of images needs: their mean x̄ [D] and their
    covariance C [D, D] (with 1/N), in float64."""

    mean: torch.Tensor
    covariance: torch.Tensor

    @classmethod
    def of(cls, x: torch.Tensor) -> "DataStatistics":
        flat = x.flatten(1).double()
        mean = flat.mean(0)
        centred = flat - mean
        return cls(mean, centred.T @ centred / len(flat))


def mean_log_likelihood(mean: torch.Tensor, factor: torch.Tensor, diagonal: float,
                        stats: DataStatistics) -> torch.Tensor:
    """(1/N) Σ_n log N(x_n; μ, P Pᵀ + d I) from the images' `DataStatistics` (module docstring):
    equal to `LowRankMultivariateNormal(μ, P, d).log_prob(x).mean()`, at O(D² R) per call."""
    d_total, rank = factor.shape
    delta = stats.mean - mean
    capacitance = torch.eye(rank, dtype=factor.dtype, device=factor.device) + factor.T @ factor / diagonal
    chol = torch.linalg.cholesky(capacitance)
    log_det = d_total * math.log(diagonal) + 2 * chol.diagonal().log().sum()
    projected = factor.T @ delta
    psp = factor.T @ (stats.covariance @ factor) + projected[:, None] * projected[None, :]
    trace_s = stats.covariance.diagonal().sum() + delta.dot(delta)
    trace = trace_s / diagonal - torch.cholesky_solve(psp, chol).diagonal().sum() / diagonal ** 2
    return -0.5 * (d_total * math.log(2 * math.pi) + log_det + trace)


def fit_free_gaussian(x: torch.Tensor, rank: int, steps: int = 200, seed: int = 0,
                      diagonal: float = obs.FIXED_DIAGONAL, progress: bool = False):
    """(model, history): maximum likelihood on flattened images x [N, D] by full-batch L-BFGS [A]
    (with d = 1e-5 the likelihood is badly conditioned: Adam's per-parameter steps left the spectrum
    10–70 % off the optimum of a known probabilistic-PCA problem after 1,500 steps; L-BFGS reaches it).
    μ starts at the data mean. `steps` counts L-BFGS iterations (each up to 20 evaluations)."""
    seed_everything(seed)
    stats = DataStatistics.of(x)
    model = FreeGaussian(len(stats.mean), rank, diagonal).double()
    with torch.no_grad():
        model.mean.copy_(stats.mean)
    opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=20, history_size=20,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad(set_to_none=True)
        nll = -mean_log_likelihood(model.mean, model.factor, model.diagonal, stats)
        nll.backward()
        return nll

    rows = []
    for i in tqdm(range(steps), desc="distribution only", disable=not progress):
        rows.append({"step": i + 1, "nll": float(opt.step(closure).detach())})
    return model.float().eval(), pd.DataFrame(rows)


def pca_of_same_rank(x: torch.Tensor, rank: int, seed: int = 0):
    """sklearn PCA with `rank` components on flattened images x [N, D]."""
    from sklearn.decomposition import PCA

    return PCA(n_components=rank, random_state=seed).fit(x.flatten(1).double().numpy())


def pca_samples(pca, n: int, seed: int = 0) -> np.ndarray:
    """mean + Σ_r sqrt(variance_r) ε_r u_r: PCA's Gaussian of the same rank, as the authors sample it."""
    eps = np.random.default_rng(seed).standard_normal((n, pca.n_components_))
    return pca.inverse_transform(eps * np.sqrt(pca.explained_variance_))


def closed_form_spectrum(pca, n_images: int, diagonal: float = obs.FIXED_DIAGONAL) -> np.ndarray:
    """The probabilistic-PCA maximum-likelihood spectrum of P Pᵀ: the top-R variances (with the
    likelihood's 1/N, not PCA's 1/(N − 1)) minus the diagonal."""
    return pca.explained_variance_ * (n_images - 1) / n_images - diagonal


#: [A] L-BFGS iterations of the distribution-only fit (measured on 5,000 Fashion-MNIST images: the NLL
#: settles after ~10, the spectrum then within 2.5 % of PCA's)
STEPS = 20
#: [A] training images of the distribution-only fit and its PCA (the same images for both)
IMAGES = 2000
#: [A] the fit counts as converged when its logged NLL moved by less than this fraction over its last third
CONVERGED_CHANGE = 1e-3


def converged(history) -> tuple[bool, str]:
    """(ok, why not): whether the logged NLL settled over the last third of the fit."""
    nll = history.nll.to_numpy()
    start = nll[len(nll) * 2 // 3]
    change = abs(nll[-1] - start) / abs(start)
    return (bool(change < CONVERGED_CHANGE),
            f"the distribution-only fit has not converged (NLL moved {change:.2%} over its last third)")
