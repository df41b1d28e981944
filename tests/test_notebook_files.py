"""Every notebook is a jupytext pair in step with its text source, committed without volatile
metadata; `out_of_sync` and `is_clean` themselves detect what they must."""

import shutil
from pathlib import Path

import nbformat
import pytest

from companion.notebook_files import clean, is_clean, out_of_sync, paired_source, volatile_cells

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_pair_is_in_sync_and_clean(path):
    assert paired_source(path).exists(), f"{path.name} has no .py twin; run `jupytext --sync {path}`"
    assert out_of_sync(path) == [], f"{path.name} and its .py differ; run `jupytext --sync {paired_source(path)}`"
    assert is_clean(path), f"{path.name} holds volatile metadata; run `companion run` or notebook_files.clean"
    assert volatile_cells(path) == [], f"{path.name} keeps outputs of NBVAL_IGNORE_OUTPUT cells"


def _pair(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                         nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("print(x)")])
    ipynb = tmp_path / "01_demo.ipynb"
    nbformat.write(nb, str(ipynb))
    import jupytext

    jupytext.write(nb, str(paired_source(ipynb)), fmt="py:percent")
    return ipynb


def test_out_of_sync_finds_an_edited_cell_and_a_missing_one(tmp_path):
    ipynb = _pair(tmp_path)
    assert out_of_sync(ipynb) == []
    text = paired_source(ipynb)
    text.write_text(text.read_text().replace("print(x)", "print(x + 1)"))
    assert out_of_sync(ipynb) == [2]
    text.write_text(text.read_text() + "\n# %%\ny = 2\n")
    assert out_of_sync(ipynb) == [2, 3]


def test_clean_strips_papermill_metadata_and_keeps_outputs(tmp_path):
    ipynb = _pair(tmp_path)
    nb = nbformat.read(str(ipynb), as_version=4)
    nb.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00"}
    nb.cells[2].metadata.update({"papermill": {"duration": 1.5}, "execution": {"iopub.status.idle": "t"},
                                 "tags": []})
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[2].execution_count = 1
    nb.cells.insert(2, nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}))
    nbformat.write(nb, str(ipynb))
    assert not is_clean(ipynb)
    clean(ipynb)
    assert is_clean(ipynb)
    after = nbformat.read(str(ipynb), as_version=4)
    assert "papermill" not in after.metadata and len(after.cells) == 3
    assert after.cells[2].metadata == {} and after.cells[2].outputs[0].text == "1\n"
    assert after.cells[2].execution_count == 1 and after.cells[1].metadata["tags"] == ["parameters"]
    before = ipynb.read_bytes()
    clean(ipynb)  # idempotent: a second clean changes nothing
    assert ipynb.read_bytes() == before
    shutil.rmtree(tmp_path)


def test_volatile_outputs_are_dropped_and_the_rest_kept(tmp_path):
    ipynb = _pair(tmp_path)
    nb = nbformat.read(str(ipynb), as_version=4)
    nb.cells[2].source = "# NBVAL_IGNORE_OUTPUT\nprint(x)"
    for cell in nb.cells[1:]:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nbformat.write(nb, str(ipynb))
    assert volatile_cells(ipynb) == [2]
    clean(ipynb)
    after = nbformat.read(str(ipynb), as_version=4)
    assert volatile_cells(ipynb) == [] and after.cells[2].outputs == [] and after.cells[1].outputs
