"""cached_run: the first call trains and stores, the second loads the same result without training."""

from dataclasses import dataclass

import pandas as pd
import torch

from companion.cache import ResultCache, TrainedRun, cached_run


@dataclass(frozen=True)
class Config:
    width: int
    seed: int = 0


def build(config):
    return torch.nn.Linear(config.width, 1)


def test_cached_run_trains_once_then_loads_the_stored_model_and_results(tmp_path):
    cache, calls = ResultCache(tmp_path), []

    def train_and_evaluate():
        calls.append(1)
        torch.manual_seed(0)
        model = build(Config(3))
        return model, pd.DataFrame({"loss": [1.0, 0.5]}), {"auroc": 0.75}, {"scores": torch.arange(4.0).numpy()}

    first = cached_run(Config(3), cache, build, train_and_evaluate)
    second = cached_run(Config(3), cache, build, train_and_evaluate)
    assert len(calls) == 1 and not first.from_cache and second.from_cache
    assert isinstance(second, TrainedRun) and second.metrics == {"auroc": 0.75}
    assert second.history.loss.tolist() == [1.0, 0.5] and second.arrays["scores"].tolist() == [0, 1, 2, 3]
    torch.testing.assert_close(second.model.weight, first.model.weight)
    cached_run(Config(3, seed=1), cache, build, train_and_evaluate)  # another config trains again
    assert len(calls) == 2
