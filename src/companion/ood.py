"""Likelihood-based out-of-distribution scores (Soft-IntroVAE §6.5, App. 9.7; spec
soft_introvae §3).

A model trained on one dataset scores test images of it and of another dataset; a good density
model gives the in-distribution images the higher score. The decoder is read as a Gaussian with
variance 1/2 and the constant dropped, log p(x|z) := -||x - D(z)||^2, which is what the squared-error
training loss assumes [A, spec §3.2]; another variance would change the ranking.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.distributions import Independent, Normal

from .objectives import iwae_bound, kl_normal, sse

#: Importance samples of the paper's log-likelihood estimate [P, App. 9.7].
M_SAMPLES = 5


def _draws(model, x: torch.Tensor, m: int, generator):
    mu, logvar = model.encoder(x)
    std = (0.5 * logvar).exp()
    eps = torch.randn((m, *mu.shape), generator=generator, device=mu.device)
    z = mu + eps * std                                                    # [M, B, D]
    recon = model.decoder(z.reshape(-1, z.shape[-1]))
    xs = x.expand(m, *x.shape).reshape(-1, *x.shape[1:])
    log_px = -sse(xs, recon).view(m, -1)                                  # [M, B]
    return mu, logvar, std, z, log_px


@torch.no_grad()
def elbo_score(model, x: torch.Tensor, m: int = M_SAMPLES, batch_size: int = 500,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)) with unit betas, the expectation over `m`
    posterior samples [A]; Table 7's score. Per image, [N]."""
    out = []
    for xb in x.split(batch_size):
        mu, logvar, _, _, log_px = _draws(model, xb, m, generator)
        out.append(log_px.mean(0) - kl_normal(mu, logvar))
    return torch.cat(out)


@torch.no_grad()
def iw_log_likelihood(model, x: torch.Tensor, m: int = M_SAMPLES, batch_size: int = 500,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """log p(x) ~ logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log m, z_i ~ q(z|x)
    (Fig. 8's estimate, M = 5). The paper's formula omits the 1/M, a shift of log 5 for every
    image. Per image, [N]."""
    out = []
    for xb in x.split(batch_size):
        mu, _, std, z, log_px = _draws(model, xb, m, generator)
        log_q = Independent(Normal(mu, std), 1).log_prob(z)
        log_p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1).log_prob(z)
        out.append(iwae_bound((log_px + log_p - log_q).T))
    return torch.cat(out)


def auroc(in_scores, out_scores) -> float:
    """Area under the ROC curve of telling in-distribution (label 1) from OOD (label 0) test
    images by score, higher = more in-distribution (`sklearn.metrics.roc_auc_score`). Below 0.5:
    the OOD images score higher."""
    from sklearn.metrics import roc_auc_score

    a, b = np.asarray(in_scores, np.float64), np.asarray(out_scores, np.float64)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("AUROC needs at least one in-distribution and one OOD score")
    labels = np.r_[np.ones(len(a)), np.zeros(len(b))]
    return float(roc_auc_score(labels, np.r_[a, b]))


LOG_M_SHIFT = math.log(M_SAMPLES)  # what the paper's formula (without 1/M) adds to every score
