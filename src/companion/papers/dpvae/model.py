"""A VAE with an optional decoupled prior (dpVAE, arXiv 1911.10506), its networks and its update.

The encoder gives q(z|x) = N(mu(x), diag exp(logvar(x))) on the representation z; the decoder
reads z; a RealNVP flow z0 = g(z) (six affine couplings of width 64 [C]) carries the prior
N(0, I) on the generation space z0 back to z, p_g(z) = N(g(z); 0, I) |det dg/dz|. Random
samples are dec(g^-1(z0)), z0 ~ N(0, I); without the flow, dec(z), z ~ N(0, I). The flow's last
layers start at zero, so a dpVAE starts as exactly the VAE with the same seed.

Networks: two moons, an MLP 2-100-50-(2L) and its mirror [P], LeakyReLU(0.2) [A: the authors'
`LeakyReLU(True)` has slope 1, a linear net]; MNIST, the authors' conv net [C] (four convs of 32
channels, 28 -> 14 -> 12 -> 6 -> 4, then 512-256-256-2L; the decoder mirrors it with transposed
convs), ReLU [P].

Likelihoods [A; the paper names none]: two moons, Gaussian with a fixed sigma_x; images,
Bernoulli (pixels in [0, 1] as targets). The same one with and without the decoupled prior.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...core.flows import CouplingFlow
from ...core.objectives import reparameterize
from .objectives import FactorDiscriminator, discriminator_loss, permute_dims, regularized_loss

LIKELIHOODS = ("gaussian", "bernoulli")


class MoonsEncoder(nn.Module):
    def __init__(self, zdim: int = 2, hidden=(100, 50)):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden[0]), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden[0], hidden[1]), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden[1], 2 * zdim))

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class MoonsDecoder(nn.Module):
    def __init__(self, zdim: int = 2, hidden=(50, 100)):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(zdim, hidden[0]), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden[0], hidden[1]), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden[1], 2))

    def forward(self, z):
        return self.net(z)


class MnistConvEncoder(nn.Module):
    """[C] Conv(1-32, k4 s2 p1) - Conv(32-32, k3) - Conv(32-32, k4 s2 p1) - Conv(32-32, k3) -
    512 - 256 - 256 - 2L, ReLU."""

    def __init__(self, zdim: int = 2, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.ReLU(), nn.Conv2d(width, width, 3), nn.ReLU(),
            nn.Conv2d(width, width, 4, 2, 1), nn.ReLU(), nn.Conv2d(width, width, 3), nn.ReLU(),
            nn.Flatten(), nn.Linear(width * 16, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, 2 * zdim))

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class MnistConvDecoder(nn.Module):
    """The mirror of `MnistConvEncoder`: 2L... L - 256 - 256 - 512 -> 32 x 4 x 4 -> 6 -> 12 -> 14 -> 28
    with transposed convs [C]; returns Bernoulli logits."""

    def __init__(self, zdim: int = 2, width: int = 32):
        super().__init__()
        self.width = width
        self.fc = nn.Sequential(nn.Linear(zdim, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                                nn.Linear(256, width * 16), nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(width, width, 3), nn.ReLU(), nn.ConvTranspose2d(width, width, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(width, width, 3), nn.ReLU(), nn.ConvTranspose2d(width, 1, 4, 2, 1))

    def forward(self, z):
        return self.net(self.fc(z).view(-1, self.width, 4, 4))


class DecoupledVAE(nn.Module):
    """Encoder, decoder, likelihood and (for a dpVAE) the flow g: z -> z0."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, zdim: int, likelihood: str,
                 sigma_x: float = 0.1, flow: CouplingFlow | None = None):
        super().__init__()
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown likelihood {likelihood!r}; choose one of {', '.join(LIKELIHOODS)}")
        if not sigma_x > 0:
            raise ValueError(f"sigma_x must be positive, got {sigma_x}")
        self.encoder, self.decoder, self.flow = encoder, decoder, flow
        self.zdim, self.likelihood, self.sigma_x = zdim, likelihood, sigma_x

    @property
    def decoupled(self) -> bool:
        return self.flow is not None

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        """The decoder's mean: the data point (Gaussian) or pixel probabilities (Bernoulli)."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def neg_log_px(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per example from the decoder's raw output `out` (logits for Bernoulli)."""
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, x, reduction="none").flatten(1).sum(1)
        d = x[0].numel()
        sse = (x - out).pow(2).flatten(1).sum(1)
        return sse / (2 * self.sigma_x**2) + 0.5 * d * math.log(2 * math.pi * self.sigma_x**2)

    def prior_sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        device = next(self.parameters()).device
        z0 = torch.randn(n, self.zdim, generator=generator, device=device)
        return self.flow.inverse(z0) if self.flow is not None else z0

    def to_generation_space(self, z):
        """(z0, log|det dg/dz|): g(z) for a dpVAE, z itself and zeros for a VAE."""
        return self.flow(z) if self.flow is not None else (z, z.new_zeros(z.shape[0]))


def make_step(model: DecoupledVAE, regularizer: str, params: dict, optimizer: torch.optim.Optimizer,
              dataset_size: int, disc: FactorDiscriminator | None = None,
              disc_optimizer: torch.optim.Optimizer | None = None):
    """step(x, i) -> logged terms: one update of encoder, decoder and flow on x (one optimiser
    holds all three [P]). FactorVAE's x holds two batches: the first half updates the VAE, the
    second, encoded and permuted dimension-wise, trains the discriminator in the same step [R]."""

    def step(x: torch.Tensor, i: int) -> dict:
        x2 = None
        if regularizer == "factor":
            x, x2 = x.chunk(2)
        mu, logvar = model.encode(x)
        z = reparameterize(mu, logvar)
        rec = model.neg_log_px(x, model.decoder(z))
        prior = model.prior_sample_z(len(z)) if regularizer == "info" else None
        loss, logs = regularized_loss(regularizer, rec, mu, logvar, z, model.flow, params, i,
                                      dataset_size, disc, prior)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if regularizer == "factor":
            with torch.no_grad():
                z_perm = permute_dims(reparameterize(*model.encode(x2)))
            d_loss = discriminator_loss(disc, z, z_perm)
            disc_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            disc_optimizer.step()
            logs["disc_loss"] = d_loss.detach()
        return {"loss": loss.detach(), **{k: v.detach() for k, v in logs.items()}}

    return step
