"""Batched ensembles against the same members trained one after another: training steps per second
of M members on one device (companion.ensembles), stored as data with the machine and the load.

    .venv/bin/python benchmarks/bench_ensembles.py [--device cpu|cuda] [--threads 1] [--members 3 9]

Two objectives, as the sweeps use them: notebook 01's 2D toy VAE (three hidden layers of 256, batch
128; 01's full profile trains 3 methods x 4 densities x seeds) and a σ-VAE-sized MNIST MLP VAE with a
per-member σ² (784-256-2, batch 128; 02's σ² grid x seeds). Each configuration is timed in rounds that
alternate the batched run and the sequential one, and the median of the rounds is kept. The speed-up
is sequential time / batched time for the same M x steps member-steps. Results go to
`benchmarks/results/ensembles_<device>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_ensembles import GaussianMLPObjective, ToyVAEObjective  # noqa: E402  (the tests' objectives)

from companion.ensembles import Ensemble, train_step  # noqa: E402
from companion.papers.soft_introvae import toy2d  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from full_smoke import hardware  # noqa: E402


def _toy(m, device):
    members = []
    for s in range(m):
        torch.manual_seed(s)
        members.append(ToyVAEObjective(toy2d.build_model(toy2d.Config(seed=s)), beta_kl=0.5).to(device))
    return members, lambda b: (torch.randn(m, b, 2, device=device), torch.randn(m, b, 2, device=device)), ()


def _mlp(m, device):
    members = []
    for s in range(m):
        torch.manual_seed(s)
        members.append(GaussianMLPObjective().to(device))
    sigma2 = torch.logspace(0, -3, m, device=device)
    return members, lambda b: (torch.rand(m, b, 784, device=device), torch.randn(m, b, 2, device=device)), (sigma2,)


def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_batched(members, draw, extra, steps, batch, device) -> float:
    ens = Ensemble(members)
    opt = torch.optim.Adam(ens.parameters(), lr=1e-3)
    data = [draw(batch) for _ in range(steps)]
    train_step(ens, opt, *data[0], *extra)            # warm-up
    _sync(device)
    t = time.perf_counter()
    for args in data:
        train_step(ens, opt, *args, *extra)
    _sync(device)
    return time.perf_counter() - t


def time_sequential(members, draw, extra, steps, batch, device) -> float:
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in members]
    data = [draw(batch) for _ in range(steps)]
    total = 0.0
    for k, (m, opt) in enumerate(zip(members, opts)):
        args = [(x[k], e[k]) for x, e in data]
        scalars = tuple(v[k] for v in extra)
        loss = m(*args[0], *scalars)                  # warm-up
        opt.zero_grad()
        loss.backward()
        opt.step()
        _sync(device)
        t = time.perf_counter()
        for a in args:
            loss = m(*a, *scalars)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        _sync(device)
        total += time.perf_counter() - t
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--members", type=int, nargs="+", default=[3, 9])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for name, make in (("toy 2D VAE (01)", _toy), ("MNIST MLP VAE, per-member σ² (02)", _mlp)):
        for m in args.members:
            batched, sequential = [], []
            for _ in range(args.rounds):
                members, draw, extra = make(m, args.device)
                batched.append(time_batched(members, draw, extra, args.steps, 128, args.device))
                members, draw, extra = make(m, args.device)
                sequential.append(time_sequential(members, draw, extra, args.steps, 128, args.device))
            b, s = statistics.median(batched), statistics.median(sequential)
            rows.append({"objective": name, "members": m, "steps": args.steps, "batch": 128,
                         "batched member-steps/s": round(m * args.steps / b, 1),
                         "sequential member-steps/s": round(m * args.steps / s, 1), "speed-up": round(s / b, 2)})
            print(rows[-1], flush=True)
    save_rows(args.out or Path(__file__).parent / "results" / f"ensembles_{args.device.split(':')[0]}.json",
              args.device, args.threads, rows)
    return 0


def save_rows(out, device: str, threads: int, rows: list, **extra) -> None:
    """A benchmark's rows as JSON with the machine, threads, torch version, date and load average."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {**extra, "hardware": hardware(device), "threads": threads, "torch": torch.__version__,
              "date": datetime.now(timezone.utc).date().isoformat(),
              "load average at the end": [round(v, 2) for v in os.getloadavg()], "rows": rows}
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"-> {out}")


if __name__ == "__main__":
    sys.exit(main())
