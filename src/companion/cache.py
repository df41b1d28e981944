"""Content-addressed results cache: a trained model and its metrics, keyed by config and code.

The key is a SHA-256 of the full config (as JSON), its class, and a hash of the source code that
produces results: every module of the package except those that only draw and tabulate
(`REPORT_ONLY`) and except the other papers' folders (work on one paper never retrains another's
models; a config defined outside `papers/` depends on the shared code only). Re-running a
notebook with the same parameters retrains nothing; a changed
setting, or an edited loss, network or training loop, retrains; a plot fix does not.
Checkpoints are state_dicts written atomically (temporary file, then rename) and loaded with
`weights_only=True`, so a cache folder can never run code when it is read.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import __version__
from .paths import cache_root


def default_cache_dir() -> Path:
    """$COMPANION_CACHE, else `.cache/companion` at the project root (`paths.cache_root`)."""
    return cache_root()


#: Modules whose edits cannot change a trained result: figures, tables, claims (each experiment's
#: `*_claims.py` and the shared `claims.py`), the HTML report (`report.py`), the runner, the
#: notebook-file hygiene and its float-platform record, and the reader of stored runs (`stored.py`).
REPORT_ONLY = ("*_report.py", "*_claims.py", "report.py", "plots.py", "tables.py", "claims.py", "runner.py", "cli.py",
               "reported.py", "notebook_files.py", "float_platform.py", "stored.py")


def _is_report_only(path: Path) -> bool:
    return any(path.match(pattern) for pattern in REPORT_ONLY)


def _other_paper(relative: Path, paper: str | None) -> bool:
    parts = relative.parts
    return len(parts) > 2 and parts[0] == "papers" and parts[1] != paper


def _module_file(package: Path, dotted: str) -> Path | None:
    """The file of module `dotted` (relative to the package root, "" for the root), if it exists."""
    base = package.joinpath(*dotted.split(".")) if dotted else package
    for candidate in (base.with_suffix(".py") if dotted else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _dotted(package: Path, path: Path) -> tuple[str, str]:
    """(module, its package) of `path`, both relative to the package root and dotted."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def imported_files(package: Path, path: Path) -> set[Path]:
    """The package's files that `path` imports anywhere in its text (top level or inside a function),
    with the `__init__.py` of every package on the way."""
    import ast

    _, home = _dotted(package, path)
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name[len("companion."):] for a in node.names if a.name.startswith("companion.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = home.split(".") if home else []
                up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
                if node.level - 1 > len(home.split(".") if home else []):
                    continue
                base = ".".join(up + ([node.module] if node.module else []))
            elif node.module and (node.module == "companion" or node.module.startswith("companion.")):
                base = node.module[len("companion."):] if node.module != "companion" else ""
            else:
                continue
            names.append(base)
            names += [f"{base}.{a.name}" if base else a.name for a in node.names]
    found = set()
    for name in names:
        parts = name.split(".") if name else []
        for i in range(len(parts) + 1):  # every package on the way, then the module itself
            f = _module_file(package, ".".join(parts[:i]))
            if f is not None:
                found.add(f)
    return found


def result_files(package: Path, paper: str | None = None) -> list[Path]:
    """The files whose code can change `paper`'s results: its folder's modules (for `paper` None,
    every shared module) and, transitively, what they import from the package — never a report-only
    module (`REPORT_ONLY`) and never another paper's folder. A shared module that `paper` does not
    import is not among them, so adding or editing one retrains nothing of `paper`."""
    package = Path(package)
    every = [p for p in sorted(package.rglob("*.py")) if not _is_report_only(p)]
    if paper is None:
        todo = [p for p in every if not _other_paper(p.relative_to(package), "")
                and p.relative_to(package).parts[0] != "papers"]
    else:
        todo = [p for p in every if p.relative_to(package).parts[:2] == ("papers", paper)]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or _is_report_only(path) or _other_paper(path.relative_to(package), paper):
            continue
        seen.add(path)
        todo += sorted(imported_files(package, path) - seen)
    return sorted(seen)


def source_hash(package: Path, paper: str | None = None) -> str:
    """SHA-256 over the result-producing `.py` files of `paper` (`result_files`: relative path and
    bytes): its folder and the shared code it imports, never another paper's folder."""
    digest = hashlib.sha256()
    for path in result_files(package, paper):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def code_hash(paper: str | None = None) -> str:
    """`source_hash` of this package for `paper`, computed once per process."""
    return source_hash(Path(__file__).resolve().parent, paper)


def paper_of(config) -> str | None:
    """The paper folder whose module defines `config`'s class (`companion.papers.<paper>....`),
    None for a config of the shared code."""
    parts = type(config).__module__.split(".")
    return parts[parts.index("papers") + 1] if "papers" in parts[:-1] else None


def config_key(config) -> str:
    """Hex digest of the config's fields and class, the package version and `code_hash()`."""
    fields = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    kind = f"{type(config).__module__}.{type(config).__qualname__}"
    payload = json.dumps({"config": fields, "class": kind, "version": __version__,
                          "code": code_hash(paper_of(config))}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@dataclass
class CachedResult:
    """What a training run leaves behind."""

    state_dict: dict
    history: pd.DataFrame
    metrics: dict
    arrays: dict  # named numpy arrays (samples, density grids) for the figures


class ResultCache:
    """A folder of results, one sub-folder per config key."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, config) -> Path:
        return self.root / config_key(config)

    def exists(self, config) -> bool:
        """Whether a complete result of `config` is stored (reads no file)."""
        return (self.path(config) / "metrics.json").exists()

    def load(self, config) -> CachedResult | None:
        """The stored result of `config`, or None when it was never stored (or is incomplete)."""
        folder = self.path(config)
        if not self.exists(config):  # metrics.json is written last: its presence marks completion
            return None
        state = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
        history = pd.read_csv(folder / "history.csv")
        with np.load(folder / "arrays.npz") as data:
            arrays = {k: data[k] for k in data.files}
        metrics = json.loads((folder / "metrics.json").read_text())["metrics"]
        return CachedResult(state, history, metrics, arrays)

    def save(self, config, result: CachedResult) -> Path:
        folder = self.path(config)
        _atomic_write(folder / "model.pt", lambda p: torch.save(result.state_dict, p))
        _atomic_write(folder / "history.csv", lambda p: result.history.to_csv(p, index=False))
        _atomic_write(folder / "arrays.npz", lambda p: _save_npz(p, result.arrays))
        fields = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
        record = {"config": fields, "version": __version__, "code": code_hash(paper_of(config)),
                  "metrics": result.metrics}
        _atomic_write(folder / "metrics.json",
                      lambda p: Path(p).write_text(json.dumps(record, indent=1, default=str)))
        return folder


def _save_npz(path, arrays):
    with open(path, "wb") as fh:  # a file handle keeps numpy from appending ".npz" to the name
        np.savez_compressed(fh, **arrays)


@dataclass
class TrainedRun:
    """A trained model with its history, metrics and the arrays the figures draw."""

    config: object
    model: torch.nn.Module
    history: pd.DataFrame
    metrics: dict
    arrays: dict
    from_cache: bool
    seconds: float


def cached_run(config, cache: ResultCache | None, build_model, train_and_evaluate,
               run_cls=TrainedRun):
    """`config`'s run loaded from the cache (its model rebuilt by `build_model(config)`), or made by
    `train_and_evaluate()` -> (model, history, metrics, arrays), stored, and returned on the CPU.
    Every experiment module trains through this, so a re-run retrains nothing."""
    cache = cache or ResultCache()
    start = time.perf_counter()
    stored = cache.load(config)
    if stored is not None:
        model = build_model(config)
        model.load_state_dict(stored.state_dict)
        return run_cls(config, model.eval(), stored.history, stored.metrics, stored.arrays, True,
                       time.perf_counter() - start)
    model, history, metrics, arrays = train_and_evaluate()
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    cache.save(config, CachedResult(state, history, metrics, arrays))
    return run_cls(config, model.cpu(), history, metrics, arrays, False, time.perf_counter() - start)
