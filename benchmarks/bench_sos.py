"""Log-likelihood evaluations per second of SOS-VAE's low-rank Gaussian, against the image size D and
the rank R (notebook 06).

    .venv/bin/python benchmarks/bench_sos.py [--threads 1] [--batch 64] [--repeats 20]

`LowRankMultivariateNormal(μ, P, d).log_prob(x)` for a batch of images with its own μ [B, D] and P
[B, D, R] each (as the decoder gives them), timed after a warm-up; beside it the dense
`MultivariateNormal` where D is small enough. Woodbury's cost is O(D R² + R³) per image, so the
time per evaluation should grow linearly in D. Printed as a table, nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import torch
from torch.distributions import LowRankMultivariateNormal, MultivariateNormal


def per_second(fn, repeats: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return repeats / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    rows = []
    for d in (784, 3072, 12288):
        for r in (10, 25):
            mu = torch.rand(args.batch, d, generator=g)
            p = 0.05 * torch.randn(args.batch, d, r, generator=g)
            x = torch.rand(args.batch, d, generator=g)
            dist = lambda: LowRankMultivariateNormal(mu, p, torch.full_like(mu, 1e-5))
            rate = per_second(lambda: dist().log_prob(x), args.repeats) * args.batch
            row = {"D": d, "R": r, "low-rank images/s": round(rate, 1), "µs per image per D": round(1e6 / rate / d, 4)}
            if d <= 784:
                cov = p @ p.transpose(1, 2) + 1e-5 * torch.eye(d)
                row["dense images/s"] = round(per_second(lambda: MultivariateNormal(mu, cov).log_prob(x), 3)
                                              * args.batch, 1)
            rows.append(row)
    print(f"{args.threads} thread(s), batch {args.batch}, torch {torch.__version__}")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
