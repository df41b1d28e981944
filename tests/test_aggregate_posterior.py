"""The aggregate posterior, its GMM approximation and the Monte-Carlo KL(q̂ || p)."""

import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal

from companion.core.aggregate_posterior import exact_aggregate_log_density, fit_gmm, kl_to_standard_normal, mixture


def test_kl_of_a_shifted_unit_gaussian_is_half_the_squared_shift():
    q = mixture([1.0], [[1.0, -2.0]], [np.eye(2)])
    mean, std = kl_to_standard_normal(q, n_samples=20_000, repeats=5)
    assert mean == pytest.approx(0.5 * (1 + 4), abs=0.05)  # closed form |mu|^2 / 2
    assert std < 0.05


def test_kl_of_the_prior_itself_is_zero():
    q = mixture([0.5, 0.5], [[0.0], [0.0]], [[[1.0]], [[1.0]]])
    mean, _ = kl_to_standard_normal(q, n_samples=5000, repeats=3)
    assert mean == pytest.approx(0.0, abs=1e-6)


def test_gmm_recovers_two_well_separated_clusters():
    torch.manual_seed(0)
    z = torch.cat([torch.randn(3000, 2) * 0.1 + 3, torch.randn(1000, 2) * 0.1 - 3])
    q = fit_gmm(z, n_components=2)
    weights = sorted(q.mixture_distribution.probs.tolist())
    assert weights == pytest.approx([0.25, 0.75], abs=0.01)
    means = sorted(q.component_distribution.mean[:, 0].tolist())
    assert means == pytest.approx([-3, 3], abs=0.02)
    with pytest.raises(ValueError, match="n_components"):
        fit_gmm(z, 0)


def test_exact_aggregate_density_is_the_mixture_of_posteriors():
    mu = torch.tensor([[0.0, 0.0], [2.0, 1.0], [-1.0, 3.0]])
    logvar = torch.tensor([[0.0, 0.0], [-1.0, 0.5], [0.3, -0.2]])
    z = torch.randn(50, 2)
    comps = [Independent(Normal(m, (0.5 * lv).exp()), 1) for m, lv in zip(mu, logvar)]
    want = torch.log(sum(c.log_prob(z).exp() for c in comps) / 3)
    torch.testing.assert_close(exact_aggregate_log_density(z, mu, logvar, chunk=7), want)


def test_a_mixture_moved_to_a_device_is_the_same_density():
    from companion.core.aggregate_posterior import on_device

    q = mixture([0.3, 0.7], [[0.0, 1.0], [2.0, -1.0]], [np.eye(2), [[2.0, 0.5], [0.5, 1.0]]])
    z = torch.randn(20, 2)
    torch.testing.assert_close(on_device(q, "cpu").log_prob(z), q.log_prob(z))


def test_narrow_posteriors_need_float64():
    """Posteriors of std 1e-3 around far-apart means (a small sigma^2's latent codes): the expanded
    quadratic form loses the density in float32; float64 matches torch.distributions."""
    torch.manual_seed(0)
    mu = torch.randn(200, 2, dtype=torch.float64) * 3
    logvar = torch.full_like(mu, 2 * np.log(1e-3))
    z = mu[:20] + 1e-3 * torch.randn(20, 2, dtype=torch.float64)
    comps = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    want = torch.logsumexp(comps.log_prob(z[:, None, :]), dim=1) - np.log(len(mu))
    torch.testing.assert_close(exact_aggregate_log_density(z, mu, logvar), want)
    err32 = (exact_aggregate_log_density(z.float(), mu.float(), logvar.float()).double() - want).abs().max()
    assert err32 > 1.0   # float32 is off by nats here, which is why the Table 1 images use float64


def _clustered(n, d, seed):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(6, d, generator=g) * 3
    spread = torch.randn(n, d, generator=g) * torch.rand(n, 1, generator=g)
    return centers[torch.randint(0, 6, (n,), generator=g)] + spread


@pytest.mark.parametrize("d, k", [(2, 8), (16, 12)])
def test_the_vectorised_em_is_scikit_learns_fit(d, k):
    """Same k-means start, same M-step and stopping rule: the same mixture as
    sklearn.mixture.GaussianMixture, up to float32 rounding of the returned distribution."""
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    z = _clustered(3000, d, seed=d)
    q = fit_gmm(z, k, seed=3)
    sk = SkGaussianMixture(k, covariance_type="full", reg_covar=1e-6, random_state=3).fit(z.double().numpy())
    np.testing.assert_allclose(q.mixture_distribution.probs.numpy(), sk.weights_, atol=1e-6)
    np.testing.assert_allclose(q.component_distribution.loc.numpy(), sk.means_, atol=1e-5)
    np.testing.assert_allclose(q.component_distribution.covariance_matrix.numpy(), sk.covariances_, atol=1e-5)


def test_em_on_collapsed_points_fails_with_a_clear_error():
    z = torch.zeros(200, 3)
    z[100:] = 1.0
    with pytest.raises(ValueError, match="at least n_components"):
        fit_gmm(z[:4], 8)
    with pytest.raises(ValueError, match="singular"):
        fit_gmm(z, 2, reg_covar=0.0)


def test_mixture_samples_follow_the_mixture():
    """The component-first sampler against the mixture's closed-form mean and covariance
    (law of total covariance) and its weights; and a 1-D mixture against its CDF (KS test)."""
    from scipy import stats

    weights = [0.2, 0.5, 0.3]
    means = [[0.0, 1.0], [3.0, -1.0], [-2.0, -2.0]]
    covs = [np.eye(2), [[2.0, 0.6], [0.6, 0.5]], [[0.3, -0.1], [-0.1, 0.2]]]
    q = mixture(weights, means, covs)
    torch.manual_seed(0)
    z = q.sample((200_000,)).double()
    w, m, c = (torch.tensor(np.asarray(a, dtype=float)) for a in (weights, means, covs))
    mean = w @ m
    cov = (w[:, None, None] * (c + m[:, :, None] * m[:, None, :])).sum(0) - mean[:, None] * mean[None, :]
    torch.testing.assert_close(z.mean(0), mean, atol=0.02, rtol=0)
    torch.testing.assert_close(torch.cov(z.T), cov, atol=0.03, rtol=0)
    q1 = mixture([0.3, 0.7], [[-1.0], [2.0]], [[[0.25]], [[1.0]]])
    x = q1.sample((5000,)).squeeze(1).numpy()
    cdf = lambda t: 0.3 * stats.norm.cdf(t, -1, 0.5) + 0.7 * stats.norm.cdf(t, 2, 1)
    assert stats.kstest(x, cdf).pvalue > 0.01
    # a single draw and a batch shape keep their shapes
    assert q.sample().shape == (2,) and q.sample((4, 5)).shape == (4, 5, 2)
    # the wrong distribution fails the same test: one component's weight moved
    wrong = mixture([0.5, 0.5], [[-1.0], [2.0]], [[[0.25]], [[1.0]]]).sample((5000,)).squeeze(1).numpy()
    assert stats.kstest(wrong, cdf).pvalue < 1e-6
