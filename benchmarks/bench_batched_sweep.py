"""Notebook 02's σ² sweep trained batched (companion.batched_sweeps.train_group) against the same
members trained one after another (mnist_sweep.train_one): seconds per epoch and the float32 gap
between a batched member and its lone run, stored as data with the machine and the load.

    .venv/bin/python benchmarks/bench_batched_sweep.py [--device cpu|cuda] [--threads 1] [--members 6 18]

The group is the quick profile's fixed-σ² sweep (MLP 784-512-256, latent 2, 10k MNIST images,
batch 128, so 79 steps an epoch): M members are the six σ² of Fig. 1 over M / 6 seeds. Training
only (stage 1, with σ²_dataset at its end); the evaluation each member gets afterwards is the same
either way. Each arm runs `--epochs` epochs in `--rounds` interleaved rounds; the median is kept.
Results go to `benchmarks/results/batched_sweep_<device>.json`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from companion.batched_sweeps import train_group
from companion.papers.sigma_vae import mnist_sweep as sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from full_smoke import hardware  # noqa: E402


def members(m: int, epochs: int) -> list:
    base = dataclasses.replace(sweep.QUICK.base, epochs=epochs, sigma_mode="fixed")
    return [dataclasses.replace(base, seed=k // 6, sigma2=s) for k, s in
            zip(range(m), sweep.QUICK.sweep_sigma2 * (m // 6 + 1))]


@torch.no_grad()
def _relative_gap(a, b) -> float:
    va, vb = (torch.cat([p.detach().flatten() for p in m.parameters()]) for m in (a, b))
    return float((va - vb).norm() / vb.norm())


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--members", type=int, nargs="+", default=[6, 18])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sweep.images("mnist", "train")  # read once, outside the timings
    rows = []
    for m in args.members:
        configs = members(m, args.epochs)
        batched, alone = [], []
        for _ in range(args.rounds):
            _sync(args.device)
            t = time.perf_counter()
            models, _, _ = train_group(configs, args.device, progress=False)
            _sync(args.device)
            batched.append(time.perf_counter() - t)
            t = time.perf_counter()
            lone = [sweep.train_one(c, args.device, progress=False)[0] for c in configs]
            _sync(args.device)
            alone.append(time.perf_counter() - t)
        gaps = [_relative_gap(x, y) for x, y in zip(models, lone)]
        # reference: two lone runs of one σ² and different seeds (the gap a different run makes)
        other_seed = _relative_gap(lone[0], lone[6]) if m > 6 else None
        b, s = statistics.median(batched), statistics.median(alone)
        rows.append({"members": m, "epochs": args.epochs, "batched seconds": round(b, 2),
                     "one after another seconds": round(s, 2), "speed-up": round(s / b, 2),
                     "float32 weight gap ‖Δw‖/‖w‖, largest over members": float(f"{max(gaps):.3g}"),
                     "same gap between two seeds' lone runs": other_seed and float(f"{other_seed:.3g}")})
        print(rows[-1], flush=True)
    out = Path(args.out or Path(__file__).parent / "results" / f"batched_sweep_{args.device.split(':')[0]}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"hardware": hardware(args.device), "threads": args.threads, "torch": torch.__version__,
              "date": datetime.now(timezone.utc).date().isoformat(),
              "load average at the end": [round(v, 2) for v in os.getloadavg()], "rows": rows}
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
