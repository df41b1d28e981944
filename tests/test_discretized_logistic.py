"""The discretized logistic mixture: bin probabilities against the logistic CDF, every pixel's
256 (or 256³) values summing to one, finite gradients at the smallest scale, and sampling."""

import math

import pytest
import torch

from companion.core import discretized_logistic as dl

VALUES = torch.arange(256, dtype=torch.float64) / 255.0


def gray_params(i: int = 3, h: int = 1, w: int = 1, seed: int = 0, dtype=torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    p = torch.randn(1, 3 * i, h, w, generator=g, dtype=dtype)
    p[:, i: 2 * i] = torch.rand(1, i, h, w, generator=g, dtype=dtype) * 1.4 - 0.2  # means around [0, 1]
    p[:, 2 * i:] = torch.rand(1, i, h, w, generator=g, dtype=dtype) * 4 - 5          # log-scales in [-5, -1]
    return p


def test_one_component_bins_are_logistic_cdf_differences():
    mean, log_s = torch.tensor(0.4, dtype=torch.float64), torch.tensor(-2.5, dtype=torch.float64)
    cdf = lambda v: torch.sigmoid((v - mean) / log_s.exp())
    expected = cdf(VALUES + 0.5 / 255) - cdf(VALUES - 0.5 / 255)
    edge = lambda v: torch.tensor(v, dtype=torch.float64)
    expected[0], expected[-1] = cdf(edge(0.5 / 255)), 1 - cdf(edge(1 - 0.5 / 255))
    got = dl.bin_log_prob(VALUES, mean, log_s).exp()
    torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_gray_pixel_s_256_probabilities_sum_to_one(seed):
    params = gray_params(seed=seed).expand(256, -1, -1, -1)
    x = VALUES.view(256, 1, 1, 1)
    total = dl.log_prob(x, params).exp().sum()
    torch.testing.assert_close(total, torch.tensor(1.0, dtype=torch.float64), rtol=1e-6, atol=1e-6)


def test_edge_bins_take_the_tails():
    # a component centred far below 0 puts (almost) all of its mass on the value 0, far above 1 on 255
    low = torch.tensor([[[[0.0]], [[-3.0]], [[-4.0]]]], dtype=torch.float64).view(1, 3, 1, 1)
    assert dl.log_prob(torch.zeros(1, 1, 1, 1, dtype=torch.float64), low).exp() > 0.999
    high = torch.tensor([0.0, 4.0, -4.0], dtype=torch.float64).view(1, 3, 1, 1)
    assert dl.log_prob(torch.ones(1, 1, 1, 1, dtype=torch.float64), high).exp() > 0.999


def test_an_rgb_pixel_s_joint_sums_to_one_over_all_256_cubed_values():
    i = 2
    g = torch.Generator().manual_seed(3)
    p = torch.randn(1, 10 * i, 1, 1, generator=g, dtype=torch.float64)
    p[:, i: 4 * i] = torch.rand(1, 3 * i, 1, 1, generator=g, dtype=torch.float64)
    p[:, 4 * i: 7 * i] = -1.5 - torch.rand(1, 3 * i, 1, 1, generator=g, dtype=torch.float64)
    total = torch.zeros((), dtype=torch.float64)
    gb = torch.cartesian_prod(VALUES, VALUES)                       # every (G, B) pair
    for r in VALUES:                                                # 256 batches of 65,536 pixels
        x = torch.stack([r.expand(len(gb)), gb[:, 0], gb[:, 1]], 1).view(-1, 3, 1, 1)
        total += dl.log_prob(x, p.expand(len(gb), -1, -1, -1)).exp().sum()
    torch.testing.assert_close(total, torch.tensor(1.0, dtype=torch.float64), rtol=1e-6, atol=1e-6)


def test_channel_coupling_shifts_the_later_means():
    i, x = 1, torch.tensor([0.2, 0.6, 0.8]).view(1, 3, 1, 1)
    p = torch.zeros(1, 10, 1, 1)
    p[:, 7:10] = 10.0                                               # tanh -> c = 1 for every coefficient
    logits, means, log_scales, coeffs = dl.split_params(p, 3)
    mu = dl.coupled_means(means, coeffs, x)[0, 0, :, 0, 0]
    torch.testing.assert_close(mu, torch.tensor([0.0, 0.2, 0.8]), atol=1e-6, rtol=0)
    assert coeffs.shape == (1, i, 3, 1, 1) and log_scales.shape == (1, i, 3, 1, 1)


def test_gradients_stay_finite_at_the_smallest_scale():
    p = torch.zeros(2, 30, 4, 4, requires_grad=True)
    with torch.no_grad():
        p[:, 3:12] = 0.9                         # means far from the data (I = 3)
        p[:, 12:21] = -50.0                      # log-scales, clamped to -7
    x = torch.zeros(2, 3, 4, 4)
    x[:, :, :2] = 17 / 255
    nll = -dl.log_prob(x, p).sum()
    nll.backward()
    assert torch.isfinite(nll) and torch.isfinite(p.grad).all()


def test_bits_per_dim_and_bad_input():
    assert float(dl.bits_per_dim(torch.tensor(3072 * math.log(2.0) * 3.5), 3072)) == pytest.approx(3.5)
    assert dl.channels_needed(10, 3) == 100 and dl.channels_needed(5, 1) == 15
    with pytest.raises(ValueError, match="1 or 3 channels"):
        dl.channels_needed(10, 2)
    with pytest.raises(ValueError, match="parameters"):
        dl.log_prob(torch.zeros(1, 3, 2, 2), torch.zeros(1, 11, 2, 2))
    with pytest.raises(ValueError, match="sample mode"):
        dl.sample(torch.zeros(1, 30, 2, 2), 3, mode="median")


def test_mean_samples_are_the_best_component_s_coupled_mean_and_quantised():
    p = torch.zeros(1, 20, 1, 1)                                    # two components
    p[:, 0], p[:, 1] = 0.0, 5.0                                     # the second is the likeliest
    p[:, 2:8] = torch.tensor([0.1, 0.9, 0.2, 0.3, 0.4, 0.5]).view(1, 6, 1, 1)   # means, component by component
    x = dl.sample(p, 3)
    # component 1's means (0.3, 0.4, 0.5); no coupling (tanh(0) = 0)
    torch.testing.assert_close(x.view(3), torch.round(torch.tensor([0.3, 0.4, 0.5]) * 255) / 255)
    g = torch.Generator().manual_seed(0)
    drawn = dl.sample(gray_params(dtype=torch.float32).expand(500, -1, -1, -1), 1, "sample", g)
    assert drawn.shape == (500, 1, 1, 1) and torch.allclose(drawn * 255, (drawn * 255).round())
    assert drawn.std() > 0
