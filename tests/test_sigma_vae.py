"""sigma-VAE objectives and estimators against torch.distributions, closed forms and Monte Carlo."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from companion.core.likelihoods import GlobalVariance
from companion.core.nets import image_vae_nets
from companion.core.objectives import dip_vae_i_penalty, mmd_imq
from companion.papers.sigma_vae.method import (
    SigmaVAE,
    elbo_terms,
    finish_stage_one,
    gaussian_neg_elbo,
    iwae_log_likelihood,
    make_step,
    start_stage_two,
)

SHAPE = (1, 6, 6)


def model(mode="fixed", sigma2=0.5, zdim=3, arch="mlp"):
    torch.manual_seed(0)
    enc, dec = image_vae_nets(arch, (1, 8, 8) if arch == "conv" else SHAPE, zdim)
    return SigmaVAE(enc, dec, GlobalVariance(mode, sigma2))


def images(n=16, shape=SHAPE):
    return torch.rand(n, *shape, generator=torch.Generator().manual_seed(1))


def reference_neg_elbo(m, x, var_fn):
    """-ELBO with the same reparameterised draw, through torch.distributions only."""
    torch.manual_seed(5)
    mu, logvar = m.encoder(x)
    q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
    mean, head = m.decoder(z, with_variance=True)
    var = var_fn(mean, head, x)
    log_px = Independent(Normal(mean, var.sqrt().expand_as(mean)), 3).log_prob(x)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return (-log_px + kl_divergence(q, prior)).mean()


@pytest.mark.parametrize("mode", ["fixed", "adam", "closed_form"])
def test_stage_one_loss_is_the_negative_elbo(mode):
    m, x = model(mode, 0.2), images()
    torch.manual_seed(5)
    got = gaussian_neg_elbo(m, x)["loss"]
    var = {"fixed": lambda mean, h, x: torch.tensor(0.2),
           "adam": lambda mean, h, x: torch.tensor(1.0),  # sigma = 1 at the start (Alg. 1)
           "closed_form": lambda mean, h, x: ((x - mean) ** 2).mean().detach()}[mode]
    torch.testing.assert_close(got, reference_neg_elbo(m, x, var))


def test_stage_two_uses_per_pixel_variance_with_the_floor():
    m, x = model("closed_form"), images()
    m.sigma2_dataset.fill_(0.04)
    m.stage.fill_(2)
    torch.manual_seed(5)
    got = gaussian_neg_elbo(m, x)
    want = reference_neg_elbo(m, x, lambda mean, h, x: torch.nn.functional.softplus(h) + 0.02)
    torch.testing.assert_close(got["loss"], want)
    got["loss"].backward()
    assert m.decoder.var_head.weight.grad.abs().sum() > 0


def test_gradients_reach_the_right_parameters():
    m, x = model("adam"), images()
    gaussian_neg_elbo(m, x)["loss"].backward()
    assert m.variance.log_sigma.grad is not None and m.variance.log_sigma.grad != 0
    assert m.decoder.var_head.weight.grad is None  # stage 1 never uses the variance head
    m2 = model("closed_form")
    gaussian_neg_elbo(m2, x)["loss"].backward()  # the closed form is a stop-gradient value
    assert m2.variance.log_sigma is None


def test_finish_stage_one_sets_sigma2_dataset_per_mode():
    x = images(64)
    assert finish_stage_one(model("fixed", 0.3), x) == pytest.approx(0.3)
    m = model("adam")
    with torch.no_grad():
        m.variance.log_sigma.fill_(math.log(0.2))
    assert finish_stage_one(m, x) == pytest.approx(0.04, rel=1e-5)
    m = model("closed_form")
    s2 = finish_stage_one(m, x, torch.Generator().manual_seed(0))
    with torch.no_grad():  # Eq. 9 over the data: the mean squared error per pixel
        mu, logvar = m.encoder(x)
        eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(0))
        mse = ((m.decoder(mu + eps * (0.5 * logvar).exp()) - x) ** 2).mean().item()
    assert s2 == pytest.approx(mse, rel=1e-5) and float(m.sigma2_dataset) == pytest.approx(mse, rel=1e-5)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_stage_two_starts_where_stage_one_ended(arch):
    """Alg. 1 continues from the optimised values: the first stage-2 variance is sigma^2_dataset at
    every pixel, so the ELBO does not jump when the per-pixel head switches on."""
    shape = (1, 8, 8) if arch == "conv" else SHAPE
    m = model("closed_form", arch=arch)
    x = images(32, shape)
    s2 = finish_stage_one(m, x)
    z = torch.randn(5, 3)
    before = m.log_px_given_z(x[:5], z)
    start_stage_two(m)
    assert int(m.stage) == 2
    _, var = m.observation(z)
    torch.testing.assert_close(var, torch.full_like(var, s2))
    torch.testing.assert_close(m.log_px_given_z(x[:5], z), before)
    with pytest.raises(ValueError, match="finish stage 1"):
        start_stage_two(model("closed_form", arch=arch))


def test_elbo_terms_posthoc_variance_never_lowers_the_elbo():
    m, x = model("fixed", 0.001), images(64)
    finish_stage_one(m, x)
    t = elbo_terms(m, x, generator=torch.Generator().manual_seed(0))
    assert t["elbo_posthoc"] >= t["elbo"]
    assert t["mse"] > 0 and t["kl"] > 0


def test_log_px_given_z_matches_the_gaussian_nll():
    m, x = model("fixed", 0.3), images(4)
    finish_stage_one(m, x)
    z = torch.randn(4, 3)
    want = Independent(Normal(m.decoder(z), math.sqrt(0.3)), 3).log_prob(x)
    torch.testing.assert_close(m.log_px_given_z(x, z), want)


def test_iwae_with_one_sample_is_an_unbiased_elbo_and_more_samples_tighten_it():
    m, x = model("fixed", 0.3), images(8)
    finish_stage_one(m, x)
    n = 4000
    with torch.no_grad():
        mu, logvar = m.encoder(x)
        q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
        p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
        z = q.sample((n,))  # Monte-Carlo ELBO with the analytic KL
        rec = m.log_px_given_z(x.repeat(n, 1, 1, 1), z.reshape(-1, 3)).view(n, -1).mean(0)
        elbo = rec - kl_divergence(q, p)
    g = torch.Generator().manual_seed(0)
    k1 = iwae_log_likelihood(m, x.repeat(n, 1, 1, 1), 1, generator=g).view(n, -1).mean(0)
    torch.testing.assert_close(k1, elbo, atol=0.15, rtol=0)
    k20 = iwae_log_likelihood(m, x.repeat(200, 1, 1, 1), 20, generator=g).view(200, -1).mean(0)
    assert torch.all(k20 > k1)


def test_iwae_with_the_prior_as_latent_density_is_the_default():
    m, x = model("fixed", 0.3), images(5)
    finish_stage_one(m, x)
    prior = Independent(Normal(torch.zeros(3), torch.ones(3)), 1)
    a = iwae_log_likelihood(m, x, 7, generator=torch.Generator().manual_seed(3))
    b = iwae_log_likelihood(m, x, 7, prior, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b)


def test_conv_nets_shapes():
    m = model("fixed", arch="conv")
    x = images(3, (1, 8, 8))
    mu, logvar = m.encoder(x)
    mean, head = m.decoder(mu, with_variance=True)
    assert mu.shape == (3, 3) and mean.shape == x.shape and head.shape == x.shape
    assert 0 <= mean.min() and mean.max() <= 1


def test_dip_vae_penalty_against_numpy_covariance():
    mu = torch.randn(50, 4, generator=torch.Generator().manual_seed(0)) * torch.tensor([1.0, 2.0, 0.5, 1.0])
    c = np.cov(mu.numpy(), rowvar=False, bias=True)
    off = c - np.diag(np.diag(c))
    want = 3.0 * (off ** 2).sum() + 7.0 * ((np.diag(c) - 1) ** 2).sum()
    assert dip_vae_i_penalty(mu, 3.0, 7.0).item() == pytest.approx(want, rel=1e-4)


def test_mmd_matches_a_double_loop_and_separates_distributions():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g) + 1.0
    k = lambda x, y: sum(s * 4.0 / (s * 4.0 + ((x - y) ** 2).sum()) for s in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0))
    n = len(a)
    pairs = lambda u, v, same: [k(u[i], v[j]) for i in range(n) for j in range(n) if not (same and i == j)]
    want = (np.mean(pairs(a, a, True)) + np.mean(pairs(b, b, True)) - 2 * np.mean(pairs(a, b, False)))
    assert mmd_imq(a, b).item() == pytest.approx(float(want), rel=1e-5)
    same = mmd_imq(torch.randn(500, 2, generator=g), torch.randn(500, 2, generator=g)).item()
    shifted = mmd_imq(torch.randn(500, 2, generator=g), torch.randn(500, 2, generator=g) + 1).item()
    assert abs(same) < 0.02 < shifted


def test_a_step_lowers_the_loss_and_bad_objectives_are_refused():
    m, x = model("closed_form"), images(32)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    step = make_step(m, opt, "gaussian")
    first = [step(x, i)["loss"].item() for i in range(30)]
    assert first[-1] < first[0]
    with pytest.raises(ValueError, match="unknown objective"):
        make_step(m, opt, "vqvae")
