"""Execute the notebooks headlessly with papermill, one process per notebook.

`regenerate` runs the selected notebooks with a profile, in parallel worker processes when
jobs > 1 (each kernel limited to one torch thread), keeps going past a failing notebook and
returns one summary row per notebook: status, wall time and the failing cell's error.
`run_notebook` runs one notebook through the same path, with extra papermill parameters and
an optional output file. Parameter names are checked against the notebook before anything runs.
"""

from __future__ import annotations

import ast
import contextlib
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import float_platform
from .notebook_files import clean
from .paths import figures_subdir, project_root
from .stored import hardware, write_provenance  # noqa: F401  (re-exported)

PROFILES = ("quick", "extended", "full")

#: CPU kernels pinned to their AVX2 code paths (ATen's vectorised ops, MKL's BLAS, oneDNN), so a
#: training run gives the same floats on any x86 machine with AVX2 — the stored notebook outputs
#: then compare under nbval on a CI machine of another generation. Without the pins an AVX-512
#: machine computes different last digits, which thousands of training steps amplify into other
#: numbers. Set before a kernel starts (they are read when torch loads); an explicit value wins.
PINNED_CPU_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def pin_cpu_kernels(environ=os.environ) -> dict:
    """Set `PINNED_CPU_ENV` in `environ` where a variable is not already set; returns what it set."""
    added = {name: value for name, value in PINNED_CPU_ENV.items() if name not in environ}
    environ.update(added)
    return added


@contextlib.contextmanager
def pinned_cpu_kernels():
    """`pin_cpu_kernels` for the processes started inside the block (kernels, their workers);
    the calling process's environment is restored afterwards."""
    added = pin_cpu_kernels()
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def notebook_paths(root: Path | None = None) -> dict[str, Path]:
    """Notebook name (file stem, e.g. '01_soft_introvae_2d') -> path of its .ipynb, in order.
    A paired jupytext script (`01_soft_introvae_2d.py`) is not listed."""
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


def output_paths(name: str, profile: str, root: Path, smoke: bool = False) -> tuple[Path, Path]:
    """(executed notebook, figure folder). The quick profile refreshes the committed notebook
    and figures in place; the extended and full profiles write under runs/<profile> and
    figures/<profile>; a smoke run under runs/smoke/<profile> and figures/smoke/<profile>."""
    figures = root / figures_subdir(name, profile, smoke)
    if smoke:
        return root / "runs" / "smoke" / profile / f"{name}.ipynb", figures
    if profile == "quick":
        return root / "notebooks" / f"{name}.ipynb", figures
    return root / "runs" / profile / f"{name}.ipynb", figures


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
            threads: int | None, progress: bool, root: Path,
            parameters: dict | None = None) -> NotebookResult:
    """Run one notebook with papermill (in this process), injecting `profile`, `output_dir`
    (the figure folder) and `parameters`. Never raises: failures are results."""
    import papermill as pm

    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "COMPANION_THREADS", "COMPANION_JOBS"):
            os.environ[var] = str(threads if var != "COMPANION_JOBS" else 1)
    start = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    params = {**base_parameters(profile, figures, root), **(parameters or {})}
    try:
        pm.execute_notebook(str(source), str(output), parameters=params, cwd=str(root),
                            progress_bar=progress, kernel_name="python3")
        status, error = "ok", ""
        if profile != "quick":
            write_provenance(figures, name, profile, time.perf_counter() - start, root,
                             command=rerun_command(name, profile, parameters))
        if Path(output).resolve() == Path(source).resolve():
            # the committed notebook: no timestamps, injected cell or timings; and whose floats it
            # holds (what nbval can compare)
            clean(output, metadata=float_platform.metadata())
        else:
            _relative_paths(output, root)
    except Exception as err:  # papermill wraps cell errors; report them instead of stopping
        status, error = "failed", _describe_error(err)
    return NotebookResult(name, status, time.perf_counter() - start, error,
                          os.path.relpath(output, root))


def rerun_command(name: str, profile: str, parameters: dict | None = None) -> str:
    """The `companion run` command line that re-makes a run of `name` with `parameters`."""
    extra = "".join(f" -p {k} {v!r}" for k, v in (parameters or {}).items()
                    if k not in ("profile", "output_dir"))
    return f"companion run {name[:2]} --profile {profile}{extra}"


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


def base_parameters(profile: str, figures: Path, root: Path) -> dict:
    """The parameters every run injects: the profile and the figure folder (project-relative)."""
    return {"profile": profile, "output_dir": os.path.relpath(figures, root)}


def parse_value(text: str):
    """A `-p NAME VALUE` value: the Python literal it spells (number, list, dict, quoted string,
    True/False/None), else the text itself, so `-p dataset mnist` needs no quotes."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def check_parameters(path: Path, params) -> None:
    """Raise ValueError naming the notebook's parameters if any name in `params` is not one."""
    known = list(notebook_parameters(path))
    unknown = [name for name in params if name not in known]
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise ValueError(f"unknown parameter{'s' if len(unknown) > 1 else ''} {names} for "
                         f"{Path(path).stem}; its parameters: {', '.join(known) or 'none'}")


def regenerate(profile: str = "quick", only: list[str] | None = None, jobs: int = 1,
               root: Path | None = None, progress: bool = True, echo=print,
               parameters: dict | None = None, output: Path | None = None,
               smoke: bool = False, scheduler: str | None = None) -> list[NotebookResult]:
    """Execute the selected notebooks with `profile`; returns their results in order.

    `parameters` are injected on top of `profile` and `output_dir`; every name is checked
    against each notebook before the first one starts. `output` replaces the executed
    notebook's path (one notebook only). `smoke` runs the profile's code paths at tiny sizes
    (the notebooks' `smoke` parameter) into runs/smoke and figures/smoke. `scheduler` sends every
    notebook's training sweep to Dask ("local" or "tcp://HOST:PORT", checked before the first
    notebook starts) through $COMPANION_SCHEDULER."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if jobs <= 0:
        raise ValueError(f"--jobs must be positive, got {jobs}")
    parameters = dict(parameters or {})
    if "profile" in parameters:
        raise ValueError("set the profile with --profile, not as a parameter")
    if smoke:
        parameters["smoke"] = True
    root = Path(root or project_root())
    chosen = select(only, notebook_paths(root))
    if not chosen:
        raise ValueError(f"no notebooks found under {root / 'notebooks'}")
    if output is not None and len(chosen) != 1:
        raise ValueError(f"an output path needs exactly one notebook, got {', '.join(chosen)}")
    tasks = {}
    for name, src in chosen.items():
        out, figs = output_paths(name, profile, root, bool(parameters.get("smoke")))
        check_parameters(src, {**base_parameters(profile, figs, root), **parameters})
        tasks[name] = (src, Path(output).resolve() if output is not None else out, figs)
    if scheduler:
        from .cluster import check_scheduler

        check_scheduler(scheduler)
    with pinned_cpu_kernels(), scheduler_env(scheduler), smoke_data(bool(parameters.get("smoke")), echo):
        results = _execute_all(tasks, profile, jobs, progress, root, parameters, echo)  # env: every kernel's
    return [results[name] for name in tasks]


def _execute_all(tasks: dict, profile: str, jobs: int, progress: bool, root: Path,
                 parameters: dict, echo) -> dict[str, NotebookResult]:
    results: dict[str, NotebookResult] = {}
    if jobs == 1:
        for name, (src, out, figs) in tasks.items():
            echo(f"[start] {name} ({profile})")
            results[name] = execute(name, src, out, figs, profile, None, progress, root, parameters)
            echo(_line(results[name]))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            futures = {}
            for name, (src, out, figs) in tasks.items():
                echo(f"[queued] {name} ({profile})")
                futures[pool.submit(execute, name, src, out, figs, profile, 1, False, root,
                                    parameters)] = name
            for fut in as_completed(futures):
                res = fut.result()
                results[res.name] = res
                echo(_line(res))
    return results


@contextlib.contextmanager
def environment(name: str, value: str | None):
    """$`name` set to `value` (left as it is when None) for the processes started inside the block;
    the calling process's value is restored afterwards."""
    before = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@contextlib.contextmanager
def smoke_data(smoke: bool, echo=print):
    """A smoke reads a data root of its own: the real data linked in and stand-in images for every
    dataset split that is not on disk (`companion.standins`), announced, and removed afterwards;
    a real run refuses a data root of stand-ins."""
    from . import standins
    from .paths import DATA_ENV, data_root

    if not smoke:
        standins.refuse_stand_ins()
        yield
        return
    with tempfile.TemporaryDirectory(prefix="companion-stand-in-") as tmp:
        gaps = standins.stand_in_root(data_root(), Path(tmp) / "data")
        echo(f"[smoke] {standins.describe(gaps)}")
        with environment(DATA_ENV, str(Path(tmp) / "data")):
            yield


def scheduler_env(scheduler: str | None):
    """$COMPANION_SCHEDULER set to `scheduler` (when given) for the kernels started inside."""
    from .parallel import SCHEDULER_ENV

    return environment(SCHEDULER_ENV, scheduler or None)


def run_notebook(notebook: str, profile: str = "quick", parameters: dict | None = None,
                 output: Path | None = None, root: Path | None = None, progress: bool = True,
                 echo=print, smoke: bool = False, scheduler: str | None = None) -> NotebookResult:
    """Execute one notebook, chosen like `--only` (full name, number or name without number),
    with extra papermill `parameters`; the quick profile writes it in place, the full profile
    under runs/full, unless `output` is given. Unknown parameter names raise ValueError."""
    root = Path(root or project_root())
    chosen = select([notebook], notebook_paths(root))
    if len(chosen) > 1:
        raise ValueError(f"{notebook!r} matches several notebooks: {', '.join(chosen)}; give the full name")
    return regenerate(profile, list(chosen), root=root, progress=progress, echo=echo,
                      parameters=parameters, output=output, smoke=smoke, scheduler=scheduler)[0]


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
