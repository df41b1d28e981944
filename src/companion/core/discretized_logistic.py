"""The discretized logistic mixture likelihood of 8-bit images (PixelCNN++, Salimans et al.,
arXiv 1701.05517), as the Self-Supervised VAE (arXiv 2010.02014) uses it for x and for its
discrete transformations y = d(x), and bits per dimension.

Pixels are k/255, k = 0..255: a bin of width Δ = 1/255 around each value. One logistic
component (μ, s) gives a sub-pixel the probability of its bin, the lowest and highest bins
taking the tails:

    P(x) = σ((x + Δ/2 − μ)/s) − σ((x − Δ/2 − μ)/s)      0 < x < 1
    P(0) = σ((Δ/2 − μ)/s),   P(1) = 1 − σ((1 − Δ/2 − μ)/s)

(where an interior bin's difference underflows, below 1e-5, the density at the bin centre
times Δ replaces it). An RGB pixel mixes I components with logits shared by its channels; each
component couples the channel means autoregressively, μ_G = m_G + c_1 x_R and
μ_B = m_B + c_2 x_R + c_3 x_G (c = tanh(·)), so

    log p(pixel) = logsumexp_i [log softmax(π)_i + Σ_c log P_i(x_c)].

The network's output has 10·I channels for RGB (I logits, then 3·I means, 3·I log-scales and
3·I coupling coefficients) and 3·I for one channel (logits, means, log-scales). Log-scales are
clamped at −7 [authors' predecessor code]. bpd = −log p(x) / (D ln 2), D the number of
sub-pixels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

#: half the width of a pixel's bin on the [0, 1] scale
HALF_BIN = 0.5 / 255.0
#: the smallest log-scale [authors' predecessor code]
MIN_LOG_SCALE = -7.0
#: below this bin probability the density at the bin's centre stands in for it
UNDERFLOW = 1e-5


def channels_needed(components: int, image_channels: int) -> int:
    """Output channels a decoder needs: 10·I for RGB, 3·I for one channel."""
    if image_channels not in (1, 3):
        raise ValueError(f"the discretized logistic mixture models 1 or 3 channels, got {image_channels}")
    return (10 if image_channels == 3 else 3) * components


def split_params(params: torch.Tensor, image_channels: int):
    """(logits [B, I, H, W], means, log-scales, coefficients [B, I, C, H, W]; coefficients None
    for one channel) from the decoder's output [B, 10·I or 3·I, H, W]."""
    per = 10 if image_channels == 3 else 3
    if params.dim() != 4 or params.shape[1] % per:
        raise ValueError(f"expected [B, {per}·I, H, W] parameters for {image_channels} channel(s), "
                         f"got shape {tuple(params.shape)}")
    b, n, h, w = params.shape
    i = n // per
    logits = params[:, :i]
    c = image_channels
    means = params[:, i: i + c * i].reshape(b, i, c, h, w)
    log_scales = params[:, i + c * i: i + 2 * c * i].reshape(b, i, c, h, w).clamp(min=MIN_LOG_SCALE)
    coeffs = torch.tanh(params[:, i + 2 * c * i:].reshape(b, i, 3, h, w)) if c == 3 else None
    return logits, means, log_scales, coeffs


def coupled_means(means: torch.Tensor, coeffs: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    """The channel means of each component given the pixel's earlier channels (x: [B, C, H, W])."""
    if coeffs is None:
        return means
    xr, xg = x[:, None, 0], x[:, None, 1]
    return torch.stack([means[:, :, 0], means[:, :, 1] + coeffs[:, :, 0] * xr,
                        means[:, :, 2] + coeffs[:, :, 1] * xr + coeffs[:, :, 2] * xg], dim=2)


def bin_log_prob(x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """log P(x) of one logistic component for values x = k/255 (broadcasting), with the edge
    bins taking the tails."""
    inv_s = torch.exp(-log_scale)
    mid = inv_s * (x - mean)
    half = inv_s * HALF_BIN
    upper, lower = mid + half, mid - half
    sp_upper, sp_lower = F.softplus(upper), F.softplus(lower)
    log_cdf_upper = upper - sp_upper                 # log σ(upper)
    log_sf_lower = -sp_lower                         # log (1 − σ(lower))
    mass = torch.sigmoid(upper) - torch.sigmoid(lower)
    log_density_mid = mid - log_scale - 2.0 * F.softplus(mid) + math.log(2 * HALF_BIN)
    interior = torch.where(mass > UNDERFLOW, torch.log(mass.clamp(min=1e-12)), log_density_mid)
    return torch.where(x < HALF_BIN, log_cdf_upper, torch.where(x > 1.0 - HALF_BIN, log_sf_lower, interior))


def log_prob(x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
    """log p(x) in nats per image, [B], for x in {k/255} of shape [B, C, H, W] (C = 1 or 3)."""
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images [B, 1 or 3, H, W], got shape {tuple(x.shape)}")
    logits, means, log_scales, coeffs = split_params(params, x.shape[1])
    if logits.shape[-2:] != x.shape[-2:] or logits.shape[0] != x.shape[0]:
        raise ValueError(f"parameters {tuple(params.shape)} do not match images {tuple(x.shape)}")
    mu = coupled_means(means, coeffs, x)
    per_component = bin_log_prob(x[:, None], mu, log_scales).sum(2)          # [B, I, H, W]
    per_pixel = torch.logsumexp(F.log_softmax(logits, dim=1) + per_component, dim=1)
    return per_pixel.flatten(1).sum(1)


def bits_per_dim(nll_nats: torch.Tensor, dims: int) -> torch.Tensor:
    """Negative log-likelihood in nats per image → bits per sub-pixel."""
    return nll_nats / (dims * math.log(2.0))


def quantise(x: torch.Tensor) -> torch.Tensor:
    """Round values in [0, 1] to the nearest k/255."""
    return torch.round(x.clamp(0, 1) * 255.0) / 255.0


def sample(params: torch.Tensor, image_channels: int, mode: str = "mean",
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Images from the mixture: "mean" takes the most probable component's (channel-coupled)
    mean, as the authors' figures do; "sample" draws a component and logistic noise. Both are
    quantised to k/255."""
    if mode not in ("mean", "sample"):
        raise ValueError(f"unknown sample mode {mode!r}; choose mean or sample")
    logits, means, log_scales, coeffs = split_params(params, image_channels)
    if mode == "mean":
        pick = logits.argmax(1, keepdim=True)
    else:
        u = torch.rand(logits.shape, generator=generator, device=logits.device).clamp(1e-6, 1 - 1e-6)
        pick = (logits - torch.log(-torch.log(u))).argmax(1, keepdim=True)   # Gumbel-max
    gather = lambda t: t.gather(1, pick[:, :, None].expand(-1, 1, t.shape[2], -1, -1))[:, 0]
    m, ls = gather(means), gather(log_scales)
    if mode == "sample":
        u = torch.rand(m.shape, generator=generator, device=m.device).clamp(1e-6, 1 - 1e-6)
        m = m + ls.exp() * (torch.log(u) - torch.log1p(-u))
    if image_channels == 1:
        return quantise(m)
    c = gather(coeffs)
    r = quantise(m[:, 0])
    g = quantise(m[:, 1] + c[:, 0] * r)
    b = quantise(m[:, 2] + c[:, 1] * r + c[:, 2] * g)
    return torch.stack([r, g, b], dim=1)
