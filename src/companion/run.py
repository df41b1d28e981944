"""Execute the notebooks headlessly with papermill, one process per notebook.

`regenerate` runs the selected notebooks with a profile, in parallel worker processes when
jobs > 1 (each kernel limited to one torch thread), keeps going past a failing notebook and
returns one summary row per notebook: status, wall time and the failing cell's error.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

PROFILES = ("quick", "full")


def project_root() -> Path:
    """The checkout's root: the folder holding `notebooks/` above this file, else the cwd."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "notebooks").is_dir() and (parent / "pyproject.toml").exists():
            return parent
    return Path.cwd()


def notebook_paths(root: Path | None = None) -> dict[str, Path]:
    """Notebook name (file stem, e.g. '01_soft_introvae_2d') -> path, in order."""
    folder = (root or project_root()) / "notebooks"
    return {p.stem: p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))}


def select(names: list[str] | None, available: dict[str, Path]) -> dict[str, Path]:
    """Pick notebooks by full name, number prefix ('01') or name without number."""
    if not names:
        return dict(available)
    chosen = {}
    for name in names:
        hits = [stem for stem in available
                if name in (stem, stem.split("_", 1)[0], stem.split("_", 1)[-1])]
        if not hits:
            raise ValueError(f"unknown notebook {name!r}; available: {', '.join(available) or 'none'}")
        chosen.update({h: available[h] for h in hits})
    return chosen


def output_paths(name: str, profile: str, root: Path) -> tuple[Path, Path]:
    """(executed notebook, figure folder). The quick profile refreshes the committed notebook
    and figures in place; the full profile writes under runs/full and figures/full."""
    if profile == "quick":
        return root / "notebooks" / f"{name}.ipynb", root / "figures" / name
    return root / "runs" / "full" / f"{name}.ipynb", root / "figures" / "full" / name


@dataclass
class NotebookResult:
    name: str
    status: str  # "ok" or "failed"
    seconds: float
    error: str = ""
    output: str = ""


def _describe_error(err: Exception) -> str:
    ename, evalue = getattr(err, "ename", None), getattr(err, "evalue", None)
    cell = getattr(err, "exec_count", None)
    if ename:
        return f"cell {cell}: {ename}: {evalue}"
    return f"{type(err).__name__}: {err}"


def execute(name: str, source: Path, output: Path, figures: Path, profile: str,
            threads: int | None, progress: bool, root: Path) -> NotebookResult:
    """Run one notebook with papermill (in this process). Never raises: failures are results."""
    import papermill as pm

    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "COMPANION_THREADS", "COMPANION_JOBS"):
            os.environ[var] = str(threads if var != "COMPANION_JOBS" else 1)
    start = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    params = {"profile": profile, "output_dir": os.path.relpath(figures, root)}
    try:
        pm.execute_notebook(str(source), str(output), parameters=params, cwd=str(root),
                            progress_bar=progress, kernel_name="python3")
        status, error = "ok", ""
        _relative_paths(output, root)
    except Exception as err:  # papermill wraps cell errors; report them instead of stopping
        status, error = "failed", _describe_error(err)
    return NotebookResult(name, status, time.perf_counter() - start, error,
                          os.path.relpath(output, root))


def _relative_paths(path: Path, root: Path) -> None:
    """Record the notebook paths papermill stores in the metadata relative to the project,
    so a committed notebook names no folder of the machine it ran on."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if key in meta:
            meta[key] = os.path.relpath(meta[key], root)
    nbformat.write(nb, str(path))


def regenerate(profile: str = "quick", only: list[str] | None = None, jobs: int = 1,
               root: Path | None = None, progress: bool = True, echo=print) -> list[NotebookResult]:
    """Execute the selected notebooks with `profile`; returns their results in order."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if jobs <= 0:
        raise ValueError(f"--jobs must be positive, got {jobs}")
    root = Path(root or project_root())
    chosen = select(only, notebook_paths(root))
    if not chosen:
        raise ValueError(f"no notebooks found under {root / 'notebooks'}")
    tasks = {name: (src, *output_paths(name, profile, root)) for name, src in chosen.items()}
    results: dict[str, NotebookResult] = {}
    if jobs == 1:
        for name, (src, out, figs) in tasks.items():
            echo(f"[start] {name} ({profile})")
            results[name] = execute(name, src, out, figs, profile, None, progress, root)
            echo(_line(results[name]))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            futures = {}
            for name, (src, out, figs) in tasks.items():
                echo(f"[queued] {name} ({profile})")
                futures[pool.submit(execute, name, src, out, figs, profile, 1, False, root)] = name
            for fut in as_completed(futures):
                res = fut.result()
                results[res.name] = res
                echo(_line(res))
    return [results[name] for name in tasks]


def _line(res: NotebookResult) -> str:
    tail = f" -- {res.error}" if res.error else ""
    return f"[{res.status}] {res.name} in {res.seconds:.0f} s{tail}"


def summary_table(results: list[NotebookResult]) -> str:
    """A plain-text summary: notebook, status, time, error of the failing cell."""
    import pandas as pd

    df = pd.DataFrame([{"notebook": r.name, "status": r.status, "time (s)": round(r.seconds),
                        "executed notebook": r.output, "error": r.error} for r in results])
    return df.to_string(index=False)


def notebook_parameters(path: Path) -> dict:
    """The papermill parameters of a notebook: name -> (default, inferred type, help)."""
    import papermill as pm

    return {name: (p["default"], p["inferred_type_name"], p["help"])
            for name, p in pm.inspect_notebook(str(path)).items()}
