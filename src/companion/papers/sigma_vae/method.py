"""The sigma-VAE: a Gaussian VAE whose observation variance balances reconstruction and KL
(Lin et al., "Balancing Reconstruction Quality and Regularisation in ELBO for VAEs";
spec sigma_vae §1).

-ELBO per image, in nats, summed over the d pixels (Eq. 8):

    d/2 log(2 pi sigma^2) + E_q ||x - g(z)||^2 / (2 sigma^2) + KL(q(z|x) || N(0, I))

Stage 1 of Algorithm 1 trains with one global sigma^2 (fixed, learned by Adam, or its closed-form
optimum Eq. 9); stage 2 adds a per-pixel variance predicted from z with the floor sigma^2_dataset / 2
(Eq. 10). The baselines of Tables 2-3 share the networks: VAE (sigma^2 = 0.5), beta-VAE
(sigma^2 = 1), DIP-VAE-I (sigma^2 = 0.5 plus the moment penalty) and WAE-MMD (deterministic codes).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Independent, Normal

from ...core.likelihoods import GlobalVariance, closed_form_variance, gaussian_nll, pixel_variance, profile_neg_elbo
from ...core.objectives import (
    dip_vae_i_penalty,
    importance_log_weights,
    iwae_bound,
    kl_normal,
    mmd_imq,
    reparameterize,
    sse,
)

OBJECTIVES = ("gaussian", "dip_vae", "wae")


class SigmaVAE(nn.Module):
    """Encoder, decoder (mean head and per-pixel variance head) and the global variance.

    `sigma2_dataset` is set when stage 1 ends (`finish_stage_one`): the global sigma^2 used to
    evaluate the model, and, once `stage` is 2, the source of the per-pixel floor.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, variance: GlobalVariance):
        super().__init__()
        self.encoder, self.decoder, self.variance = encoder, decoder, variance
        self.register_buffer("sigma2_dataset", torch.tensor(float("nan")))
        self.register_buffer("stage", torch.tensor(1))

    @property
    def zdim(self) -> int:
        return self.encoder.zdim

    def observation(self, z: torch.Tensor, x: torch.Tensor | None = None, training: bool = False):
        """(mean, variance) of p(x|z). Stage 2: per pixel with the floor (Eq. 10). Stage 1 in
        training: `variance` of the batch (needs x for the closed form); otherwise sigma2_dataset."""
        if int(self.stage) == 2:
            mean, head = self.decoder(z, with_variance=True)
            return mean, pixel_variance(head, float(self.sigma2_dataset))
        mean = self.decoder(z)
        if training:
            return mean, self.variance(sse(x, mean), x[0].numel())
        return mean, self.sigma2_dataset

    def log_px_given_z(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) per image through `torch.distributions` (Eq. 7 / Eq. 10)."""
        mean, var = self.observation(z)
        scale = torch.as_tensor(var, dtype=x.dtype, device=x.device).sqrt().expand_as(mean)
        return Independent(Normal(mean, scale), x.dim() - 1).log_prob(x)


# ---------------------------------------------------------------------------------- objectives

def gaussian_neg_elbo(model: SigmaVAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """-ELBO per image (Eq. 8, or Eq. 10 in stage 2), one reparameterised sample; returns the
    batch-mean `loss` and the logged terms."""
    mu, logvar = model.encoder(x)
    z = reparameterize(mu, logvar)
    mean, var = model.observation(z, x, training=True)
    nll, kl = gaussian_nll(x, mean, var), kl_normal(mu, logvar)
    return {"loss": (nll + kl).mean(), "sse": sse(x, mean).mean(), "kl": kl.mean(),
            "sigma2": torch.as_tensor(var).detach().mean(), "mu": mu}


def dip_vae_loss(model: SigmaVAE, x: torch.Tensor, lambda_od: float, lambda_d: float):
    """DIP-VAE-I: the Gaussian -ELBO (its sigma^2 fixed) plus the covariance penalty on mu."""
    terms = gaussian_neg_elbo(model, x)
    penalty = dip_vae_i_penalty(terms["mu"], lambda_od, lambda_d)
    return {**terms, "loss": terms["loss"] + penalty, "dip": penalty.detach()}


def wae_loss(model: SigmaVAE, x: torch.Tensor, lam: float):
    """WAE-MMD: squared error of a deterministic code z = mu(x) plus lam * MMD^2(q(z), N(0, I))."""
    mu, _ = model.encoder(x)
    rec = sse(x, model.decoder(mu))
    mmd = mmd_imq(mu, torch.randn_like(mu))
    return {"loss": rec.mean() + lam * mmd, "sse": rec.mean(), "mmd": mmd.detach(), "mu": mu}


def make_step(model: SigmaVAE, optimizer: torch.optim.Optimizer, objective: str = "gaussian",
              **weights):
    """An update step for `train.fit`: one Adam step on the objective's batch loss."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    loss_fn = {"gaussian": gaussian_neg_elbo, "dip_vae": dip_vae_loss, "wae": wae_loss}[objective]

    def step(x: torch.Tensor, i: int) -> dict[str, torch.Tensor]:
        terms = loss_fn(model, x, **weights)
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        optimizer.step()
        return {k: v.detach() for k, v in terms.items() if k != "mu"}

    return step


# ---------------------------------------------------------------------------------- evaluation

@torch.no_grad()
def reconstruction_sse(model: SigmaVAE, x: torch.Tensor, batch_size: int = 2000,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """Per-image squared error of one reparameterised reconstruction, [N]."""
    out = []
    for xb in x.split(batch_size):
        mu, logvar = model.encoder(xb)
        out.append(sse(xb, model.decoder(reparameterize(mu, logvar, generator))))
    return torch.cat(out)


@torch.no_grad()
def finish_stage_one(model: SigmaVAE, x_train: torch.Tensor, generator=None) -> float:
    """Set sigma^2_dataset at the end of stage 1: the fixed value, Adam's learned value, or for
    the closed form Eq. 9 over the whole training set (mean squared error per pixel)."""
    if model.variance.mode == "closed_form":
        s2 = closed_form_variance(reconstruction_sse(model, x_train, generator=generator),
                                  x_train[0].numel())
    else:
        s2 = model.variance(torch.zeros(1), 1)
    model.sigma2_dataset.fill_(float(s2))
    return float(s2)


@torch.no_grad()
def start_stage_two(model: SigmaVAE) -> float:
    """Switch a finished stage-1 model to the per-pixel variance (Eq. 10) so that it starts where
    stage 1 ended: the variance head's last layer gets zero weights and the bias with
    softplus(bias) + sigma^2_dataset / 2 = sigma^2_dataset, i.e. every pixel's variance equals
    sigma^2_dataset and the first stage-2 ELBO equals the last stage-1 one [A]. Returns that bias."""
    s2 = float(model.sigma2_dataset)
    if not s2 > 0:
        raise ValueError("finish stage 1 (finish_stage_one) before starting stage 2")
    head = model.decoder.var_head
    bias = math.log(math.expm1(0.5 * s2))  # softplus^-1(sigma^2 / 2)
    head.weight.zero_()
    head.bias.fill_(bias)
    model.stage.fill_(2)
    return bias


@torch.no_grad()
def elbo_terms(model: SigmaVAE, x: torch.Tensor, batch_size: int = 2000,
               generator: torch.Generator | None = None) -> dict[str, float]:
    """Test ELBO per image in nats (one sample), its squared error and KL, and the ELBO after a
    post-hoc closed-form sigma^2 on these images (spec §3.1-6: fair across fixed sigma^2)."""
    nll, kls, sses = [], [], []
    for xb in x.split(batch_size):
        mu, logvar = model.encoder(xb)
        z = reparameterize(mu, logvar, generator)
        mean, var = model.observation(z)
        nll.append(gaussian_nll(xb, mean, var))
        kls.append(kl_normal(mu, logvar))
        sses.append(sse(xb, mean))
    nll, kl, s = torch.cat(nll), torch.cat(kls), torch.cat(sses)
    d = x[0].numel()
    return {"elbo": float(-(nll + kl).mean()), "elbo_posthoc": float(-profile_neg_elbo(s, kl, d)),
            "mse": float(s.mean() / d), "kl": float(kl.mean())}


@torch.no_grad()
def iwae_log_likelihood(model: SigmaVAE, x: torch.Tensor, k: int = 20, latent_density=None,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """log p(x) >= log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), per image [B]
    (spec §1.9). `latent_density` replaces the N(0, I) prior, e.g. the mixture q̂ (Table 3)."""
    mu, logvar = model.encoder(x)
    z = reparameterize(mu, logvar, generator, n=k)                   # [K, B, D]
    xs = x.expand(k, *x.shape).reshape(-1, *x.shape[1:])
    log_px = model.log_px_given_z(xs, z.reshape(-1, z.shape[-1])).view(k, -1)
    return iwae_bound(importance_log_weights(z, mu, logvar, log_px, latent_density))


@torch.no_grad()
def encode(model: SigmaVAE, x: torch.Tensor, batch_size: int = 5000):
    """(mu, logvar) of every image."""
    mus, logvars = zip(*(model.encoder(xb) for xb in x.split(batch_size)))
    return torch.cat(mus), torch.cat(logvars)


@torch.no_grad()
def decode_mean(model: SigmaVAE, z: torch.Tensor, batch_size: int = 5000) -> torch.Tensor:
    """g(z), the decoder mean (what the paper shows and scores as a sample)."""
    return torch.cat([model.decoder(zb, with_variance=False) for zb in z.split(batch_size)])
