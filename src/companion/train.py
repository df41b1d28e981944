"""The single training loop of the companion: every paper's experiment trains through `fit`.

Paper-specific update rules are step functions handed to `fit`; it owns what all of them need:
the iteration count, learning-rate schedulers, a tqdm progress bar, a pandas history of the
logged values and a guard that stops a diverging run with the step and the values that went bad.
Logged values stay on the device and are copied to the host once per `log_every` steps.
"""

from __future__ import annotations

import os
import random
import re
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

StepFn = Callable[[torch.Tensor, int], Mapping[str, torch.Tensor]]


class TrainingDiverged(RuntimeError):
    """A logged value became NaN or infinite; the message names the step and the values."""


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def adam(params, lr: float, **kwargs) -> torch.optim.Adam:
    """Adam with PyTorch's fused kernel, which updates every tensor of the model in one call: the
    same update rule as the per-tensor loop, about 30% faster per step for the companion's small
    MLPs on the CPU (benchmarks/README.md). `params` may be parameters or parameter groups;
    the fused kernel needs floating-point tensors on one CPU, CUDA or MPS device."""
    params = list(params)
    tensors = [p for g in params for p in (g["params"] if isinstance(g, dict) else [g])]
    fusable = bool(tensors) and all(t.is_floating_point() for t in tensors) and \
        len({t.device.type for t in tensors}) == 1 and tensors[0].device.type in ("cpu", "cuda", "mps")
    return torch.optim.Adam(params, lr=lr, fused=fusable or None, **kwargs)


_DEVICE = re.compile(r"cpu|mps|cuda(:\d+)?")
DEVICE_CHOICES = "auto, cpu, cuda, cuda:N or mps"


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """'auto' (or None) picks CUDA when present, else the CPU; 'cpu', 'cuda', 'cuda:N', 'mps'
    or a torch.device are taken as given once torch can use them. Anything else, or a device
    torch cannot reach, raises ValueError with a one-line message."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, torch.device):
        if not isinstance(device, str) or not _DEVICE.fullmatch(device):
            raise ValueError(f"unknown device {device!r}; use {DEVICE_CHOICES}")
        device = torch.device(device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} asked for but torch sees no CUDA GPU")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ValueError(f"device {str(device)!r} asked for but torch sees {count} CUDA GPU(s)")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"device {str(device)!r} asked for but torch sees no MPS (Apple GPU) backend")
    return device


def limit_threads(n: int | None = None) -> None:
    """Use `n` torch threads (default: $COMPANION_THREADS, else leave torch's choice)."""
    n = n or int(os.environ.get("COMPANION_THREADS", "0") or 0)
    if n > 0:
        torch.set_num_threads(n)


class EpochBatches:
    """Index batches for `train.fit`: a fresh permutation of `n` items every epoch, the last
    batch of an epoch possibly smaller. `per_epoch` batches make one epoch."""

    def __init__(self, n: int, batch_size: int, seed: int):
        if n <= 0 or batch_size <= 0:
            raise ValueError(f"need a positive data size and batch size, got {n} and {batch_size}")
        self.n, self.batch_size = n, batch_size
        self.per_epoch = -(-n // batch_size)
        self.generator = torch.Generator().manual_seed(seed)
        self.order = None

    def __call__(self, i: int) -> torch.Tensor:
        j = i % self.per_epoch
        if j == 0 or self.order is None:
            self.order = torch.randperm(self.n, generator=self.generator)
        return self.order[j * self.batch_size:(j + 1) * self.batch_size]


def _check_finite(block: torch.Tensor, keys: list[str], first_step: int) -> None:
    bad = ~torch.isfinite(block)
    if bad.any():
        row = int(bad.any(dim=1).nonzero()[0])
        values = ", ".join(f"{k}={v:.4g}" for k, v in zip(keys, block[row].tolist()))
        raise TrainingDiverged(
            f"training diverged at step {first_step + row}: {values}. "
            "Lower the learning rate or the loss weights, or change the seed.")


def fit(step: StepFn, next_batch: Callable[[int], torch.Tensor], n_iter: int, *,
        schedulers: Iterable = (), log_every: int = 100, desc: str = "train",
        progress: bool = True) -> pd.DataFrame:
    """Run `n_iter` iterations of `step(next_batch(i), i)` and return the history.

    The history has one row per `log_every` steps: `step` (the last step of the window) and the
    window mean of every value the step function returned. Seed and build the model before
    calling (`seed_everything`, `resolve_device`).
    """
    if n_iter <= 0:
        raise ValueError(f"n_iter must be positive, got {n_iter}")
    schedulers = list(schedulers)
    rows, window, keys = [], [], None
    bar = tqdm(range(n_iter), desc=desc, disable=not progress, mininterval=1.0, leave=False)
    for i in bar:
        logs = step(next_batch(i), i)
        if keys is None or list(logs) != keys:
            if window:  # the logged keys changed (e.g. after a warm-up): flush the old window
                rows.append(_flush(window, keys, i - len(window)))
                window = []
            keys = list(logs)
        window.append(torch.stack([v.float() for v in logs.values()]))
        for sched in schedulers:
            sched.step()
        if len(window) == log_every or i == n_iter - 1:
            rows.append(_flush(window, keys, i + 1 - len(window)))
            window = []
            if progress:
                bar.set_postfix({k: f"{v:.3g}" for k, v in rows[-1].items() if k != "step"})
    bar.close()
    return pd.DataFrame(rows)


def _flush(window: list[torch.Tensor], keys: list[str], first_step: int) -> dict:
    block = torch.stack(window).cpu()
    _check_finite(block, keys, first_step)
    return {"step": first_step + len(window) - 1, **dict(zip(keys, block.mean(0).tolist()))}
