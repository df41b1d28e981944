"""Notebook 05's models as batched ensembles (see the package docstring).

Runs that differ only in their seed form a group (`group_key`): one method (VAE or Soft-IntroVAE) on
one in-distribution dataset over seeds. Each member's update is `method.vae_step` or
`soft_introvae_step` with s = 1 / input dimension and no warm-up, as `ood.train_one` runs it, over
stacked parameters (`soft_introvae_steps`). The residual nets' batch normalisation works per member:
a member's batch statistics are its own batch's and its running statistics its own buffers (checked
against `ood.train_one` by tests/test_batched_sweeps.py).
"""

from __future__ import annotations

import dataclasses
import sys
import time

import pandas as pd
import torch

from ..cache import ResultCache, cached_run
from ..papers.soft_introvae import ood
from ..train import EpochBatches, fit, resolve_device, seed_everything
from . import MAX_MEMBERS, check_group, logged_names, member_noise, per_member, train_and_store
from . import groups as _groups
from .soft_introvae_steps import Settings, batched_steps

CONFIG = ood.Config
run_one = ood.run_one


def batchable(config: ood.Config) -> bool:
    return True


def group_key(config: ood.Config) -> ood.Config:
    return dataclasses.replace(config, seed=0)


def groups(configs, max_members: int = MAX_MEMBERS) -> list[list[ood.Config]]:
    return _groups(configs, group_key, batchable, max_members)


def train_group(configs: list[ood.Config], device="auto", progress: bool = True) -> tuple[list, list[pd.DataFrame]]:
    """Every config of one group trained as one batched model: (models, histories), each what
    `ood.train_one(config)` returns for it."""
    check_group(configs, group_key, batchable, "configs that differ only in seed")
    device = resolve_device(device)
    c0 = configs[0]
    x = ood.load_dataset(c0.dataset, "train", limit=c0.n_train or None)[0].to(device)
    models, noises, orders = [], [], []
    for c in configs:  # as train_one: seeded, built, then the noise it would draw and its batch order
        seed_everything(c.seed)
        models.append(ood.build_model(c).to(device).train())
        noises.append(member_noise(c.seed, device))
        orders.append(EpochBatches(len(x), c.batch_size, c.seed))
    ens, steps = batched_steps(models, configs, Settings(scale=1.0 / x[0].numel(), gamma_r=c0.gamma_r), c0.lr,
                               noises, c0.zdim, device)

    def step(idx, i):
        logs = steps(c0.method, x[idx.to(device)])
        return {f"{name}#{k}": v[k] for name, v in logs.items() for k in range(len(configs))}

    per_epoch = orders[0].per_epoch
    history = fit(step, lambda i: torch.stack([o(i) for o in orders]), c0.epochs * per_epoch,
                  log_every=max(1, per_epoch // 4), desc=f"{len(configs)} {c0.method} {c0.dataset} batched",
                  progress=progress)
    names = logged_names(history)
    return ([ens.member(k).vae.eval() for k in range(len(configs))],
            [per_member(history, k, names) for k in range(len(configs))])


def store_member(config: ood.Config, model, history: pd.DataFrame, train_seconds: float,
                 cache: ResultCache) -> ood.Run:
    """Score one trained member as `ood.run_one` does and store it under its config's key
    (`train_seconds`: its share of the group's training plus its scoring, as the lone run counts both)."""
    def evaluate():
        start = time.perf_counter()
        metrics, arrays = ood.evaluate_one(model, config)
        metrics["train_seconds"] = train_seconds + time.perf_counter() - start
        return model, history, metrics, arrays

    return cached_run(config, cache, ood.build_model, evaluate, ood.Run)


def train_batched(configs, device="auto", cache: ResultCache | None = None, progress: bool = True,
                  max_members: int = MAX_MEMBERS) -> dict[ood.Config, ood.Run]:
    """The configs the cache lacks, trained in groups and stored one entry per member
    (`train_and_store`)."""
    return train_and_store(sys.modules[__name__], configs, device, cache, progress, max_members)
