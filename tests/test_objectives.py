"""ELBO terms against torch.distributions and closed forms."""

import torch
from torch.distributions import Independent, Normal, kl_divergence

from companion.core.objectives import kl_normal, neg_elbo, reparameterize, sse


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


def test_iwae_bound_equals_elbo_for_one_sample_and_is_above_it_otherwise():
    from companion.core.objectives import iwae_bound

    torch.manual_seed(1)
    log_w = torch.randn(100, 20) * 3
    torch.testing.assert_close(iwae_bound(log_w[:, :1]), log_w[:, 0])
    assert torch.all(iwae_bound(log_w) >= log_w.mean(1))  # Jensen, per image
    # a model's importance weights: the bound grows with K on average
    mu, sd = torch.zeros(1), torch.ones(1)
    x = torch.tensor([0.7])
    z = torch.randn(2000, 8) * 0.8 + 0.3  # q(z|x) = N(0.3, 0.8^2)
    log_q = Normal(0.3, 0.8).log_prob(z)
    log_w = Normal(z, 1.0).log_prob(x) + Normal(mu, sd).log_prob(z) - log_q
    assert iwae_bound(log_w).mean() > iwae_bound(log_w[:, :1]).mean()
    true = Normal(0.0, 2 ** 0.5).log_prob(x)  # x = z + noise, z ~ N(0, 1)
    assert iwae_bound(log_w).mean() < true + 1e-3
