"""2D metrics: the paper-compatible histogram KL/JSD by hand, the normalised ones, gnELBO."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from companion.core.metrics import (
    energy,
    gnelbo,
    grid_points,
    hist_jsd_normalised,
    hist_jsd_paper,
    hist_kl_normalised,
    hist_kl_paper,
    histogram_density,
    modes_covered,
    off_support_fraction,
    off_support_mass,
)

P = np.array([[0.5, 0.0], [1.0, 0.5]])
Q = np.array([[1.0, 1.0], [0.0, 0.0]])


def test_paper_kl_by_hand():
    # (1/2 rows) * sum_{P>0} P (log P - log(Q + 1e-14))
    want = 0.5 * (0.5 * (math.log(0.5) - math.log(1.0 + 1e-14))
                  + 1.0 * (math.log(1.0) - math.log(1e-14))
                  + 0.5 * (math.log(0.5) - math.log(1e-14)))
    assert hist_kl_paper(P, Q) == pytest.approx(want, rel=1e-12)


def test_paper_kl_and_jsd_match_torch_kl_div_batchmean():
    rng = np.random.default_rng(0)
    A = rng.random((5, 5)) * (rng.random((5, 5)) > 0.4)
    B = rng.random((5, 5)) * (rng.random((5, 5)) > 0.4)
    tA, tB = torch.tensor(A), torch.tensor(B)
    kl = F.kl_div(torch.log(tB + 1e-14), tA, reduction="batchmean").item()
    assert hist_kl_paper(A, B) == pytest.approx(kl, rel=1e-10)
    M = 0.5 * (tA + tB)
    jsd = 0.5 * (F.kl_div(torch.log(tA + 1e-14), M, reduction="batchmean")
                 + F.kl_div(torch.log(tB + 1e-14), M, reduction="batchmean")).item()
    assert hist_jsd_paper(A, B) == pytest.approx(jsd, rel=1e-10)


def test_paper_jsd_by_hand():
    M = 0.5 * (P + Q)
    total = 0.0
    for m, p, q in zip(M.ravel(), P.ravel(), Q.ravel()):
        if m > 0:
            total += m * ((math.log(m) - math.log(p + 1e-14)) + (math.log(m) - math.log(q + 1e-14)))
    assert hist_jsd_paper(P, Q) == pytest.approx(0.5 * total / 2, rel=1e-12)


def test_normalised_divergences_zero_for_identical_and_bounded():
    assert hist_kl_normalised(P, P) == pytest.approx(0.0, abs=1e-12)
    assert hist_jsd_normalised(P, P) == pytest.approx(0.0, abs=1e-12)
    disjoint_a, disjoint_b = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    assert hist_jsd_normalised(disjoint_a, disjoint_b, smoothing=0.0) == pytest.approx(math.log(2))
    assert hist_jsd_normalised(P, Q) == pytest.approx(hist_jsd_normalised(Q, P))


def test_histogram_density_integrates_to_one_inside_the_box():
    rng = np.random.default_rng(1)
    pts = rng.uniform(-1, 1, size=(1000, 2))
    h = histogram_density(pts, (-1.0, 1.0), bins=10)
    assert (h * (2 / 10) ** 2).sum() == pytest.approx(1.0)


def test_gnelbo_of_constant_energies_is_one_over_n():
    e_grid, e_data = torch.full((100,), 3.0), torch.full((28,), 3.0)
    assert gnelbo(e_grid, e_data) == pytest.approx(1 / 128)


def test_gnelbo_by_hand_and_extrapolated_grid():
    e_grid, e_data = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 4.0])
    assert gnelbo(e_grid, e_data) == pytest.approx(3.0 / 10.0)
    # a coarse grid standing for 10 points: grid sum = mean (2) * 10
    assert gnelbo(e_grid, e_data, n_grid_reference=10) == pytest.approx(3.0 / 26.0)


def test_grid_points_ij_order_and_endpoints():
    g = grid_points((-2.0, 2.0), 3)
    assert g.shape == (9, 2)
    assert torch.equal(g[1], torch.tensor([-2.0, 0.0]))  # 'ij': second point moves along y
    assert torch.equal(g[-1], torch.tensor([2.0, 2.0]))


def test_energy_is_unit_beta_deterministic_negative_elbo():
    class Enc(torch.nn.Module):
        def forward(self, x):
            return x * 0.5, torch.zeros_like(x)

    class Dec(torch.nn.Module):
        def forward(self, z):
            return z

    class M(torch.nn.Module):
        encoder, decoder = Enc(), Dec()

    x = torch.tensor([[2.0, 0.0]])
    # mu = (1, 0), logvar 0: KL = 0.5 * 1 = 0.5; D(mu) = (1, 0): sse = 1
    assert energy(M(), x).item() == pytest.approx(1.5)


def test_off_support_and_modes_covered():
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    pts = np.array([[0.0, 0.05], [0.0, -0.05], [0.1, 0.0], [5.0, 0.0]])
    assert off_support_fraction(pts, centres, radius=0.2) == pytest.approx(0.25)
    assert modes_covered(pts, centres, radius=0.2) == 1
    assert modes_covered(np.vstack([pts, [[10.0, 0.0]] * 3]), centres, radius=0.2) == 2


def test_off_support_mass_weights_points():
    centres = np.array([[0.0, 0.0]])
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.05, 0.0]])
    assert off_support_mass(pts, [2.0, 1.0, 1.0], centres, radius=0.1) == pytest.approx(0.25)


def test_frechet_distance_of_two_known_gaussians():
    from companion.core.metrics import frechet_distance

    a, b = np.array([1.0, 4.0]), np.array([9.0, 1.0])
    # diagonal covariances commute: sum (sqrt a - sqrt b)^2, plus the mean difference
    want = (3.0 ** 2 + 0.0) + ((1 - 3) ** 2 + (2 - 1) ** 2)
    assert frechet_distance([3.0, 0.0], np.diag(a), [0.0, 0.0], np.diag(b)) == pytest.approx(want)
    s = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert frechet_distance([1.0, 2.0], s, [1.0, 2.0], s) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_of_features_recovers_a_shift():
    from companion.core.metrics import frechet_distance_of_features

    rng = np.random.default_rng(0)
    f = rng.normal(size=(20000, 3))
    assert frechet_distance_of_features(f, f + np.array([2.0, 0.0, 0.0])) == pytest.approx(4.0, rel=1e-6)


def test_frechet_distance_matches_the_matrix_square_root_form_and_survives_singular_covariances():
    from scipy import linalg

    from companion.core.metrics import frechet_distance

    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    s1, s2 = a @ a.T + 0.1 * np.eye(4), b @ b.T + 0.1 * np.eye(4)
    m1, m2 = rng.normal(size=4), rng.normal(size=4)
    want = ((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.real(linalg.sqrtm(s1 @ s2)))
    assert frechet_distance(m1, s1, m2, s2) == pytest.approx(want, rel=1e-8)
    dead = np.diag([1.0, 2.0, 0.0])  # a feature that is always zero (dead ReLU)
    assert frechet_distance(np.zeros(3), dead, np.zeros(3), dead) == pytest.approx(0.0, abs=1e-7)
