"""Dask execution on loopback: a two-worker LocalCluster gives the local pool's results (with and
without a shared cache folder), a worker killed during its task still leaves a complete cache, a
failing config is reported after the rest finish, and an unreachable scheduler fails fast."""

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("distributed")

from companion.cache import CachedResult, ResultCache  # noqa: E402
from companion.cluster import SchedulerUnreachable, connect, run_on_dask  # noqa: E402
from companion.papers.soft_introvae import toy2d as toy  # noqa: E402
from companion.parallel import SweepError, run_configs  # noqa: E402


@dataclass(frozen=True)
class SlowJob:
    n: int
    folder: str         # where the task writes "started-<n>-<pid>" when it begins
    seconds: float = 3.0
    fail: bool = False


def slow_run(config, device, cache, progress=True):
    """A run that announces itself, writes a first file of its entry (as training would leave a
    partial folder), takes `seconds`, then stores its result."""
    if cache.exists(config):
        return None
    if config.fail:
        raise ValueError(f"job {config.n} diverged")
    Path(config.folder, f"started-{config.n}-{os.getpid()}").touch()
    (cache.path(config)).mkdir(parents=True, exist_ok=True)
    (cache.path(config) / "model.pt").write_bytes(b"partial")
    time.sleep(config.seconds)
    state = {"w": torch.full((3,), float(config.n))}
    cache.save(config, CachedResult(state, pd.DataFrame({"step": [1]}), {"n": config.n}, {"a": np.arange(3)}))
    return None


def tiny(method, seed):
    from test_soft_introvae_2d import tiny as tiny_toy

    return tiny_toy(method, seed=seed)


def test_a_local_cluster_gives_the_local_pools_results(tmp_path):
    cfgs = [tiny("vae", 1), tiny("introvae", 1), tiny("sintrovae", 2)]
    pool = run_configs(cfgs, toy.run_one, "cpu", jobs=2, cache=ResultCache(tmp_path / "pool"), progress=False)
    dask = run_configs(cfgs, toy.run_one, "cpu", jobs=2, cache=ResultCache(tmp_path / "dask"), progress=False,
                       scheduler="local")
    for c in cfgs:
        assert dask[c].metrics == pool[c].metrics and not dask[c].from_cache
        for k, v in pool[c].model.state_dict().items():
            assert torch.equal(dask[c].model.state_dict()[k], v)
    assert not list((tmp_path / "dask").glob(".shared-*"))              # the token file is removed


def test_without_a_shared_folder_the_workers_return_results_and_the_client_stores_them(tmp_path):
    cfgs = [tiny("vae", 3), tiny("sintrovae", 3)]
    cache = ResultCache(tmp_path / "client")
    timings, failures = run_on_dask(cfgs, toy.run_one, "cpu", cache, False, "local", 2, share_cache=False)
    assert failures == {} and set(timings) == set(cfgs)
    reference = run_configs(cfgs, toy.run_one, "cpu", jobs=1, cache=ResultCache(tmp_path / "ref"), progress=False)
    for c in cfgs:
        assert cache.exists(c) and cache.load(c).metrics == reference[c].metrics


def test_a_worker_killed_during_its_task_leaves_a_complete_cache(tmp_path):
    jobs = [SlowJob(1, str(tmp_path), 4.0), SlowJob(2, str(tmp_path), 1.0)]
    cache = ResultCache(tmp_path / "cache")
    killed = []

    def kill_the_first_starter():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for marker in tmp_path.glob("started-1-*"):
                pid = int(marker.name.rsplit("-", 1)[1])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_first_starter)
    killer.start()
    timings, failures = run_on_dask(jobs, slow_run, "cpu", cache, False, "local", 2)
    killer.join()
    assert killed, "the task never started"
    assert failures == {} and set(timings) == set(jobs)
    starts = sorted(p.name for p in tmp_path.glob("started-1-*"))
    assert len(starts) == 2                                               # run again, on another worker
    for job in jobs:
        stored = cache.load(job)
        assert stored.metrics == {"n": job.n} and torch.equal(stored.state_dict["w"], torch.full((3,), float(job.n)))
    assert not list(cache.root.rglob("*.tmp"))                            # no half-written file


def test_a_failing_config_is_reported_after_the_others_finish(tmp_path):
    jobs = [SlowJob(1, str(tmp_path), 0.5), SlowJob(2, str(tmp_path), fail=True), SlowJob(3, str(tmp_path), 0.5)]
    cache = ResultCache(tmp_path / "cache")
    with pytest.raises(SweepError, match="job 2 diverged") as err:
        run_configs(jobs, slow_run, "cpu", jobs=2, cache=cache, progress=False, scheduler="local")
    assert set(err.value.failures) == {jobs[1]}
    assert cache.exists(jobs[0]) and cache.exists(jobs[2])


def test_an_unreachable_scheduler_fails_fast_with_what_to_do():
    start = time.perf_counter()
    with pytest.raises(SchedulerUnreachable, match="no Dask scheduler answered at tcp://127.0.0.1:9") as err:
        connect("tcp://127.0.0.1:9", timeout=2)
    assert time.perf_counter() - start < 15
    assert "--scheduler local" in str(err.value)
    with pytest.raises(ValueError, match="scheduler must be 'local' or an address"):
        connect("somewhere")


def test_killing_the_client_ends_the_local_clusters_workers(tmp_path):
    from test_parallel import end_parent_while_workers_train

    assert end_parent_while_workers_train(tmp_path, scheduler="local") == []


def test_a_running_cluster_at_an_address_takes_the_sweep_and_a_gpu_sweep_needs_gpu_workers(tmp_path):
    from distributed import LocalCluster

    cache = ResultCache(tmp_path / "cache")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        timings, failures = run_on_dask([SlowJob(5, str(tmp_path), 0.1)], slow_run, "cpu", cache, False, address)
        assert failures == {} and cache.load(SlowJob(5, str(tmp_path), 0.1)).metrics == {"n": 5}
        with pytest.raises(RuntimeError, match="no worker of .* declares one"):
            run_on_dask([SlowJob(6, str(tmp_path), 0.1)], slow_run, "cuda", cache, False, address)


def test_the_cli_refuses_an_unreachable_scheduler_before_any_notebook_starts(capsys):
    from companion import cli

    start = time.perf_counter()
    assert cli.main(["run", "01", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert time.perf_counter() - start < 30
