"""`companion gpu`: the plan (pieces, their new runs and steps, what fits a budget, measured timings
replacing the estimates), the arguments checked before any work, the budget stopping a piece, and
the script run end to end on the CPU at smoke sizes into a scratch folder."""

import json
import subprocess
import time
from pathlib import Path

import pytest

from companion import cli, gpu
from companion.paths import project_root


def test_every_piece_builds_its_full_plan_and_grows_within_its_notebook():
    seen = {}
    for piece in gpu.PIECES:
        configs = set(piece.configs())
        assert configs, piece.label()
        assert seen.get(piece.notebook, set()) <= configs, f"{piece.label()} drops runs of the piece before it"
        seen[piece.notebook] = configs
        assert all(gpu.training_steps(c) > 0 for c in configs)
    assert set(seen) == set(gpu.EXPERIMENTS)  # every notebook's full profile has pieces


def test_training_steps_are_iterations_or_epochs_times_batches():
    from companion.papers.soft_introvae import ood
    from companion.papers.sos_vae import structured_noise as sn

    c = sn.make_plan("full", datasets=["mnist"], seeds=[0]).all_runs[0]
    assert gpu.training_steps(c) == c.epochs * -(-c.n_train // c.batch_size)
    whole = next(c for c in ood.make_plan("full", datasets=["mnist"], seeds=[0], check_data=False).runs)
    assert whole.n_train == 0 and gpu.training_steps(whole) == whole.epochs * -(-60_000 // whole.batch_size)


def test_estimates_count_only_new_runs_and_fit_in_order():
    pieces = [p for p in gpu.PIECES if p.notebook == "03_dpvae_pockets_leaks"][:2]
    first, second = gpu.estimate(pieces, {"pieces": []}, "none", 1e9)
    assert first.runs == 6 and second.runs == 6  # the second piece adds beta_h's runs only
    assert first.steps == sum(gpu.training_steps(c) for c in pieces[0].configs())
    assert first.fits and second.fits
    tight = gpu.estimate(pieces, {"pieces": []}, "none", first.need + 1)
    assert [e.fits for e in tight] == [True, False]
    skip = gpu.estimate([gpu.PIECES[2], pieces[1], pieces[0]], {"pieces": []}, "none", first.need + 1)
    assert [e.fits for e in skip] == [False, False, True]  # pieces too large are skipped, a later one still runs
    assert [e.runs for e in skip] == [7, 12, 6]  # a skipped piece's runs are still to train
    table = gpu.plan_table(tight, first.need + 1)
    assert "fits: 1 of 2 pieces" in table and "estimate (no GPU step measured)" in table


def test_measured_timings_replace_the_estimate_on_their_hardware_only():
    piece = gpu.PIECES[0]
    steps = sum(gpu.training_steps(c) for c in piece.configs())
    row = {"notebook": piece.notebook, "hardware": "NVIDIA H100", "status": "ok", "steps": 1000,
           "seconds": gpu.PIECE_START_SECONDS + 2.0, "smoke": False, "batched": True}
    timings = {"pieces": [row, {**row, "seconds": 999.0, "smoke": True}, {**row, "status": "failed"}]}
    (on_h100,) = gpu.estimate([piece], timings, "NVIDIA H100", 1e9)
    assert on_h100.seconds == pytest.approx(gpu.PIECE_START_SECONDS + steps * 0.002)
    assert on_h100.basis.startswith("measured on NVIDIA H100: 2.00 ms/step")
    (elsewhere,) = gpu.estimate([piece], timings, "NVIDIA H200", 1e9)
    assert elsewhere.basis.startswith("estimate")
    # a batched piece's per-step cost is not a sequential one's, and the other way round
    assert piece.notebook in gpu.BATCHED_SWEEPS
    (sequential,) = gpu.estimate([piece], timings, "NVIDIA H100", 1e9, batched=False)
    (batched,) = gpu.estimate([piece], {"pieces": [{**row, "batched": True, "seconds": 99.0}]}, "NVIDIA H100", 1e9)
    assert sequential.basis.startswith("estimate") and batched.basis.startswith("measured")


def test_arguments_are_checked_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="--budget"):
        gpu.check_arguments("cpu", tmp_path, 0, None)
    with pytest.raises(ValueError, match="--budget"):
        gpu.check_arguments("cpu", tmp_path, float("nan"), None)
    with pytest.raises(ValueError, match="never be committed"):
        gpu.check_arguments("cpu", project_root(), 1, None)
    with pytest.raises(ValueError, match="unknown notebook"):
        gpu.check_arguments("cpu", tmp_path, 1, ["07"])
    with pytest.raises(ValueError, match="--device"):
        gpu.check_arguments("mps", tmp_path, 1, None)
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            gpu.check_arguments("cuda", tmp_path, 1, None)
    assert cli.main(["gpu", "--budget", "-1", "--device", "cpu", "--output", str(tmp_path)]) == 2


def test_the_plan_prints_without_training(capsys):
    assert cli.main(["gpu", "--plan", "--budget", "12"]) == 0
    out = capsys.readouterr().out
    assert "budget 12.0 min" in out and "fits:" in out and "GPU-hours" in out
    assert out.count("decides:") == len(gpu.PIECES)


def test_the_budget_stops_a_piece(monkeypatch, tmp_path):
    monkeypatch.setattr(gpu, "_piece_command", lambda job: ["sleep", "30"])
    start = time.perf_counter()
    status, seconds, _ = gpu._run_piece(gpu.PIECES[0], tmp_path, "cpu", True, timeout=1.0)
    assert status == "stopped at the budget" and seconds < 10 and time.perf_counter() - start < 10


def test_a_cpu_run_at_smoke_sizes_stores_its_piece_with_run_json(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "cache"))
    timings = gpu.run(budget_minutes=5, device="cpu", output=tmp_path, only=["02"], smoke=True, echo=print)
    (piece,) = timings["pieces"]
    assert piece["status"] == "ok" and piece["smoke"] and piece["hardware"] == "cpu" and piece["batched"]
    # 02's 36 stage-1 Gaussian runs were trained as batched ensembles, each stored as its own cache
    # entry, before the notebook ran (it loaded them and trained the other 9 alone)
    assert "02_sigma_vae_mnist: 36 runs trained as batched ensembles" in capfd.readouterr().out
    assert len(list((tmp_path / "cache").glob("*/metrics.json"))) > 36
    folder = tmp_path / "figures" / "full" / "02_sigma_vae_mnist"
    run = json.loads((folder / "run.json").read_text())
    assert run["profile"] == "full" and run["smoke"] is True and "no GPU" in run["hardware"]
    assert run["batched_runs"] == 36   # run.json says how its models were trained
    assert (folder / "claims.csv").exists()
    assert json.loads((tmp_path / gpu.TIMINGS).read_text()) == timings


def test_no_committed_full_profile_result_comes_from_a_cpu():
    root = project_root()
    tracked = subprocess.run(["git", "ls-files", "figures/full"], capture_output=True, text=True, cwd=root).stdout
    for path in (Path(p) for p in tracked.split()):
        if path.name == "run.json":
            record = json.loads((root / path).read_text())
            assert "no GPU" not in record["hardware"] and not record.get("smoke"), path
