"""OOD scores and AUROC against Monte Carlo, the bound's properties and known cases; residual nets."""

import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from companion.core.nets import residual_vae
from companion.core.objectives import sse
from companion.core.ood_scores import auroc, elbo_score, iw_log_likelihood


def small_model(shape=(1, 28, 28)):
    torch.manual_seed(0)
    return residual_vae(shape, 4, (4, 8)).eval()


def test_iw_log_likelihood_with_one_sample_is_an_unbiased_elbo_and_five_tighten_it():
    m, x = small_model(), torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    n = 1000
    with torch.no_grad():
        mu, logvar = m.encoder(x)
        q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
        p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
        z = q.sample((n,))
        rec = -sse(x.repeat(n, 1, 1, 1), m.decoder(z.reshape(-1, 4))).view(n, -1).mean(0)
        elbo = rec - kl_divergence(q, p)  # Monte-Carlo reconstruction, analytic KL
    g = torch.Generator().manual_seed(1)
    k1 = iw_log_likelihood(m, x.repeat(n, 1, 1, 1), m=1, batch_size=10_000, generator=g).view(n, -1).mean(0)
    torch.testing.assert_close(k1, elbo, atol=0.0, rtol=0.01)
    k5 = iw_log_likelihood(m, x.repeat(200, 1, 1, 1), m=5, batch_size=10_000, generator=g).view(200, -1).mean(0)
    assert torch.all(k5 >= k1)


def test_elbo_score_uses_unit_betas_and_the_analytic_kl():
    m, x = small_model(), torch.rand(4, 1, 28, 28)
    n = 1000
    score = elbo_score(m, x.repeat(n, 1, 1, 1), m=1, batch_size=10_000,
                       generator=torch.Generator().manual_seed(0)).view(n, -1).mean(0)
    many = elbo_score(m, x, m=n, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(score, many, rtol=1e-3, atol=0.5)


def test_auroc_known_cases():
    rng = np.random.default_rng(0)
    same = rng.normal(size=5000)
    assert auroc(same, same) == pytest.approx(0.5)
    assert auroc([5.0, 6.0, 7.0], [1.0, 2.0]) == 1.0
    assert auroc([1.0, 2.0], [5.0, 6.0, 7.0]) == 0.0  # OOD scores higher: the VAE's CIFAR-10 failure
    with pytest.raises(ValueError, match="at least one"):
        auroc([], [1.0])


@pytest.mark.parametrize("shape, channels", [((1, 28, 28), (8, 16)), ((3, 32, 32), (8, 16, 32))])
def test_residual_nets_shapes_for_both_image_sizes(shape, channels):
    m = residual_vae(shape, 6, channels)
    x = torch.rand(2, *shape)
    mu, logvar = m.encoder(x)
    assert mu.shape == logvar.shape == (2, 6)
    assert m.decoder(mu).shape == x.shape
    # spec §4.1: 28x28 with widths (64, 128) ends at 128 x 7 x 7; 32x32 with three widths at 4 x 4
    side = 7 if shape[1] == 28 else 4
    assert m.encoder.map_shape == m.decoder.map_shape == (channels[-1], side, side)


def test_mlp_vae_for_the_quick_28px_models():
    from companion.core.nets import image_mlp_vae

    m = image_mlp_vae((1, 28, 28), 32)
    x = torch.rand(3, 1, 28, 28)
    mu, _ = m.encoder(x)
    assert mu.shape == (3, 32) and m.decoder(mu).shape == x.shape and m.zdim == 32


def test_scores_come_in_cpu_sized_batches_from_one_set_of_draws():
    from companion.core.ood_scores import SCORE_BATCH, ood_scores

    m, x = small_model(), torch.rand(70, 1, 28, 28)
    calls = []
    m.decoder.register_forward_hook(lambda mod, inp, out: calls.append(inp[0].shape[0]))
    scores = ood_scores(m, x, 5, generator=torch.Generator().manual_seed(0))
    per_batch = SCORE_BATCH["cpu"]
    assert calls == [5 * per_batch, 5 * per_batch, 5 * (70 - 2 * per_batch)]  # one decoder pass per batch
    assert scores["elbo"].shape == scores["iw"].shape == (70,)
    # with one draw, IW - ELBO = log p(z) - log q(z|x) + KL: zero on average, not per image
    one = ood_scores(m, x.repeat(300, 1, 1, 1), 1, batch_size=10_000, generator=torch.Generator().manual_seed(1))
    assert abs(float((one["iw"] - one["elbo"]).mean())) < 0.01  # standard error ~0.0006
