"""The worker pool: a failing run stops the batch with its own error."""

from dataclasses import dataclass

import pytest

from companion.cache import ResultCache
from companion.parallel import run_configs


@dataclass(frozen=True)
class Job:
    n: int


def failing_run(config, device, cache, progress=True):
    """Module-level (picklable) run function that fails for one config."""
    if config.n == 2:
        raise ValueError(f"run {config.n} diverged")
    return None  # the other job succeeds in its worker


def test_a_failing_worker_raises_its_error_in_the_parent(tmp_path):
    with pytest.raises(ValueError, match="run 2 diverged"):
        run_configs([Job(1), Job(2)], failing_run, "cpu", jobs=2, cache=ResultCache(tmp_path),
                    progress=False, cost=lambda c: c.n)
