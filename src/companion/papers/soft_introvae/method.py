r"""Soft-IntroVAE (Daniel & Tamar, CVPR 2021) and its two baselines: losses and update steps.

IntroVAE trains a VAE adversarially, with the encoder as the discriminator: real data should get
a small KL, decoder outputs a KL above a hard margin m. Soft-IntroVAE uses the whole ELBO as the
real/fake signal and replaces the hinge ``[m - KL]^+`` by the smooth ``(1/alpha) exp(alpha ELBO)``
(paper Eq. 4, 5, 7; spec soft_introvae §1). Written in the form that is minimised, per (x, z):

    L_E = s (b_rec L_r(x) + b_kl KL(x)) + 1/2 exp(-2 s (b_rec L_r(x_f) + b_neg KL(x_f)))
    L_D = s b_rec L_r(x) + s (b_kl KL(x_f) + gamma_r b_rec L_r(x_f))

with s = 1 / input_dim, alpha = 2, gamma_r = 1e-8 [P], and reconstructions x_r = D(E(x)) treated
as fakes alongside prior samples x_f = D(z), z ~ N(0, I), each with weight 1/2 [P App. 9.1].

Each loss is a short function of per-sample terms; each step function runs one training
iteration of its algorithm and returns the values to log (detached scalars, left on the device).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from ...core.nets import VAE
from ...core.objectives import kl_normal, neg_elbo, reparameterize, sse

ALPHA = 2.0  # [P] all experiments
GAMMA_R = 1e-8  # [P] weight of the fakes' reconstruction error in the decoder loss


class Optimizers(NamedTuple):
    """One optimiser per network with the same learning rate [C]."""

    encoder: torch.optim.Optimizer
    decoder: torch.optim.Optimizer


# ----------------------------------------------------------------------------------- losses

def vae_loss(rec, kl, *, beta_rec, beta_kl):
    """beta-VAE loss (paper §5; spec §1.4): mean over the batch of b_rec L_r + b_kl KL."""
    return neg_elbo(rec, kl, beta_rec, beta_kl).mean()


def exp_elbo(nelbo, *, scale, alpha=ALPHA):
    """The soft threshold (1/alpha) mean_i exp(-alpha s nelbo_i) of Eq. 7 (exp per sample, then mean)."""
    return torch.exp(-alpha * scale * nelbo).mean() / alpha


def soft_encoder_loss(rec, kl, nelbo_rec, nelbo_fake, *, beta_rec, beta_kl, scale, alpha=ALPHA):
    """Encoder loss of Soft-IntroVAE (Eq. 7 / Alg. 2 lines 12-17), minimised.

    s * ELBO-loss of the real batch plus the exp-ELBO penalty of reconstructions and prior
    samples, each weighted 1/2. `nelbo_*` are per-sample b_rec L_r + b_neg KL of the fakes.
    """
    real = scale * vae_loss(rec, kl, beta_rec=beta_rec, beta_kl=beta_kl)
    return real + 0.5 * (exp_elbo(nelbo_rec, scale=scale, alpha=alpha)
                         + exp_elbo(nelbo_fake, scale=scale, alpha=alpha))


def soft_decoder_loss(rec, kl_rec, kl_fake, rec_rec, rec_fake, *, beta_rec, beta_kl, scale,
                      gamma_r=GAMMA_R):
    """Decoder loss of Soft-IntroVAE (Eq. 7 / Alg. 2 lines 24-27), minimised.

    s * (b_rec L_r(x) + 1/2 sum over the two fakes of (b_kl KL + gamma_r b_rec L_r)).
    """
    fakes = 0.5 * (beta_kl * (kl_rec.mean() + kl_fake.mean())
                   + gamma_r * beta_rec * (rec_rec.mean() + rec_fake.mean()))
    return scale * (beta_rec * rec.mean() + fakes)


def _hinge(m, kl, batch_mean):
    return F.relu(m - kl.mean()) if batch_mean else F.relu(m - kl).mean()


def intro_encoder_loss(rec, kl, kl_rec, kl_fake, *, beta_rec, beta_kl, beta_neg, m,
                       hinge_on_batch_mean=True):
    """Encoder loss of IntroVAE (paper Eq. 2, App. 9.1.1), minimised.

    b_rec L_r + b_kl KL + b_neg [m - KL(E(D(z)))]^+, the hinge averaged over reconstructions and
    prior samples [A, as hhb072]. `hinge_on_batch_mean`: hinge of the batch-mean KL (hhb072) or
    mean of per-sample hinges [A].
    """
    hinge = 0.5 * (_hinge(m, kl_rec, hinge_on_batch_mean) + _hinge(m, kl_fake, hinge_on_batch_mean))
    return vae_loss(rec, kl, beta_rec=beta_rec, beta_kl=beta_kl) + beta_neg * hinge


def intro_decoder_loss(rec, kl_rec, kl_fake, *, beta_rec, beta_neg):
    """Decoder loss of IntroVAE (App. 9.1.1), minimised: b_rec L_r + b_neg KL(E(D(z)))."""
    return beta_rec * rec.mean() + beta_neg * 0.5 * (kl_rec.mean() + kl_fake.mean())


# ------------------------------------------------------------------------------ update steps

def _update(loss, optimizer, retain_graph=False):
    """Backpropagate `loss` into the optimizer's own parameters only, then step. Gradients still
    flow *through* the other network, but its weights get none (the paper's freezing, without
    toggling flags)."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    optimizer.zero_grad(set_to_none=True)
    loss.backward(inputs=params, retain_graph=retain_graph)
    optimizer.step()


def vae_step(model: VAE, opt: Optimizers, x, *, beta_rec, beta_kl):
    """One (beta-)VAE iteration: encoder and decoder updated jointly (spec §1.4; the warm-up of §1.3.5)."""
    mu, logvar = model.encoder(x)
    x_r = model.decoder(reparameterize(mu, logvar))
    rec, kl = sse(x, x_r), kl_normal(mu, logvar)
    loss = vae_loss(rec, kl, beta_rec=beta_rec, beta_kl=beta_kl)
    opt.encoder.zero_grad(set_to_none=True)
    opt.decoder.zero_grad(set_to_none=True)
    loss.backward()
    opt.encoder.step()
    opt.decoder.step()
    return {"loss": loss.detach(), "rec": rec.mean().detach(), "kl_real": kl.mean().detach()}


def _shared_forward(model: VAE, x):
    """Forward passes both phases share: the decoder is unchanged until its own update, so the
    prior samples x_f = D(z_p) and reconstructions x_r = D(z) serve both phases (spec §1.3:
    the decoder phase reuses z_p and z). Saves two decoder passes per iteration."""
    E, D = model.encoder, model.decoder
    z_p = torch.randn(x.shape[0], model.zdim, device=x.device)
    x_f = D(z_p)
    mu, logvar = E(x)
    z = reparameterize(mu, logvar)
    x_r = D(z)
    return x_f, x_r, mu, logvar


def soft_encoder_phase(model: VAE, opt: Optimizers, x, x_f, x_r, mu, logvar, *, beta_rec, beta_kl,
                       beta_neg, scale, detach_rec_target_in_E=False):
    """Encoder update of Soft-IntroVAE (Alg. 2 lines 8-19). The fakes enter E detached;
    gradients pass through D into E, and D's weights receive none. Returns (loss, logs)."""
    E, D = model.encoder, model.decoder
    rec, kl = sse(x, x_r), kl_normal(mu, logvar)
    mu_r, lv_r = E(x_r.detach())
    mu_f, lv_f = E(x_f.detach())
    x_rr = D(reparameterize(mu_r, lv_r))
    x_ff = D(reparameterize(mu_f, lv_f))
    target_r = x_r.detach() if detach_rec_target_in_E else x_r  # [C] keeps x_r attached
    nelbo_r = neg_elbo(sse(target_r, x_rr), kl_normal(mu_r, lv_r), beta_rec, beta_neg)
    nelbo_f = neg_elbo(sse(x_f.detach(), x_ff), kl_normal(mu_f, lv_f), beta_rec, beta_neg)
    loss = soft_encoder_loss(rec, kl, nelbo_r, nelbo_f, beta_rec=beta_rec, beta_kl=beta_kl,
                             scale=scale)
    _update(loss, opt.encoder, retain_graph=True)  # the decoder phase reuses x_r, x_f
    return loss.detach(), {
        "rec": rec.mean().detach(), "kl_real": kl.mean().detach(),
        "exp_elbo_f": torch.exp(-ALPHA * scale * nelbo_f).mean().detach(),
        "exp_elbo_r": torch.exp(-ALPHA * scale * nelbo_r).mean().detach(),
    }


def soft_decoder_phase(model: VAE, opt: Optimizers, x, x_f, x_r, *, beta_rec, beta_kl, scale,
                       gamma_r=GAMMA_R, paper_style_sg=False):
    """Decoder update of Soft-IntroVAE (Alg. 2 lines 20-29). Re-encodes the fakes with the
    updated encoder; gradients pass through E into D, and E's weights receive none."""
    E, D = model.encoder, model.decoder
    mu_r, lv_r = E(x_r)
    mu_f, lv_f = E(x_f)
    z_r, z_f = reparameterize(mu_r, lv_r), reparameterize(mu_f, lv_f)
    if paper_style_sg:  # Alg. 2 line 23: X_rf = sg(D(Z_rf))
        rec_rr, rec_ff = sse(x_r, D(z_r).detach()), sse(x_f, D(z_f).detach())
    else:  # [C] detached latent and detached target
        rec_rr = sse(x_r.detach(), D(z_r.detach()))
        rec_ff = sse(x_f.detach(), D(z_f.detach()))
    kl_rec, kl_fake = kl_normal(mu_r, lv_r), kl_normal(mu_f, lv_f)
    loss = soft_decoder_loss(sse(x, x_r), kl_rec, kl_fake, rec_rr, rec_ff, beta_rec=beta_rec,
                             beta_kl=beta_kl, scale=scale, gamma_r=gamma_r)
    _update(loss, opt.decoder)
    return loss.detach(), {"kl_fake": kl_fake.mean().detach(), "kl_rec": kl_rec.mean().detach()}


def soft_introvae_step(model: VAE, opt: Optimizers, x, *, beta_rec, beta_kl, beta_neg,
                       gamma_r=GAMMA_R, scale=None, detach_rec_target_in_E=False,
                       paper_style_sg=False):
    """One Soft-IntroVAE iteration: encoder update, then decoder update (Alg. 2; spec §1.3).

    scale: s = 1 / input_dim unless given. detach_rec_target_in_E: detach x_r as the target of
    the reconstruction-of-reconstruction error in the encoder phase (the official code does not
    [C]). paper_style_sg: the decoder phase stops the gradient of D(E(fake)) as Alg. 2 line 23
    writes, instead of the code's detached latent and target [C]; with gamma_r = 1e-8 both agree.
    """
    s = scale if scale is not None else 1.0 / x[0].numel()
    x_f, x_r, mu, logvar = _shared_forward(model, x)
    loss_e, logs = soft_encoder_phase(model, opt, x, x_f, x_r, mu, logvar, beta_rec=beta_rec,
                                      beta_kl=beta_kl, beta_neg=beta_neg, scale=s,
                                      detach_rec_target_in_E=detach_rec_target_in_E)
    loss_d, logs_d = soft_decoder_phase(model, opt, x, x_f, x_r, beta_rec=beta_rec,
                                        beta_kl=beta_kl, scale=s, gamma_r=gamma_r,
                                        paper_style_sg=paper_style_sg)
    return {"loss_e": loss_e, "loss_d": loss_d, **logs, **logs_d}


def introvae_step(model: VAE, opt: Optimizers, x, *, beta_rec, beta_kl, beta_neg, m,
                  hinge_on_batch_mean=True):
    """One IntroVAE iteration with the hard margin m (paper Eq. 2, App. 9.1.1; spec §1.5)."""
    E = model.encoder
    x_f, x_r, mu, logvar = _shared_forward(model, x)
    rec, kl = sse(x, x_r), kl_normal(mu, logvar)

    # ---- encoder phase (decoder weights get no gradient)
    kl_r = kl_normal(*E(x_r.detach()))
    kl_f = kl_normal(*E(x_f.detach()))
    loss_e = intro_encoder_loss(rec, kl, kl_r, kl_f, beta_rec=beta_rec, beta_kl=beta_kl,
                                beta_neg=beta_neg, m=m, hinge_on_batch_mean=hinge_on_batch_mean)
    _update(loss_e, opt.encoder, retain_graph=True)

    # ---- decoder phase (encoder weights get no gradient)
    kl_rec, kl_fake = kl_normal(*E(x_r)), kl_normal(*E(x_f))
    loss_d = intro_decoder_loss(rec, kl_rec, kl_fake, beta_rec=beta_rec, beta_neg=beta_neg)
    _update(loss_d, opt.decoder)

    return {
        "loss_e": loss_e.detach(), "loss_d": loss_d.detach(), "rec": rec.mean().detach(),
        "kl_real": kl.mean().detach(), "kl_fake": kl_fake.mean().detach(),
        "kl_rec": kl_rec.mean().detach(),
    }
