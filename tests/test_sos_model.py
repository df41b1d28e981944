"""SOS-VAE's model and its spatial-noise score: shapes, the authors' initialisation, the terms
against torch.distributions, the mean-only pre-training, the lag-1 autocorrelation on fields
with a known correlation, the distribution-only fit against probabilistic PCA's closed form, and the
conv ResNet of the full profile (shapes, the authors' factor layout)."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Independent, LowRankMultivariateNormal, Normal

from companion.papers.sos_vae.model import ObservationVAE, kl_closed_form
from companion.papers.sos_vae.spatial import lag1_autocorrelation


@pytest.mark.parametrize("observation", ["low_rank", "diagonal"])
def test_terms_shapes_and_the_authors_initialisation(observation):
    torch.manual_seed(0)
    model = ObservationVAE((1, 8, 8), zdim=3, rank=4, observation=observation, hidden=(32, 16))
    x = torch.rand(5, 1, 8, 8)
    terms = model.terms(x)
    assert terms["rec"].shape == terms["kl"].shape == (5,)
    assert all(torch.isfinite(v).all() for v in terms.values())
    mean, noise = model.decode(torch.randn(5, 3))
    assert torch.allclose(mean, torch.full_like(mean, 0.5), atol=1e-3)       # bias 0.5, weights ~1e-5
    if observation == "low_rank":
        assert noise.shape == (5, 64, 4) and noise.abs().max() < 1e-3 and terms["entropy"].shape == (5,)
    else:
        torch.testing.assert_close(noise, torch.full_like(noise, 2e-5), rtol=1e-3, atol=0)
    gen = model.generate(6, torch.Generator().manual_seed(1))
    assert gen["mean"].shape == gen["sample"].shape == (6, 64)


def test_the_terms_equal_torch_distributions_for_the_same_draw():
    torch.manual_seed(0)
    model = ObservationVAE((1, 6, 6), zdim=2, rank=3, hidden=(16,))
    with torch.no_grad():
        model.noise_head.weight.normal_(0, 0.1)
    x = torch.rand(4, 1, 6, 6)
    torch.manual_seed(5)
    terms = model.terms(x)
    torch.manual_seed(5)
    q = model.posterior(x)
    z = q.rsample()
    mean, factor = model.decode(z)
    dist = LowRankMultivariateNormal(mean, factor, torch.full_like(mean, 1e-5))
    torch.testing.assert_close(terms["rec"], -dist.log_prob(x.flatten(1)))
    torch.testing.assert_close(terms["kl"], kl_closed_form(q.mean, q.variance))
    constant = 36 / 2 * (1 + math.log(2 * math.pi) + math.log(1e-5))
    torch.testing.assert_close(terms["entropy"] + constant, dist.entropy(), rtol=1e-5, atol=1e-3)


def test_the_baseline_is_a_pixel_independent_gaussian():
    torch.manual_seed(0)
    model = ObservationVAE((1, 4, 4), zdim=2, observation="diagonal", hidden=(8,))
    x = torch.rand(3, 1, 4, 4)
    torch.manual_seed(2)
    rec = model.terms(x)["rec"]
    torch.manual_seed(2)
    mean, var = model.decode(model.posterior(x).rsample())
    torch.testing.assert_close(rec, -Independent(Normal(mean, var.sqrt()), 1).log_prob(x.flatten(1)))


def test_mean_only_pre_training_freezes_the_noise_head_but_not_the_mean():
    model = ObservationVAE((1, 4, 4), zdim=2, rank=2, hidden=(8,))
    model.freeze_noise()
    model.terms(torch.rand(3, 1, 4, 4))["rec"].mean().backward()
    assert model.noise_head.weight.grad is None and model.mean_head.weight.grad is not None
    model.freeze_noise(False)
    assert model.noise_head.weight.requires_grad
    with pytest.raises(ValueError, match="unknown observation"):
        ObservationVAE(observation="full")


def _ar_field(rho, n=400, size=40, seed=0):
    """A separable AR(1) Gaussian field: neighbouring pixels correlate by rho along both axes."""
    g = torch.Generator().manual_seed(seed)
    f = torch.randn(n, size + 20, size + 20, generator=g, dtype=torch.float64)
    for axis in (1, 2):
        f = f.movedim(axis, 0).clone()
        for i in range(1, f.shape[0]):
            f[i] = rho * f[i - 1] + math.sqrt(1 - rho ** 2) * f[i]
        f = f.movedim(0, axis)
    return f[:, 20:, 20:]


def test_lag1_autocorrelation_is_zero_for_white_noise_and_rho_for_an_ar_field():
    white = torch.randn(400, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert abs(lag1_autocorrelation(white)) < 0.01
    assert lag1_autocorrelation(_ar_field(0.7)) == pytest.approx(0.7, abs=0.02)
    smooth = torch.nn.functional.avg_pool2d(white, 3, 1, 1)                  # a 3 x 3 box blur: 2/3 in theory
    assert lag1_autocorrelation(smooth) == pytest.approx(2 / 3, abs=0.03)
    with pytest.raises(ValueError, match="residual images"):
        lag1_autocorrelation(torch.zeros(3, 1))


def test_the_distribution_alone_recovers_probabilistic_pca():
    from companion.papers.sos_vae import distribution_only as free

    g = torch.Generator().manual_seed(0)
    basis = torch.linalg.qr(torch.randn(20, 3, generator=g))[0]
    x = 0.5 + (torch.randn(4000, 3, generator=g) * torch.tensor([0.3, 0.2, 0.1])) @ basis.T
    x = x + 1e-3 * torch.randn(x.shape, generator=g)
    model, history = free.fit_free_gaussian(x, 3, steps=100, diagonal=1e-5)
    pca = free.pca_of_same_rank(x, 3)
    closed = free.closed_form_spectrum(pca, len(x), 1e-5)
    np.testing.assert_allclose(model.spectrum(), closed, rtol=0.05)
    assert free.converged(history)[0]
    samples = free.pca_samples(pca, 5000)
    low_rank = pca.get_covariance() - pca.noise_variance_ * np.eye(20)
    np.testing.assert_allclose(np.cov(samples.T)[:3, :3], low_rank[:3, :3], atol=0.01)


def test_the_likelihood_from_data_statistics_is_the_mean_log_prob():
    """`mean_log_likelihood` (mean and covariance only) against torch's LowRankMultivariateNormal
    over the images themselves, value and gradients, float64; a wrong diagonal fails it."""
    from torch.distributions import LowRankMultivariateNormal

    from companion.papers.sos_vae import distribution_only as free

    g = torch.Generator().manual_seed(1)
    x = torch.rand(300, 1, 7, 7, generator=g, dtype=torch.float64)
    stats = free.DataStatistics.of(x)
    mean = (0.4 + 0.1 * torch.randn(49, generator=g, dtype=torch.float64)).requires_grad_()
    factor = (0.2 * torch.randn(49, 4, generator=g, dtype=torch.float64)).requires_grad_()
    got = free.mean_log_likelihood(mean, factor, 1e-2, stats)
    want = LowRankMultivariateNormal(mean, factor, torch.full_like(mean, 1e-2)).log_prob(x.flatten(1)).mean()
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-9)
    grads = torch.autograd.grad(got, (mean, factor))
    for a, b in zip(grads, torch.autograd.grad(want, (mean, factor))):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    assert abs(float(free.mean_log_likelihood(mean, factor, 2e-2, stats) - want)) > 1.0


def test_the_resnet_decoder_keeps_the_authors_factor_layout():
    """The factor head's R·C channels are read as [B, R, C·H·W] and transposed: P[b, c·H·W + p, r] is
    channel r·C + c at pixel p [authors' code]."""
    torch.manual_seed(0)
    model = ObservationVAE((3, 8, 8), zdim=4, rank=2, arch="resnet", width=4, halvings=1).eval()
    channels = torch.arange(6.0).view(1, 6, 1, 1).expand(2, 6, 8, 8)
    model.noise_head.register_forward_hook(lambda module, inputs, output: channels.clone())
    mean, factor = model.decode(torch.randn(2, 4))
    assert mean.shape == (2, 192) and factor.shape == (2, 192, 2)
    for c in range(3):
        for r in range(2):
            assert torch.all(factor[:, c * 64:(c + 1) * 64, r] == r * 3 + c)


@pytest.mark.parametrize("observation", ["low_rank", "diagonal"])
def test_the_resnet_model_has_the_shapes_and_the_initialisation_of_the_mlp_one(observation):
    torch.manual_seed(0)
    model = ObservationVAE((3, 16, 16), zdim=8, rank=3, observation=observation, arch="resnet", width=4, halvings=2)
    x = torch.rand(5, 3, 16, 16)
    m, raw = model.encoder(x)
    assert m.shape == raw.shape == (5, 8)
    assert model.trunk(torch.randn(5, 8)).shape == (5, 4, 16, 16)      # the first map 4 x 4, halved twice
    terms = model.terms(x)
    assert all(torch.isfinite(v).all() and v.shape == (5,) for v in terms.values())
    mean, noise = model.eval().decode(torch.randn(5, 8))
    assert torch.allclose(mean, torch.full_like(mean, 0.5), atol=1e-3)          # weights ~ N(0, 1e-10), bias 0.5
    if observation == "low_rank":
        assert noise.abs().max() < 1e-3                                            # P ≈ 0
    else:
        assert torch.allclose(noise, torch.full_like(noise, 2e-5), rtol=1e-2)     # softplus(softplus⁻¹(1e-5)) + 1e-5
    sample = model.generate(2)["sample"]
    assert sample.shape == (2, 768)


def test_the_resnet_rejects_sizes_it_cannot_halve():
    with pytest.raises(ValueError, match="not divisible"):
        ObservationVAE((3, 10, 10), arch="resnet", width=4, halvings=2)
    with pytest.raises(ValueError, match="halvings"):
        ObservationVAE((3, 64, 64), arch="resnet", width=4, halvings=4)
    with pytest.raises(ValueError, match="unknown architecture"):
        ObservationVAE(arch="densenet")
