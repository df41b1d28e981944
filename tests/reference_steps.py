"""Independent, deliberately naive re-implementations of the update steps, written from the
spec's pseudocode (soft_introvae §1.3, §1.5): freezing by toggling requires_grad, every forward
pass recomputed, no shared graph. The package's steps must move the weights exactly as these do.
"""

import torch
import torch.nn.functional as F


def _kl(mu, lv):
    return -0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1)


def _sse(x, xh):
    return (xh - x).pow(2).flatten(1).sum(1)


def _reparam(mu, lv):
    return mu + torch.randn_like(mu) * (0.5 * lv).exp()


def _freeze(module, flag):
    for p in module.parameters():
        p.requires_grad_(flag)


def naive_soft_step(E, D, opt_E, opt_D, x, b_rec, b_kl, b_neg, s, gamma_r=1e-8):
    z_p = torch.randn(x.shape[0], E.zdim)
    _freeze(E, True); _freeze(D, False)
    x_f = D(z_p)
    mu, lv = E(x); z = _reparam(mu, lv)
    x_r = D(z)
    loss_real = s * (b_rec * _sse(x, x_r).mean() + b_kl * _kl(mu, lv).mean())
    mu_r, lv_r = E(x_r.detach())
    mu_f, lv_f = E(x_f.detach())
    x_rr = D(_reparam(mu_r, lv_r))
    x_ff = D(_reparam(mu_f, lv_f))
    nelbo_r = b_rec * _sse(x_r, x_rr) + b_neg * _kl(mu_r, lv_r)
    nelbo_f = b_rec * _sse(x_f, x_ff) + b_neg * _kl(mu_f, lv_f)
    loss_E = loss_real + 0.25 * (torch.exp(-2 * s * nelbo_r).mean() + torch.exp(-2 * s * nelbo_f).mean())
    opt_E.zero_grad(); loss_E.backward(); opt_E.step()

    _freeze(E, False); _freeze(D, True)
    x_f = D(z_p)
    x_r = D(z.detach())
    mu_r, lv_r = E(x_r)
    mu_f, lv_f = E(x_f)
    z_r, z_f = _reparam(mu_r, lv_r), _reparam(mu_f, lv_f)
    rec_rr = _sse(x_r.detach(), D(z_r.detach())).mean()
    rec_ff = _sse(x_f.detach(), D(z_f.detach())).mean()
    loss_D = s * (b_rec * _sse(x, x_r).mean() + b_kl * 0.5 * (_kl(mu_r, lv_r).mean() + _kl(mu_f, lv_f).mean())
                  + gamma_r * b_rec * 0.5 * (rec_rr + rec_ff))
    opt_D.zero_grad(); loss_D.backward(); opt_D.step()
    _freeze(E, True); _freeze(D, True)
    return loss_E.item(), loss_D.item()


def naive_intro_step(E, D, opt_E, opt_D, x, b_rec, b_kl, b_neg, m):
    z_p = torch.randn(x.shape[0], E.zdim)
    _freeze(E, True); _freeze(D, False)
    x_f = D(z_p)
    mu, lv = E(x); z = _reparam(mu, lv); x_r = D(z)
    kl_r = _kl(*E(x_r.detach())).mean()
    kl_f = _kl(*E(x_f.detach())).mean()
    loss_E = (b_rec * _sse(x, x_r).mean() + b_kl * _kl(mu, lv).mean()
              + b_neg * 0.5 * (F.relu(m - kl_r) + F.relu(m - kl_f)))
    opt_E.zero_grad(); loss_E.backward(); opt_E.step()
    _freeze(E, False); _freeze(D, True)
    x_f = D(z_p); x_r = D(z.detach())
    loss_D = b_rec * _sse(x, x_r).mean() + b_neg * 0.5 * (_kl(*E(x_r)).mean() + _kl(*E(x_f)).mean())
    opt_D.zero_grad(); loss_D.backward(); opt_D.step()
    _freeze(E, True); _freeze(D, True)
    return loss_E.item(), loss_D.item()
