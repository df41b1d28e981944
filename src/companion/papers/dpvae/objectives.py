"""The regularised objectives of dpVAE (Bhalodia, Lee & Elhabian, "dpVAEs: Fixing Sample Generation
for Regularized VAEs", arXiv 1911.10506), with and without the decoupled prior.

A regulariser added to the ELBO pulls the aggregate posterior q(z) = (1/N) sum_n q(z|x_n) away
from N(0, I). dpVAE keeps the regulariser on the representation z and samples from a generation
space z0 = g(z), g a RealNVP bijection trained with the rest, so the prior on z becomes

    p_g(z) = N(g(z); 0, I) |det dg/dz|.

Only the prior changes; every regulariser keeps its other terms [P]. With q(z|x) = N(mu, diag s^2)
and one reparameterised draw z = mu + s * eps the KL term is (the 2 pi terms cancel) [R]

    KL_dp(x) = -1/2 sum_j (1 + log s_j^2) + 1/2 ||g(z)||^2 - log|det dg/dz|,

which is the standard -1/2 sum(1 + log s^2 - mu^2 - s^2) in expectation when g is the identity.

Objectives (loss = minus the objective, batch mean; "Rec" = -log p(x|z) of one draw):

    VAE       Rec + KL                              beta-VAE-H  Rec + beta KL        (Higgins 2017)
    beta-VAE-B  Rec + gamma |E_batch KL - C_t|,  C_t = min(C_max, C_max t / T_C)            (Burgess 2018)
    beta-TCVAE  Rec + alpha MI + beta TC + gamma DimKL, minibatch-weighted sampling  (Chen 2018)
    FactorVAE Rec + KL + gamma E_q[D_0(z) - D_1(z)], D told q(z) from its dimension-wise
              permutation by its own optimiser step                              (Kim & Mnih 2018)
    InfoVAE   Rec + (1 - alpha) KL + (alpha + lambda - 1) MMD(q(z), p(z))         (Zhao 2019)

Under the decoupled prior KL -> KL_dp, DimKL uses log p_g(z) (with its log-determinant; the
authors' code drops it), InfoVAE's prior samples are g^-1(z0), and FactorVAE's discriminator
still sees z [P].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...core.objectives import kl_normal

REGULARIZERS = ("vae", "beta_h", "beta_b", "beta_tc", "factor", "info")

#: How tables name the models: (without the decoupled prior, with it) [P Table 1's names].
NAMES = {"vae": ("VAE", "dpVAE"), "beta_h": ("β-VAE-H", "β-dpVAE-H"), "beta_b": ("β-VAE-B", "β-dpVAE-B"),
         "beta_tc": ("β-TCVAE", "β-TC-dpVAE"), "factor": ("FactorVAE", "Factor-dpVAE"),
         "info": ("InfoVAE", "Info-dpVAE")}


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """sum_d log N(z_d; 0, 1) per row."""
    return -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)


def log_prior(z: torch.Tensor, flow: nn.Module | None = None) -> torch.Tensor:
    """log p(z): N(0, I), or the decoupled prior log N(g(z); 0, I) + log|det dg/dz| [P]."""
    if flow is None:
        return log_standard_normal(z)
    z0, logdet = flow(z)
    return log_standard_normal(z0) + logdet


def kl_decoupled(mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor, flow: nn.Module) -> torch.Tensor:
    """One-draw KL(q(z|x) || p_g(z)) per example: the posterior's negative entropy minus
    log p_g at the draw z (the 2 pi constants cancel) [R, from the paper's App. A]."""
    z0, logdet = flow(z)
    return -0.5 * (1 + logvar).sum(1) + 0.5 * z0.pow(2).sum(1) - logdet


def kl_term(mu, logvar, z, flow=None) -> torch.Tensor:
    """The KL term per example: closed form against N(0, I), or one draw against p_g."""
    return kl_normal(mu, logvar) if flow is None else kl_decoupled(mu, logvar, z, flow)


def kl_from_log_prior(logvar: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
    """`kl_decoupled` from log p_g(z) already computed: -H[q(z|x)] - log p_g(z) at the draw
    (β-TCVAE needs log p_g(z) itself, so the flow runs once per step, not twice)."""
    d = logvar.shape[1]
    return -0.5 * (1 + logvar).sum(1) - 0.5 * d * math.log(2 * math.pi) - log_p


def capacity(step: int, c_max: float, steps: int) -> float:
    """beta-VAE-B's target KL C_t = min(C_max, C_max t / T_C), rising linearly [R Burgess et al.]."""
    if steps <= 0:
        raise ValueError(f"the capacity schedule needs T_C > 0 iterations, got {steps}")
    return min(c_max, c_max * step / steps)


def log_normal_diag(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Element-wise log N(z; mu, exp(logvar)) (broadcasting), no sum over dimensions."""
    return -0.5 * ((z - mu).pow(2) * (-logvar).exp() + logvar + math.log(2 * math.pi))


def beta_tc_terms(z, mu, logvar, dataset_size: int, log_p_z: torch.Tensor):
    """(MI, TC, DimKL) of beta-TCVAE for a batch of draws z_i ~ q(z|x_i), batch means, with the
    minibatch-weighted-sampling estimates [R Chen et al. 2018, Eq. S6]

        log q(z_i)        ~ logsumexp_j sum_d log q(z_id|x_j) - log(N M)
        log prod_d q(z_id) ~ sum_d [logsumexp_j log q(z_id|x_j) - log(N M)]

    and log p(z_i) = `log_p_z` [M] (N(0, I), or the decoupled prior with its log-det). They sum
    to mean_i [log q(z_i|x_i) - log p(z_i)] exactly."""
    m = z.shape[0]
    pairwise = log_normal_diag(z[:, None, :], mu[None, :, :], logvar[None, :, :])   # [M, M, D]
    log_norm = math.log(dataset_size * m)
    log_q_zx = log_normal_diag(z, mu, logvar).sum(1)
    log_q_z = torch.logsumexp(pairwise.sum(2), dim=1) - log_norm
    log_prod_q = (torch.logsumexp(pairwise, dim=1) - log_norm).sum(1)
    return ((log_q_zx - log_q_z).mean(), (log_q_z - log_prod_q).mean(), (log_prod_q - log_p_z).mean())


def mmd_infovae(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Biased (V-statistic) MMD^2 with InfoVAE's kernel k(u, v) = exp(-||u - v||^2 / L^2), L the
    latent size [C, the InfoVAE reference kernel]: mean k(a, a) + mean k(b, b) - 2 mean k(a, b)."""
    dim = a.shape[1]
    k = lambda u, v: torch.exp(-torch.cdist(u, v).pow(2) / dim**2)
    return k(a, a).mean() + k(b, b).mean() - 2 * k(a, b).mean()


class FactorDiscriminator(nn.Module):
    """FactorVAE's critic: z -> two logits (0: a q(z) draw, 1: a dimension-wise permuted one),
    `layers` fully connected layers of `hidden` units with LeakyReLU(0.2) [P: 5 x 1000]."""

    def __init__(self, zdim: int, hidden: int = 1000, layers: int = 5):
        super().__init__()
        widths = [zdim] + [hidden] * layers
        mods = []
        for a, b in zip(widths[:-1], widths[1:]):
            mods += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*mods, nn.Linear(widths[-1], 2))

    def forward(self, z):
        return self.net(z)


def permute_dims(z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shuffle every latent coordinate independently across the batch: a sample of prod_d q(z_d)
    [R Kim & Mnih, Alg. 2]. One argsort of a random matrix, no loop over dimensions."""
    order = torch.rand(z.shape, generator=generator, device=z.device).argsort(dim=0)
    return z.gather(0, order)


def factor_tc(logits: torch.Tensor) -> torch.Tensor:
    """The density-ratio estimate of the total correlation, mean of D_0(z) - D_1(z)."""
    return (logits[:, 0] - logits[:, 1]).mean()


def discriminator_loss(disc: nn.Module, z: torch.Tensor, z_perm: torch.Tensor) -> torch.Tensor:
    """1/2 [CE(D(z), 0) + CE(D(z_perm), 1)] on detached codes [R Kim & Mnih]."""
    zeros = torch.zeros(len(z), dtype=torch.long, device=z.device)
    ones = torch.ones(len(z_perm), dtype=torch.long, device=z.device)
    logits = disc(torch.cat([z.detach(), z_perm.detach()]))  # one pass: the critic works row by row
    return 0.5 * (F.cross_entropy(logits[: len(z)], zeros) + F.cross_entropy(logits[len(z):], ones))


def regularized_loss(name: str, rec: torch.Tensor, mu, logvar, z, flow, params: dict, step: int = 0,
                     dataset_size: int = 1, disc: nn.Module | None = None,
                     prior_draws: torch.Tensor | None = None) -> tuple[torch.Tensor, dict]:
    """The batch loss of regulariser `name` (one of REGULARIZERS) and its logged terms, with the
    decoupled prior when `flow` is given. `rec` is -log p(x|z) per example; `params` holds the
    regulariser's weights (beta; gamma, c_max, c_steps; alpha, beta, gamma; gamma; alpha, lam);
    FactorVAE needs `disc`, InfoVAE `prior_draws` (N(0, I) or g^-1 of N(0, I) draws)."""
    if name not in REGULARIZERS:
        raise ValueError(f"unknown regulariser {name!r}; choose one of {', '.join(REGULARIZERS)}")
    log_p = log_prior(z, flow) if name == "beta_tc" else None
    kl = kl_term(mu, logvar, z, flow) if log_p is None or flow is None else kl_from_log_prior(logvar, log_p)
    logs = {"rec": rec.mean(), "kl": kl.mean()}
    if name == "vae":
        loss = rec + kl
    elif name == "beta_h":
        loss = rec + params["beta"] * kl
    elif name == "beta_b":  # the batch-mean KL is held near the capacity [R Burgess et al.]
        c = capacity(step, params["c_max"], params["c_steps"])
        return rec.mean() + params["gamma"] * (kl.mean() - c).abs(), logs
    elif name == "beta_tc":
        mi, tc, dimkl = beta_tc_terms(z, mu, logvar, dataset_size, log_p)
        logs.update(mi=mi, tc=tc, dimkl=dimkl)
        return rec.mean() + params["alpha"] * mi + params["beta"] * tc + params["gamma"] * dimkl, logs
    elif name == "factor":
        if disc is None:
            raise ValueError("FactorVAE needs its discriminator")
        tc = factor_tc(disc(z))
        logs["tc"] = tc
        return (rec + kl).mean() + params["gamma"] * tc, logs
    else:  # info
        if prior_draws is None:
            raise ValueError("InfoVAE needs draws from the prior for its MMD")
        mmd = mmd_infovae(z, prior_draws)
        logs["mmd"] = mmd
        return (rec + (1 - params["alpha"]) * kl).mean() + (params["alpha"] + params["lam"] - 1) * mmd, logs
    return loss.mean(), logs
