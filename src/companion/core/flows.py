"""Affine coupling flows (RealNVP; Dinh, Sohl-Dickstein & Bengio, arXiv 1605.08803), the
learnable bijection behind dpVAE's decoupled prior and the selfVAE's flow prior.

A coupling block with a binary mask b keeps the masked coordinates and moves the others by a
scale and shift computed from the kept ones:

    y = b * a + (1 - b) * (a * exp(s(b * a)) + t(b * a)),   log|det dy/da| = sum_j (1 - b_j) s_j(b * a)
    a = b * y + (1 - b) * ((y - t(b * y)) * exp(-s(b * y)))

so the inverse and the log-determinant cost one pass each. A flow g = block_K o ... o block_1 with
alternating masks maps the representation z to z0 = g(z); with z0 ~ N(0, I) the density of z is

    log p(z) = log N(g(z); 0, I) + log|det dg/dz|.

Conditioner nets (s and t) are separate MLPs [dpVAE authors' code: Linear-LeakyReLU(0.01) x 2,
then a Linear and tanh]. Their last linear layers start at zero, so every block, and the flow,
starts as the identity: a dpVAE starts exactly as its VAE. `MLPCoupling` holds the two MLPs'
weights stacked and evaluates both in one batched product per layer (the same nets, half the
operations: on a 2-D latent the flow's cost is the number of small operations, not their size).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def half_mask(dim: int, flip: bool = False) -> torch.Tensor:
    """1 on the first half of the coordinates (the first one when dim is 2), 0 on the rest;
    `flip` swaps them."""
    if dim < 2:
        raise ValueError(f"a coupling flow needs at least 2 dimensions, got {dim}")
    mask = torch.zeros(dim)
    mask[: dim // 2] = 1.0
    return 1.0 - mask if flip else mask


def conditioner_mlp(dim: int, hidden: int = 64, last: str = "tanh") -> nn.Sequential:
    """dim -> hidden -> hidden -> dim, LeakyReLU(0.01) between, `last` ("tanh" or "identity")
    at the end; the last Linear starts at zero."""
    if last not in ("tanh", "identity"):
        raise ValueError(f"unknown output activation {last!r}; choose tanh or identity")
    out = nn.Linear(hidden, dim)
    nn.init.zeros_(out.weight)
    nn.init.zeros_(out.bias)
    return nn.Sequential(nn.Linear(dim, hidden), nn.LeakyReLU(0.01), nn.Linear(hidden, hidden),
                         nn.LeakyReLU(0.01), out, nn.Tanh() if last == "tanh" else nn.Identity())


class _Coupling(nn.Module):
    """y = a * exp(s) + t on the free coordinates; subclasses give s and t (zero on the kept ones)."""

    def __init__(self, mask: torch.Tensor):
        super().__init__()
        self.register_buffer("mask", mask.float())
        self.register_buffer("free", 1.0 - mask.float(), persistent=False)

    def _scale_shift(self, kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def forward(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(y, log|det dy/da| per example)."""
        s, t = self._scale_shift(a * self.mask)
        # s = t = 0 on the kept coordinates, so a * exp(s) + t leaves them exactly as they are
        return a * s.exp() + t, s.flatten(1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self._scale_shift(y * self.mask)
        return (y - t) * (-s).exp()


class AffineCoupling(_Coupling):
    """One coupling block with its mask and its s and t nets (any nets mapping a masked input
    to the input's shape)."""

    def __init__(self, mask: torch.Tensor, s_net: nn.Module, t_net: nn.Module):
        super().__init__(mask)
        self.s_net, self.t_net = s_net, t_net

    def _scale_shift(self, kept: torch.Tensor):
        """s and t, zero on the kept coordinates."""
        return self.s_net(kept) * self.free, self.t_net(kept) * self.free


class MLPCoupling(_Coupling):
    """A coupling block on a flat latent [B, D] whose s and t nets are two `conditioner_mlp`s,
    held as stacked weights: layer k has `weights[k]` [2, in, out] and `biases[k]` [2, 1, out]
    (index 0 is s, 1 is t), and one `baddbmm` evaluates both nets. The weights are drawn by two
    `conditioner_mlp`s, so a block starts exactly as the two separate nets would."""

    def __init__(self, mask: torch.Tensor, hidden: int = 64, t_last: str = "tanh"):
        super().__init__(mask)
        dim = mask.numel()
        s_net, t_net = conditioner_mlp(dim, hidden, "tanh"), conditioner_mlp(dim, hidden, t_last)
        layers = [(s_net[k], t_net[k]) for k in (0, 2, 4)]
        self.weights = nn.ParameterList(nn.Parameter(torch.stack([s.weight.T, t.weight.T]).detach().contiguous())
                                        for s, t in layers)
        self.biases = nn.ParameterList(nn.Parameter(torch.stack([s.bias, t.bias])[:, None].detach().clone())
                                       for s, t in layers)
        self.t_tanh = t_last == "tanh"

    def _scale_shift(self, kept: torch.Tensor):
        flat = kept.reshape(-1, kept.shape[-1])
        h = flat.expand(2, *flat.shape)
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, w)
            if k < len(self.weights) - 1:
                h = F.leaky_relu(h, 0.01)
        if self.t_tanh:
            st = torch.tanh(h) * self.free
            s, t = st[0], st[1]
        else:
            s, t = torch.tanh(h[0]) * self.free, h[1] * self.free
        return s.view(kept.shape), t.view(kept.shape)


class CouplingFlow(nn.Module):
    """g: z -> z0, a stack of affine couplings with alternating half masks [dpVAE code: K = 6,
    width 64]; `forward` gives (z0, log|det dg/dz|), `inverse` maps z0 back to z.

    `couplings` replaces the MLP blocks by any couplings (for example convolutional ones with
    checkerboard masks on a C x H x W latent); `dim` is then the latent's shape."""

    def __init__(self, dim, blocks: int = 6, hidden: int = 64, t_last: str = "tanh",
                 couplings: list[_Coupling] | None = None):
        super().__init__()
        if couplings is None and blocks <= 0:
            raise ValueError(f"a flow needs at least one block, got {blocks}")
        if couplings is not None and not couplings:
            raise ValueError("a flow needs at least one coupling")
        self.dim = dim
        self.shape = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        self.blocks = nn.ModuleList(couplings if couplings is not None else (
            MLPCoupling(half_mask(dim, flip=k % 2 == 1), hidden, t_last) for k in range(blocks)))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logdet = z.new_zeros(z.shape[0])
        for block in self.blocks:
            z, ld = block(z)
            logdet = logdet + ld
        return z, logdet

    def inverse(self, z0: torch.Tensor) -> torch.Tensor:
        for block in reversed(self.blocks):
            z0 = block.inverse(z0)
        return z0

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) = log N(g(z); 0, I) + log|det dg/dz| per example."""
        z0, logdet = self(z)
        return -0.5 * (z0.pow(2) + math.log(2 * math.pi)).flatten(1).sum(1) + logdet

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z = g^{-1}(z0), z0 ~ N(0, I)."""
        device = self.blocks[0].mask.device
        return self.inverse(torch.randn(n, *self.shape, generator=generator, device=device))
