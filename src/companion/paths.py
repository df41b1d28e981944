"""Where the companion reads and writes: the project root, the data root, the results cache and
the figure folders, all resolved against the project root rather than the working directory.

papermill and nbval start the kernel in `notebooks/`, JupyterLab wherever it was launched; a
relative `COMPANION_DATA`, `COMPANION_CACHE` or `output_dir` therefore means the same folder
from every one of them.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "COMPANION_DATA"
CACHE_ENV = "COMPANION_CACHE"
ROOT_ENV = "COMPANION_ROOT"


def project_root() -> Path:
    """$COMPANION_ROOT, else the checkout holding this package (the folder above `src/` with
    `pyproject.toml` and `notebooks/`), else the working directory (an installed wheel)."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").exists() and (parent / "notebooks").is_dir():
            return parent
    return Path.cwd()


def resolve(path: str | os.PathLike) -> Path:
    """An absolute path as is; a relative one under the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path


def data_root() -> Path:
    """The single root of every dataset: $COMPANION_DATA, else `data/` at the project root."""
    return resolve(os.environ.get(DATA_ENV) or "data")


def cache_root() -> Path:
    """The results cache: $COMPANION_CACHE, else `.cache/companion` at the project root."""
    return resolve(os.environ.get(CACHE_ENV) or ".cache/companion")


def figures_subdir(notebook: str, profile: str = "quick", smoke: bool = False) -> Path:
    """Where a notebook writes its figures and tables, relative to the project root:
    `figures/<notebook>` for the quick profile and `figures/extended/<notebook>` (both committed),
    `figures/full/<notebook>` for the full profile, `figures/smoke/<profile>/<notebook>` for a smoke
    run (both git-ignored)."""
    if smoke:
        return Path("figures") / "smoke" / profile / notebook
    return Path("figures") / notebook if profile == "quick" else Path("figures") / profile / notebook


def figures_dir(notebook: str, profile: str = "quick", smoke: bool = False) -> Path:
    """`figures_subdir` under the project root."""
    return resolve(figures_subdir(notebook, profile, smoke))


def shown(path: str | os.PathLike) -> str:
    """`path` as a reader should see it: relative to the project root when it lies under it
    (no machine-specific prefix in a committed notebook), else as given."""
    path = Path(path)
    try:
        return path.resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return str(path)
