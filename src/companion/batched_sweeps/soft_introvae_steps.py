"""The three update steps of `papers.soft_introvae.method` — the (β-)VAE step, IntroVAE's and
Soft-IntroVAE's — for stacked parameters: each step's phases as per-member functions under `vmap`,
calling the paper module's loss functions in the same order and drawing the same noise in the same
order as `vae_step`, `introvae_step` and `soft_introvae_step` do (the noise comes in as arguments,
drawn per member from the member's own generator). Used by notebook 01's and 05's batched sweeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..core.objectives import kl_normal, neg_elbo, sse
from ..ensembles import Ensemble
from ..papers.soft_introvae.method import (
    ALPHA,
    GAMMA_R,
    intro_decoder_loss,
    intro_encoder_loss,
    soft_decoder_loss,
    soft_encoder_loss,
    vae_loss,
)
from ..train import adam

#: noise draws of [batch, zdim] per step, in the order the lone step draws them
DRAWS = {"vae": 1, "introvae": 2, "sintrovae": 6}


@dataclass(frozen=True)
class Settings:
    """What every member of a group shares besides the networks: the scale s of Eq. 7 and the flags
    of `method.soft_introvae_step` and `method.introvae_step`."""

    scale: float
    gamma_r: float = GAMMA_R
    detach_rec_target_in_E: bool = False
    paper_style_sg: bool = False
    hinge_on_batch_mean: bool = True


class _Phase(nn.Module):
    """A function of one member's network (`self.vae`, so every phase has the template's parameter
    names) and its batch; the group's shared settings are `self.c`."""

    def __init__(self, vae, settings: Settings):
        super().__init__()
        self.vae, self.c = vae, settings


class WarmUp(_Phase):
    """`method.vae_step`'s loss (also the VAE method's whole step)."""

    def forward(self, x, eps, beta_rec, beta_kl):
        mu, logvar = self.vae.encoder(x)
        x_r = self.vae.decoder(mu + eps * (0.5 * logvar).exp())
        rec, kl = sse(x, x_r), kl_normal(mu, logvar)
        loss = vae_loss(rec, kl, beta_rec=beta_rec, beta_kl=beta_kl)
        return loss, {"loss": loss.detach(), "rec": rec.mean().detach(), "kl_real": kl.mean().detach()}


class SharedForward(_Phase):
    """`method._shared_forward`: prior samples and reconstructions both phases use."""

    def forward(self, x, z_p, eps):
        x_f = self.vae.decoder(z_p)
        mu, logvar = self.vae.encoder(x)
        x_r = self.vae.decoder(mu + eps * (0.5 * logvar).exp())
        return x_f, x_r, mu, logvar


class SoftEncoder(_Phase):
    """`method.soft_encoder_phase`'s loss and logs."""

    def forward(self, x, x_f, x_r, mu, logvar, eps_r, eps_f, beta_rec, beta_kl, beta_neg):
        E, D, s = self.vae.encoder, self.vae.decoder, self.c.scale
        rec, kl = sse(x, x_r), kl_normal(mu, logvar)
        mu_r, lv_r = E(x_r.detach())
        mu_f, lv_f = E(x_f.detach())
        x_rr = D(mu_r + eps_r * (0.5 * lv_r).exp())
        x_ff = D(mu_f + eps_f * (0.5 * lv_f).exp())
        target_r = x_r.detach() if self.c.detach_rec_target_in_E else x_r
        nelbo_r = neg_elbo(sse(target_r, x_rr), kl_normal(mu_r, lv_r), beta_rec, beta_neg)
        nelbo_f = neg_elbo(sse(x_f.detach(), x_ff), kl_normal(mu_f, lv_f), beta_rec, beta_neg)
        loss = soft_encoder_loss(rec, kl, nelbo_r, nelbo_f, beta_rec=beta_rec, beta_kl=beta_kl, scale=s)
        return loss, {"rec": rec.mean().detach(), "kl_real": kl.mean().detach(),
                      "exp_elbo_f": torch.exp(-ALPHA * s * nelbo_f).mean().detach(),
                      "exp_elbo_r": torch.exp(-ALPHA * s * nelbo_r).mean().detach()}


class SoftDecoder(_Phase):
    """`method.soft_decoder_phase`'s loss and logs (with the encoder as the encoder phase left it)."""

    def forward(self, x, x_f, x_r, eps_r, eps_f, beta_rec, beta_kl):
        E, D = self.vae.encoder, self.vae.decoder
        mu_r, lv_r = E(x_r)
        mu_f, lv_f = E(x_f)
        z_r, z_f = mu_r + eps_r * (0.5 * lv_r).exp(), mu_f + eps_f * (0.5 * lv_f).exp()
        if self.c.paper_style_sg:
            rec_rr, rec_ff = sse(x_r, D(z_r).detach()), sse(x_f, D(z_f).detach())
        else:
            rec_rr, rec_ff = sse(x_r.detach(), D(z_r.detach())), sse(x_f.detach(), D(z_f.detach()))
        kl_rec, kl_fake = kl_normal(mu_r, lv_r), kl_normal(mu_f, lv_f)
        loss = soft_decoder_loss(sse(x, x_r), kl_rec, kl_fake, rec_rr, rec_ff, beta_rec=beta_rec, beta_kl=beta_kl,
                                 scale=self.c.scale, gamma_r=self.c.gamma_r)
        return loss, {"kl_fake": kl_fake.mean().detach(), "kl_rec": kl_rec.mean().detach()}


class IntroEncoder(_Phase):
    """`method.introvae_step`'s encoder loss."""

    def forward(self, x, x_f, x_r, mu, logvar, beta_rec, beta_kl, beta_neg, m):
        E = self.vae.encoder
        rec, kl = sse(x, x_r), kl_normal(mu, logvar)
        kl_r, kl_f = kl_normal(*E(x_r.detach())), kl_normal(*E(x_f.detach()))
        loss = intro_encoder_loss(rec, kl, kl_r, kl_f, beta_rec=beta_rec, beta_kl=beta_kl, beta_neg=beta_neg, m=m,
                                  hinge_on_batch_mean=self.c.hinge_on_batch_mean)
        return loss, rec, kl


class IntroDecoder(_Phase):
    """`method.introvae_step`'s decoder loss (with the encoder as the encoder phase left it)."""

    def forward(self, x_f, x_r, rec, beta_rec, beta_neg):
        E = self.vae.encoder
        kl_rec, kl_fake = kl_normal(*E(x_r)), kl_normal(*E(x_f))
        return intro_decoder_loss(rec, kl_rec, kl_fake, beta_rec=beta_rec, beta_neg=beta_neg), kl_rec, kl_fake


def _update(loss: torch.Tensor, optimizer, retain_graph: bool = False) -> None:
    """`method._update` for stacked parameters: the members' summed loss into this optimizer's
    parameters only (member k's slice gets member k's gradient alone)."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    optimizer.zero_grad(set_to_none=True)
    loss.sum().backward(inputs=params, retain_graph=retain_graph)
    optimizer.step()


class Steps:
    """One update of every member with `method`'s step ("vae" for the warm-up too): the members'
    parameters in `ensemble` (a template with the network at `.vae`), an Adam for the stacked encoder
    and one for the decoder, a noise generator per member, per-member betas and margin [M]."""

    def __init__(self, ensemble: Ensemble, settings: Settings, opt_e, opt_d, noises: list, zdim: int, betas: dict):
        self.ens, self.opt_e, self.opt_d, self.noises, self.zdim = ensemble, opt_e, opt_d, noises, zdim
        self.b = betas  # beta_rec, beta_kl, beta_neg, m: tensors [M]
        template = ensemble.template.vae
        self.phases = {name: cls(template, settings) for name, cls in (
            ("warm", WarmUp), ("shared", SharedForward), ("soft_e", SoftEncoder), ("soft_d", SoftDecoder),
            ("intro_e", IntroEncoder), ("intro_d", IntroDecoder))}

    def _run(self, phase: str, *args):
        return self.ens.apply(self.phases[phase], *args)

    def _draws(self, n: int, batch: int, device) -> list[torch.Tensor]:
        per = [[torch.randn(batch, self.zdim, generator=g, device=device) for _ in range(n)] for g in self.noises]
        return [torch.stack([p[j] for p in per]) for j in range(n)]  # n tensors [M, batch, zdim]

    def __call__(self, method: str, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Logged values of the lone step, each [M]."""
        b, noise = self.b, self._draws(DRAWS[method], x.shape[1], x.device)
        if method == "vae":
            loss, logs = self._run("warm", x, noise[0], b["beta_rec"], b["beta_kl"])
            self.opt_e.zero_grad(set_to_none=True)
            self.opt_d.zero_grad(set_to_none=True)
            loss.sum().backward()
            self.opt_e.step()
            self.opt_d.step()
            return logs
        x_f, x_r, mu, logvar = self._run("shared", x, noise[0], noise[1])
        if method == "sintrovae":
            loss_e, logs = self._run("soft_e", x, x_f, x_r, mu, logvar, noise[2], noise[3], b["beta_rec"],
                                     b["beta_kl"], b["beta_neg"])
            _update(loss_e, self.opt_e, retain_graph=True)
            loss_d, logs_d = self._run("soft_d", x, x_f, x_r, noise[4], noise[5], b["beta_rec"], b["beta_kl"])
            _update(loss_d, self.opt_d)
            return {"loss_e": loss_e.detach(), "loss_d": loss_d.detach(), **logs, **logs_d}
        loss_e, rec, kl = self._run("intro_e", x, x_f, x_r, mu, logvar, b["beta_rec"], b["beta_kl"], b["beta_neg"],
                                    b["m"])
        _update(loss_e, self.opt_e, retain_graph=True)
        loss_d, kl_rec, kl_fake = self._run("intro_d", x_f, x_r, rec, b["beta_rec"], b["beta_neg"])
        _update(loss_d, self.opt_d)
        return {"loss_e": loss_e.detach(), "loss_d": loss_d.detach(), "rec": rec.mean(1).detach(),
                "kl_real": kl.mean(1).detach(), "kl_fake": kl_fake.mean(1).detach(), "kl_rec": kl_rec.mean(1).detach()}


def batched_steps(models: list, configs: list, settings: Settings, lr: float, noises: list, zdim: int,
                  device) -> tuple[Ensemble, Steps]:
    """The members' networks stacked (one `Ensemble`), an Adam for the encoders and one for the
    decoders (as `Optimizers` in the lone runs), each member's betas and margin from its config."""
    ens = Ensemble([_Phase(m, settings) for m in models])
    opt_e = adam([p for n, p in ens.params.items() if n.startswith("vae.encoder.")], lr)
    opt_d = adam([p for n, p in ens.params.items() if n.startswith("vae.decoder.")], lr)
    betas = {n: torch.tensor([float(getattr(c, n, 0.0)) for c in configs], device=device)
             for n in ("beta_rec", "beta_kl", "beta_neg", "m")}
    return ens, Steps(ens, settings, opt_e, opt_d, noises, zdim, betas)
