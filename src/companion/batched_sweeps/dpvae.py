"""Notebook 03's models as batched ensembles (see the package docstring).

Runs that differ only in their seed form a group (`group_key`): a regulariser with or without the
decoupled prior over seeds. Batched: the regularisers whose loss is a function of the batch and one
reparameterisation draw — VAE, β-VAE-H, β-VAE-B, β-TCVAE — on two moons and MNIST. FactorVAE (a
discriminator with its own optimiser and a random permutation) and InfoVAE (prior draws for its MMD)
train alone, and so do the SVHN and CelebA nets: their convolutions' biases feed batch norms, so
their gradient is zero up to rounding, which Adam turns into whole steps — no two executions of the
same run agree there (a batched member and its lone run were 1.6e-6 apart in float64 after 8 steps,
where every other net here agrees to 1e-15), so exactness cannot be shown for them.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import pandas as pd
import torch
from torch import nn

from ..cache import ResultCache, cached_run
from ..ensembles import Ensemble
from ..papers.dpvae import pockets_leaks as pl
from ..papers.dpvae.objectives import regularized_loss
from ..train import EpochBatches, adam, fit, resolve_device, seed_everything
from . import MAX_MEMBERS, check_group, logged_names, member_noise, per_member, train_and_store
from . import groups as _groups

CONFIG = pl.Config
run_one = pl.run_one
REGULARIZERS = ("vae", "beta_h", "beta_b", "beta_tc")


def batchable(config: pl.Config) -> bool:
    if config.regularizer not in REGULARIZERS:
        return False
    with torch.random.fork_rng(devices=[]):  # building draws initial weights: leave torch's generator as it was
        model = pl.build_model(config)
    return not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def group_key(config: pl.Config) -> pl.Config:
    return dataclasses.replace(config, seed=0)


def groups(configs, max_members: int = MAX_MEMBERS) -> list[list[pl.Config]]:
    return _groups(configs, group_key, batchable, max_members)


class Step(nn.Module):
    """`model.make_step`'s loss for one member: encode, one reparameterised draw (ε given), the
    likelihood, `objectives.regularized_loss` at iteration `self.i`."""

    def __init__(self, model, config: pl.Config, dataset_size: int):
        super().__init__()
        self.model, self.regularizer, self.params, self.n, self.i = model, config.regularizer, config.params(), \
            dataset_size, 0

    def forward(self, x, eps):
        m = self.model
        mu, logvar = m.encode(x)
        z = mu + eps * (0.5 * logvar).exp()
        rec = m.neg_log_px(x, m.decoder(z))
        loss, logs = regularized_loss(self.regularizer, rec, mu, logvar, z, m.flow, self.params, self.i, self.n)
        return loss, {"loss": loss.detach(), **{k: v.detach() for k, v in logs.items()}}


def train_group(configs: list[pl.Config], device="auto", progress: bool = True) -> tuple[list, list[pd.DataFrame]]:
    """Every config of one group trained as one batched model: (models, histories), each what
    `pockets_leaks.train_one(config)` returns for it."""
    check_group(configs, group_key, batchable, "configs of a batchable regulariser that differ only in seed")
    device = resolve_device(device)
    c0 = configs[0]
    models, noises, orders = [], [], []
    for c in configs:  # as train_one: seeded, built, the data read, then the noise it would draw
        seed_everything(c.seed)
        models.append(pl.build_model(c).to(device).train())
        x = pl.data(c, "train").to(device)
        noises.append(member_noise(c.seed, device))
        orders.append(EpochBatches(len(x), c.batch_size, c.seed))
    ens = Ensemble([Step(m, c0, len(x)) for m in models])
    step_fn = Step(ens.template.model, c0, len(x))
    optimizer = adam(ens.parameters(), c0.lr)

    def step(idx, i):
        eps = torch.stack([torch.randn(idx.shape[1], c0.zdim, generator=g, device=device) for g in noises])
        step_fn.i = i
        loss, logs = ens.apply(step_fn, x[idx.to(device)], eps)
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        return {f"{name}#{k}": v[k] for name, v in logs.items() for k in range(len(configs))}

    history = fit(step, lambda i: torch.stack([o(i) for o in orders]), c0.iterations,
                  log_every=max(1, c0.iterations // 100), desc=f"{len(configs)} {c0.name} batched", progress=progress)
    names = logged_names(history)
    return ([ens.member(k).model.eval() for k in range(len(configs))],
            [per_member(history, k, names) for k in range(len(configs))])


def store_member(config: pl.Config, model, history: pd.DataFrame, train_seconds: float, cache: ResultCache) -> pl.Run:
    """Evaluate one trained member as `pockets_leaks.run_one` does and store it under its config's key
    (`train_seconds`: its share of the group's)."""
    def evaluate():
        start = time.perf_counter()
        features, extra = None, {}
        if config.dataset in pl.IMAGE_DATASETS:
            features, label, accuracy, note = pl.feature_function(config, cache)
            extra = {"fd_features": label, "fd_note": note}
            if accuracy is not None:
                extra["classifier_accuracy"] = accuracy
        metrics, arrays = pl.evaluate_one(model, config, features)
        metrics.update(train_seconds=train_seconds, eval_seconds=time.perf_counter() - start)
        metrics.update(extra)
        return model, history, metrics, arrays

    return cached_run(config, cache, pl.build_model, evaluate, pl.Run)


def train_batched(configs, device="auto", cache: ResultCache | None = None, progress: bool = True,
                  max_members: int = MAX_MEMBERS) -> dict[pl.Config, pl.Run]:
    """The batchable configs the cache lacks, trained in groups and stored one entry per member
    (`train_and_store`)."""
    return train_and_store(sys.modules[__name__], configs, device, cache, progress, max_members)
