"""A VAE with an optional decoupled prior (dpVAE, arXiv 1911.10506), its networks and its update.

The encoder gives q(z|x) = N(mu(x), diag exp(logvar(x))) on the representation z; the decoder
reads z; a RealNVP flow z0 = g(z) (six affine couplings of width 64 [C]) carries the prior
N(0, I) on the generation space z0 back to z, p_g(z) = N(g(z); 0, I) |det dg/dz|. Random
samples are dec(g^-1(z0)), z0 ~ N(0, I); without the flow, dec(z), z ~ N(0, I). The flow's last
layers start at zero, so a dpVAE starts as exactly the VAE with the same seed.

Networks: two moons, an MLP 2-100-50-(2L) and its mirror [P], LeakyReLU(0.2) [A: the authors'
`LeakyReLU(True)` has slope 1, a linear net]; MNIST, the authors' conv net [C] (four convs of 32
channels, 28 -> 14 -> 12 -> 6 -> 4, then 512-256-256-2L; the decoder mirrors it with transposed
convs), ReLU [P]; SVHN (full profile), the authors' eight 32-channel convs with BatchNorm, 32 ->
16, 16, 8, 8, 6, 6, 4, 4, then 512 -> 2L, and its mirror [C], ReLU [P]; CelebA 64 x 64 (full
profile), five k4 s2 convs of 32-64-128-256-256 channels to 256 x 2 x 2, and a decoder of five
(nearest upsampling x2, replication pad, 3 x 3 conv) stages [C], BatchNorm and LeakyReLU [P]
(slope 0.2 [A]: the authors' `LeakyReLU(True)` again has slope 1).

Likelihoods [A; the paper names none]: two moons, Gaussian with a fixed sigma_x; MNIST,
Bernoulli (pixels in [0, 1] as targets); SVHN and CelebA, Gaussian with a fixed sigma_x. The same
one with and without the decoupled prior.
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


def _conv_bn(cin: int, cout: int, k: int, s: int, p: int, act: nn.Module) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, s, p), nn.BatchNorm2d(cout), act]


class SvhnConvEncoder(nn.Module):
    """[C] eight 3 x 3 / 4 x 4 convs of 32 channels with BatchNorm and ReLU, spatial
    32 -> 16, 16, 8, 8, 6, 6, 4, 4, then 512 -> 2L."""

    #: (kernel, stride, padding) of the eight convs
    LAYERS = ((4, 2, 1), (3, 1, 1), (4, 2, 1), (3, 1, 1), (3, 1, 0), (3, 1, 1), (3, 1, 0), (3, 1, 1))

    def __init__(self, zdim: int = 32, width: int = 32):
        super().__init__()
        layers, cin = [], 3
        for k, s, p in self.LAYERS:
            layers += _conv_bn(cin, width, k, s, p, nn.ReLU())
            cin = width
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(width * 16, 2 * zdim))

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class SvhnConvDecoder(nn.Module):
    """The mirror of `SvhnConvEncoder` [C]: 2L... L -> 32 x 4 x 4, then convs (keeping the size)
    alternating with transposed convs (growing it) 4 -> 6 -> 8 -> 16 -> 32; returns the mean image
    (no output activation: the Gaussian likelihood reads it directly)."""

    def __init__(self, zdim: int = 32, width: int = 32):
        super().__init__()
        self.width = width
        self.fc = nn.Sequential(nn.Linear(zdim, width * 16), nn.ReLU())
        grow = ((3, 1, 0), (3, 1, 0), (4, 2, 1), (4, 2, 1))
        layers = []
        for i, (k, s, p) in enumerate(grow):
            layers += _conv_bn(width, width, 3, 1, 1, nn.ReLU())
            last = i == len(grow) - 1
            layers.append(nn.ConvTranspose2d(width, 3 if last else width, k, s, p))
            if not last:
                layers += [nn.BatchNorm2d(width), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(self.fc(z).view(-1, self.width, 4, 4))


class CelebaConvEncoder(nn.Module):
    """[C] five 4 x 4 stride-2 convs with 32, 64, 128, 256, 256 channels, BatchNorm and LeakyReLU:
    64 -> 32 -> 16 -> 8 -> 4 -> 2, then 256 x 2 x 2 -> 2L."""

    CHANNELS = (32, 64, 128, 256, 256)

    def __init__(self, zdim: int = 32, slope: float = 0.2):
        super().__init__()
        layers, cin = [], 3
        for c in self.CHANNELS:
            layers += _conv_bn(cin, c, 4, 2, 1, nn.LeakyReLU(slope))
            cin = c
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(cin * 4, 2 * zdim))

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class CelebaConvDecoder(nn.Module):
    """[C] L -> 256 x 2 x 2, then five stages of nearest-neighbour upsampling x2, replication
    padding 1 and a 3 x 3 conv, with 256, 128, 64, 32, 3 channels (BatchNorm and LeakyReLU but on
    the last): 2 -> 4 -> 8 -> 16 -> 32 -> 64; returns the mean image."""

    CHANNELS = (256, 128, 64, 32, 3)

    def __init__(self, zdim: int = 32, slope: float = 0.2):
        super().__init__()
        self.fc = nn.Linear(zdim, 256 * 4)
        layers, cin = [], 256
        for i, c in enumerate(self.CHANNELS):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReplicationPad2d(1), nn.Conv2d(cin, c, 3)]
            if i < len(self.CHANNELS) - 1:
                layers += [nn.BatchNorm2d(c), nn.LeakyReLU(slope)]
            cin = c
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(self.fc(z).view(-1, 256, 2, 2))


#: dataset -> (encoder class, decoder class)
NETS = {"moons": (MoonsEncoder, MoonsDecoder), "mnist": (MnistConvEncoder, MnistConvDecoder),
        "svhn": (SvhnConvEncoder, SvhnConvDecoder), "celeba": (CelebaConvEncoder, CelebaConvDecoder)}


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

    trainable = [p for p in model.parameters() if p.requires_grad]

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
        loss.backward(inputs=trainable)  # the critic's own gradients come from its own loss below
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
