"""Papers' sweeps trained as batched ensembles, each member stored where its own run would be.

A full-profile sweep trains many models that share an architecture and differ in their seed and a
few scalars of the objective: notebook 01's 2-D models (three methods, four densities with their
Table 5 betas, IntroVAE's margins, seeds), notebook 02's σ-VAEs (the fixed σ² grid, the learned σ²,
seeds), notebook 03's regularised VAEs ± the decoupled prior (seeds) and notebook 05's VAEs and
Soft-IntroVAEs (seeds). A group of such configs trains as one `companion.ensembles.Ensemble` — one
batched forward per phase, one backward, one fused Adam over the stacked parameters — and then
every member is evaluated and stored through the cache under *its own config's key*, the key the
experiment's `run_one` looks up. A notebook that runs afterwards loads each member as if it had been
trained alone; the cache entry does not say how it was batched (a GPU piece's `run.json` counts its
batched runs).

Why that is sound: a member re-executes its lone run's computation — the same initial weights
(seeded and built as `train_one` builds them), the same data (its own generator, seeded as
`train_one` seeds it), the same noise (a generator per member holding the state torch's global
generator has at that point of the lone run: `member_noise`), the same losses (the paper modules'
loss functions, called per member under `vmap`) and the same Adam update element by element.
tests/test_batched_sweeps.py checks members against `train_one` in float64, weights to 1e-10 (on
CUDA too, where one is lent: `make gpu` runs those tests first). In float32 the two differ by
reduction order only, as two devices would (benchmarks/README.md gives the measured gap and speed).
A member's stored `train_seconds` is its share of its group's wall time.

These modules are not part of any paper's training-code hash (`cache.source_hash`): they execute the
paper's computation in another order, as a device does, and the exactness tests tie them to the
paper's code. On the CPU batching buys nothing (benchmarks/README.md), so the quick and extended
profiles train run by run; `companion gpu` trains its pieces' sweeps batched.

    from companion.batched_sweeps import train_batched
    train_batched(toy2d.make_plan("full").all_runs, device="cuda")   # then run the notebook
"""

from __future__ import annotations

import time
from typing import Callable

import torch

#: [A] members trained in one batch at most (memory grows with it; a full-profile group has <= 36)
MAX_MEMBERS = 36


def member_noise(seed: int, device: torch.device) -> torch.Generator:
    """The generator a member draws its noise from, holding the state torch's global generator has
    in the lone run right after `seed_everything(seed)` and building the model (call it then): on
    the CPU a copy of the global state, on CUDA the device generator seeded and not yet used."""
    noise = torch.Generator(device=device)
    if device.type == "cpu":
        noise.set_state(torch.get_rng_state())
    else:
        noise.manual_seed(seed)
    return noise


def groups(configs, key: Callable, batchable: Callable, max_members: int = MAX_MEMBERS) -> list[list]:
    """The batchable configs (duplicates once) in groups of at most `max_members` sharing `key(config)`,
    in the order they were given."""
    if max_members < 1:
        raise ValueError(f"max_members must be at least 1, got {max_members}")
    by_key: dict = {}
    for c in dict.fromkeys(configs):
        if batchable(c):
            by_key.setdefault(key(c), []).append(c)
    return [g[i:i + max_members] for g in by_key.values() for i in range(0, len(g), max_members)]


def per_member(history, k: int, names: list[str]):
    """Member k's columns of a batched history (logged as `name#k`), named as its lone run names them."""
    own = history[["step"] + [f"{name}#{k}" for name in names]]
    return own.rename(columns={f"{name}#{k}": name for name in names})


def logged_names(history) -> list[str]:
    """The logged names of a batched history, in the order a lone run's history has them."""
    return list(dict.fromkeys(c.split("#")[0] for c in history.columns if "#" in c))


def train_batched(configs, device="auto", cache=None, progress: bool = True, max_members: int = MAX_MEMBERS) -> dict:
    """Every config of `configs` that an experiment here can batch and the cache lacks, trained in
    batched groups and stored one entry per member; returns {config: run} for the batchable configs
    (trained or loaded). The rest are left to the experiment's `run_plan`, which then finds these in
    the cache."""
    from . import dpvae, ood, sigma_vae, toy2d

    runs = {}
    for module in (dpvae, ood, sigma_vae, toy2d):
        mine = [c for c in configs if isinstance(c, module.CONFIG)]
        if mine:
            runs.update(module.train_batched(mine, device, cache, progress, max_members))
    return runs


def check_group(configs: list, key: Callable, batchable: Callable, what: str) -> None:
    """Raise before any work unless `configs` is a non-empty group of valid, batchable configs sharing
    `key` (`what`: what the group needs, for the message)."""
    if not configs:
        raise ValueError("an empty group")
    if len({key(c) for c in configs}) != 1 or not all(batchable(c) for c in configs):
        raise ValueError(f"a batched group needs {what}")
    for c in configs:
        c.validate()


def train_and_store(module, configs, device, cache, progress: bool, max_members: int) -> dict:
    """`module`'s batchable configs that the cache lacks, trained in groups (`module.train_group`) and
    stored one entry per member (`module.store_member(config, model, history, seconds, cache)`, with
    the member's share of its group's wall time); {config: run} for every batchable config that is
    trained or stored (a group whose dataset is missing is skipped)."""
    from ..cache import ResultCache

    cache = cache or ResultCache()
    runs = {}
    todo = module.groups([c for c in configs if not cache.exists(c)], max_members)
    train = timed(lambda g: module.train_group(g, device, progress)[:2])
    for group, (models, histories, seconds) in trainable_groups(todo, train):
        for c, model, history in zip(group, models, histories):
            runs[c] = module.store_member(c, model, history, seconds, cache)
    for c in configs:
        if module.batchable(c) and c not in runs and cache.exists(c):
            runs[c] = module.run_one(c, device, cache, progress)
    return runs


def timed(train_group: Callable) -> Callable:
    """`train_group` returning, after its own outputs, the group's wall seconds per member."""
    def run(group):
        start = time.perf_counter()
        out = train_group(group)
        return (*out, (time.perf_counter() - start) / len(group))

    return run


def trainable_groups(groups_: list[list], train_group: Callable, echo=None):
    """(group, train_group(group)) for each group whose data are on disk: a group whose dataset is
    missing (`DatasetMissing`, raised while reading it, before any training) is skipped with a line,
    and left to the notebook, which drops a missing dataset from its plan its own way."""
    from ..core.data import DatasetMissing

    for group in groups_:
        try:
            trained = train_group(group)
        except DatasetMissing as err:
            (echo or print)(f"[batched] {len(group)} runs skipped: {err}")
            continue
        yield group, trained
