"""Papers' sweeps trained batched (companion.batched_sweeps) against the same members trained one
after another (`train_one`): seconds, and the float32 gap between a batched member and its lone run,
stored as data with the machine and the load.

    .venv/bin/python benchmarks/bench_batched_sweep.py [--sweep 02|01|03] [--device cpu|cuda] [--threads 1]
                                                       [--members 6 18]

02: the quick profile's fixed-σ² sweep (MLP 784-512-256, latent 2, 10k MNIST images, batch 128, so 79
steps an epoch); M members are the six σ² of Fig. 1 over M / 6 seeds; `--epochs` epochs (stage 1,
with σ²_dataset at its end). 01: Table 2's Soft-IntroVAE runs at the quick settings (3 x 256 hidden,
batch 128) over the four densities with their Table 5 betas, M / 4 seeds, `--steps` steps of the
Soft-IntroVAE update (no warm-up). 03: the dpVAE on two moons (VAE with the decoupled flow prior,
the quick profile's settings), M seeds, `--steps` steps. Training only: the evaluation each member
gets afterwards is the same either way. Each arm runs in `--rounds` interleaved rounds; the median
is kept. Results go to `benchmarks/results/batched_sweep_<sweep>_<device>.json`.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import torch

from companion.batched_sweeps import dpvae as batched_dpvae
from companion.batched_sweeps import sigma_vae
from companion.batched_sweeps import toy2d as batched_toy2d
from companion.core.data import TOY_DATASETS
from companion.papers.dpvae import pockets_leaks
from companion.papers.sigma_vae import mnist_sweep as sweep
from companion.papers.soft_introvae import toy2d

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ensembles import save_rows  # noqa: E402


def members(sweep_name: str, m: int, args) -> list:
    if sweep_name == "02":
        base = dataclasses.replace(sweep.QUICK.base, epochs=args.epochs, sigma_mode="fixed")
        return [dataclasses.replace(base, seed=k // 6, sigma2=s) for k, s in
                zip(range(m), sweep.QUICK.sweep_sigma2 * (m // 6 + 1))]
    if sweep_name == "01":
        base = dataclasses.replace(toy2d.QUICK.base, n_iter=args.steps, num_vae=0)
        return [toy2d.table5_config(TOY_DATASETS[k % 4], "sintrovae", base, seed=k // 4) for k in range(m)]
    base = pockets_leaks.QUICK.blocks["moons"].base
    return [dataclasses.replace(base, regularizer="vae", decoupled=True, iterations=args.steps, seed=k)
            for k in range(m)]


SWEEPS = {"02": (sigma_vae.train_group, sweep.train_one), "01": (batched_toy2d.train_group, toy2d.train_one),
          "03": (batched_dpvae.train_group, pockets_leaks.train_one)}


@torch.no_grad()
def _relative_gap(a, b) -> float:
    va, vb = (torch.cat([p.detach().flatten() for p in m.parameters()]) for m in (a, b))
    return float((va - vb).norm() / vb.norm())


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sweep", choices=sorted(SWEEPS), default="02")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--members", type=int, nargs="+", default=[6, 18])
    ap.add_argument("--epochs", type=int, default=1, help="02: epochs")
    ap.add_argument("--steps", type=int, default=200, help="01, 03: steps")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.sweep == "02":
        sweep.images("mnist", "train")  # read once, outside the timings
    train_group, train_one = SWEEPS[args.sweep]
    rows = []
    for m in args.members:
        configs = members(args.sweep, m, args)
        batched, alone = [], []
        for _ in range(args.rounds):
            _sync(args.device)
            t = time.perf_counter()
            models = train_group(configs, args.device, progress=False)[0]
            _sync(args.device)
            batched.append(time.perf_counter() - t)
            t = time.perf_counter()
            lone = [train_one(c, args.device, progress=False)[0] for c in configs]
            _sync(args.device)
            alone.append(time.perf_counter() - t)
        gaps = [_relative_gap(x, y) for x, y in zip(models, lone)]
        # reference: two lone runs of one σ² and different seeds (the gap a different run makes)
        per_seed = {"02": 6, "01": 4, "03": 1}[args.sweep]
        other_seed = _relative_gap(lone[0], lone[per_seed]) if m > per_seed else None
        b, s = statistics.median(batched), statistics.median(alone)
        rows.append({"members": m, **({"epochs": args.epochs} if args.sweep == "02" else {"steps": args.steps}),
                     "batched seconds": round(b, 2),
                     "one after another seconds": round(s, 2), "speed-up": round(s / b, 2),
                     "float32 weight gap ‖Δw‖/‖w‖, largest over members": float(f"{max(gaps):.3g}"),
                     "same gap between two seeds' lone runs": other_seed and float(f"{other_seed:.3g}")})
        print(rows[-1], flush=True)
    name = f"batched_sweep_{args.sweep}_{args.device.split(':')[0]}.json"
    save_rows(args.out or Path(__file__).parent / "results" / name, args.device, args.threads, rows, sweep=args.sweep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
