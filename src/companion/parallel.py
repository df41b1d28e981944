"""Train many configs, in worker processes when asked, through the results cache.

Every experiment has a `run_one(config, device, cache, progress)` that trains and evaluates a
config or loads it from the cache. `run_configs` trains the missing ones in `jobs` spawned
processes of one torch thread each (costliest first) and then reads every result back from the
cache, so the returned runs are the same with one job or many.
"""

from __future__ import annotations

import os
import time

import torch
from tqdm import tqdm

from .cache import ResultCache
from .train import resolve_device


def _worker(run_one, config, device: str, cache_root: str):
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency: caps BLAS/OpenMP pools

    torch.set_num_threads(1)
    threadpool_limits(1)
    start = time.perf_counter()
    run_one(config, device, ResultCache(cache_root), progress=False)
    return config, time.perf_counter() - start


def _worker_task(args):
    return _worker(*args)


def run_configs(configs, run_one, device="auto", jobs: int = 1, cache: ResultCache | None = None,
                progress: bool = True, cost=None) -> dict:
    """{config: run} for every config (duplicates run once). `cost(config)` orders the work."""
    cache = cache or ResultCache()
    configs = list(dict.fromkeys(configs))
    todo = [c for c in configs if not cache.exists(c)]
    timings = {}
    if jobs > 1 and len(todo) > 1:
        import multiprocessing as mp

        device = str(resolve_device(device))
        if cost is not None:
            todo.sort(key=cost, reverse=True)
        # a multiprocessing Pool rather than concurrent.futures: on an error or an interrupt
        # (Ctrl-C in the notebook) `terminate` stops the workers instead of waiting for them
        pool = mp.get_context("spawn").Pool(min(jobs, len(todo)))
        try:
            tasks = [(run_one, c, device, str(cache.root)) for c in todo]
            for cfg, seconds in tqdm(pool.imap_unordered(_worker_task, tasks), total=len(tasks),
                                     desc="runs", disable=not progress):
                timings[cfg] = seconds
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    runs = {}
    for cfg in configs:  # trains here when jobs == 1 (one progress bar per run), else loads
        r = run_one(cfg, device, cache, progress)
        if cfg in timings:
            r.from_cache, r.seconds = False, timings[cfg]
        runs[cfg] = r
    return runs


def default_jobs() -> int:
    """$COMPANION_JOBS, else one process per CPU core (at most 4)."""
    env = os.environ.get("COMPANION_JOBS")
    return max(1, int(env)) if env else max(1, min(4, os.cpu_count() or 1))
