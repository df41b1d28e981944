"""The selfVAE's transformations: 8-bit outputs, a constant image sketches to white, a step edge
gives a dark band on its dark side, the Sobel variant, downscaling and bad input."""

import pytest
import torch

from companion.papers.selfvae.transforms import downscale, gaussian_blur, luma, pencil_sketch


def step_image(dark: int = 60, bright: int = 200, size: int = 16) -> torch.Tensor:
    x = torch.full((1, 3, size, size), bright, dtype=torch.uint8)
    x[..., : size // 2] = dark                                  # left half dark
    return x


def test_a_constant_image_sketches_to_white_and_black_stays_black():
    for v in (30, 128, 255):
        s = pencil_sketch(torch.full((2, 3, 8, 8), v, dtype=torch.uint8))
        assert s.dtype == torch.uint8 and s.shape == (2, 1, 8, 8) and (s == 255).all()
    assert (pencil_sketch(torch.zeros(1, 3, 8, 8, dtype=torch.uint8)) == 0).all()


def test_a_step_edge_gives_a_dark_band_on_its_dark_side():
    sigma = 1.0
    s = pencil_sketch(step_image(), sigma)[0, 0, 8].float()       # one row across the edge
    # the dark side next to the edge: g / blur(g) < 1, so darker than white, within ~3 sigma
    assert s[7] < 200 and s[6] < 255
    assert (s[:4] == 255).all()                                   # far from the edge: white
    assert (s[8:] == 255).all()                                   # the bright side saturates at white
    band = (s < 250).nonzero().flatten()
    assert band.min() >= 8 - 3 and band.max() <= 7                # only on the dark side, ~2-3 sigma wide


def test_the_sketch_is_deterministic_and_accepts_floats():
    x = torch.randint(0, 256, (3, 3, 12, 12), dtype=torch.uint8)
    a, b = pencil_sketch(x), pencil_sketch(x.float() / 255)
    assert torch.equal(a, pencil_sketch(x)) and (a.int() - b.int()).abs().max() <= 1


def test_sobel_variant_marks_edges_dark_and_flat_regions_white():
    s = pencil_sketch(step_image(), mode="sobel")[0, 0, 8]
    assert (s[:5] == 255).all() and (s[11:] == 255).all() and s[7] < 200 and s[8] < 200


def test_luma_and_blur():
    x = torch.tensor([255, 0, 0], dtype=torch.uint8).view(1, 3, 1, 1)
    assert float(luma(x)) == 76.0                                  # round(0.299 * 255)
    v = torch.rand(1, 1, 9, 9)
    torch.testing.assert_close(gaussian_blur(torch.full((1, 1, 9, 9), 7.0), 1.5), torch.full((1, 1, 9, 9), 7.0))
    assert gaussian_blur(v, 1.0).shape == v.shape


def test_downscale_halves_each_level_and_stays_8_bit():
    x = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    y = downscale(x)
    assert y.dtype == torch.uint8 and y.shape == (2, 3, 16, 16)
    assert downscale(x, 3).shape == (2, 3, 4, 4)
    flat = torch.full((1, 3, 8, 8), 93, dtype=torch.uint8)
    assert (downscale(flat) == 93).all()
    # antialiased bilinear (a triangle filter, as PIL's reduction): a ramp stays a monotone ramp, same mean
    ramp = (torch.arange(32).float() * 8).clamp(max=255).to(torch.uint8).view(1, 1, 1, 32).expand(1, 1, 32, 32)
    row = downscale(ramp)[0, 0, 5].float()
    assert (row.diff() >= 0).all() and abs(float(row.mean()) - float(ramp.float().mean())) < 2.0


def test_bad_input():
    with pytest.raises(ValueError, match="sketch mode"):
        pencil_sketch(step_image(), mode="canny")
    with pytest.raises(ValueError, match="1 or 3"):
        pencil_sketch(torch.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match="sigma"):
        gaussian_blur(torch.zeros(1, 1, 4, 4), 0.0)
    with pytest.raises(ValueError, match="levels"):
        downscale(step_image(), 0)


def test_the_transformation_gallery_has_a_row_per_transformation():
    import matplotlib.pyplot as plt

    from companion.papers.selfvae.sketch_report import GALLERY, transformation_gallery

    fig = transformation_gallery(torch.rand(3, 3, 32, 32))
    assert len(fig.axes) == len(GALLERY) * 3
    assert [fig.axes[3 * r].get_ylabel() for r in range(len(GALLERY))] == [label for label, _ in GALLERY]
    plt.close(fig)


def test_transmitted_fractions_match_the_paper_s_16_percent():
    from companion.papers.selfvae.sketch_report import transmitted_fraction

    celeba, latent = (3, 64, 64), (16, 8, 8)
    assert transmitted_fraction("rs2", celeba, latent) == pytest.approx(2048 / 12288)      # "only 16 %"
    assert transmitted_fraction("rs1", celeba, latent) == pytest.approx(1024 / 12288)      # 8.3 %
    assert transmitted_fraction("conditional_generation", celeba, latent) == pytest.approx(1 / 3)
    assert transmitted_fraction("conditional_reconstruction", celeba, latent) == pytest.approx(5120 / 12288)
    assert transmitted_fraction("generation", celeba, latent) == 0.0
    assert transmitted_fraction("vae_reconstruction", (3, 32, 32), latent) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="unknown mode"):
        transmitted_fraction("rs3", celeba, latent)
