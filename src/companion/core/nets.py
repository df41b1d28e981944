"""Encoder and decoder networks.

The 2D toys use fully connected networks [P "3-layer fully-connected network with 256 hidden
units"; C exact layers, spec soft_introvae §2.2]: Linear(in, H)-ReLU, then `n_hidden` blocks of
Linear(H, H)-ReLU, then a linear output layer. PyTorch's default initialisation.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def relu_stack(widths) -> list[nn.Module]:
    """Linear(w0, w1)-ReLU-Linear(w1, w2)-ReLU-... for consecutive widths (the hidden layers of
    every fully connected net here)."""
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return layers


def mlp(d_in: int, d_out: int, hidden: int, n_hidden: int) -> nn.Sequential:
    """Linear(d_in,H)-ReLU-[Linear(H,H)-ReLU]*n_hidden-Linear(H,d_out)."""
    return nn.Sequential(*relu_stack([d_in] + [hidden] * (n_hidden + 1)), nn.Linear(hidden, d_out))


class MLPEncoder(nn.Module):
    """Gaussian encoder q(z|x) = N(mu, diag(exp(logvar))); returns (mu, logvar)."""

    def __init__(self, x_dim: int, zdim: int, hidden: int = 256, n_hidden: int = 3):
        super().__init__()
        self.zdim = zdim
        self.net = mlp(x_dim, 2 * zdim, hidden, n_hidden)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.net(x.flatten(1)).chunk(2, dim=1)
        return mu, logvar


class MLPDecoder(nn.Module):
    """Deterministic decoder x = D(z) with a linear output [C]."""

    def __init__(self, zdim: int, x_dim: int, hidden: int = 256, n_hidden: int = 3):
        super().__init__()
        self.zdim = zdim
        self.net = mlp(zdim, x_dim, hidden, n_hidden)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class VAE(nn.Module):
    """An encoder and a decoder with the N(0, I) prior; the container every step function takes."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    @property
    def zdim(self) -> int:
        return self.encoder.zdim

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """x = D(z), z ~ N(0, I); no observation noise is added [C]."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.zdim, generator=generator, device=device)
        return self.decoder(z)


# ------------------------------------------------------------------ images (sigma-VAE, notebook 02)
# The sigma-VAE paper gives no architecture (its appendix is missing; spec sigma_vae §2). The MLP
# of the quick profile is the spec's measured one [A]: 784-512-256-(2 x latent) and its mirror;
# the conv pair of the full profile is a small DCGAN-style network [A].


class ImageMLPEncoder(nn.Module):
    """q(z|x) for [B, C, H, W] images: flatten, Linear-ReLU per hidden width, Linear to (mu, logvar)."""

    def __init__(self, image_shape: tuple, zdim: int, hidden: tuple = (512, 256)):
        super().__init__()
        self.zdim = zdim
        widths = [math.prod(image_shape), *hidden]
        self.net = nn.Sequential(nn.Flatten(), *relu_stack(widths), nn.Linear(widths[-1], 2 * zdim))

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class ImageMLPDecoder(nn.Module):
    """A shared trunk z -> h, a mean head (sigmoid: pixels in [0, 1]) and a variance head whose
    raw output becomes the per-pixel variance of stage 2 (Eq. 10) after softplus + floor."""

    def __init__(self, image_shape: tuple, zdim: int, hidden: tuple = (512, 256)):
        super().__init__()
        self.zdim, self.image_shape = zdim, tuple(image_shape)
        widths = [zdim, *reversed(hidden)]
        self.trunk = nn.Sequential(*relu_stack(widths))
        d = math.prod(image_shape)
        self.mean_head = nn.Linear(widths[-1], d)
        self.var_head = nn.Linear(widths[-1], d)

    def forward(self, z, with_variance: bool = False):
        """Mean image [B, C, H, W]; with `with_variance`, also the variance head's raw output."""
        h = self.trunk(z)
        mean = torch.sigmoid(self.mean_head(h)).view(-1, *self.image_shape)
        if not with_variance:
            return mean
        return mean, self.var_head(h).view(-1, *self.image_shape)


class ImageConvEncoder(nn.Module):
    """DCGAN-style q(z|x) for 28x28 images [A]: two stride-2 4x4 convs (32, 64), Linear 256."""

    def __init__(self, image_shape: tuple, zdim: int, width: int = 32):
        super().__init__()
        c, h, w = image_shape
        self.zdim = zdim
        self.net = nn.Sequential(
            nn.Conv2d(c, width, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.ReLU(), nn.Flatten(),
            nn.Linear(2 * width * (h // 4) * (w // 4), 256), nn.ReLU(), nn.Linear(256, 2 * zdim))

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class ImageConvDecoder(nn.Module):
    """Mirror of `ImageConvEncoder` with a mean head and a variance head (transposed convs)."""

    def __init__(self, image_shape: tuple, zdim: int, width: int = 32):
        super().__init__()
        c, h, w = image_shape
        self.zdim, self.image_shape = zdim, tuple(image_shape)
        self.trunk = nn.Sequential(
            nn.Linear(zdim, 256), nn.ReLU(), nn.Linear(256, 2 * width * (h // 4) * (w // 4)), nn.ReLU(),
            nn.Unflatten(1, (2 * width, h // 4, w // 4)),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU())
        self.mean_head = nn.ConvTranspose2d(width, c, 4, 2, 1)
        self.var_head = nn.ConvTranspose2d(width, c, 4, 2, 1)

    def forward(self, z, with_variance: bool = False):
        h = self.trunk(z)
        mean = torch.sigmoid(self.mean_head(h))
        return (mean, self.var_head(h)) if with_variance else mean


def image_vae_nets(arch: str, image_shape: tuple, zdim: int) -> tuple[nn.Module, nn.Module]:
    """(encoder, decoder) of the named architecture: "mlp" or "conv"."""
    if arch == "mlp":
        return ImageMLPEncoder(image_shape, zdim), ImageMLPDecoder(image_shape, zdim)
    if arch == "conv":
        return ImageConvEncoder(image_shape, zdim), ImageConvDecoder(image_shape, zdim)
    raise ValueError(f"unknown architecture {arch!r}; choose 'mlp' or 'conv'")


# ----------------------------------------------------- residual image nets (Soft-IntroVAE, notebook 05)
# The IntroVAE-style architecture of the Soft-IntroVAE image experiments [P Table 6, App. 9.2.2;
# exact layers C, spec soft_introvae §4.1]. Decoder output is linear [C].


class ResidualBlock(nn.Module):
    """Conv3x3-BN-LReLU(0.2)-Conv3x3-BN, plus the input (through a 1x1 conv when the width
    changes), then LReLU(0.2)."""

    def __init__(self, inc: int, outc: int):
        super().__init__()
        self.skip = nn.Conv2d(inc, outc, 1, bias=False) if inc != outc else nn.Identity()
        self.body = nn.Sequential(
            nn.Conv2d(inc, outc, 3, padding=1, bias=False), nn.BatchNorm2d(outc), nn.LeakyReLU(0.2),
            nn.Conv2d(outc, outc, 3, padding=1, bias=False), nn.BatchNorm2d(outc))
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x):
        return self.act(self.body(x) + self.skip(x))


class ResEncoder(nn.Module):
    """Conv5x5-BN-LReLU-AvgPool2, then ResBlock-AvgPool2 per further width, a final ResBlock,
    and Linear to (mu, logvar). For 28x28 with widths (64, 128) it ends at 128x7x7 [C]."""

    def __init__(self, image_shape: tuple, zdim: int, channels: tuple = (64, 128, 256)):
        super().__init__()
        c_in, size, _ = image_shape
        self.zdim = zdim
        layers: list[nn.Module] = [nn.Conv2d(c_in, channels[0], 5, padding=2, bias=False),
                                   nn.BatchNorm2d(channels[0]), nn.LeakyReLU(0.2), nn.AvgPool2d(2)]
        for prev, c in zip(channels[:-1], channels[1:]):
            layers += [ResidualBlock(prev, c), nn.AvgPool2d(2)]
        layers.append(ResidualBlock(channels[-1], channels[-1]))
        self.features = nn.Sequential(*layers)
        self.map_shape = (channels[-1], size // 2 ** len(channels), size // 2 ** len(channels))
        self.fc = nn.Linear(channels[-1] * self.map_shape[1] * self.map_shape[2], 2 * zdim)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1)).chunk(2, dim=1)


class ResDecoder(nn.Module):
    """Linear-ReLU to the encoder's last feature map, then ResBlock-Upsample(x2, nearest) per
    width in reverse, a final ResBlock and Conv5x5 to the image; linear output [C]."""

    def __init__(self, image_shape: tuple, zdim: int, channels: tuple = (64, 128, 256)):
        super().__init__()
        c_out, size, _ = image_shape
        self.zdim = zdim
        side = size // 2 ** len(channels)
        self.map_shape = (channels[-1], side, side)
        self.fc = nn.Sequential(nn.Linear(zdim, channels[-1] * side * side), nn.ReLU())
        layers: list[nn.Module] = []
        prev = channels[-1]
        for c in reversed(channels):
            layers += [ResidualBlock(prev, c), nn.Upsample(scale_factor=2, mode="nearest")]
            prev = c
        layers += [ResidualBlock(channels[0], channels[0]), nn.Conv2d(channels[0], c_out, 5, padding=2)]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(self.fc(z).view(-1, *self.map_shape))


def residual_vae(image_shape: tuple, zdim: int, channels: tuple) -> VAE:
    """The encoder/decoder pair of spec §4.1 in the `VAE` container the update steps take."""
    return VAE(ResEncoder(image_shape, zdim, channels), ResDecoder(image_shape, zdim, channels))


def image_mlp_vae(image_shape: tuple, zdim: int, hidden: tuple = (512, 256)) -> VAE:
    """A fully connected VAE on flattened images with a linear decoder output (the small network
    of the OOD quick profile [A, spec soft_introvae §6.3]): 784-512-256-(2 x zdim) and its mirror."""
    d = math.prod(image_shape)
    encoder = ImageMLPEncoder(image_shape, zdim, hidden)
    widths = [zdim, *reversed(hidden)]
    decoder = nn.Sequential(*relu_stack(widths), nn.Linear(widths[-1], d),
                            nn.Unflatten(1, tuple(image_shape)))
    decoder.zdim = zdim
    return VAE(encoder, decoder)
