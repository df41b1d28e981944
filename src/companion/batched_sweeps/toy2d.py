"""Notebook 01's 2-D models as batched ensembles (see the package docstring).

Runs of one method with the same networks and schedule form a group whatever their density, betas,
IntroVAE margin and seed (`group_key`): Table 2's runs of one method over the four densities and
seeds, Fig. 3's IntroVAE over margins and seeds. Each member samples its own density from its own
generator and carries its own betas and margin; the update is the method's step (`method.vae_step`,
`soft_introvae_step`, `introvae_step`, after the VAE warm-up), written here as per-member phases
over stacked parameters: the phases below call the same loss functions in the same order, and draw
the same noise in the same order, as those steps do (tests/test_batched_sweeps.py checks each method
against `toy2d.train_one`, warm-up and learning-rate milestones included).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import torch
from torch import nn

from ..cache import ResultCache, cached_run
from ..core.data import sample_toy
from ..core.objectives import kl_normal, neg_elbo, sse
from ..ensembles import Ensemble
from ..papers.soft_introvae import toy2d
from ..papers.soft_introvae.method import (
    ALPHA,
    intro_decoder_loss,
    intro_encoder_loss,
    soft_decoder_loss,
    soft_encoder_loss,
    vae_loss,
)
from ..train import adam, fit, resolve_device, seed_everything
from . import MAX_MEMBERS, logged_names, member_noise, per_member, trainable_groups
from . import groups as _groups

CONFIG = toy2d.Config
#: what a member may change within a group: its density, betas, margin and seed; the evaluation
#: settings (which do not touch training) too
PER_MEMBER = ("dataset", "beta_rec", "beta_kl", "beta_neg", "m", "seed", "eval_samples", "eval_bins",
              "gnelbo_grid", "gnelbo_data", "plot_grid", "plot_samples")
#: noise draws of [batch, zdim] per step, in the order the lone step draws them
DRAWS = {"warm-up": 1, "vae": 1, "introvae": 2, "sintrovae": 6}


def batchable(config: toy2d.Config) -> bool:
    return True


def group_key(config: toy2d.Config) -> toy2d.Config:
    """What members of one group share: the method, the networks and the schedule."""
    neutral = dataclasses.replace(toy2d.Config(), method=config.method)
    return dataclasses.replace(config, **{f: getattr(neutral, f) for f in PER_MEMBER})


def groups(configs, max_members: int = MAX_MEMBERS) -> list[list[toy2d.Config]]:
    return _groups(configs, group_key, batchable, max_members)


# -------------------------------------------------------- the steps' phases, per member under vmap

class _Phase(nn.Module):
    """A function of one member's network (`self.vae`, so every phase has the template's parameter
    names) and its batch; the group's shared settings are attributes."""

    def __init__(self, vae, config: toy2d.Config):
        super().__init__()
        self.vae, self.c = vae, config


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
        E, D, s = self.vae.encoder, self.vae.decoder, 0.5
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
                                 scale=0.5, gamma_r=self.c.gamma_r)
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


# ------------------------------------------------------------------------------------ training

def train_group(configs: list[toy2d.Config], device="auto", progress: bool = True
                ) -> tuple[list, list[pd.DataFrame]]:
    """Every config of one group trained as one batched model: (models, histories), each what
    `toy2d.train_one(config)` returns for it."""
    if not configs:
        raise ValueError("an empty group")
    if len({group_key(c) for c in configs}) != 1:
        raise ValueError("a batched group needs configs of one method, network and schedule")
    for c in configs:
        c.validate()
    device = resolve_device(device)
    c0 = configs[0]
    models, noises, data = [], [], []
    for c in configs:  # as train_one: seeded, built, then the noise it would draw and its data generator
        seed_everything(c.seed)
        models.append(toy2d.build_model(c).to(device).train())
        noises.append(member_noise(c.seed, device))
        data.append(torch.Generator(device=device).manual_seed(c.seed))
    ens = Ensemble([_Phase(m, c0) for m in models])
    opt_e = adam([p for n, p in ens.params.items() if n.startswith("vae.encoder.")], c0.lr)
    opt_d = adam([p for n, p in ens.params.items() if n.startswith("vae.decoder.")], c0.lr)
    scheds = [torch.optim.lr_scheduler.MultiStepLR(o, list(c0.milestones), c0.lr_gamma) for o in (opt_e, opt_d)]
    t = lambda name: torch.tensor([float(getattr(c, name)) for c in configs], device=device)  # noqa: E731
    beta_rec, beta_kl, beta_neg, margin = t("beta_rec"), t("beta_kl"), t("beta_neg"), t("m")
    template = ens.template.vae
    phases = {name: cls(template, c0) for name, cls in (("warm", WarmUp), ("shared", SharedForward),
                                                         ("soft_e", SoftEncoder), ("soft_d", SoftDecoder),
                                                         ("intro_e", IntroEncoder), ("intro_d", IntroDecoder))}
    run = lambda phase, *args: ens.apply(phases[phase], *args)  # noqa: E731

    def draws(n: int, batch: int) -> list[torch.Tensor]:
        per = [[torch.randn(batch, c0.zdim, generator=g, device=device) for _ in range(n)] for g in noises]
        return [torch.stack([p[j] for p in per]) for j in range(n)]  # n tensors [M, batch, zdim]

    def step(x, i):
        method = "warm-up" if c0.method == "vae" or i < c0.num_vae else c0.method
        noise = draws(DRAWS[method], x.shape[1])
        if method == "warm-up":
            loss, logs = run("warm", x, noise[0], beta_rec, beta_kl)
            opt_e.zero_grad(set_to_none=True)
            opt_d.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt_e.step()
            opt_d.step()
        elif method == "sintrovae":
            x_f, x_r, mu, logvar = run("shared", x, noise[0], noise[1])
            loss_e, logs = run("soft_e", x, x_f, x_r, mu, logvar, noise[2], noise[3], beta_rec, beta_kl, beta_neg)
            _update(loss_e, opt_e, retain_graph=True)
            loss_d, logs_d = run("soft_d", x, x_f, x_r, noise[4], noise[5], beta_rec, beta_kl)
            _update(loss_d, opt_d)
            logs = {"loss_e": loss_e.detach(), "loss_d": loss_d.detach(), **logs, **logs_d}
        else:
            x_f, x_r, mu, logvar = run("shared", x, noise[0], noise[1])
            loss_e, rec, kl = run("intro_e", x, x_f, x_r, mu, logvar, beta_rec, beta_kl, beta_neg, margin)
            _update(loss_e, opt_e, retain_graph=True)
            loss_d, kl_rec, kl_fake = run("intro_d", x_f, x_r, rec, beta_rec, beta_neg)
            _update(loss_d, opt_d)
            logs = {"loss_e": loss_e.detach(), "loss_d": loss_d.detach(), "rec": rec.mean(1).detach(),
                    "kl_real": kl.mean(1).detach(), "kl_fake": kl_fake.mean(1).detach(),
                    "kl_rec": kl_rec.mean(1).detach()}
        return {f"{name}#{k}": v[k] for name, v in logs.items() for k in range(len(configs))}

    def next_batch(i):
        return torch.stack([sample_toy(c.dataset, c.batch_size, generator=g, device=device)
                            for c, g in zip(configs, data)])

    history = fit(step, next_batch, c0.n_iter, schedulers=scheds,
                  desc=f"{len(configs)} {c0.method} batched", progress=progress)
    names = logged_names(history)
    return ([ens.member(k).vae.eval() for k in range(len(configs))],
            [per_member(history, k, names) for k in range(len(configs))])


def train_batched(configs, device="auto", cache: ResultCache | None = None, progress: bool = True,
                  max_members: int = MAX_MEMBERS) -> dict[toy2d.Config, toy2d.Run]:
    """The configs the cache lacks, trained in groups, each member evaluated as `toy2d.run_one`
    does and stored under its own config's key; {config: run} for every config of `configs`."""
    cache = cache or ResultCache()
    runs = {}
    todo = groups([c for c in configs if not cache.exists(c)], max_members)
    for group, (models, histories) in trainable_groups(todo, lambda g: train_group(g, device, progress)):
        for c, model, history in zip(group, models, histories):
            runs[c] = cached_run(c, cache, toy2d.build_model,
                                 lambda m=model, h=history, c=c: (m, h, *toy2d.evaluate_one(m, c)), toy2d.Run)
    for c in configs:
        if c not in runs:
            runs[c] = toy2d.run_one(c, device, cache, progress)
    return runs
