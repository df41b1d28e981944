"""The SOS-VAE's convolutional ResNet (Langley et al., arXiv 2205.12533, §3 and the authors' code),
for the full profile's 64 × 64 CelebA.

The encoder maps an image to the mean and the raw variance of q(z|x); the decoder maps z to a
feature map h [B, W, H, W'] on which 1 × 1 convolutions predict the mean image, and the factor P
(R · C channels) or the per-pixel variance (`model.ObservationVAE`).

    ResBlock(cin, cout, s):  conv3×3(s)-BN-ReLU-conv3×3-BN  +  conv1×1(s) skip (when the shape changes), ReLU
    ResBlockT:               the same with transposed convolutions (upsampling by s)
    encoder: conv3×3(C→w)-BN-ReLU, Res(w,w) ×2, Res(w,2w,s), Res(2w,2w), Res(2w,4w,s), Res(4w,4w),
             Res(4w,8w,s), Res(8w,8w), conv1×1-BN-ReLU, global max-pool, Linear heads (mean, variance)
    decoder: z as [z, 1, 1], ConvTranspose(z→z, kernel = first map size), conv1×1(z→8w)-BN-ReLU,
             Res(8w,8w), ResT(8w,4w,s), Res(4w,4w), ResT(4w,2w,s), Res(2w,2w), ResT(2w,w,s), Res(w,w) ×2,
             conv1×1-BN-ReLU

with w = 64 [authors' code]. Their CelebA model (218 × 178) halves three times, so its first decoder
map is 28 × 23. At 64 × 64 the companion keeps maps of that size by halving once (`halvings = 1`,
the first transition of the encoder and the last of the decoder; the others keep the size) [spec:
"two halvings fewer"]. `halvings` and `width` are parameters, so tests can build small copies.
"""

from __future__ import annotations

from torch import nn

#: [authors' code] the base width w
WIDTH = 64
#: [spec] halvings at 64 x 64 (the authors' 218 x 178 model halves three times)
HALVINGS = 1


class ResBlock(nn.Module):
    """conv3×3(stride)-BN-ReLU-conv3×3-BN plus the input (through a strided 1×1 conv when the shape
    changes), then ReLU. With `transposed`, the convolutions are transposed and `stride` upsamples."""

    def __init__(self, cin: int, cout: int, stride: int = 1, transposed: bool = False):
        super().__init__()
        if transposed:
            extra = dict(output_padding=stride - 1)
            first = nn.ConvTranspose2d(cin, cout, 3, stride, padding=1, bias=False, **extra)
            second = nn.ConvTranspose2d(cout, cout, 3, 1, padding=1, bias=False)
            skip = nn.ConvTranspose2d(cin, cout, 1, stride, bias=False, **extra)
        else:
            first = nn.Conv2d(cin, cout, 3, stride, padding=1, bias=False)
            second = nn.Conv2d(cout, cout, 3, 1, padding=1, bias=False)
            skip = nn.Conv2d(cin, cout, 1, stride, bias=False)
        self.body = nn.Sequential(first, nn.BatchNorm2d(cout), nn.ReLU(), second, nn.BatchNorm2d(cout))
        self.skip = skip if (cin != cout or stride != 1) else nn.Identity()
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.body(x) + self.skip(x))


def _conv_bn_relu(cin: int, cout: int, k: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def _strides(halvings: int, reverse: bool = False) -> list[int]:
    """Stride of the three width transitions: the first `halvings` halve (the last, in the decoder)."""
    if not 0 <= halvings <= 3:
        raise ValueError(f"halvings must be in 0..3, got {halvings}")
    s = [2] * halvings + [1] * (3 - halvings)
    return s[::-1] if reverse else s


class ResNetEncoder(nn.Module):
    """Image [B, C, H, W] -> (mean, raw variance) of q(z|x), each [B, zdim]."""

    def __init__(self, channels: int, zdim: int, width: int = WIDTH, halvings: int = HALVINGS):
        super().__init__()
        w = width
        s1, s2, s3 = _strides(halvings)
        self.features = nn.Sequential(
            *_conv_bn_relu(channels, w, 3),
            ResBlock(w, w), ResBlock(w, w), ResBlock(w, 2 * w, s1), ResBlock(2 * w, 2 * w),
            ResBlock(2 * w, 4 * w, s2), ResBlock(4 * w, 4 * w), ResBlock(4 * w, 8 * w, s3), ResBlock(8 * w, 8 * w),
            *_conv_bn_relu(8 * w, 8 * w, 1), nn.AdaptiveMaxPool2d(1), nn.Flatten())
        self.mean = nn.Linear(8 * w, zdim)
        self.variance = nn.Linear(8 * w, zdim)

    def forward(self, x):
        h = self.features(x)
        return self.mean(h), self.variance(h)


class ResNetDecoder(nn.Module):
    """z [B, zdim] -> feature map [B, width, size, size] (the heads are the model's)."""

    def __init__(self, size: int, zdim: int, width: int = WIDTH, halvings: int = HALVINGS):
        super().__init__()
        if size % 2 ** halvings:
            raise ValueError(f"image size {size} is not divisible by 2^{halvings}")
        w, first = width, size // 2 ** halvings
        s1, s2, s3 = _strides(halvings, reverse=True)
        self.zdim, self.out_channels = zdim, w
        self.net = nn.Sequential(
            nn.Unflatten(1, (zdim, 1, 1)), nn.ConvTranspose2d(zdim, zdim, first), *_conv_bn_relu(zdim, 8 * w, 1),
            ResBlock(8 * w, 8 * w), ResBlock(8 * w, 4 * w, s1, True), ResBlock(4 * w, 4 * w),
            ResBlock(4 * w, 2 * w, s2, True), ResBlock(2 * w, 2 * w), ResBlock(2 * w, w, s3, True),
            ResBlock(w, w), ResBlock(w, w), *_conv_bn_relu(w, w, 1))

    def forward(self, z):
        return self.net(z)
