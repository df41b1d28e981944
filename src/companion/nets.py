"""Encoder and decoder networks.

The 2D toys use fully connected networks [P "3-layer fully-connected network with 256 hidden
units"; C exact layers, spec soft_introvae §2.2]: Linear(in, H)-ReLU, then `n_hidden` blocks of
Linear(H, H)-ReLU, then a linear output layer. PyTorch's default initialisation.
"""

from __future__ import annotations

import torch
from torch import nn


def mlp(d_in: int, d_out: int, hidden: int, n_hidden: int) -> nn.Sequential:
    """Linear(d_in,H)-ReLU-[Linear(H,H)-ReLU]*n_hidden-Linear(H,d_out)."""
    layers: list[nn.Module] = [nn.Linear(d_in, hidden), nn.ReLU()]
    for _ in range(n_hidden):
        layers += [nn.Linear(hidden, hidden), nn.ReLU()]
    layers.append(nn.Linear(hidden, d_out))
    return nn.Sequential(*layers)


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
