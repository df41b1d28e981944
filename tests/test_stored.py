"""Stored runs of the long profiles (`companion.stored`): provenance, staleness, where they go."""

import json
import re

import pandas as pd
import pytest

from companion import runner, stored
from companion.paths import figures_subdir, project_root


def test_extended_and_full_runs_go_to_their_own_folders(tmp_path):
    for profile in ("extended", "full"):
        out, figs = runner.output_paths("01_toy", profile, tmp_path)
        assert out == tmp_path / "runs" / profile / "01_toy.ipynb"
        assert figs == tmp_path / "figures" / profile / "01_toy"
        assert figures_subdir("01_toy", profile).as_posix() == f"figures/{profile}/01_toy"
    assert runner.output_paths("01_toy", "quick", tmp_path)[1] == tmp_path / "figures" / "01_toy"
    assert "extended" in runner.PROFILES


def test_the_rerun_command_names_the_profile_and_every_parameter():
    assert runner.rerun_command("01_soft_introvae_2d", "extended") == "companion run 01 --profile extended"
    command = runner.rerun_command("05_ood", "extended", {"seeds": [0, 1], "profile": "x", "output_dir": "y"})
    assert command == "companion run 05 --profile extended -p seeds [0, 1]"


def test_a_stored_run_keeps_its_provenance_and_the_training_code_hash(tmp_path):
    folder = tmp_path / "figures/extended/01_soft_introvae_2d"
    stored.write_provenance(folder, "01_soft_introvae_2d", "extended", 125.4, project_root(),
                            command="companion run 01 --profile extended")
    pd.DataFrame({"claim": ["a", "b"], "verdict": ["PASS", "NOT TESTED"]}).to_csv(folder / "claims.csv", index=False)
    record = json.loads((folder / "run.json").read_text())
    assert record["seconds"] == 125 and record["profile"] == "extended" and record["commit"] != "unknown"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", record["date"]) and record["hardware"]
    assert record["code"] == stored.training_code_hash("01_soft_introvae_2d")
    run = stored.stored_run("01_soft_introvae_2d", "extended", tmp_path)
    assert run.provenance == record and list(run.tables) == ["claims"] and not run.stale
    assert stored.verdict_counts(run.tables["claims"]) == {"PASS": 1, "FAIL": 0, "NOT TESTED": 1}
    label = run.label()
    assert "extended profile" in label and "2 min" in label and "STALE" not in label
    assert "companion run 01 --profile extended" in label


def test_a_run_of_older_training_code_is_stale(tmp_path, monkeypatch):
    folder = tmp_path / "figures/extended/03_dpvae_pockets_leaks"
    stored.write_provenance(folder, "03_dpvae_pockets_leaks", "extended", 60, project_root())
    monkeypatch.setattr(stored, "training_code_hash", lambda notebook: "0123456789abcdef")
    run = stored.stored_run("03_dpvae_pockets_leaks", "extended", tmp_path)
    assert run.stale and "STALE" in run.label() and "0123456789abcdef" in run.label()


def test_each_notebook_has_its_paper_and_papers_hash_apart():
    assert stored.paper_of_notebook("01_soft_introvae_2d") == stored.paper_of_notebook("05_ood_histograms")
    hashes = {stored.training_code_hash(f"0{i}_x") for i in range(1, 7)}
    assert len(hashes) == 5                  # 01 and 05 share Soft-IntroVAE's code; the others differ
    for path in runner.notebook_paths():
        assert stored.paper_of_notebook(path) is not None


def test_no_stored_run_is_none_and_the_quick_profile_is_not_stored(tmp_path):
    assert stored.stored_run("01_soft_introvae_2d", "extended", tmp_path) is None
    with pytest.raises(ValueError, match="not stored as data"):
        stored.stored_run("01_soft_introvae_2d", "quick", tmp_path)


def test_a_notebook_shows_a_stored_figure_or_says_there_is_none(tmp_path, monkeypatch, capsys):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(stored, "project_root", lambda: tmp_path)
    assert stored.show_stored_figure("01_soft_introvae_2d", "fig3") is None
    assert stored.show_stored("01_soft_introvae_2d") is None
    folder = tmp_path / "figures/extended/01_soft_introvae_2d"
    stored.write_provenance(folder, "01_soft_introvae_2d", "extended", 60, project_root())
    fig = plt.figure()
    fig.savefig(folder / "fig3.png")
    pd.DataFrame({"claim": ["a"], "verdict": ["PASS"], "x": [1]}).to_csv(folder / "claims.csv", index=False)
    assert stored.show_stored_figure("01_soft_introvae_2d", "fig3") == folder / "fig3.png"
    assert stored.show_stored("01_soft_introvae_2d", columns=["claim", "verdict"]).tables["claims"].shape == (1, 3)


def test_a_rerun_on_the_same_training_code_keeps_when_its_models_trained(tmp_path, monkeypatch):
    folder = tmp_path / "figures/extended/01_soft_introvae_2d"
    stored.write_provenance(folder, "01_soft_introvae_2d", "extended", 6096, project_root())
    first = json.loads((folder / "run.json").read_text())
    stored.write_provenance(folder, "01_soft_introvae_2d", "extended", 300, project_root())   # from the cache
    second = json.loads((folder / "run.json").read_text())
    assert second["seconds"] == 300 and second["trained"]["seconds"] == 6096
    assert second["trained"]["date"] == first["date"] and second["trained"]["commit"] == first["commit"]
    stored.write_provenance(folder, "01_soft_introvae_2d", "extended", 200, project_root())   # and again
    assert json.loads((folder / "run.json").read_text())["trained"]["seconds"] == 6096
    assert "102 min wall)" in stored.stored_run("01_soft_introvae_2d", "extended", tmp_path).label()
    monkeypatch.setattr(stored, "training_code_hash", lambda notebook: "0123456789abcdef")   # new code: trained anew
    stored.write_provenance(folder, "01_soft_introvae_2d", "extended", 50, project_root())
    assert "trained" not in json.loads((folder / "run.json").read_text())


def test_every_committed_notebook_shows_its_stored_runs_current_label():
    """A stored run re-made after its quick notebook ran changes the label the notebook printed (commit, wall
    time): the committed notebook must be re-run after it, or nbval fails in CI an hour later."""
    import json

    from companion.paths import project_root
    from companion.stored import stored_run

    for path in sorted((project_root() / "notebooks").glob("0*.ipynb")):
        for profile in ("extended", "full"):
            run = stored_run(path.stem, profile)
            if run is not None:
                assert json.dumps(run.label(), ensure_ascii=False)[1:-1] in path.read_text(), (path.name, profile)
