"""Notebook 02's σ-VAE sweep as batched ensembles (see the package docstring).

The stage-1 models of the Gaussian objective — the six fixed σ² of Fig. 1 and the learned σ² (Eq. 9
or Adam), times seeds, and the comparison's VAE and β-VAE — group by everything but seed and fixed σ²
(`group_key`). DIP-VAE and WAE (other objectives: WAE's MMD draws its prior sample from the global
generator) and stage 2 (which continues one stage-1 model) train alone as before.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import pandas as pd
import torch
from torch import nn

from ..cache import ResultCache, cached_run
from ..core.likelihoods import gaussian_nll
from ..core.objectives import kl_normal, sse
from ..ensembles import Ensemble
from ..papers.sigma_vae import mnist_sweep as sweep
from ..papers.sigma_vae.method import finish_stage_one
from ..train import EpochBatches, adam, fit, resolve_device, seed_everything
from . import MAX_MEMBERS, check_group, logged_names, member_noise, per_member, train_and_store
from . import groups as _groups

CONFIG = sweep.Config
run_one = sweep.run_one


def batchable(config: sweep.Config) -> bool:
    """Whether `config` can train in a batched group: stage 1 of the Gaussian objective."""
    return config.objective == "gaussian" and config.stage2_epochs == 0


def group_key(config: sweep.Config) -> sweep.Config:
    """What members of one group share: every field but the seed and the fixed σ²."""
    return dataclasses.replace(config, seed=0, sigma2=0.0)


def groups(configs, max_members: int = MAX_MEMBERS) -> list[list[sweep.Config]]:
    return _groups(configs, group_key, batchable, max_members)


class StageOneObjective(nn.Module):
    """The σ-VAE's stage-1 batch loss (Eq. 8; `method.gaussian_neg_elbo`) with the noise ε as an
    argument, so that a vectorised call draws nothing: z = μ + ε·exp(logvar/2), σ² from the model's
    `GlobalVariance` on the batch. Returns the logged terms, `loss` first."""

    def __init__(self, model: sweep.SigmaVAE):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> dict[str, torch.Tensor]:
        m = self.model
        mu, logvar = m.encoder(x)
        mean = m.decoder(mu + eps * (0.5 * logvar).exp())
        errors = sse(x, mean)
        var = m.variance(errors, x[0].numel())
        kl = kl_normal(mu, logvar)
        return {"loss": (gaussian_nll(x, mean, var) + kl).mean(), "sse": errors.mean(), "kl": kl.mean(),
                "sigma2": torch.as_tensor(var).detach().mean()}


def _optimizer(ensemble: Ensemble, config: sweep.Config) -> torch.optim.Optimizer:
    """`mnist_sweep._optimizer` over stacked parameters: the networks at `lr`, log σ at `lr_sigma`."""
    nets = [p for n, p in ensemble.params.items() if not n.startswith("model.variance.")]
    sigma = [p for n, p in ensemble.params.items() if n.startswith("model.variance.")]
    return adam([{"params": nets, "lr": config.lr}] + ([{"params": sigma, "lr": config.lr_sigma}] if sigma else []),
                config.lr)


def train_group(configs: list[sweep.Config], device="auto", progress: bool = True,
                x: torch.Tensor | None = None) -> tuple[list[sweep.SigmaVAE], list[pd.DataFrame], float]:
    """Stage 1 of every config of one group as one batched model: (models, histories, seconds).
    Each model and history is what `mnist_sweep.train_one(config)` returns for it (σ²_dataset set,
    eval mode). `x`: the training images (default: the dataset's first n_train)."""
    check_group(configs, group_key, batchable, "stage-1 Gaussian configs that differ only in seed and σ²")
    device = resolve_device(device)
    first = configs[0]
    if x is None:
        x = sweep.images(first.dataset, "train")[: first.n_train]
    x = x.to(device)
    start = time.perf_counter()
    models, noises, orders = [], [], []
    for c in configs:  # as train_one: seeded, built, then the data order and the noise it would draw
        seed_everything(c.seed)
        models.append(sweep.build_model(c).to(device).train())
        noises.append(member_noise(c.seed, device))
        orders.append(EpochBatches(len(x), c.batch_size, c.seed + 100))
    ensemble = Ensemble([StageOneObjective(m) for m in models])
    optimizer = _optimizer(ensemble, first)

    def step(idx, i):
        xb = x[idx.to(device)]
        eps = torch.stack([torch.randn((idx.shape[1], first.zdim), generator=g, device=device, dtype=x.dtype)
                           for g in noises])
        terms = ensemble(xb, eps)
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].sum().backward()  # member k's slice gets member k's gradient alone
        optimizer.step()
        return {f"{name}#{k}": v[k].detach() for name, v in terms.items() for k in range(len(configs))}

    per_epoch = orders[0].per_epoch
    history = fit(step, lambda i: torch.stack([o(i) for o in orders]), first.epochs * per_epoch,
                  log_every=per_epoch, desc=f"{len(configs)} σ-VAEs batched", progress=progress)
    names = logged_names(history)
    out_models, histories = [], []
    for k, c in enumerate(configs):
        model = ensemble.member(k).model.eval()
        finish_stage_one(model, x, torch.Generator(device=device).manual_seed(c.seed))
        out_models.append(model)
        own = per_member(history, k, names)
        histories.append(own.assign(stage=1, epoch=range(1, len(own) + 1)))
    return out_models, histories, time.perf_counter() - start


def store_member(config: sweep.Config, model: sweep.SigmaVAE, history: pd.DataFrame, train_seconds: float,
                 cache: ResultCache) -> sweep.Run:
    """Evaluate one trained member as `mnist_sweep.run_one` does and store it under its config's key
    (`train_seconds`: its share of the group's)."""
    def evaluate():
        features = sweep.feature_function(config, cache)
        metrics, arrays = sweep.evaluate_one(model, config, features.fn, features.label)
        metrics.update(train_seconds=train_seconds, fd_note=features.note, classifier_accuracy=features.accuracy)
        return model, history, metrics, arrays

    return cached_run(config, cache, sweep.build_model, evaluate, sweep.Run)


def train_batched(configs, device="auto", cache: ResultCache | None = None, progress: bool = True,
                  max_members: int = MAX_MEMBERS) -> dict[sweep.Config, sweep.Run]:
    """The batchable configs the cache lacks, trained in groups and stored one entry per member
    (`train_and_store`)."""
    return train_and_store(sys.modules[__name__], configs, device, cache, progress, max_members)
