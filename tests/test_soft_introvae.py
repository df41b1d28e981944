"""The three 2D update steps and their losses against independent computations."""

import math

import pytest
import torch
from reference_steps import naive_intro_step, naive_soft_step

from companion.core.nets import VAE, MLPDecoder, MLPEncoder
from companion.papers.soft_introvae.method import (
    Optimizers,
    _shared_forward,
    exp_elbo,
    intro_encoder_loss,
    introvae_step,
    soft_decoder_loss,
    soft_decoder_phase,
    soft_encoder_loss,
    soft_encoder_phase,
    soft_introvae_step,
    vae_loss,
    vae_step,
)


def _model(seed=0, hidden=16):
    torch.manual_seed(seed)
    return VAE(MLPEncoder(2, 2, hidden, 2), MLPDecoder(2, 2, hidden, 2))


def _opts(model, lr=1e-2):
    return Optimizers(torch.optim.Adam(model.encoder.parameters(), lr=lr),
                      torch.optim.Adam(model.decoder.parameters(), lr=lr))


def _flat(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


X = torch.tensor([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [0.0, 0.1]])


def test_soft_encoder_loss_by_hand():
    rec, kl = torch.tensor([1.0, 3.0]), torch.tensor([0.5, 1.5])
    nelbo_r, nelbo_f = torch.tensor([2.0, 4.0]), torch.tensor([1.0, 0.0])
    s, b_rec, b_kl = 0.5, 0.2, 0.3
    real = s * (b_rec * 2.0 + b_kl * 1.0)  # batch means: rec 2, kl 1
    soft = 0.25 * ((math.exp(-2.0) + math.exp(-4.0)) / 2 + (math.exp(-1.0) + 1.0) / 2)
    got = soft_encoder_loss(rec, kl, nelbo_r, nelbo_f, beta_rec=b_rec, beta_kl=b_kl, scale=s)
    assert got.item() == pytest.approx(real + soft, rel=1e-6)


def test_exp_elbo_is_mean_of_exp_not_exp_of_mean():
    nelbo = torch.tensor([0.0, 10.0])
    assert exp_elbo(nelbo, scale=0.5).item() == pytest.approx(0.5 * (1 + math.exp(-10)) / 2)


def test_soft_decoder_loss_by_hand():
    rec = torch.tensor([2.0, 4.0])
    kl_rec, kl_fake = torch.tensor([1.0, 1.0]), torch.tensor([3.0, 5.0])
    rec_rr, rec_ff = torch.tensor([1.0, 1.0]), torch.tensor([2.0, 2.0])
    s, b_rec, b_kl, g = 0.5, 0.2, 0.3, 0.1
    want = s * (b_rec * 3.0 + 0.5 * (b_kl * (1.0 + 4.0) + g * b_rec * (1.0 + 2.0)))
    got = soft_decoder_loss(rec, kl_rec, kl_fake, rec_rr, rec_ff, beta_rec=b_rec, beta_kl=b_kl,
                            scale=s, gamma_r=g)
    assert got.item() == pytest.approx(want, rel=1e-6)


def test_intro_encoder_hinge_on_batch_mean_and_per_sample():
    rec, kl = torch.tensor([1.0]), torch.tensor([0.0])
    kl_r = torch.tensor([0.0, 4.0])  # mean 2
    kl_f = torch.tensor([3.0, 3.0])
    batch = intro_encoder_loss(rec, kl, kl_r, kl_f, beta_rec=1, beta_kl=1, beta_neg=1, m=2.5)
    assert batch.item() == pytest.approx(1.0 + 0.5 * (0.5 + 0.0))
    per = intro_encoder_loss(rec, kl, kl_r, kl_f, beta_rec=1, beta_kl=1, beta_neg=1, m=2.5,
                             hinge_on_batch_mean=False)
    assert per.item() == pytest.approx(1.0 + 0.5 * ((2.5 + 0.0) / 2 + 0.0))


def test_soft_step_moves_weights_exactly_as_the_naive_reference():
    ours, ref = _model(), _model()
    ref.load_state_dict(ours.state_dict())
    opt_ours, opt_ref = _opts(ours), _opts(ref)
    hp = dict(b_rec=0.2, b_kl=0.3, b_neg=0.9)
    for step in range(3):
        torch.manual_seed(100 + step)
        logs = soft_introvae_step(ours, opt_ours, X, beta_rec=0.2, beta_kl=0.3, beta_neg=0.9, scale=0.5)
        torch.manual_seed(100 + step)
        loss_e, loss_d = naive_soft_step(ref.encoder, ref.decoder, opt_ref.encoder, opt_ref.decoder,
                                         X, hp["b_rec"], hp["b_kl"], hp["b_neg"], 0.5)
        assert logs["loss_e"].item() == pytest.approx(loss_e, rel=1e-5)
        assert logs["loss_d"].item() == pytest.approx(loss_d, rel=1e-5)
    torch.testing.assert_close(_flat(ours), _flat(ref), rtol=1e-5, atol=1e-6)


def test_intro_step_moves_weights_exactly_as_the_naive_reference():
    ours, ref = _model(1), _model(1)
    ref.load_state_dict(ours.state_dict())
    opt_ours, opt_ref = _opts(ours), _opts(ref)
    for step in range(3):
        torch.manual_seed(7 + step)
        logs = introvae_step(ours, opt_ours, X, beta_rec=0.3, beta_kl=0.5, beta_neg=1.0, m=5.0)
        torch.manual_seed(7 + step)
        loss_e, loss_d = naive_intro_step(ref.encoder, ref.decoder, opt_ref.encoder,
                                          opt_ref.decoder, X, 0.3, 0.5, 1.0, 5.0)
        assert logs["loss_e"].item() == pytest.approx(loss_e, rel=1e-5)
        assert logs["loss_d"].item() == pytest.approx(loss_d, rel=1e-5)
    torch.testing.assert_close(_flat(ours), _flat(ref), rtol=1e-5, atol=1e-6)


def test_encoder_phase_leaves_decoder_and_decoder_phase_leaves_encoder():
    model = _model(2)
    opt = _opts(model)
    torch.manual_seed(0)
    x_f, x_r, mu, lv = _shared_forward(model, X)
    e0, d0 = _flat(model.encoder), _flat(model.decoder)
    soft_encoder_phase(model, opt, X, x_f, x_r, mu, lv, beta_rec=0.2, beta_kl=0.3, beta_neg=0.9, scale=0.5)
    e1, d1 = _flat(model.encoder), _flat(model.decoder)
    assert torch.equal(d0, d1) and not torch.equal(e0, e1)
    assert all(p.grad is None for p in model.decoder.parameters())  # no gradient ever reached D
    soft_decoder_phase(model, opt, X, x_f, x_r, beta_rec=0.2, beta_kl=0.3, scale=0.5)
    e2, d2 = _flat(model.encoder), _flat(model.decoder)
    assert torch.equal(e1, e2) and not torch.equal(d1, d2)


def test_paper_style_stop_gradient_differs_only_by_gamma_r_terms():
    """With gamma_r = 0 the two stop-gradient variants give the same decoder update."""
    a, b = _model(3), _model(3)
    b.load_state_dict(a.state_dict())
    for model, flag in ((a, False), (b, True)):
        torch.manual_seed(5)
        soft_introvae_step(model, _opts(model), X, beta_rec=0.2, beta_kl=0.3, beta_neg=0.9,
                           scale=0.5, gamma_r=0.0, paper_style_sg=flag)
    torch.testing.assert_close(_flat(a), _flat(b))


def test_vae_step_matches_loss_by_hand_and_updates_both_networks():
    model = _model(4)
    opt = _opts(model)
    e0, d0 = _flat(model.encoder), _flat(model.decoder)
    torch.manual_seed(3)
    mu, lv = model.encoder(X)
    eps = torch.randn_like(mu)
    x_hat = model.decoder(mu + eps * (0.5 * lv).exp())
    want = (0.8 * ((x_hat - X) ** 2).sum(1) + 0.05 * (-0.5 * (1 + lv - mu**2 - lv.exp()).sum(1))).mean()
    torch.manual_seed(3)
    logs = vae_step(model, opt, X, beta_rec=0.8, beta_kl=0.05)
    assert logs["loss"].item() == pytest.approx(want.item(), rel=1e-6)
    assert not torch.equal(e0, _flat(model.encoder)) and not torch.equal(d0, _flat(model.decoder))
    assert vae_loss(torch.tensor([1.0]), torch.tensor([2.0]), beta_rec=0.5, beta_kl=2.0).item() == 4.5
