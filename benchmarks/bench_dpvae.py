"""Training steps per second of notebook 03's models, with and without the decoupled prior.

    .venv/bin/python benchmarks/bench_dpvae.py [--threads 1] [--steps 200] [--device cpu]

Two moons (the 2-100-50 MLP, batch 100, discriminator 256 wide as in the quick profile) and MNIST
(the authors' conv net, batch 100, 2-D latent), each regulariser with the N(0, I) prior and with
the six-block coupling flow. Steps are timed after a warm-up on random data of the right shape;
printed as a table, nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from companion.papers.dpvae import pockets_leaks as pl
from companion.papers.dpvae.model import make_step
from companion.papers.dpvae.objectives import FactorDiscriminator
from companion.train import adam


def steps_per_second(config: pl.Config, steps: int, device: str) -> float:
    torch.manual_seed(0)
    model = pl.build_model(config).to(device)
    batch = config.batch_size * (2 if config.regularizer == "factor" else 1)
    shape = (batch, 2) if config.dataset == "moons" else (batch, 1, 28, 28)
    x = torch.rand(shape, device=device)
    disc = disc_opt = None
    if config.regularizer == "factor":
        disc = FactorDiscriminator(config.zdim, config.disc_hidden).to(device)
        disc_opt = adam(disc.parameters(), config.disc_lr)
    step = make_step(model, config.regularizer, config.params(), adam(model.parameters(), config.lr), 10_000,
                     disc, disc_opt)
    for i in range(10):
        step(x, i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(steps):
        step(x, i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    plan = pl.make_plan("quick")
    rows = []
    for (ds, reg, dp), configs in plan.runs.items():
        steps = args.steps if ds == "moons" else max(10, args.steps // 10)
        rows.append({"dataset": ds, "regulariser": reg, "prior": "decoupled" if dp else "N(0, I)",
                     "steps/s": round(steps_per_second(configs[0], steps, args.device), 1)})
    table = pd.DataFrame(rows).pivot_table(index=["dataset", "regulariser"], columns="prior", values="steps/s")
    table["flow cost ×"] = (table["N(0, I)"] / table["decoupled"]).round(2)
    print(f"device {args.device}, {args.threads} thread(s), torch {torch.__version__}")
    print(table.to_markdown())


if __name__ == "__main__":
    main()
