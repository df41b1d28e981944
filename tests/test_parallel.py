"""The local worker pool: a failing run is reported with its error after the others finish, and a
parent that is killed takes its workers with it (no orphan trains on)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import pytest

from companion.cache import ResultCache
from companion.parallel import SweepError, run_configs


@dataclass(frozen=True)
class Job:
    n: int
    folder: str = ""


def failing_run(config, device, cache, progress=True):
    """Module-level (picklable) run function that fails for one config and leaves a mark otherwise."""
    if config.n == 2:
        raise ValueError(f"run {config.n} diverged")
    if config.folder:
        open(os.path.join(config.folder, f"done-{config.n}"), "w").close()
    return None


def test_a_failing_worker_is_reported_with_its_error_after_the_others_finish(tmp_path):
    jobs = [Job(1, str(tmp_path)), Job(2, str(tmp_path)), Job(3, str(tmp_path))]
    with pytest.raises(SweepError, match="run 2 diverged") as err:
        run_configs(jobs, failing_run, "cpu", jobs=2, cache=ResultCache(tmp_path / "cache"),
                    progress=False, cost=lambda c: c.n)
    assert set(err.value.failures) == {jobs[1]} and "ValueError" in err.value.failures[jobs[1]]
    assert sorted(p.name for p in tmp_path.glob("done-*")) == ["done-1", "done-3"]


SWEEP = """
import sys, time, os
sys.path.insert(0, {here!r})
from pathlib import Path
from companion.cache import ResultCache
from companion.parallel import run_configs
from sweep_jobs import Slow, slow
run_configs([Slow(1, {folder!r}), Slow(2, {folder!r})], slow, "cpu", jobs=2,
            cache=ResultCache({cache!r}), progress=False, scheduler={scheduler!r})
"""

JOBS = """
import os, time
from dataclasses import dataclass
from pathlib import Path

@dataclass(frozen=True)
class Slow:
    n: int
    folder: str

def slow(config, device, cache, progress=True):
    Path(config.folder, f"started-{config.n}-{os.getpid()}").touch()
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"     # a zombie has stopped
    except FileNotFoundError:
        return False


def end_parent_while_workers_train(tmp_path, scheduler=None) -> list[int]:
    """Start a two-job sweep in a child process, kill the child once both jobs train, and return
    the worker pids still alive a few seconds later."""
    (tmp_path / "sweep_jobs.py").write_text(textwrap.dedent(JOBS))
    script = SWEEP.format(here=str(tmp_path), folder=str(tmp_path), cache=str(tmp_path / "cache"),
                          scheduler=scheduler)
    parent = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.time() + 120
        while len(list(tmp_path.glob("started-*"))) < 2:
            assert time.time() < deadline and parent.poll() is None, "the sweep did not start its two jobs"
            time.sleep(0.1)
        workers = [int(p.name.rsplit("-", 1)[1]) for p in tmp_path.glob("started-*")]
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        time.sleep(5)
        return [pid for pid in workers if _alive(pid)]
    finally:
        if parent.poll() is None:
            parent.kill()
        for p in tmp_path.glob("started-*"):
            pid = int(p.name.rsplit("-", 1)[1])
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_killing_the_parent_ends_the_pool_workers(tmp_path):
    assert end_parent_while_workers_train(tmp_path) == []
