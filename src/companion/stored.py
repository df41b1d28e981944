"""Stored runs of the long profiles: what `--profile extended` (long CPU runs) and `--profile full`
(the papers' settings, a GPU) leave under `figures/<profile>/<notebook>/`, and how a notebook and the
report read them back beside the quick profile's tables — labelled, never mixed.

A stored run is its tables (`claims.csv`, `diagnostics.csv`, `coverage.csv`, ...), its figures and
`run.json`: the notebook, the profile, the commit (and whether the tree had uncommitted changes),
the hardware, the date, the wall time, the command that re-makes it and the hash of the code that
trains its paper's models (`cache.code_hash`). When that hash no longer matches the code, the run is
shown as stale: its numbers came from code that has since changed.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .paths import project_root

#: the file a stored run keeps its provenance in
PROVENANCE = "run.json"
#: the profiles whose runs are stored as data (the quick profile refreshes the committed notebook)
STORED_PROFILES = ("extended", "full")
#: the paper folder (`companion.papers.<paper>`) whose models each notebook trains
NOTEBOOK_PAPERS = {"01": "soft_introvae", "02": "sigma_vae", "03": "dpvae", "04": "selfvae",
                   "05": "soft_introvae", "06": "sos_vae"}


def paper_of_notebook(notebook: str) -> str | None:
    """The paper folder of `notebook` (by its two-digit prefix), None for an unknown notebook."""
    return NOTEBOOK_PAPERS.get(Path(notebook).stem[:2])


def training_code_hash(notebook: str) -> str:
    """The hash of the code that trains `notebook`'s models: the cache's `code_hash` of its paper."""
    from .cache import code_hash

    return code_hash(paper_of_notebook(notebook))[:16]


def _git(root: Path, *args) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def hardware() -> str:
    """The GPU a run could use, else the CPU, in words."""
    import platform

    import torch

    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda}, {torch.cuda.device_count()} GPU(s))"
    return f"CPU {platform.machine()} ({os.cpu_count()} cores), no GPU"


def write_provenance(figures: Path, name: str, profile: str, seconds: float, root: Path,
                     command: str | None = None) -> Path:
    """`run.json` beside a stored run's tables: the commit (and whether the tree had uncommitted
    changes), the hardware, the date, the wall time, the command and the training code's hash."""
    record = {"notebook": name, "profile": profile, "commit": _git(root, "rev-parse", "--short", "HEAD") or "unknown",
              "uncommitted changes": bool(_git(root, "status", "--porcelain", "--untracked-files=no")),
              "hardware": hardware(), "date": datetime.date.today().isoformat(), "seconds": round(seconds),
              "command": command or f"companion run {name[:2]} --profile {profile}",
              "code": training_code_hash(name)}
    path = Path(figures) / PROVENANCE
    # a re-run on the same training code reads its models from the cache: keep when and how long they trained
    previous = json.loads(path.read_text()) if path.exists() else {}
    if previous.get("code") == record["code"]:
        record["trained"] = previous.get("trained") or {k: previous.get(k) for k in ("commit", "date", "seconds")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


@dataclass(frozen=True)
class StoredRun:
    """A stored run of one notebook's long profile."""

    notebook: str
    profile: str
    folder: Path
    provenance: dict
    tables: dict  # name -> DataFrame, for every CSV in the folder

    @property
    def stale(self) -> bool:
        """True when the code that trains this notebook's models changed since the run."""
        return self.provenance.get("code") != training_code_hash(self.notebook)

    def label(self) -> str:
        """One line: the profile, the hardware, the date, the wall time, the commit and staleness."""
        p = self.provenance
        minutes = f"{p['seconds'] / 60:.0f} min" if isinstance(p.get("seconds"), (int, float)) else "? min"
        dirty = " + uncommitted changes" if p.get("uncommitted changes") else ""
        text = (f"{self.profile} profile, stored run: {p.get('hardware', '?')}, {p.get('date', '?')}, {minutes} wall, "
                f"commit {p.get('commit', '?')}{dirty}; re-made by `{p.get('command', '?')}`")
        trained = p.get("trained")
        if isinstance(trained, dict) and isinstance(trained.get("seconds"), (int, float)):
            text += (f" (its models read from the results cache of the run that trained them: commit "
                     f"{trained.get('commit', '?')}, {trained.get('date', '?')}, "
                     f"{trained['seconds'] / 60:.0f} min wall)")
        if self.stale:
            text += (" — STALE: the code that trains these models has changed since (code "
                     f"{p.get('code', '?')} then, {training_code_hash(self.notebook)} now); its numbers are "
                     "of the older code until it is re-run")
        return text


def stored_run(notebook: str, profile: str = "extended", root: Path | None = None) -> StoredRun | None:
    """The stored run of `notebook`'s `profile` (under `figures/<profile>/<notebook>/`), or None."""
    if profile not in STORED_PROFILES:
        raise ValueError(f"profile {profile!r} is not stored as data; choose one of {', '.join(STORED_PROFILES)}")
    folder = Path(root or project_root()) / "figures" / profile / notebook
    if not (folder / PROVENANCE).exists():
        return None
    tables = {p.stem: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}
    return StoredRun(notebook, profile, folder, json.loads((folder / PROVENANCE).read_text()), tables)


def verdict_counts(claims: pd.DataFrame) -> dict:
    """PASS / FAIL / NOT TESTED counts of a claims table."""
    counts = claims["verdict"].value_counts() if "verdict" in claims else pd.Series(dtype=int)
    return {v: int(counts.get(v, 0)) for v in ("PASS", "FAIL", "NOT TESTED")}


def show_stored(notebook: str, profile: str = "extended", tables=("claims",), columns=None):
    """In a notebook: the stored run's label and its tables (claims by default, `columns` of them),
    or a line saying none is stored and the command that stores one."""
    from IPython.display import Markdown, display

    run = stored_run(notebook, profile)
    if run is None:
        how = (f"`companion run {notebook[:2]} --profile {profile}` trains one" if profile == "extended" else
               "on a GPU, `make gpu` (`companion gpu`; `--plan` shows what fits in a slot) trains its pieces")
        display(Markdown(f"No {profile}-profile run is stored for this notebook: {how} and stores its tables "
                         f"under `figures/{profile}/{notebook}/`."))
        return None
    display(Markdown(f"**{run.label()}**"))
    for name in tables:
        frame = run.tables.get(name)
        if frame is None:
            continue
        if name == "claims":
            counts = verdict_counts(frame)
            display(Markdown(f"{profile} profile, {name}: " + ", ".join(f"{n} {v}" for v, n in counts.items())))
        display(frame if columns is None else frame[[c for c in columns if c in frame]])
    return run


def show_stored_figure(notebook: str, name: str, profile: str = "extended"):
    """In a notebook: the stored run's figure `name` (its PNG) under the run's label, or a line
    saying that this profile does not make the figure and no stored run has it."""
    from IPython.display import Image, Markdown, display

    run = stored_run(notebook, profile)
    path = None if run is None else run.folder / f"{name}.png"
    if path is None or not path.exists():
        display(Markdown(f"This profile does not make `{name}`, and no {profile}-profile run of it is stored "
                         f"(`companion run {notebook[:2]} --profile {profile}` makes one)."))
        return None
    display(Markdown(f"*`{name}` from the {run.label()}*"))
    display(Image(filename=str(path)))
    return path


def stored_coverage(notebook: str, item: str, profile: str = "extended") -> tuple[str, str] | None:
    """(status, note) of `item` in the stored run's coverage table, labelled with the run's date (and
    staleness), or None when no run, or no row for `item`, is stored. A stored "reproduced (quick)"
    (the notebook writes its own profile's word) reads "reproduced (<profile>)"."""
    run = stored_run(notebook, profile)
    table = None if run is None else run.tables.get("coverage")
    if table is None:
        return None
    row = table[table["figure / table"] == item]
    if row.empty:
        return None
    status, note = str(row["status"].iloc[0]), row["note"].iloc[0]
    note = "" if pd.isna(note) else str(note)
    stale = "; stale: its training code has changed since" if run.stale else ""
    status = f"reproduced ({profile})" if status.startswith("reproduced (") else status
    return status, f"{profile} profile, stored run ({run.provenance.get('date', '?')}{stale}): {note}"
