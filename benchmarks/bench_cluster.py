"""A small sweep on the local process pool and on a two-worker Dask LocalCluster (issue: Dask
execution). Eight Soft-IntroVAE 2D runs of notebook 01 at a reduced number of iterations, each
route in a fresh results cache; the time includes starting the workers (spawned processes, or the
LocalCluster's nannies and workers). The runs' metrics are compared, so a difference in speed is
never a difference in work.

    .venv/bin/python benchmarks/bench_cluster.py [--iterations 600] [--runs 8]

Printed as a table, nothing is asserted (the tests check the results on loopback).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time

import pandas as pd

from companion.cache import ResultCache
from companion.papers.soft_introvae import toy2d as toy
from companion.parallel import run_configs


def sweep(iterations: int, runs: int) -> list:
    methods = ("vae", "introvae", "sintrovae")
    base = dataclasses.replace(toy.QUICK.base, n_iter=iterations)
    return [toy.table5_config("8gaussians", methods[i % 3], base, seed=i // 3) for i in range(runs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", type=int, default=600)
    ap.add_argument("--runs", type=int, default=8)
    args = ap.parse_args()
    configs = sweep(args.iterations, args.runs)
    rows, results = [], {}
    for route, scheduler in (("local pool, 2 processes", None), ("Dask LocalCluster, 2 workers", "local")):
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            runs = run_configs(configs, toy.run_one, "cpu", jobs=2, cache=ResultCache(cache), progress=False,
                               cost=toy._cost, scheduler=scheduler)
            seconds = time.perf_counter() - start
        results[route] = {c: r.metrics for c, r in runs.items()}
        rows.append({"route": route, "runs": len(configs), "iterations each": args.iterations,
                     "seconds": round(seconds, 1)})
    same = all(results["local pool, 2 processes"][c] == results["Dask LocalCluster, 2 workers"][c] for c in configs)
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"same metrics on both routes: {same}")


if __name__ == "__main__":
    main()
