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

from .objectives import importance_log_weights, iwae_bound, kl_normal, reparameterize, sse

#: Importance samples of the paper's log-likelihood estimate [P, App. 9.7].
M_SAMPLES = 5


#: Images per scoring batch. Each image is decoded M times; on a CPU, small batches keep the
#: decoder's feature maps in cache (measured for the quick CIFAR-10 net, one thread: 528 images/s
#: at 25 per batch, 187 at 500). A GPU wants large batches [A].
SCORE_BATCH = {"cpu": 32, "gpu": 512}


@torch.no_grad()
def ood_scores(model, x: torch.Tensor, m: int = M_SAMPLES, batch_size: int | None = None,
               generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Both scores of every image from the same `m` posterior draws z_i ~ q(z|x), per image [N]:

    * "elbo" (Table 7): (1/m) sum_i log p(x|z_i) - KL(q(z|x) || p(z)), unit betas, analytic KL [A];
    * "iw" (Fig. 8): logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log m. The paper's
      formula omits the 1/m, a shift of log 5 for every image (App. 9.7).
    """
    batch_size = batch_size or SCORE_BATCH["cpu" if x.device.type == "cpu" else "gpu"]
    elbo, iw = [], []
    for xb in x.split(batch_size):
        mu, logvar = model.encoder(xb)
        z = reparameterize(mu, logvar, generator, n=m)                        # [M, B, D]
        recon = model.decoder(z.reshape(-1, z.shape[-1]))
        xs = xb.expand(m, *xb.shape).reshape(-1, *xb.shape[1:])
        log_px = -sse(xs, recon).view(m, -1)                                  # [M, B]
        elbo.append(log_px.mean(0) - kl_normal(mu, logvar))
        iw.append(iwae_bound(importance_log_weights(z, mu, logvar, log_px)))
    return {"elbo": torch.cat(elbo), "iw": torch.cat(iw)}


def elbo_score(model, x: torch.Tensor, m: int = M_SAMPLES, batch_size: int | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Table 7's ELBO score of every image (see `ood_scores`), [N]."""
    return ood_scores(model, x, m, batch_size, generator)["elbo"]


def iw_log_likelihood(model, x: torch.Tensor, m: int = M_SAMPLES, batch_size: int | None = None,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Fig. 8's importance-weighted log-likelihood estimate of every image (see `ood_scores`), [N]."""
    return ood_scores(model, x, m, batch_size, generator)["iw"]


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
