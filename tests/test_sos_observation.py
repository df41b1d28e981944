"""SOS-VAE's observation model and constraints against independent computations: the low-rank
Gaussian's log-density and entropy against a dense MultivariateNormal at D = 784 in float64, the
Woodbury conditional mean against a dense solve, slerp's endpoints and norms, the principal
directions, and the multipliers' step."""

import math

import pytest
import torch
from torch.distributions import MultivariateNormal

from companion.papers.sos_vae import constraints as mdmm
from companion.papers.sos_vae import observation as obs


def _factor(b=2, d=784, r=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(b, d, generator=g, dtype=torch.float64),
            0.05 * torch.randn(b, d, r, generator=g, dtype=torch.float64), g)


def test_low_rank_log_prob_and_entropy_match_a_dense_gaussian_at_d_784():
    mean, factor, g = _factor()
    x = mean + 0.1 * torch.randn(mean.shape, generator=g, dtype=torch.float64)
    dist = obs.low_rank_normal(mean, factor, 1e-3)
    cov = factor @ factor.transpose(1, 2) + 1e-3 * torch.eye(784, dtype=torch.float64)
    dense = MultivariateNormal(mean, covariance_matrix=cov)
    torch.testing.assert_close(dist.log_prob(x), dense.log_prob(x), rtol=1e-9, atol=1e-6)
    torch.testing.assert_close(dist.entropy(), dense.entropy(), rtol=1e-9, atol=1e-6)
    # the part of the entropy P controls: H = D/2 (1 + log 2π + log d) + ΔH
    constant = 784 / 2 * (1 + math.log(2 * math.pi) + math.log(1e-3))
    torch.testing.assert_close(obs.entropy_excess(factor, 1e-3) + constant, dense.entropy())


def test_samples_have_the_model_covariance_and_the_helpers_read_it():
    mean, factor, g = _factor(b=1, d=6, r=2)
    factor = factor * 20
    x = obs.sample(mean.expand(200_000, -1), factor.expand(200_000, -1, -1), 1e-2, generator=g)
    cov = factor[0] @ factor[0].T + 1e-2 * torch.eye(6, dtype=torch.float64)
    torch.testing.assert_close(torch.cov(x.T), cov, atol=0.01, rtol=0.02)
    torch.testing.assert_close(obs.variance_map(factor, 1e-2)[0], torch.diagonal(cov))
    torch.testing.assert_close(obs.covariance_row(factor, 3, 1e-2)[0], cov[3])


def test_the_woodbury_conditional_mean_matches_a_dense_solve():
    mean, factor, g = _factor(b=1, d=300, r=8)
    mean, factor = mean[0], factor[0]
    edited = torch.zeros(300, dtype=torch.bool)
    edited[40:72] = True
    values = torch.rand(32, generator=g, dtype=torch.float64)
    cov = factor @ factor.T + 1e-3 * torch.eye(300, dtype=torch.float64)
    s12, s22 = cov[~edited][:, edited], cov[edited][:, edited]
    dense = mean[~edited] + s12 @ torch.linalg.solve(s22, values - mean[edited])
    out = obs.conditional_mean(mean, factor, edited, values, 1e-3)
    torch.testing.assert_close(out[~edited], dense, rtol=1e-8, atol=1e-8)
    assert torch.equal(out[edited], values)


def test_slerp_keeps_endpoints_and_the_norm_of_orthogonal_unit_vectors():
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    torch.testing.assert_close(obs.slerp(a, b, 0.0), a)
    torch.testing.assert_close(obs.slerp(a, b, 1.0), b)
    t = torch.linspace(0, 1, 7)
    path = obs.slerp(a.expand(7, 3), b.expand(7, 3), t)
    torch.testing.assert_close(path.norm(dim=-1), torch.ones(7))
    torch.testing.assert_close(obs.slerp(a, b, 0.5), torch.tensor([1.0, 1.0, 0.0]) / math.sqrt(2))
    torch.testing.assert_close(obs.slerp(a, 2 * a, 0.5), 1.5 * a)             # parallel: the straight line


def test_unit_scales_of_the_principal_directions_give_back_the_sample():
    mean, factor, g = _factor(b=2, d=50, r=4)
    eps = torch.randn(2, 4, generator=g, dtype=torch.float64)
    plain = obs.sample(mean, factor, eps_factor=eps, eps_diag=torch.zeros_like(mean))
    torch.testing.assert_close(obs.scaled_sample(mean, factor, eps, torch.ones(2, 4, dtype=torch.float64)), plain)
    u, s, _ = obs.principal_directions(factor)
    assert torch.all(s[:, :-1] >= s[:, 1:])
    torch.testing.assert_close(u.transpose(1, 2) @ u, torch.eye(4, dtype=torch.float64).expand(2, 4, 4))


def test_a_multiplier_moves_by_the_constraint_gap_and_is_clamped_at_zero():
    c = mdmm.Constraints({"kl": 5.0}, reduction="mean")
    value = torch.tensor([7.0, 9.0], requires_grad=True)                      # mean 8: 3 above the target
    penalty, gaps = c.penalty({"kl": value})
    c.zero_grad()
    penalty.backward()
    c.step()
    assert gaps["kl"] == pytest.approx(3.0) and c.values()["kl"] == pytest.approx(3.0)
    # the model's gradient: (λ + damping · gap) ∂C/∂v = (0 + 10 · 3) / 2 per image
    torch.testing.assert_close(value.grad, torch.full((2,), 15.0))
    below, _ = c.penalty({"kl": torch.tensor([0.0, 0.0])})                    # 5 below: λ 3 − 5 → clamped to 0
    c.zero_grad()
    below.backward()
    c.step()
    assert c.values()["kl"] == 0.0
    summed = mdmm.Constraints({"kl": 5.0}, reduction="sum")
    assert summed.penalty({"kl": torch.tensor([7.0, 9.0])})[1]["kl"] == pytest.approx(6.0)


def test_the_multipliers_drive_a_quantity_to_its_target():
    theta = torch.nn.Parameter(torch.tensor([3.0]))
    opt = torch.optim.SGD([theta], lr=0.01)
    c = mdmm.Constraints({"kl": 2.0}, reduction="mean")
    for _ in range(3000):
        kl = theta.pow(2)                                                        # the loss alone would grow it
        penalty, _ = c.penalty({"kl": kl})
        loss = -0.5 * kl.mean() + penalty
        opt.zero_grad()
        c.zero_grad()
        loss.backward()
        opt.step()
        c.step()
    assert float(theta.detach().pow(2)) == pytest.approx(2.0, abs=0.01)
    assert c.values()["kl"] == pytest.approx(0.5, abs=0.02)                     # λ = ∂loss/∂C at the optimum


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="reduction"):
        mdmm.Constraints({"kl": 1.0}, reduction="max")
    with pytest.raises(ValueError, match="factor must be"):
        obs.low_rank_normal(torch.zeros(2, 5), torch.zeros(2, 4, 3))
