"""Notebook 01's 2-D models as batched ensembles (see the package docstring).

Runs of one method with the same networks and schedule form a group whatever their density, betas,
IntroVAE margin and seed (`group_key`): Table 2's runs of one method over the four densities and
seeds, Fig. 3's IntroVAE over margins and seeds. Each member samples its own density from its own
generator and carries its own betas and margin; the update is the method's step (`method.vae_step`,
`soft_introvae_step`, `introvae_step`, after the VAE warm-up) over stacked parameters
(`soft_introvae_steps`; tests/test_batched_sweeps.py checks each method against `toy2d.train_one`,
warm-up and learning-rate milestones included).
"""

from __future__ import annotations

import dataclasses
import sys

import pandas as pd
import torch

from ..cache import ResultCache, cached_run
from ..core.data import sample_toy
from ..papers.soft_introvae import toy2d
from ..train import fit, resolve_device, seed_everything
from . import MAX_MEMBERS, check_group, logged_names, member_noise, per_member, train_and_store
from . import groups as _groups
from .soft_introvae_steps import Settings, batched_steps

CONFIG = toy2d.Config
run_one = toy2d.run_one
#: what a member may change within a group: its density, betas, margin and seed; the evaluation
#: settings (which do not touch training) too
PER_MEMBER = ("dataset", "beta_rec", "beta_kl", "beta_neg", "m", "seed", "eval_samples", "eval_bins",
              "gnelbo_grid", "gnelbo_data", "plot_grid", "plot_samples")


def batchable(config: toy2d.Config) -> bool:
    return True


def group_key(config: toy2d.Config) -> toy2d.Config:
    """What members of one group share: the method, the networks and the schedule."""
    neutral = dataclasses.replace(toy2d.Config(), method=config.method)
    return dataclasses.replace(config, **{f: getattr(neutral, f) for f in PER_MEMBER})


def groups(configs, max_members: int = MAX_MEMBERS) -> list[list[toy2d.Config]]:
    return _groups(configs, group_key, batchable, max_members)


# ------------------------------------------------------------------------------------ training

def train_group(configs: list[toy2d.Config], device="auto", progress: bool = True
                ) -> tuple[list, list[pd.DataFrame]]:
    """Every config of one group trained as one batched model: (models, histories), each what
    `toy2d.train_one(config)` returns for it."""
    check_group(configs, group_key, batchable, "configs of one method, network and schedule")
    device = resolve_device(device)
    c0 = configs[0]
    models, noises, data = [], [], []
    for c in configs:  # as train_one: seeded, built, then the noise it would draw and its data generator
        seed_everything(c.seed)
        models.append(toy2d.build_model(c).to(device).train())
        noises.append(member_noise(c.seed, device))
        data.append(torch.Generator(device=device).manual_seed(c.seed))
    settings = Settings(scale=0.5, gamma_r=c0.gamma_r, detach_rec_target_in_E=c0.detach_rec_target_in_E,
                        paper_style_sg=c0.paper_style_sg, hinge_on_batch_mean=c0.hinge_on_batch_mean)
    ens, steps = batched_steps(models, configs, settings, c0.lr, noises, c0.zdim, device)
    scheds = [torch.optim.lr_scheduler.MultiStepLR(o, list(c0.milestones), c0.lr_gamma)
              for o in (steps.opt_e, steps.opt_d)]

    def step(x, i):
        logs = steps("vae" if c0.method == "vae" or i < c0.num_vae else c0.method, x)
        return {f"{name}#{k}": v[k] for name, v in logs.items() for k in range(len(configs))}

    def next_batch(i):
        return torch.stack([sample_toy(c.dataset, c.batch_size, generator=g, device=device)
                            for c, g in zip(configs, data)])

    history = fit(step, next_batch, c0.n_iter, schedulers=scheds,
                  desc=f"{len(configs)} {c0.method} batched", progress=progress)
    names = logged_names(history)
    return ([ens.member(k).vae.eval() for k in range(len(configs))],
            [per_member(history, k, names) for k in range(len(configs))])


def store_member(config: toy2d.Config, model, history: pd.DataFrame, train_seconds: float,
                 cache: ResultCache) -> toy2d.Run:
    """Evaluate one trained member as `toy2d.run_one` does and store it under its config's key (the
    lone run stores no training time either)."""
    return cached_run(config, cache, toy2d.build_model, lambda: (model, history, *toy2d.evaluate_one(model, config)),
                      toy2d.Run)


def train_batched(configs, device="auto", cache: ResultCache | None = None, progress: bool = True,
                  max_members: int = MAX_MEMBERS) -> dict[toy2d.Config, toy2d.Run]:
    """The configs the cache lacks, trained in groups and stored one entry per member
    (`train_and_store`)."""
    return train_and_store(sys.modules[__name__], configs, device, cache, progress, max_members)
