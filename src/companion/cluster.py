"""Sweeps on a Dask cluster: the same configs, the same `run_one`, the same results cache.

`parallel.run_configs` sends the configs missing from the cache here when a scheduler is named:
"tcp://HOST:PORT" connects to a running cluster (e.g. one that `dask-jobqueue` started on SLURM),
"local" starts a `LocalCluster` of `jobs` worker processes for this sweep. Each task runs one
config on a worker with one torch thread (and, on a GPU cluster, one GPU: workers started with
`--resources GPU=1`; a CUDA sweep asks each task for one).

Results come back through the cache. When the workers see the client's cache folder (a shared
filesystem; checked with a token file the client writes, not assumed from the path), they write
into it. Otherwise each worker trains into a scratch cache of its own and returns the files of
every entry it made; the client stores them with the cache's atomic writes, `metrics.json` last, so
an entry is complete or absent. A worker that dies mid-task leaves no entry, and Dask runs the task
again on another worker (its `allowed-failures`, 3 by default; a config's own error is not retried:
it is reported with its error after the others finish). Ctrl-C (or any error in the client)
cancels the sweep's tasks and closes the cluster it started.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from tqdm import tqdm

from .cache import ResultCache, _atomic_write
from .parallel import error_text, pin_one_thread

#: seconds to wait for a scheduler before saying it is unreachable
CONNECT_TIMEOUT = 10
#: the token file that tells a worker it shares the client's cache folder
TOKEN_PREFIX = ".shared-"


class SchedulerUnreachable(ConnectionError):
    """No Dask scheduler answered at the given address."""


def _import_distributed():
    try:
        import distributed
    except ImportError as err:  # the optional extra is not installed
        raise ImportError("a Dask scheduler was asked for, but dask.distributed is not installed: "
                          "pip install 'companion[cluster]' (dask[distributed], dask-jobqueue)") from err
    return distributed


def connect(scheduler: str, jobs: int = 2, timeout: float = CONNECT_TIMEOUT, gpu: bool = False):
    """(client, cluster it started or None) for "local" or a scheduler address. A local cluster for
    a GPU sweep declares one GPU per worker."""
    distributed = _import_distributed()
    if scheduler == "local":
        cluster = distributed.LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=40,
                                           resources={"GPU": 1} if gpu else None)
        return distributed.Client(cluster), cluster
    if "://" not in scheduler:
        raise ValueError(f"scheduler must be 'local' or an address such as tcp://HOST:8786, got {scheduler!r}")
    try:
        return distributed.Client(scheduler, timeout=timeout), None
    except (OSError, TimeoutError) as err:
        raise SchedulerUnreachable(
            f"no Dask scheduler answered at {scheduler} within {timeout:g} s ({type(err).__name__}). Start one "
            f"(`dask scheduler`, then `dask worker {scheduler} --nthreads 1`; on SLURM see README, 'Running on a "
            f"cluster'), or use --scheduler local for a LocalCluster on this machine.") from err


def check_scheduler(scheduler: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise before any work starts when `scheduler` is malformed, unreachable, or Dask is missing."""
    if scheduler == "local":
        _import_distributed()
        return
    client, _ = connect(scheduler, timeout=timeout)
    client.close()


def _entries(root: Path) -> dict:
    """{entry folder name: {file name: bytes}} of every complete entry under a scratch cache."""
    out = {}
    for folder in root.iterdir():
        if folder.is_dir() and (folder / "metrics.json").exists():
            out[folder.name] = {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}
    return out


def store_entries(cache: ResultCache, entries: dict) -> None:
    """Write entries a worker returned into the client's cache; metrics.json (completion) last."""
    for name, files in entries.items():
        folder = cache.root / name
        if (folder / "metrics.json").exists():
            continue
        for fname in sorted(files, key=lambda f: f == "metrics.json"):
            _atomic_write(folder / fname, lambda p, data=files[fname]: Path(p).write_bytes(data))


def _task(run_one, config, device: str, cache_root: str, token: str):
    """Run one config on a worker: (entries returned when the cache is not shared, else None, seconds)."""
    pin_one_thread()
    start = time.perf_counter()
    root = Path(cache_root)
    if (root / token).exists():  # the client's own folder: write there
        run_one(config, device, ResultCache(root), progress=False)
        return None, time.perf_counter() - start
    scratch = Path(tempfile.mkdtemp(prefix="companion-task-"))
    try:
        run_one(config, device, ResultCache(scratch), progress=False)
        return _entries(scratch), time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_on_dask(todo, run_one, device: str, cache: ResultCache, progress: bool, scheduler: str,
                jobs: int = 2, share_cache: bool = True) -> tuple[dict, dict]:
    """Run `todo` on the cluster: ({config: seconds}, {config: error text}). `share_cache=False`
    makes the workers return their results even when they could write the cache themselves."""
    distributed = _import_distributed()
    gpu = device.startswith("cuda")
    client, cluster = connect(scheduler, jobs, gpu=gpu)
    if gpu:
        workers = client.scheduler_info()["workers"].values()
        if workers and not any(w.get("resources", {}).get("GPU") for w in workers):
            client.close()
            raise RuntimeError(f"a CUDA sweep asks each task for one GPU, but no worker of {scheduler} declares "
                               "one: start the workers with `--resources GPU=1` (README, 'Running on a cluster')")
    cache.root.mkdir(parents=True, exist_ok=True)
    token = f"{TOKEN_PREFIX}{uuid.uuid4().hex}"
    if share_cache:
        (cache.root / token).write_text("written by the client of a Dask sweep\n")
    resources = {"GPU": 1} if gpu else None
    timings, failures, futures = {}, {}, {}
    try:
        for cfg in todo:
            fut = client.submit(_task, run_one, cfg, device, str(cache.root), token, pure=False,
                                resources=resources)
            futures[fut] = cfg
        done = distributed.as_completed(futures, with_results=False)
        for fut in tqdm(done, total=len(futures), desc="runs (dask)", disable=not progress):
            cfg = futures[fut]
            try:
                entries, seconds = fut.result()
            except Exception as err:  # the task's own error, or its worker lost too often
                failures[cfg] = error_text(err)
                continue
            if entries:
                store_entries(cache, entries)
            timings[cfg] = seconds
    except BaseException:
        client.cancel(list(futures), force=True)
        raise
    finally:
        (cache.root / token).unlink(missing_ok=True)
        client.close()
        if cluster is not None:
            cluster.close()
    return timings, failures


def worker_pids(client) -> list[int]:
    """The process ids of the cluster's workers (for tests and for `ps`)."""
    return list(client.run(os.getpid).values())
