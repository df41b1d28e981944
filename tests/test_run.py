"""The papermill runner and the `companion` command."""

import nbformat as nbf
import pytest

from companion import cli, run


def _notebook(path, body):
    nb = nbf.v4.new_notebook(cells=[
        nbf.v4.new_code_cell('profile = "quick"\noutput_dir = "figures/x"', metadata={"tags": ["parameters"]}),
        nbf.v4.new_code_cell(body),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbf.write(nb, path)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    _notebook(tmp_path / "notebooks" / "01_fine.ipynb",
              "import os, pathlib\npathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
              "pathlib.Path(output_dir, 'done.txt').write_text(profile + os.environ.get('OMP_NUM_THREADS', '-'))")
    _notebook(tmp_path / "notebooks" / "02_broken.ipynb", "raise RuntimeError('boom in cell')")
    return tmp_path


def test_select_by_name_number_or_stem(project):
    available = run.notebook_paths(project)
    assert list(available) == ["01_fine", "02_broken"]
    assert list(run.select(["01"], available)) == ["01_fine"]
    assert list(run.select(["broken"], available)) == ["02_broken"]
    with pytest.raises(ValueError, match="unknown notebook 'nope'"):
        run.select(["nope"], available)


def test_bad_profile_and_jobs(project):
    with pytest.raises(ValueError, match="unknown profile"):
        run.regenerate("medium", root=project)
    with pytest.raises(ValueError, match="--jobs must be positive"):
        run.regenerate("quick", jobs=0, root=project)


@pytest.mark.parametrize("jobs", [1, 2])
def test_regenerate_keeps_going_past_a_failure(project, jobs):
    lines = []
    results = run.regenerate("quick", jobs=jobs, root=project, progress=False, echo=lines.append)
    status = {r.name: r for r in results}
    assert status["01_fine"].status == "ok"
    assert status["02_broken"].status == "failed"
    assert "RuntimeError: boom in cell" in status["02_broken"].error
    assert (project / "figures" / "01_fine" / "done.txt").read_text() == ("quick-" if jobs == 1 else "quick1")
    assert "boom in cell" in run.summary_table(results)
    executed = (project / "notebooks" / "01_fine.ipynb").read_text()
    assert str(project) not in executed  # papermill's paths are stored relative to the project
    assert any("[failed] 02_broken" in line for line in lines)


def test_full_profile_writes_elsewhere(project):
    results = run.regenerate("full", only=["01"], root=project, progress=False, echo=lambda s: None)
    assert results[0].status == "ok"
    assert (project / "runs" / "full" / "01_fine.ipynb").exists()
    assert (project / "figures" / "full" / "01_fine" / "done.txt").read_text().startswith("full")


def test_cli_exit_codes(project, monkeypatch, capsys):
    monkeypatch.setattr(run, "project_root", lambda: project)
    assert cli.main(["regenerate", "--only", "01", "--quiet"]) == 0
    assert cli.main(["regenerate", "--quiet"]) == 1
    assert "1 of 2 notebook(s) failed: 02_broken" in capsys.readouterr().out
    assert cli.main(["regenerate", "--only", "zz"]) == 2
    assert "unknown notebook 'zz'" in capsys.readouterr().err


def test_cli_list_prints_parameters(project, monkeypatch, capsys):
    monkeypatch.setattr(run, "project_root", lambda: project)
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "01_fine" in out and "profile = \"quick\"" in out
