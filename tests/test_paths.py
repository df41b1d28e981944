"""Data root, cache and figure folders resolve against the project root, whatever the working
directory (papermill and nbval start the kernel in notebooks/)."""

from pathlib import Path

from companion import paths
from companion.config import check_output_dir

ROOT = Path(__file__).resolve().parents[1]


def test_project_root_is_the_checkout_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert paths.project_root() == ROOT
    monkeypatch.chdir(ROOT / "notebooks")
    assert paths.project_root() == ROOT


def test_relative_settings_resolve_against_the_root_absolute_ones_stay(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    monkeypatch.delenv("COMPANION_CACHE", raising=False)
    assert paths.data_root() == ROOT / "data"
    assert paths.cache_root() == ROOT / ".cache" / "companion"
    monkeypatch.setenv("COMPANION_DATA", "somewhere/data")
    assert paths.data_root() == ROOT / "somewhere" / "data"
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "c"))
    assert paths.cache_root() == tmp_path / "c"


def test_output_folder_of_a_notebook_lands_under_the_root(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_ROOT", str(tmp_path))
    monkeypatch.chdir(ROOT / "notebooks")
    assert check_output_dir("figures/99_demo") == tmp_path / "figures" / "99_demo"
    assert (tmp_path / "figures" / "99_demo").is_dir()


def test_shown_paths_are_project_relative_inside_and_as_given_outside(tmp_path, monkeypatch):
    from companion.paths import shown

    monkeypatch.setenv("COMPANION_ROOT", str(tmp_path / "project"))
    assert shown(tmp_path / "project" / "figures" / "01") == "figures/01"
    assert shown(tmp_path / "elsewhere") == str(tmp_path / "elsewhere")

