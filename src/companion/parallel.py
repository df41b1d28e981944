"""Train many configs, in worker processes or on a Dask cluster, through the results cache.

Every experiment has a `run_one(config, device, cache, progress)` that trains and evaluates a
config or loads it from the cache. `run_configs` trains the missing ones elsewhere — in `jobs`
spawned processes of one torch thread each (costliest first), or on a Dask cluster when a
scheduler is given (`cluster`) — and then reads every result back from the cache, so the returned
runs are the same with one job, many, or a cluster.

The executor is chosen at the edge: the `scheduler` argument, else `use_scheduler(...)` (a
notebook parameter), else $COMPANION_SCHEDULER (how `companion run --scheduler` reaches a notebook
that papermill runs), else the local pool. A config that fails is reported with its error once
the rest of the sweep has finished (`SweepError`); an interrupt stops the workers.
"""

from __future__ import annotations

import os
import threading
import time
import traceback

import torch
from tqdm import tqdm

from .cache import ResultCache
from .train import resolve_device

#: the environment variable naming a Dask scheduler ("tcp://HOST:PORT" or "local")
SCHEDULER_ENV = "COMPANION_SCHEDULER"
_scheduler: str | None = None


def use_scheduler(scheduler: str | None) -> None:
    """Send this process's sweeps to a Dask scheduler ("tcp://HOST:PORT", or "local" for a
    LocalCluster); None leaves the choice to $COMPANION_SCHEDULER (else the local pool)."""
    global _scheduler
    _scheduler = scheduler or None


def chosen_scheduler(scheduler: str | None = None) -> str | None:
    return scheduler or _scheduler or os.environ.get(SCHEDULER_ENV) or None


class SweepError(RuntimeError):
    """Some configs of a sweep failed; every other one finished and is in the cache."""

    def __init__(self, failures: dict):
        self.failures = failures  # config -> the error's text (its traceback's last lines)
        lines = [f"{len(failures)} run(s) failed; the other runs finished and are in the cache:"]
        lines += [f"  {config}:\n    " + text.strip().replace("\n", "\n    ") for config, text in failures.items()]
        super().__init__("\n".join(lines))


def error_text(err: BaseException) -> str:
    """The last lines of an error's traceback, enough to see where a worker failed."""
    return "".join(traceback.format_exception(err)[-3:])


def pin_one_thread() -> None:
    """One torch (and BLAS / OpenMP) thread in this worker process."""
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency: caps BLAS/OpenMP pools

    torch.set_num_threads(1)
    threadpool_limits(1)


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """A daemon thread that ends this process when its parent is gone (killed, not just stopped):
    a killed notebook leaves no worker training on."""
    def watch():
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _pool_initializer(parent: int) -> None:
    _exit_with_parent(parent)
    pin_one_thread()


def _worker_task(args):
    """(config, seconds, None) or (config, None, error text): an error stays with its config."""
    run_one, config, device, cache_root = args
    start = time.perf_counter()
    try:
        run_one(config, device, ResultCache(cache_root), progress=False)
    except Exception as err:  # reported with its config when the sweep ends
        return config, None, error_text(err)
    return config, time.perf_counter() - start, None


def _run_on_pool(todo, run_one, device, jobs, cache, progress) -> tuple[dict, dict]:
    import multiprocessing as mp

    timings, failures = {}, {}
    # a multiprocessing Pool rather than concurrent.futures: on an interrupt (Ctrl-C in the
    # notebook) `terminate` stops the workers instead of waiting for them
    pool = mp.get_context("spawn").Pool(min(jobs, len(todo)), _pool_initializer, (os.getpid(),))
    try:
        tasks = [(run_one, c, device, str(cache.root)) for c in todo]
        for cfg, seconds, error in tqdm(pool.imap_unordered(_worker_task, tasks), total=len(tasks),
                                        desc="runs", disable=not progress):
            if error is None:
                timings[cfg] = seconds
            else:
                failures[cfg] = error
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return timings, failures


def run_configs(configs, run_one, device="auto", jobs: int = 1, cache: ResultCache | None = None,
                progress: bool = True, cost=None, scheduler: str | None = None) -> dict:
    """{config: run} for every config (duplicates run once). `cost(config)` orders the work;
    `scheduler` sends it to Dask (see the module's docstring)."""
    cache = cache or ResultCache()
    configs = list(dict.fromkeys(configs))
    todo = [c for c in configs if not cache.exists(c)]
    if cost is not None:
        todo.sort(key=cost, reverse=True)
    timings, failures = {}, {}
    scheduler = chosen_scheduler(scheduler)
    if todo and scheduler:
        from .cluster import run_on_dask

        timings, failures = run_on_dask(todo, run_one, str(resolve_device(device)), cache, progress, scheduler, jobs)
    elif jobs > 1 and len(todo) > 1:
        timings, failures = _run_on_pool(todo, run_one, str(resolve_device(device)), jobs, cache, progress)
    if failures:
        raise SweepError(failures)
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
