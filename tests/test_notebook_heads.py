"""The cells before each notebook's training cell (parameters, the settings table with its
provenance tags, the paper's reported numbers, data examples) give their stored outputs with
today's code. A config whose tag or default changed without a re-run of its notebook fails here
in seconds instead of after CI's hour of nbval (it happened: notebook 04's settings table, stop 21).

The head runs under nbval itself, with the project's sanitizers, and always strictly: no cell of
it trains, so its outputs do not depend on the float platform."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TRAINS = "run_plan("  # every notebook trains its runs in one call of its paper's run_plan


def head(nb):
    """A notebook of `nb`'s cells before its first code cell that trains."""
    k = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and TRAINS in c.source), None)
    if k is None:
        raise ValueError(f"no training cell (a `{TRAINS}` call) in this notebook")
    return nbformat.v4.new_notebook(cells=nb.cells[:k], metadata=nb.metadata)


def run_head(nb, folder: Path, name: str) -> subprocess.CompletedProcess:
    """nbval on `nb`'s head, written to folder/name; the completed pytest process."""
    short = folder / name
    nbformat.write(head(nb), str(short))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                           "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
                           str(short)], capture_output=True, text=True, cwd=folder, timeout=600)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_cells_before_training_give_their_stored_outputs(path, tmp_path):
    proc = run_head(nbformat.read(str(path), as_version=4), tmp_path, path.name)
    assert proc.returncode == 0, (f"{path.name}: a cell before training no longer gives its stored output; "
                                  f"re-run the notebook (`companion run {path.stem[:2]}`)\n{proc.stdout[-3000:]}")


def _tiny(stored: str):
    out = nbformat.v4.new_output("stream", name="stdout", text=stored)
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Tiny"),
        nbformat.v4.new_code_cell('print("tag [P]")', outputs=[out], execution_count=1),
        nbformat.v4.new_code_cell(f"runs = undefined_name.{TRAINS})", execution_count=2)])


@pytest.mark.parametrize("stored, passes", [("tag [P]\n", True), ("tag [C]\n", False)])
def test_a_stale_output_before_training_fails_and_the_training_cell_never_runs(tmp_path, stored, passes):
    proc = run_head(_tiny(stored), tmp_path, "01_tiny.ipynb")
    # the training cell would raise a NameError: passing proves it was cut off
    assert (proc.returncode == 0) is passes, proc.stdout[-3000:]
    if not passes:
        assert "tag [C]" in proc.stdout and "1 failed" in proc.stdout


def test_a_notebook_without_a_training_cell_is_refused():
    with pytest.raises(ValueError, match="no training cell"):
        head(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")]))
