"""The selfVAE and its VAE baseline: shapes of every mode, the ELBO's bookkeeping, the
importance-weighted estimate with one sample equal to the ELBO, the conv RealNVP prior against an
autograd Jacobian, and a few training steps that lower the loss."""

import math

import pytest
import torch

from companion.core import discretized_logistic as dl
from companion.papers.selfvae.model import FlowPriorVAE, SketchSelfVAE, checkerboard, iw_log_likelihood, realnvp_prior
from companion.papers.selfvae.transforms import pencil_sketch


def sketch(x):
    return pencil_sketch(x).float() / 255.0


def images(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, 32, 32), generator=g).float() / 255.0


def test_checkerboard_masks_alternate():
    m = checkerboard((2, 4, 4))
    assert m.shape == (2, 4, 4) and m[0, 0, 0] == 1 and m[0, 0, 1] == 0
    assert torch.equal(m + checkerboard((2, 4, 4), True), torch.ones(2, 4, 4))


def test_conv_realnvp_inverts_and_its_log_det_matches_autograd():
    torch.manual_seed(0)
    flow = realnvp_prior((1, 2, 2), couplings=4, hidden=8)
    for p in flow.parameters():                      # move away from the identity start
        p.data.add_(0.3 * torch.randn_like(p))
    u = torch.randn(3, 1, 2, 2)
    z0, logdet = flow(u)
    torch.testing.assert_close(flow.inverse(z0), u, atol=1e-5, rtol=1e-5)
    for i in range(3):
        jac = torch.autograd.functional.jacobian(lambda v: flow(v.view(1, 1, 2, 2))[0].flatten(), u[i].flatten())
        torch.testing.assert_close(logdet[i], torch.linalg.slogdet(jac)[1], atol=1e-4, rtol=1e-4)
    assert flow.sample(5).shape == (5, 1, 2, 2)


def test_the_vae_s_terms_add_up_and_one_importance_sample_is_the_elbo():
    torch.manual_seed(0)
    model, x = FlowPriorVAE(latent_ch=2, mixtures=2, width=16, couplings=2), images()
    terms, pieces = model.terms(x, torch.Generator().manual_seed(1))
    torch.testing.assert_close(terms.neg_elbo, -(pieces["log_px"] + pieces["log_p"] - pieces["log_q"]))
    w = model.log_weights(x, 1, torch.Generator().manual_seed(1))
    torch.testing.assert_close(iw_log_likelihood(w), -terms.neg_elbo)       # K = 1: the same draw, the ELBO
    bpd = dl.bits_per_dim(terms.neg_elbo, 3 * 32 * 32)
    torch.testing.assert_close(bpd, (terms.re + terms.kl) / (3072 * math.log(2)))


def test_the_selfvae_s_elbo_is_eq_2_and_one_importance_sample_is_the_elbo():
    torch.manual_seed(0)
    model, x = SketchSelfVAE(sketch, latent_ch=2, mixtures=2, width=16, couplings=2), images()
    terms, p = model.terms(x, torch.Generator().manual_seed(2))
    eq2 = p["log_px"] + p["log_py"] - (p["log_qz"] - p["log_pz"]) - (p["log_qu"] - p["log_pu"])
    torch.testing.assert_close(-terms.neg_elbo, eq2)
    w = model.log_weights(x, 1, torch.Generator().manual_seed(2))
    torch.testing.assert_close(iw_log_likelihood(w), eq2, rtol=1e-5, atol=1e-3)
    more = iw_log_likelihood(model.log_weights(x, 16, torch.Generator().manual_seed(3)))
    assert torch.isfinite(more).all()


def test_every_mode_and_sample_has_its_shape_and_8_bit_values():
    torch.manual_seed(0)
    model, x = SketchSelfVAE(sketch, latent_ch=2, mixtures=2, width=16, couplings=2), images(3)
    out = model.modes(x, torch.Generator().manual_seed(0))
    assert out["sketch"].shape == out["rs1_sketch"].shape == (3, 1, 32, 32)
    for key in ("conditional_reconstruction", "conditional_generation", "rs1", "rs2"):
        assert out[key].shape == (3, 3, 32, 32)
        assert torch.allclose(out[key] * 255, (out[key] * 255).round())
    xs, ys = model.sample(2, torch.Generator().manual_seed(0))
    assert xs.shape == (2, 3, 32, 32) and ys.shape == (2, 1, 32, 32)
    vae = FlowPriorVAE(latent_ch=2, mixtures=2, width=16, couplings=2)
    assert vae.sample(2).shape == (2, 3, 32, 32) and vae.reconstruct(x).shape == (3, 3, 32, 32)


def test_a_few_steps_lower_both_losses():
    torch.manual_seed(0)
    x = images(16)
    for model in (FlowPriorVAE(2, 2, 16, 2), SketchSelfVAE(sketch, 2, 2, 16, 2)):
        opt = torch.optim.Adamax(model.parameters(), 2e-3)
        losses = []
        for _ in range(25):
            loss = model.terms(x)[0].neg_elbo.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]


def test_the_hierarchical_kl_sum_starts_at_level_one():
    from companion.papers.selfvae.model import hierarchical_terms

    t = lambda v: torch.tensor([v])
    level_one = {"log_p_next": t(-10.0), "log_qz": t(-2.0), "log_pz": t(-6.0)}
    one = hierarchical_terms(t(-5.0), t(-1.0), t(-3.0), [level_one])
    # Eq. 2 by hand: RE = 5 + 10, KL_u = -1 + 3, KL_z = -2 + 6
    assert float(one.re) == 15.0 and float(one.kl) == 6.0 and float(one.neg_elbo) == 21.0
    two = hierarchical_terms(t(-5.0), t(-1.0), t(-3.0), [
        {"log_p_next": t(-10.0), "log_qz": t(-2.0), "log_pz": t(-6.0)},   # z_1: the KL the printed k = 2 drops
        {"log_p_next": t(-20.0), "log_qz": t(-1.0), "log_pz": t(-2.0)}])
    assert float(two.kl) == 2.0 + 4.0 + 1.0 and float(two.re) == 35.0
    with pytest.raises(ValueError, match="at least one level"):
        hierarchical_terms(t(0.0), t(0.0), t(0.0), [])


def test_the_nets_take_64_pixel_images_and_reject_other_sizes():
    torch.manual_seed(0)
    x = torch.randint(0, 256, (2, 3, 64, 64)).float() / 255
    model = SketchSelfVAE(sketch, latent_ch=2, mixtures=2, width=8, couplings=2, image_size=64)
    terms, _ = model.terms(x)
    assert terms.neg_elbo.shape == (2,) and torch.isfinite(terms.neg_elbo).all()
    assert model.modes(x)["rs2"].shape == (2, 3, 64, 64)
    assert FlowPriorVAE(2, 2, 8, 2, image_size=64).sample(1).shape == (1, 3, 64, 64)
    with pytest.raises(ValueError, match="8 times a power of two"):
        FlowPriorVAE(image_size=48)
