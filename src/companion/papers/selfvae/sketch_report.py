"""Figures and tables of notebook 04 (the sketch selfVAE, arXiv 2010.02014). WORK IN PROGRESS.

Fig. 7: the non-trainable transformations on real images — the original, its ×2 and ×4
downscalings and the pencil sketch the selfVAE conditions on (with the Sobel variant beside it,
a deviation shown for comparison).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from .transforms import downscale, pencil_sketch

#: the gallery's rows: label and transformation (uint8 [B, C, h, w] from uint8 images)
GALLERY = (("original", lambda x, s: x),
           ("downscaled ×2", lambda x, s: downscale(x, 1)),
           ("downscaled ×4", lambda x, s: downscale(x, 2)),
           ("sketch (dodge; the paper's)", lambda x, s: pencil_sketch(x, s)),
           ("Sobel (a deviation)", lambda x, s: pencil_sketch(x, s, "sobel")))


def transformation_gallery(images: torch.Tensor, sigma: float = 1.0):
    """Fig. 7-style gallery: one column per image (floats in [0, 1]), one row per transformation,
    downscaled copies shown at full size with nearest-neighbour pixels."""
    x = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    n, size = len(x), x.shape[-1]
    fig, axes = plt.subplots(len(GALLERY), n, figsize=(1.15 * n, 1.25 * len(GALLERY)), squeeze=False)
    for row, (label, transform) in enumerate(GALLERY):
        y = transform(x, sigma).float() / 255
        y = F.interpolate(y, size=(size, size), mode="nearest")
        for col in range(n):
            ax = axes[row, col]
            img = y[col].permute(1, 2, 0).numpy()
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("Fig. 7: the selfVAE's transformations d(x), each an 8-bit image", fontsize=9)
    fig.tight_layout()
    return fig


#: what each Fig. 3 mode must transmit of x [P §3.3]: latents u, z and the sketch y
TRANSMITS = {"generation": (), "conditional_reconstruction": ("y", "z"), "conditional_generation": ("y",),
             "rs1": ("u",), "rs2": ("u", "z"), "vae_reconstruction": ("z",)}


def transmitted_fraction(mode: str, image_shape: tuple, latent_shape: tuple,
                         sketch_shape: tuple | None = None) -> float:
    """The share of x's values a mode transmits (it counts values, not bits [R]): e.g. CelebA
    64 x 64 x 3 with 16 x 8 x 8 latents, RS2 sends u and z, 2048 / 12288 = 16.7 %."""
    if mode not in TRANSMITS:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(TRANSMITS)}")
    size = lambda shape: int(torch.tensor(shape).prod())
    sizes = {"u": size(latent_shape), "z": size(latent_shape),
             "y": size(sketch_shape or (1, *image_shape[1:]))}
    return sum(sizes[v] for v in TRANSMITS[mode]) / size(image_shape)
