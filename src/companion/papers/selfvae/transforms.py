"""The selfVAE's non-trainable transformations y = d(x) (arXiv 2010.02014, §3.2 and App. A.6).

A selfVAE conditions on a deterministic, discrete view of its own image: a copy downscaled ×2
per level, or a pencil sketch. Both return 8-bit values, so y is modelled by the same discretized
logistic mixture as x.

The sketch [P: "convert to grayscale and blend it with its blurred inverse using colour dodge"]:
with g the luma and b = blur(255 − g),

    d(x) = min(255, 256 · g / (255 − b)) = min(255, 256 · g / blur(g)),

a ratio to the local mean: flat regions go white, the dark side of an edge goes dark. The paper
gives no blur width; σ = 1 px at 32 × 32 and 1.5 px at 64 × 64 are the companion's [Q]. A Sobel
variant (the inverted gradient magnitude) is a labelled deviation.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

SKETCH_MODES = ("dodge", "sobel")
#: ITU-R 601 luma weights (PIL's "L" conversion)
LUMA = (0.299, 0.587, 0.114)


def _as_255(x: torch.Tensor) -> torch.Tensor:
    """Images as float values 0..255: uint8 as they are, floats in [0, 1] scaled."""
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images [B, 1 or 3, H, W], got shape {tuple(x.shape)}")
    return x.float() if x.dtype == torch.uint8 else x.float() * 255.0


def luma(x: torch.Tensor) -> torch.Tensor:
    """Grayscale 0..255 (rounded, as PIL does), [B, 1, H, W]."""
    v = _as_255(x)
    if v.shape[1] == 1:
        return v.round()
    w = torch.tensor(LUMA, device=v.device).view(1, 3, 1, 1)
    return (v * w).sum(1, keepdim=True).round()


def gaussian_blur(v: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur, kernel 2⌈3σ⌉ + 1, reflected borders, weights summing to 1."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    radius = math.ceil(3 * sigma)
    t = torch.arange(-radius, radius + 1, dtype=v.dtype, device=v.device)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = v.shape[1]
    v = F.pad(v, (radius, radius, radius, radius), mode="reflect")
    v = F.conv2d(v, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(v, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def pencil_sketch(x: torch.Tensor, sigma: float = 1.0, mode: str = "dodge") -> torch.Tensor:
    """The sketch of images x (uint8 0..255 or floats in [0, 1], 1 or 3 channels) as uint8
    [B, 1, H, W]. "dodge" is the paper's recipe; "sobel" (the inverted gradient magnitude,
    scaled to 0..255) is a deviation kept for comparison."""
    if mode not in SKETCH_MODES:
        raise ValueError(f"unknown sketch mode {mode!r}; choose one of {', '.join(SKETCH_MODES)}")
    g = luma(x)
    if mode == "dodge":
        denom = 255.0 - gaussian_blur(255.0 - g, sigma)
        s = torch.where(denom > 0, g * 256.0 / denom.clamp(min=1e-6), torch.zeros_like(g))
    else:
        kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=g.device)
        padded = F.pad(g, (1, 1, 1, 1), mode="replicate")
        gx = F.conv2d(padded, kx.view(1, 1, 3, 3))
        gy = F.conv2d(padded, kx.t().reshape(1, 1, 3, 3))
        s = 255.0 - torch.sqrt(gx**2 + gy**2) * (255.0 / (4 * math.sqrt(2) * 255.0))
    return s.clamp(0, 255).round().to(torch.uint8)


def downscale(x: torch.Tensor, levels: int = 1) -> torch.Tensor:
    """x downscaled ×2 per level (bilinear with antialiasing, like PIL's resize), re-quantised to
    uint8 after every level [S: the predecessor code resizes uint8 PIL images]."""
    if levels < 1:
        raise ValueError(f"levels must be at least 1, got {levels}")
    v = _as_255(x)
    for _ in range(levels):
        if min(v.shape[-2:]) < 2:
            raise ValueError(f"cannot halve an image of size {tuple(v.shape[-2:])}")
        v = F.interpolate(v, scale_factor=0.5, mode="bilinear", antialias=True, align_corners=False)
        v = v.clamp(0, 255).round()
    return v.to(torch.uint8)
