"""Gaussian observation models against torch.distributions and the closed-form identities."""

import math

import pytest
import torch
from torch.distributions import Independent, Normal

from companion.core.likelihoods import (
    GlobalVariance,
    closed_form_variance,
    gaussian_nll,
    pixel_variance,
    profile_neg_elbo,
)

torch.manual_seed(0)
X = torch.rand(5, 1, 4, 4)
MEAN = torch.rand(5, 1, 4, 4)


def test_global_variance_nll_matches_independent_normal():
    var = torch.tensor(0.3)
    want = -Independent(Normal(MEAN, var.sqrt().expand_as(MEAN)), 3).log_prob(X)
    torch.testing.assert_close(gaussian_nll(X, MEAN, var), want)


def test_per_pixel_variance_nll_matches_independent_normal():
    var = torch.rand_like(X) + 0.05
    want = -Independent(Normal(MEAN, var.sqrt()), 3).log_prob(X)
    torch.testing.assert_close(gaussian_nll(X, MEAN, var), want)


def test_closed_form_variance_maximises_the_elbo_and_gives_the_profile_identity():
    sse = (X - MEAN).pow(2).flatten(1).sum(1)
    d = X[0].numel()
    s2 = closed_form_variance(sse, d)
    assert s2.item() == pytest.approx(((X - MEAN) ** 2).mean().item())
    nll = lambda v: gaussian_nll(X, MEAN, v).mean()
    assert nll(s2) < nll(s2 * 1.1) and nll(s2) < nll(s2 * 0.9)
    kl = torch.tensor([0.5, 1.0, 1.5, 2.0, 2.5])
    # spec §1.3: substituting sigma*^2 gives d/2 (log(2 pi sigma*^2) + 1) + mean KL
    torch.testing.assert_close(profile_neg_elbo(sse, kl, d), nll(s2) + kl.mean())
    assert profile_neg_elbo(sse, kl, d).item() == pytest.approx(
        0.5 * d * (math.log(2 * math.pi * s2.item()) + 1) + 1.5, rel=1e-6)


def test_global_variance_modes():
    sse = torch.tensor([8.0, 24.0])
    assert GlobalVariance("fixed", 0.5)(sse, 16).item() == 0.5
    learned = GlobalVariance("adam")
    assert learned(sse, 16).item() == 1.0 and learned.log_sigma.requires_grad  # sigma = 1 at start
    closed = GlobalVariance("closed_form")
    assert closed(sse, 16).item() == pytest.approx(1.0)  # mean SSE 16 over 16 pixels
    with pytest.raises(ValueError, match="unknown sigma"):
        GlobalVariance("bayes")
    with pytest.raises(ValueError, match="must be positive"):
        GlobalVariance("fixed", 0.0)


def test_pixel_variance_has_the_stage_two_floor():
    head = torch.tensor([-50.0, 0.0, 3.0])
    v = pixel_variance(head, sigma2_dataset=0.04)
    assert torch.all(v >= torch.tensor(0.02)) and v[0].item() == pytest.approx(0.02, rel=1e-6)
    with pytest.raises(ValueError, match="positive"):
        pixel_variance(head, 0.0)
