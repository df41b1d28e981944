"""ELBO terms against torch.distributions and closed forms."""

import torch
from torch.distributions import Independent, Normal, kl_divergence

from companion.objectives import kl_normal, neg_elbo, reparameterize, sse


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(6, 4), torch.randn(6, 4)
    q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    p = Independent(Normal(torch.zeros(4), torch.ones(4)), 1)
    torch.testing.assert_close(kl_normal(mu, logvar), kl_divergence(q, p))


def test_kl_is_zero_at_the_prior():
    assert torch.all(kl_normal(torch.zeros(3, 2), torch.zeros(3, 2)) == 0)


def test_sse_sums_over_all_input_dimensions():
    x = torch.zeros(2, 3, 4, 4)
    xh = torch.ones(2, 3, 4, 4)
    assert torch.equal(sse(x, xh), torch.tensor([48.0, 48.0]))


def test_reparameterisation_has_the_right_moments():
    torch.manual_seed(0)
    mu, logvar = torch.full((200_000, 1), 1.5), torch.full((200_000, 1), 2 * torch.log(torch.tensor(0.3)))
    z = reparameterize(mu, logvar)
    assert abs(z.mean() - 1.5) < 0.01 and abs(z.std() - 0.3) < 0.01


def test_neg_elbo_weights():
    assert neg_elbo(torch.tensor(2.0), torch.tensor(3.0), 0.5, 2.0).item() == 7.0
