"""Notebook pairs and clean outputs.

Every notebook is a jupytext pair: `notebooks/NN_name.py` (percent format) is the source to edit
and review, `notebooks/NN_name.ipynb` carries the quick-profile outputs (`jupytext.toml` at the
project root says so). After papermill executes a notebook in place, `clean` removes what would
change on every run although nothing else did — papermill's timestamps and durations, the
injected-parameters cell, kernel execution times, the outputs of cells marked
`NBVAL_IGNORE_OUTPUT` — with nbstripout (outputs, execution counts and
cell ids are kept), so re-running an unchanged notebook leaves `git diff` empty.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: What nbstripout removes besides its defaults (which include cell.metadata.execution).
VOLATILE_KEYS = ("metadata.papermill", "cell.metadata.papermill")

#: The mark of a cell whose output changes from run to run (timings, progress bars, cache hits):
#: nbval does not compare it, and `clean` does not keep it.
VOLATILE_MARK = "NBVAL_IGNORE_OUTPUT"


def clean(path: str | Path, metadata: dict | None = None) -> None:
    """Strip volatile metadata from an executed notebook in place (nbstripout), then drop the
    empty `tags` lists papermill leaves on every cell and the outputs of `VOLATILE_MARK` cells;
    `metadata` is merged into the notebook's metadata in the same pass."""
    import nbformat

    subprocess.run([sys.executable, "-m", "nbstripout", "--keep-output", "--keep-count",
                    "--keep-id", "--extra-keys", " ".join(VOLATILE_KEYS),
                    "--drop-tagged-cells", "injected-parameters", str(path)], check=True)
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if cell.cell_type == "code" and VOLATILE_MARK in cell.source:
            cell.outputs = []
    for key, value in (metadata or {}).items():
        nb.metadata.setdefault(key, {}).update(value)
    nbformat.write(nb, str(path))


def volatile_cells(path: str | Path) -> list[int]:
    """Indices of the code cells marked `VOLATILE_MARK` that still hold outputs."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and VOLATILE_MARK in c.source and c.get("outputs")]


def is_clean(path: str | Path) -> bool:
    """True when `clean` would change nothing (nbstripout --verify, and no empty tags)."""
    import nbformat

    done = subprocess.run([sys.executable, "-m", "nbstripout", "--verify", "--keep-output",
                           "--keep-count", "--keep-id", "--extra-keys", " ".join(VOLATILE_KEYS),
                           "--drop-tagged-cells", "injected-parameters", str(path)],
                          capture_output=True)
    nb = nbformat.read(str(path), as_version=4)
    return (done.returncode == 0 and all(c.metadata.get("tags") != [] for c in nb.cells)
            and not volatile_cells(path))


def paired_source(ipynb: str | Path) -> Path:
    """The percent-format `.py` twin of a notebook."""
    return Path(ipynb).with_suffix(".py")


def out_of_sync(ipynb: str | Path) -> list[int]:
    """Indices of the cells whose type or source differ between a notebook and its `.py` twin
    (the whole range when the cell counts differ); empty when the pair is in step."""
    import jupytext
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    text = jupytext.read(str(paired_source(ipynb)))
    pairs = list(zip(nb.cells, text.cells))
    bad = [i for i, (a, b) in enumerate(pairs)
           if a.cell_type != b.cell_type or a.source.strip() != b.source.strip()]
    if len(nb.cells) != len(text.cells):
        bad += list(range(len(pairs), max(len(nb.cells), len(text.cells))))
    return bad
