"""The 2D generators: mode positions, spreads, counts (spec soft_introvae §2.1)."""

import math

import numpy as np
import pytest
import torch

from companion.core.data import EIGHT_GAUSSIANS_STD, TOY_DATASETS, eight_gaussians_centres, sample_toy, toy_box


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_eight_gaussians_modes_spread_and_balance():
    x = sample_toy("8gaussians", 40_000, generator=_gen())
    centres = eight_gaussians_centres()
    assert torch.allclose(centres.norm(dim=1), torch.full((8,), 2 / 1.414))
    d = torch.cdist(x, centres)
    nearest = d.argmin(1)
    counts = torch.bincount(nearest, minlength=8).float()
    assert counts.min() > 0.9 * 5000 and counts.max() < 1.1 * 5000  # uniform choice of centre
    offsets = x - centres[nearest]
    std = offsets.std(0)
    assert torch.allclose(std, torch.full((2,), 0.02 / 1.414), rtol=0.03)
    assert EIGHT_GAUSSIANS_STD == pytest.approx(0.02 / 1.414)


def test_spiral_two_symmetric_arms_and_even_count():
    x = sample_toy("spiral", 20_000, generator=_gen())
    assert x.shape == (20_000, 2)
    # mean of an arm: the second arm is the first mirrored through the origin, plus noise
    assert x.mean(0).abs().max() < 0.05
    r = x.norm(dim=1)
    assert r.max() < (3 * math.pi + 0.5 * math.sqrt(2)) / 3 + 0.6  # t < 3 pi, /3, noise 0.1
    with pytest.raises(ValueError, match="even"):
        sample_toy("spiral", 7)


def test_checkerboard_occupies_alternate_squares():
    x = sample_toy("checkerboard", 20_000, generator=_gen()) / 2  # back to unit squares
    assert x[:, 0].min() >= -2 and x[:, 0].max() <= 2
    cell = torch.floor(x[:, 0]) + torch.floor(x[:, 1])
    assert torch.all(torch.remainder(cell, 2) == 0)  # only the 8 "black" squares of the 4x4 board
    squares = set(map(tuple, torch.floor(x).int().tolist()))
    assert len(squares) == 8


def test_rings_radii_and_noise():
    x = sample_toy("rings", 40_000, generator=_gen())
    r = x.norm(dim=1).numpy()
    radii = np.array([3.0, 2.25, 1.5, 0.75])
    nearest = np.abs(r[:, None] - radii[None]).argmin(1)
    counts = np.bincount(nearest, minlength=4) / len(r)
    assert np.allclose(counts, 0.25, atol=0.02)
    resid = r - radii[nearest]
    assert abs(resid.std() - 0.08) < 0.01


def test_boxes_and_errors():
    assert toy_box("8gaussians") == (-2.0, 2.0)
    assert all(toy_box(d) == (-4.0, 4.0) for d in TOY_DATASETS if d != "8gaussians")
    with pytest.raises(ValueError, match="unknown 2D dataset 'moons'"):
        sample_toy("moons", 10)
    with pytest.raises(ValueError, match="positive"):
        sample_toy("rings", 0)


def test_same_generator_seed_same_points():
    a = sample_toy("rings", 100, generator=_gen(3))
    b = sample_toy("rings", 100, generator=_gen(3))
    assert torch.equal(a, b)
