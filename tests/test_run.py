"""The papermill runner and the `companion` command."""

import os
from pathlib import Path

import nbformat as nbf
import pytest

from companion import cli, float_platform
from companion import runner as run


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
def test_regenerate_keeps_going_past_a_failure(project, jobs, monkeypatch):
    # the notebook records the kernel's OMP_NUM_THREADS: unset here, whatever an earlier test in this process left
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
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
    # the committed notebook says whose floats it holds (what nbval can compare)
    assert float_platform.recorded(project / "notebooks" / "01_fine.ipynb") == float_platform.float_platform()
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


# `companion run`: one notebook, extra parameters checked before anything starts.

def _params_notebook(project, name="03_params"):
    """A notebook with typed parameters that writes what it received to output_dir/got.txt."""
    nb = nbf.v4.new_notebook(cells=[
        nbf.v4.new_code_cell('profile = "quick"\noutput_dir = "figures/x"\nlr = 0.1\nsizes = [1]\n'
                             'label = "a"\nflag = False\nextra = None',
                             metadata={"tags": ["parameters"]}),
        nbf.v4.new_code_cell("import pathlib\npathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
                             "got = (profile, lr, sizes, label, flag, extra)\n"
                             "pathlib.Path(output_dir, 'got.txt').write_text(repr(got))"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = project / "notebooks" / f"{name}.ipynb"
    nbf.write(nb, path)
    return path


@pytest.fixture
def calls(project, monkeypatch):
    """Record the calls `execute` gets instead of running anything."""
    _params_notebook(project)
    monkeypatch.setattr(run, "project_root", lambda: project)
    seen = []

    def fake_execute(name, source, output, figures, profile, threads, progress, root, parameters=None):
        seen.append(dict(name=name, output=output, figures=figures, profile=profile, parameters=parameters))
        return run.NotebookResult(name, "ok", 0.0, "", str(output))

    def no_papermill(*args, **kwargs):
        raise AssertionError("papermill must not run")

    monkeypatch.setattr(run, "execute", fake_execute)
    monkeypatch.setattr("papermill.execute_notebook", no_papermill)
    return seen


@pytest.mark.parametrize("text, value", [
    ("3", 3), ("0.5", 0.5), ("-1e-3", -1e-3), ("[1, 2]", [1, 2]), ("{'a': 1}", {"a": 1}),
    ("True", True), ("None", None), ("'01'", "01"), ("mnist", "mnist"), ("cuda:0", "cuda:0"),
    ("", ""), ("a b", "a b"),
])
def test_parse_value(text, value):
    got = run.parse_value(text)
    assert got == value and type(got) is type(value)


def test_run_rejects_an_unknown_parameter_before_anything_runs(calls, capsys):
    assert cli.main(["run", "03", "-p", "lrate", "0.5", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("companion: unknown parameter 'lrate' for 03_params; "
                   "its parameters: profile, output_dir, lr, sizes, label, flag, extra")
    assert calls == []
    assert cli.main(["run", "03", "-p", "profile", "full"]) == 2
    assert "--profile" in capsys.readouterr().err
    assert calls == []


def test_regenerate_checks_every_notebook_before_the_first_starts(calls, project):
    # 01_fine and 02_broken take only profile and output_dir: nothing may start
    with pytest.raises(ValueError, match="unknown parameter 'lr' for 01_fine; its parameters: profile, output_dir"):
        run.regenerate("quick", root=project, parameters={"lr": 1.0}, echo=lambda s: None)
    # a notebook whose parameters cell lacks output_dir is caught by the same check
    nbf.write(nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("profile = 'quick'", metadata={"tags": ["parameters"]})]),
              project / "notebooks" / "04_no_output_dir.ipynb")
    assert cli.main(["regenerate", "--quiet"]) == 2
    assert calls == []


def test_run_passes_parsed_parameters(calls, project, capsys):
    argv = ["run", "params", "-p", "lr", "0.5", "-p", "sizes", "[1, 2]", "-p", "label", "'01'",
            "-p", "flag", "True", "-p", "extra", "None", "--quiet"]
    assert cli.main(argv) == 0
    (call,) = calls
    assert call["name"] == "03_params" and call["profile"] == "quick"
    assert call["parameters"] == {"lr": 0.5, "sizes": [1, 2], "label": "01", "flag": True, "extra": None}
    assert call["output"] == project / "notebooks" / "03_params.ipynb"  # quick: in place
    assert capsys.readouterr().out.startswith("[ok] 03_params (quick)")


def test_run_selects_by_number_and_profile_picks_the_output(calls, project, tmp_path):
    assert cli.main(["run", "01", "--profile", "full"]) == 0
    assert calls[-1]["name"] == "01_fine"
    assert (calls[-1]["output"], calls[-1]["figures"]) == run.output_paths("01_fine", "full", project)
    assert cli.main(["run", "03_params", "--output", str(tmp_path / "out" / "x.ipynb")]) == 0
    assert calls[-1]["output"] == tmp_path / "out" / "x.ipynb"
    assert cli.main(["run", "zz"]) == 2


def test_smoke_runs_write_under_runs_smoke_and_pass_the_parameter(calls, project, capsys):
    nb = nbf.read(project / "notebooks" / "03_params.ipynb", as_version=4)
    nb.cells[0].source += "\nsmoke = False\ndevice = \"auto\""
    nbf.write(nb, project / "notebooks" / "03_params.ipynb")
    assert cli.main(["run", "03", "--profile", "full", "--smoke", "--quiet"]) == 0
    assert calls[-1]["parameters"] == {"smoke": True}
    assert calls[-1]["output"] == project / "runs" / "smoke" / "full" / "03_params.ipynb"
    assert calls[-1]["figures"] == project / "figures" / "smoke" / "full" / "03_params"
    assert cli.main(["regenerate", "--only", "03", "--smoke", "--device", "cuda", "--quiet"]) == 0
    assert calls[-1]["parameters"] == {"device": "cuda", "smoke": True}
    assert calls[-1]["figures"] == project / "figures" / "smoke" / "quick" / "03_params"
    # a notebook without the parameter refuses before anything runs
    n = len(calls)
    assert cli.main(["run", "01", "--smoke", "--quiet"]) == 2
    assert "unknown parameter 'smoke'" in capsys.readouterr().err and len(calls) == n


def test_run_refuses_an_ambiguous_name(calls, project, capsys):
    _params_notebook(project, "04_params")
    assert cli.main(["run", "params"]) == 2
    assert "matches several notebooks: 03_params, 04_params" in capsys.readouterr().err
    assert calls == []


def test_notebook_paths_ignore_paired_scripts(project):
    (project / "notebooks" / "01_fine.py").write_text("# %%\n")
    assert list(run.notebook_paths(project)) == ["01_fine", "02_broken"]


def test_run_end_to_end(project, monkeypatch, capsys, tmp_path):
    """The parsed values reach the kernel with their types; --output leaves notebooks/ alone."""
    source = _params_notebook(project)
    before = source.read_text()
    monkeypatch.setattr(run, "project_root", lambda: project)
    out = tmp_path / "elsewhere" / "03.ipynb"
    argv = ["run", "03", "-p", "lr", "2e-3", "-p", "sizes", "[4, 5]", "-p", "label", "mnist",
            "-p", "flag", "True", "--output", str(out), "--quiet"]
    assert cli.main(argv) == 0
    assert out.exists() and source.read_text() == before
    got = (project / "figures" / "03_params" / "got.txt").read_text()
    assert got == repr(("quick", 2e-3, [4, 5], "mnist", True, None))
    assert capsys.readouterr().out.strip().endswith(f"-> {out}")
    assert cli.main(["run", "broken", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("[failed] 02_broken (quick)") and "RuntimeError: boom in cell" in err


def test_cpu_kernels_are_pinned_unless_the_user_chose(monkeypatch):
    env = {"MKL_CBWR": "COMPATIBLE"}
    run.pin_cpu_kernels(env)
    assert env == {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def test_the_makefile_pins_the_same_kernels_as_the_runner():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    for name, value in run.PINNED_CPU_ENV.items():
        assert f"export {name} ?= {value}" in makefile


def test_regenerate_pins_kernels_for_its_children_only(monkeypatch, tmp_path):
    for name in run.PINNED_CPU_ENV:
        monkeypatch.delenv(name, raising=False)
    seen = {}
    with run.pinned_cpu_kernels():
        seen.update({name: os.environ.get(name) for name in run.PINNED_CPU_ENV})
    assert seen == run.PINNED_CPU_ENV
    assert not any(name in os.environ for name in run.PINNED_CPU_ENV)  # restored
