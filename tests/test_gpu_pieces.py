"""Every notebook's first GPU piece runs at smoke sizes: the smallest subset of datasets, regularisers
or seeds its notebook is run on in a GPU slot (`companion.gpu.PIECES`; a notebook's later pieces
contain its first). The whole-profile smokes (test_full_smoke.py) run every dataset at once, so they
missed cells that assume one: 03's first piece (the VAE pair alone) failed drawing Fig. 1 without
β-VAE-H, 01's (rings alone) drawing the 8-Gaussian training curves. 02's piece runs in test_gpu.py."""

import json

import pytest

from companion import gpu

FIRST_PIECES = {p.notebook: p for p in reversed(gpu.PIECES)}  # reversed: the first piece wins


@pytest.mark.parametrize("notebook", sorted(n for n in FIRST_PIECES if not n.startswith("02")))
def test_a_notebooks_first_gpu_piece_runs_at_smoke_sizes(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "cache"))
    piece = FIRST_PIECES[notebook]
    assert piece is next(p for p in gpu.PIECES if p.notebook == notebook)
    status, seconds, error = gpu._run_piece(piece, tmp_path, "cpu", smoke=True, timeout=900)
    assert status == "ok", error
    run = json.loads((tmp_path / "figures" / "full" / notebook / "run.json").read_text())
    assert run["smoke"] is True and run["profile"] == "full"
