"""A paper's sweep trained as batched ensembles, each member stored where its own run would be.

The σ-VAE sweep of notebook 02 (six fixed σ² and the two learned ones, times seeds; the comparison
block's VAE and β-VAE) trains many stage-1 models that share an architecture and differ only in
their seed and their fixed σ². `train_batched` trains such a group as one `companion.ensembles`
model — one batched forward, one backward, one fused Adam over the stacked parameters — and then
evaluates and stores every member through the cache under *its own config's key*, the key
`mnist_sweep.run_one` looks up. A notebook that runs afterwards loads each member as if it had been
trained alone, and nothing stored says how the runs were batched except the member's
`metrics["batched_members"]` (provenance, no result reads it).

Why that is sound: each member is the lone run's computation, re-executed — the same initial
weights (seeded and built exactly as `train_one` builds them), the same batches (`EpochBatches`
with the lone run's seed), the same reparameterisation noise (a generator per member holding the
state torch's global generator has at that point of the lone run), the same loss (Eq. 8 with the
batch's σ²) and Adam update element by element. tests/test_batched_sweeps.py checks a member
against `train_one` in float64: weights, σ²_dataset and every epoch of the history agree to 1e-10.
In float32 the two differ by reduction order only (as two GPUs would); benchmarks/README.md gives
the measured gap and the speed.

This module is not part of any paper's training-code hash (`cache.source_hash`): it executes the
paper's computation in another order, as a device does, and the exactness test is what ties it to
the paper's code. Only the Gaussian objective's stage 1 is batched; DIP-VAE and WAE (whose prior
sample in the MMD draws from the global generator), and stage 2 (which continues one stage-1
model), train alone as before.

    from companion.batched_sweeps import train_batched
    train_batched(mnist_sweep.make_plan("full").stage_one_runs, device="cuda")   # then run the notebook
"""

from __future__ import annotations

import dataclasses
import time

import pandas as pd
import torch
from torch import nn

from .cache import ResultCache, cached_run
from .core.likelihoods import gaussian_nll
from .core.objectives import kl_normal, sse
from .ensembles import Ensemble
from .papers.sigma_vae import mnist_sweep as sweep
from .papers.sigma_vae.method import finish_stage_one
from .train import EpochBatches, adam, fit, resolve_device, seed_everything

#: [A] members trained in one batch at most (memory grows with it; 02's full sweep has 24 per group)
MAX_MEMBERS = 24
_LOGGED = ("loss", "sse", "kl", "sigma2")


def batchable(config: sweep.Config) -> bool:
    """Whether `config` can train in a batched group: stage 1 of the Gaussian objective."""
    return config.objective == "gaussian" and config.stage2_epochs == 0


def group_key(config: sweep.Config) -> sweep.Config:
    """What members of one group share: every field but the seed and the fixed σ²."""
    return dataclasses.replace(config, seed=0, sigma2=0.0)


def groups(configs, max_members: int = MAX_MEMBERS) -> list[list[sweep.Config]]:
    """The batchable configs (duplicates once) in groups of at most `max_members` that share
    `group_key`, in the order they were given."""
    if max_members < 1:
        raise ValueError(f"max_members must be at least 1, got {max_members}")
    by_key: dict = {}
    for c in dict.fromkeys(configs):
        if batchable(c):
            by_key.setdefault(group_key(c), []).append(c)
    return [g[i:i + max_members] for g in by_key.values() for i in range(0, len(g), max_members)]


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


@dataclasses.dataclass
class Member:
    """One config's model as `train_one` starts it, with its batch order and noise generator."""

    config: sweep.Config
    model: sweep.SigmaVAE
    batches: EpochBatches
    noise: torch.Generator


def start_member(config: sweep.Config, n: int, device: torch.device) -> Member:
    """`config`'s initial model, batches and noise, exactly as `train_one` would draw them: seeded,
    built, then torch's generator state taken over (on CUDA the lone run draws its noise from the
    device generator, seeded and not yet used)."""
    seed_everything(config.seed)
    model = sweep.build_model(config).to(device)
    noise = torch.Generator(device=device)
    if device.type == "cpu":
        noise.set_state(torch.get_rng_state())
    else:
        noise.manual_seed(config.seed)
    return Member(config, model, EpochBatches(n, config.batch_size, config.seed + 100), noise)


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
    if not configs:
        raise ValueError("an empty group")
    if len({group_key(c) for c in configs}) != 1 or not all(batchable(c) for c in configs):
        raise ValueError("a batched group needs stage-1 Gaussian configs that differ only in seed and σ²")
    for c in configs:
        c.validate()
    device = resolve_device(device)
    first = configs[0]
    if x is None:
        x = sweep.images(first.dataset, "train")[: first.n_train]
    x = x.to(device)
    start = time.perf_counter()
    members = [start_member(c, len(x), device) for c in configs]
    ensemble = Ensemble([StageOneObjective(m.model.train()) for m in members])
    optimizer = _optimizer(ensemble, first)
    zdim, per_epoch = first.zdim, members[0].batches.per_epoch

    def next_batch(i):
        return torch.stack([m.batches(i) for m in members])  # [M, B] indices

    def step(idx, i):
        xb = x[idx.to(device)]
        eps = torch.stack([torch.randn((idx.shape[1], zdim), generator=m.noise, device=device, dtype=x.dtype)
                           for m in members])
        terms = ensemble(xb, eps)
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].sum().backward()  # member k's slice gets member k's gradient alone
        optimizer.step()
        return {f"{name}#{k}": terms[name][k].detach() for name in _LOGGED for k in range(len(members))}

    history = fit(step, next_batch, first.epochs * per_epoch, log_every=per_epoch,
                  desc=f"{len(members)} σ-VAEs batched", progress=progress)
    models, histories = [], []
    for k, m in enumerate(members):
        model = ensemble.member(k).model.eval()
        finish_stage_one(model, x, torch.Generator(device=device).manual_seed(m.config.seed))
        models.append(model)
        own = history[["step"] + [f"{name}#{k}" for name in _LOGGED]]
        own = own.rename(columns={f"{name}#{k}": name for name in _LOGGED})
        histories.append(own.assign(stage=1, epoch=range(1, len(own) + 1)))
    return models, histories, time.perf_counter() - start


def store_member(config: sweep.Config, model: sweep.SigmaVAE, history: pd.DataFrame, train_seconds: float,
                 batched_members: int, cache: ResultCache) -> sweep.Run:
    """Evaluate one trained member as `mnist_sweep.run_one` does and store it under its config's key."""
    def evaluate():
        features = sweep.feature_function(config, cache)
        metrics, arrays = sweep.evaluate_one(model, config, features.fn, features.label)
        metrics.update(train_seconds=train_seconds, fd_note=features.note, classifier_accuracy=features.accuracy,
                       batched_members=batched_members)
        return model, history, metrics, arrays

    return cached_run(config, cache, sweep.build_model, evaluate, sweep.Run)


def train_batched(configs, device="auto", cache: ResultCache | None = None, progress: bool = True,
                  max_members: int = MAX_MEMBERS) -> dict[sweep.Config, sweep.Run]:
    """Every batchable config of `configs` that the cache lacks, trained in batched groups and
    stored one entry per member; returns {config: run} for all batchable configs (trained or
    loaded). The others are left to `mnist_sweep.run_plan`, which then finds these in the cache."""
    cache = cache or ResultCache()
    runs = {}
    for group in groups([c for c in configs if not cache.exists(c)], max_members):
        models, histories, seconds = train_group(group, device, progress)
        for c, model, history in zip(group, models, histories):
            runs[c] = store_member(c, model, history, seconds / len(group), len(group), cache)
    for c in configs:
        if batchable(c) and c not in runs:
            runs[c] = sweep.run_one(c, device, cache, progress)
    return runs
