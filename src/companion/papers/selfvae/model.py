"""The sketch selfVAE and its VAE baseline (Gatopoulos & Tomczak, arXiv 2010.02014, §2–3).

A selfVAE models an image x together with a deterministic, discrete view y = d(x) of it (here a
pencil sketch). Two latents, u and z (C x 8 x 8 each), split the work:

    p(x, y, z, u) = p_λ(u) p(y | u) p(z | y, u) p(x | y, z),     q(u | y) q(z | x),

with p_λ a RealNVP prior, p(y|u) and p(x|y,z) discretized logistic mixtures and p(z|y,u) a
conditional Gaussian. Its ELBO (the paper's Eq. 2; one draw of u and of z):

    L(x) = log p(x | y, z) + log p(y | u) − [log q(z|x) − log p(z | y, u)] − [log q(u|y) − log p_λ(u)],

a bound on log p(x, d(x)) = log p(x). The baseline VAE has q(z|x), p(x|z) and the same RealNVP
prior: L(x) = log p(x|z) − [log q(z|x) − log p_λ(z)]. RE and KL below are the paper's columns
(nats per image): RE = −(RE_x + RE_y), KL = KL_z + KL_u, so −L = RE + KL and
bpd = (RE + KL) / (D ln 2), D the sub-pixels of x only.

Networks are the spec's quick design [Q]: plain convs with ELU, 32 x 32 inputs to 8 x 8 latents,
a 4-coupling checkerboard RealNVP with s = w · tanh(·) [authors' predecessor code]; log-variances
clamped to [−7, 7] [S].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...core import discretized_logistic as dl
from ...core.flows import AffineCoupling, CouplingFlow

LOGVAR_RANGE = 7.0  # [S] hardtanh of the log-variances


def checkerboard(shape: tuple, flip: bool = False) -> torch.Tensor:
    """A C x H x W mask, 1 where (h + w) is even (the opposite when `flip`)."""
    c, h, w = shape
    board = ((torch.arange(h)[:, None] + torch.arange(w)[None, :]) % 2 == 0).float()
    board = 1.0 - board if flip else board
    return board.expand(c, h, w).clone()


class ScaledTanh(nn.Module):
    """s = w · tanh(a), one learned scale w per channel [S]."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, channels, 1, 1))

    def forward(self, a):
        return self.weight * torch.tanh(a)


def conditioner_conv(channels: int, hidden: int = 64, scale: bool = False) -> nn.Sequential:
    """Conv3x3(hidden)-ELU-Conv3x3(hidden)-ELU-Conv3x3(channels), the last one starting at zero
    (every coupling starts as the identity); `scale` adds s = w · tanh(·)."""
    out = nn.Conv2d(hidden, channels, 3, padding=1)
    nn.init.zeros_(out.weight)
    nn.init.zeros_(out.bias)
    layers = [nn.Conv2d(channels, hidden, 3, padding=1), nn.ELU(), nn.Conv2d(hidden, hidden, 3, padding=1),
              nn.ELU(), out]
    return nn.Sequential(*layers, ScaledTanh(channels)) if scale else nn.Sequential(*layers)


def realnvp_prior(shape: tuple, couplings: int = 4, hidden: int = 64) -> CouplingFlow:
    """RealNVP on a C x H x W latent: `couplings` affine couplings with alternating checkerboard
    masks and convolutional s and t nets; log p(u) = log N(g(u); 0, I) + log|det ∂g/∂u|."""
    blocks = [AffineCoupling(checkerboard(shape, flip=k % 2 == 1), conditioner_conv(shape[0], hidden, True),
                             conditioner_conv(shape[0], hidden)) for k in range(couplings)]
    return CouplingFlow(shape, couplings=blocks)


def gaussian_log_prob(z, mu, logvar) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)) summed per example."""
    return (-0.5 * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) / logvar.exp())).flatten(1).sum(1)


def standard_log_prob(z) -> torch.Tensor:
    return (-0.5 * (math.log(2 * math.pi) + z.pow(2))).flatten(1).sum(1)


class GaussianHead(nn.Module):
    """A conv net's output split into (mu, logvar) of a C x 8 x 8 Gaussian, log-variances clamped."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, *inputs):
        mu, logvar = self.net(torch.cat(inputs, 1) if len(inputs) > 1 else inputs[0]).chunk(2, 1)
        return mu, F.hardtanh(logvar, -LOGVAR_RANGE, LOGVAR_RANGE)


def _stages(image_size: int) -> int:
    """Stride-2 stages from image_size down to the 8 x 8 latent (32: 2, 64: 3)."""
    stages = int(round(math.log2(image_size / 8)))
    if image_size < 16 or 8 * 2**stages != image_size:
        raise ValueError(f"image size must be 8 times a power of two (16, 32, 64, ...), got {image_size}")
    return stages


def encoder(in_ch: int, latent_ch: int, width: int = 64, image_size: int = 32) -> nn.Sequential:
    """Conv3x3(32), then Conv4x4 s2 (width) per stage, then Conv1x1 (2 C): image_size -> 8 [Q]."""
    layers, c = [nn.Conv2d(in_ch, 32, 3, padding=1), nn.ELU()], 32
    for _ in range(_stages(image_size)):
        layers += [nn.Conv2d(c, width, 4, 2, 1), nn.ELU()]
        c = width
    return nn.Sequential(*layers, nn.Conv2d(c, 2 * latent_ch, 1))


def decoder(latent_ch: int, out_ch: int, width: int = 64, last: bool = True, image_size: int = 32) -> nn.Sequential:
    """Conv3x3(width), then ConvT4x4 s2 per stage (the last to 32 channels) [-> Conv1x1 (out)]: 8 -> image_size [Q]."""
    layers, stages = [nn.Conv2d(latent_ch, width, 3, padding=1), nn.ELU()], _stages(image_size)
    for k in range(stages):
        layers += [nn.ConvTranspose2d(width, 32 if k == stages - 1 else width, 4, 2, 1), nn.ELU()]
    return nn.Sequential(*layers, nn.Conv2d(32, out_ch, 1)) if last else nn.Sequential(*layers)


def centred(v: torch.Tensor) -> torch.Tensor:
    """Network input: pixels in [0, 1] mapped to [-1, 1]."""
    return 2.0 * v - 1.0


@dataclass
class Terms:
    """Per-image ELBO pieces in nats: RE (−log-likelihoods), KL (all latents), and −ELBO."""

    re: torch.Tensor
    kl: torch.Tensor

    @property
    def neg_elbo(self) -> torch.Tensor:
        return self.re + self.kl


def hierarchical_terms(log_py1: torch.Tensor, log_qu: torch.Tensor, log_pu: torch.Tensor, levels: list[dict]) -> Terms:
    """RE and KL of the K-level selfVAE (§2.1) from one draw per latent. `levels[k - 1]` holds,
    for k = 1..K, "log_p_next" = log p(y_{k+1} | y_k, z_k) (y_{K+1} = x), "log_qz" =
    log q(z_k | y_{k+1}) and "log_pz" = log p(z_k | y_k, z_{k-1}) (z_0 = u):

        −L = −log p(y_1|u) − Σ_k log p(y_{k+1}|y_k, z_k)
             + [log q(u|y_1) − log p(u)] + Σ_{k=1}^{K} [log q(z_k) − log p(z_k)].

    The KL sum starts at k = 1: the paper prints k = 2, which drops z_1's KL and, for K = 1, would
    not give its own Eq. 2."""
    if not levels:
        raise ValueError("a selfVAE has at least one level (K >= 1)")
    re = -log_py1 - sum(level["log_p_next"] for level in levels)
    kl = (log_qu - log_pu) + sum(level["log_qz"] - level["log_pz"] for level in levels)
    return Terms(re, kl)


class FlowPriorVAE(nn.Module):
    """The baseline: q(z|x), p(x|z) a discretized logistic mixture of `mixtures` components, and a
    RealNVP prior p_λ(z) [P §2.2]."""

    def __init__(self, latent_ch: int = 4, mixtures: int = 5, width: int = 64, couplings: int = 4,
                 image_size: int = 32):
        super().__init__()
        self.latent_shape = (latent_ch, 8, 8)
        self.q_z = GaussianHead(encoder(3, latent_ch, width, image_size))
        self.p_x = decoder(latent_ch, dl.channels_needed(mixtures, 3), width, image_size=image_size)
        self.prior = realnvp_prior(self.latent_shape, couplings, width)

    def terms(self, x: torch.Tensor, generator=None) -> tuple[Terms, dict]:
        """x in {k/255}, [B, 3, 32, 32]."""
        mu, logvar = self.q_z(centred(x))
        z = mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=generator, device=mu.device)
        log_px = dl.log_prob(x, self.p_x(z))
        log_q, log_p = gaussian_log_prob(z, mu, logvar), self.prior.log_prob(z)
        return Terms(-log_px, log_q - log_p), {"log_px": log_px, "log_q": log_q, "log_p": log_p}

    def log_weights(self, x: torch.Tensor, k: int, generator=None) -> torch.Tensor:
        """[k, B] importance log-weights log p(x, z_j) − log q(z_j|x), z_j ~ q(z|x)."""
        rows = [self.terms(x, generator)[1] for _ in range(k)]
        return torch.stack([r["log_px"] + r["log_p"] - r["log_q"] for r in rows])

    @torch.no_grad()
    def sample(self, n: int, generator=None, mode: str = "mean") -> torch.Tensor:
        z = self.prior.sample(n, generator)
        return dl.sample(self.p_x(z), 3, mode, generator)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, mode: str = "mean") -> torch.Tensor:
        mu, _ = self.q_z(centred(x))
        return dl.sample(self.p_x(mu), 3, mode)


class SketchSelfVAE(nn.Module):
    """The selfVAE with y = d(x) a 1-channel 8-bit sketch: q(u|y), p(y|u), q(z|x), p(z|y,u),
    p(x|y,z), and a RealNVP prior p_λ(u) [P §2]. `sketch` maps x in [0, 1] to y in {k/255}."""

    def __init__(self, sketch, latent_ch: int = 4, mixtures: int = 5, width: int = 64, couplings: int = 4,
                 image_size: int = 32):
        super().__init__()
        self.sketch = sketch
        self.latent_shape = (latent_ch, 8, 8)
        self.q_u = GaussianHead(encoder(1, latent_ch, width, image_size))
        self.p_y = decoder(latent_ch, dl.channels_needed(mixtures, 1), width, image_size=image_size)
        self.q_z = GaussianHead(encoder(3, latent_ch, width, image_size))
        y_layers = [nn.Conv2d(1, 32, 3, padding=1), nn.ELU()]
        for _ in range(_stages(image_size)):
            y_layers += [nn.Conv2d(32, 32, 4, 2, 1), nn.ELU()]
        y_branch = nn.Sequential(*y_layers)
        u_branch = nn.Sequential(nn.Conv2d(latent_ch, 32, 3, padding=1), nn.ELU())
        self.p_z_branches = nn.ModuleList([y_branch, u_branch])
        self.p_z = GaussianHead(nn.Sequential(nn.Conv2d(64, width, 3, padding=1), nn.ELU(),
                                              nn.Conv2d(width, 2 * latent_ch, 1)))
        self.p_x_z = decoder(latent_ch, 0, width, last=False, image_size=image_size)
        self.p_x = nn.Sequential(nn.Conv2d(33, width, 3, padding=1), nn.ELU(), nn.Conv2d(width, width, 3, padding=1),
                                 nn.ELU(), nn.Conv2d(width, dl.channels_needed(mixtures, 3), 1))
        self.prior = realnvp_prior(self.latent_shape, couplings, width)

    # the conditionals, each from its inputs (y and x in {k/255})
    def z_prior(self, y, u):
        return self.p_z(self.p_z_branches[0](centred(y)), self.p_z_branches[1](u))

    def x_params(self, y, z):
        return self.p_x(torch.cat([self.p_x_z(z), centred(y)], 1))

    @staticmethod
    def _draw(mu, logvar, generator):
        return mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=generator, device=mu.device)

    def pieces(self, x: torch.Tensor, generator=None) -> dict:
        """Every log-density of one draw of u ~ q(u|y) and z ~ q(z|x), per image."""
        y = self.sketch(x)
        mu_u, lv_u = self.q_u(centred(y))
        u = self._draw(mu_u, lv_u, generator)
        mu_z, lv_z = self.q_z(centred(x))
        z = self._draw(mu_z, lv_z, generator)
        pz_mu, pz_lv = self.z_prior(y, u)
        return {"log_px": dl.log_prob(x, self.x_params(y, z)), "log_py": dl.log_prob(y, self.p_y(u)),
                "log_qz": gaussian_log_prob(z, mu_z, lv_z), "log_pz": gaussian_log_prob(z, pz_mu, pz_lv),
                "log_qu": gaussian_log_prob(u, mu_u, lv_u), "log_pu": self.prior.log_prob(u)}

    def terms(self, x: torch.Tensor, generator=None) -> tuple[Terms, dict]:
        """The one-level ELBO (Eq. 2) as the K = 1 case of the hierarchical one."""
        p = self.pieces(x, generator)
        level = {"log_p_next": p["log_px"], "log_qz": p["log_qz"], "log_pz": p["log_pz"]}
        return hierarchical_terms(p["log_py"], p["log_qu"], p["log_pu"], [level]), p

    def log_weights(self, x: torch.Tensor, k: int, generator=None) -> torch.Tensor:
        """[k, B] importance log-weights of log p(x, d(x)) = log p(x) [R]."""
        rows = [self.pieces(x, generator) for _ in range(k)]
        return torch.stack([r["log_px"] + r["log_pz"] + r["log_py"] + r["log_pu"] - r["log_qz"] - r["log_qu"]
                            for r in rows])

    # ---------------------------------------------------------------- sampling and reconstruction (Fig. 3)
    @torch.no_grad()
    def modes(self, x: torch.Tensor, generator=None, mode: str = "mean") -> dict:
        """The Fig. 3 modes for images x: the true sketch, (ii) conditional reconstruction (y*, z
        inferred), (iii) conditional generation (y* given, z sampled), (iv) RS1 (u inferred, y and
        z generated) with its sketch, (v) RS2 (u and z inferred, y generated)."""
        y_true = self.sketch(x)
        mu_u, _ = self.q_u(centred(y_true))
        mu_z, _ = self.q_z(centred(x))
        y_gen = dl.sample(self.p_y(mu_u), 1, mode, generator)

        def z_from(y, u):
            return self._draw(*self.z_prior(y, u), generator)

        x_of = lambda y, z: dl.sample(self.x_params(y, z), 3, mode, generator)
        return {"sketch": y_true, "conditional_reconstruction": x_of(y_true, mu_z),
                "conditional_generation": x_of(y_true, z_from(y_true, mu_u)),
                "rs1_sketch": y_gen, "rs1": x_of(y_gen, z_from(y_gen, mu_u)), "rs2": x_of(y_gen, mu_z)}

    @torch.no_grad()
    def sample(self, n: int, generator=None, mode: str = "mean") -> tuple[torch.Tensor, torch.Tensor]:
        """(i) unconditional generation: u ~ p_λ(u), y ~ p(y|u), z ~ p(z|y,u), x ~ p(x|y,z)."""
        u = self.prior.sample(n, generator)
        y = dl.sample(self.p_y(u), 1, mode, generator)
        z = self._draw(*self.z_prior(y, u), generator)
        return dl.sample(self.x_params(y, z), 3, mode, generator), y


def iw_log_likelihood(log_weights: torch.Tensor) -> torch.Tensor:
    """log p̂(x) = logsumexp_j w_j − log k per image, from [k, B] log-weights (Burda et al.)."""
    return torch.logsumexp(log_weights, 0) - math.log(log_weights.shape[0])
