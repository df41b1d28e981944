"""The SOS-VAE and its pixel-independent baseline (Langley et al., arXiv 2205.12533, §3).

Both share an encoder q(z|x) = N(m(x), diag v(x)) with v = softplus(·) + 1e-5 [authors' code], the
N(0, I) prior and a decoder trunk z -> h. They differ in the observation head:

* SOS-VAE: a mean μ(h) and a factor P(h) ∈ ℝ^{D×R}; p(x|z) = N(μ, P Pᵀ + 1e-5 I) (`observation`);
* baseline ("β-VAE" in the paper): a mean and a per-pixel variance σ²(h) = softplus(·) + 1e-5,
  p(x|z) = N(μ, diag σ²) — the per-pixel head of the σ-VAE notebook with a fixed floor.

Initialisation [authors' code]: the heads' weights N(0, (1e-5)²), the mean's bias 0.5, the factor's 0,
the variance's softplus⁻¹(1e-5); so training starts from μ ≈ 0.5, P ≈ 0, σ² ≈ 2e-5. `freeze_noise`
implements the mean-only pre-training: the factor (or variance) head stops learning, the
distribution still uses its output.

The quick profile's networks are the σ-VAE notebook's MLP (784-512-256 and its mirror) [spec §5];
the full profile's are the authors' conv ResNet (`resnet`), whose heads are 1 × 1 convolutions on
the decoder's last feature map: C channels for the mean (and the baseline's variance), R · C for the
factor, read as [B, R, C·H·W] and transposed to P [B, D, R] [authors' code].
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Independent, Normal, kl_divergence

from ...core.likelihoods import gaussian_nll, softplus_variance
from ...core.nets import ImageMLPEncoder, relu_stack
from . import observation as obs
from .resnet import HALVINGS, WIDTH, ResNetDecoder, ResNetEncoder

OBSERVATIONS = ("low_rank", "diagonal")
#: mlp (the quick profile's) or resnet (the authors' conv ResNet, the full profile's)
ARCHS = ("mlp", "resnet")
#: [authors' code] the floor of every predicted variance (encoder and baseline decoder)
VARIANCE_FLOOR = 1e-5
#: [authors' code] standard deviation of the heads' initial weights
HEAD_INIT_STD = 1e-5


def _init_head(layer: nn.Module, bias: float) -> nn.Module:
    nn.init.normal_(layer.weight, 0.0, HEAD_INIT_STD)
    nn.init.constant_(layer.bias, bias)
    return layer


class ObservationVAE(nn.Module):
    """Encoder, N(0, I) prior and a decoder with a low-rank or a diagonal Gaussian observation model."""

    def __init__(self, image_shape: tuple = (1, 28, 28), zdim: int = 16, rank: int = 10,
                 observation: str = "low_rank", hidden: tuple = (512, 256), diagonal: float = obs.FIXED_DIAGONAL,
                 arch: str = "mlp", width: int = WIDTH, halvings: int = HALVINGS):
        super().__init__()
        if observation not in OBSERVATIONS:
            raise ValueError(f"unknown observation model {observation!r}; choose one of {', '.join(OBSERVATIONS)}")
        if arch not in ARCHS:
            raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHS)}")
        if rank <= 0 or zdim <= 0:
            raise ValueError(f"rank and latent size must be positive, got {rank} and {zdim}")
        self.image_shape, self.zdim, self.rank = tuple(image_shape), zdim, rank
        self.observation, self.diagonal, self.arch = observation, float(diagonal), arch
        self.d = math.prod(image_shape)
        channels = image_shape[0]
        noise_outputs = rank if observation == "low_rank" else 1
        if arch == "mlp":
            self.encoder = ImageMLPEncoder(image_shape, zdim, hidden)
            widths = [zdim, *reversed(hidden)]
            self.trunk = nn.Sequential(*relu_stack(widths))
            mean_head = lambda: nn.Linear(widths[-1], self.d)
            noise_head = lambda: nn.Linear(widths[-1], self.d * noise_outputs)
        else:
            if image_shape[1] != image_shape[2]:
                raise ValueError(f"the ResNet expects square images, got {tuple(image_shape)}")
            self.encoder = ResNetEncoder(channels, zdim, width, halvings)
            self.trunk = ResNetDecoder(image_shape[1], zdim, width, halvings)
            mean_head = lambda: nn.Conv2d(width, channels, 1)
            noise_head = lambda: nn.Conv2d(width, channels * noise_outputs, 1)
        # built and initialised one after the other (the order of the random draws is part of a seed's result)
        self.mean_head = _init_head(mean_head(), 0.5)
        self.noise_head = _init_head(noise_head(), 0.0 if observation == "low_rank"
                                     else math.log(math.expm1(VARIANCE_FLOOR)))

    # ------------------------------------------------------------------ pieces
    def posterior(self, x: torch.Tensor) -> Independent:
        m, raw = self.encoder(x)
        return Independent(Normal(m, softplus_variance(raw, VARIANCE_FLOOR).sqrt()), 1)

    def prior(self, n: int, device=None) -> Independent:
        zeros = torch.zeros(n, self.zdim, device=device)
        return Independent(Normal(zeros, torch.ones_like(zeros)), 1)

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean [B, D], noise): the factor P [B, D, R] (low rank) or the variance σ² [B, D] (diagonal)."""
        h = self.trunk(z)
        mean, raw = self.mean_head(h).flatten(1), self.noise_head(h)
        if self.observation == "diagonal":
            return mean, softplus_variance(raw.flatten(1), VARIANCE_FLOOR)
        if self.arch == "mlp":
            return mean, raw.view(-1, self.d, self.rank)
        return mean, raw.reshape(len(z), self.rank, self.d).transpose(1, 2)   # [B, R·C, H, W] -> [B, D, R]

    def freeze_noise(self, frozen: bool = True) -> None:
        """Mean-only pre-training: the factor or variance head stops learning (its output is still used)."""
        for p in self.noise_head.parameters():
            p.requires_grad_(not frozen)

    # ------------------------------------------------------------------ the objective's terms
    def terms(self, x: torch.Tensor) -> dict:
        """Per image [B]: rec = −log p(x|z) (one z ~ q), kl = KL(q(z|x) ‖ N(0, I)) and, for the low-rank
        model, entropy = ΔH = ½ log|I + PᵀP/d| (the part of H[p(x|z)] that P controls)."""
        q = self.posterior(x)
        z = q.rsample()
        mean, noise = self.decode(z)
        flat = x.flatten(1)
        out = {"kl": kl_divergence(q, self.prior(len(x), x.device))}
        if self.observation == "low_rank":
            out["rec"] = -obs.low_rank_normal(mean, noise, self.diagonal).log_prob(flat)
            out["entropy"] = obs.entropy_excess(noise, self.diagonal)
        else:
            out["rec"] = gaussian_nll(flat, mean, noise)
        return out

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, n: int, generator=None) -> dict:
        """Prior latents decoded: the mean, one sample of p(x|z) and its noise, as [n, D] each."""
        device = self.mean_head.weight.device
        z = torch.randn(n, self.zdim, generator=generator, device=device)
        mean, noise = self.decode(z)
        if self.observation == "low_rank":
            x = obs.sample(mean, noise, self.diagonal, generator=generator)
        else:
            x = mean + noise.sqrt() * torch.randn(mean.shape, generator=generator, device=device)
        return {"z": z, "mean": mean, "sample": x, "noise": noise}

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The decoder mean at the posterior mean, [B, D]."""
        return self.decode(self.posterior(x).mean)[0]


def image(flat: torch.Tensor, image_shape: tuple) -> torch.Tensor:
    """[B, D] -> [B, C, H, W]."""
    return flat.view(-1, *image_shape)


def kl_closed_form(mu: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag var) ‖ N(0, I)) per row, for tests: ½ Σ (var + mu² − 1 − log var)."""
    return 0.5 * (var + mu.pow(2) - 1 - var.log()).sum(-1)
