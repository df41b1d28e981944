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


@dataclass(frozen=True)
class OtherConfig:  # the same fields as Config, another experiment
    width: int
    seed: int = 0


def test_key_covers_the_config_its_class_and_the_code(monkeypatch):
    from companion import cache as cache_module

    key = cache_module.config_key(Config(3))
    assert key == cache_module.config_key(Config(3))
    assert key != cache_module.config_key(Config(4))
    assert key != cache_module.config_key(OtherConfig(3))
    monkeypatch.setattr(cache_module, "code_hash", lambda paper=None: "edited")
    assert key != cache_module.config_key(Config(3))


def test_source_hash_changes_with_a_loss_but_not_with_a_plot(tmp_path):
    from companion.cache import source_hash

    pkg = tmp_path / "pkg"
    (pkg / "papers" / "demo").mkdir(parents=True)
    files = {"plots.py": "COLOR = 'red'\n", "report.py": "CSS = ''\n",
             "papers/demo/method.py": "def loss(x):\n    return x\n",
             "papers/demo/toy_report.py": "TITLE = 'a'\n", "papers/demo/toy_claims.py": "LINE = 1\n",
             "core/nets.py": "WIDTH = 3\n"}
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    before = source_hash(pkg, "demo")
    (pkg / "plots.py").write_text("COLOR = 'blue'\n")
    (pkg / "papers/demo/toy_report.py").write_text("TITLE = 'b'\n")
    (pkg / "papers/demo/toy_claims.py").write_text("LINE = 2\n")
    (pkg / "report.py").write_text("CSS = 'td {}'\n")
    assert source_hash(pkg, "demo") == before  # drawing, tabulating, deciding claims: nothing retrains
    (pkg / "papers/demo/method.py").write_text("def loss(x):\n    return 2 * x\n")
    assert source_hash(pkg, "demo") != before  # a loss fix retrains


def test_source_hash_of_one_paper_ignores_the_other_papers(tmp_path):
    from companion.cache import source_hash

    pkg = tmp_path / "pkg"
    files = {"core/__init__.py": "", "core/nets.py": "X = 1\n", "core/flows.py": "Y = 1\n",
             "papers/a/method.py": "from ...core.nets import X\n",
             "papers/b/method.py": "from companion.core import flows\n",
             "papers/__init__.py": ""}
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    a, b, shared = source_hash(pkg, "a"), source_hash(pkg, "b"), source_hash(pkg)
    (pkg / "papers/b/method.py").write_text("from companion.core import flows\nZ = 2\n")
    assert source_hash(pkg, "a") == a and source_hash(pkg) == shared  # b's work retrains nothing of a
    assert source_hash(pkg, "b") != b
    b = source_hash(pkg, "b")
    (pkg / "core/nets.py").write_text("X = 3\n")
    assert source_hash(pkg, "a") != a and source_hash(pkg) != shared  # shared code retrains who imports it
    assert source_hash(pkg, "b") == b                                  # and nothing of a paper that does not
    a = source_hash(pkg, "a")
    (pkg / "core/batched.py").write_text("W = 1\n")                    # a new shared module no paper imports
    assert source_hash(pkg, "a") == a and source_hash(pkg, "b") == b


def test_the_result_files_follow_imports_anywhere_in_a_module(tmp_path):
    from companion.cache import result_files

    pkg = tmp_path / "pkg"
    files = {"__init__.py": "", "train.py": "import companion.core.data\n", "core/__init__.py": "",
             "core/data.py": "def f():\n    from .nets import g\n", "core/nets.py": "", "plots.py": "",
             "papers/__init__.py": "", "papers/a/__init__.py": "", "papers/a/run.py": "from ... import train\n",
             "papers/a/run_report.py": "from ...plots import x\n", "papers/b/m.py": ""}
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    names = {p.relative_to(pkg).as_posix() for p in result_files(pkg, "a")}
    assert names == {"__init__.py", "train.py", "core/__init__.py", "core/data.py", "core/nets.py",
                     "papers/a/__init__.py", "papers/a/run.py"}




def test_a_config_belongs_to_the_paper_whose_module_defines_it():
    from companion.cache import paper_of
    from companion.core.features import ClassifierConfig
    from companion.papers.sigma_vae.mnist_sweep import Config as SigmaConfig

    assert paper_of(SigmaConfig()) == "sigma_vae" and paper_of(ClassifierConfig("mnist")) is None


def test_exists_reads_no_stored_file(tmp_path, monkeypatch):
    cache = ResultCache(tmp_path)
    cached_run(Config(2), cache, build, lambda: (build(Config(2)), pd.DataFrame({"loss": [1.0]}), {}, {}))
    monkeypatch.setattr(torch, "load", lambda *a, **k: (_ for _ in ()).throw(AssertionError("loaded")))
    assert cache.exists(Config(2)) and not cache.exists(Config(5))
