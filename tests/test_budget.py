"""Every notebook shows its budget per claim (each claim's cost on this CPU and the profile that
decides it), and the extended profiles exist where the Makefile runs them."""

import dataclasses
import importlib
import re
from pathlib import Path

import pandas as pd
import pytest

from companion.claims import BUDGET_PLACES, QUICK_CORE_MINUTES
from companion.paths import project_root

ROOT = project_root()
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("0*.ipynb"))
EXPERIMENTS = {"01": "soft_introvae.toy2d", "02": "sigma_vae.mnist_sweep", "03": "dpvae.pockets_leaks",
               "04": "selfvae.sketch_experiment", "05": "soft_introvae.ood", "06": "sos_vae.structured_noise"}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_stored_budget_covers_every_stored_claim(name):
    folder = ROOT / "figures" / name
    budget = pd.read_csv(folder / "budget.csv")
    claims = pd.read_csv(folder / "claims.csv")
    assert set(budget["decided in"]) <= set(BUDGET_PLACES)
    quick = budget[budget["decided in"] == "quick"]
    assert (quick["cost here (core-min)"] <= QUICK_CORE_MINUTES).all()
    missing = [c for c in claims["claim"] if not any(c.startswith(r) for r in budget["claim"])]
    assert not missing, f"claims without a budget row: {missing}"


def _extended_in_makefile() -> set:
    text = (ROOT / "Makefile").read_text()
    line = re.search(r"--profile extended --only ([0-9 ]+)", text)
    alone = re.findall(r"companion run ([0-9]+) --profile extended", text)
    return set(line.group(1).split()) | set(alone)


def test_the_makefile_runs_the_extended_profile_of_every_experiment_that_has_one():
    have = {n for n, mod in EXPERIMENTS.items()
            if "extended" in importlib.import_module(f"companion.papers.{mod}").PROFILES}
    assert have == _extended_in_makefile() and {"01", "05"} <= have


@pytest.mark.parametrize("number", sorted(EXPERIMENTS))
def test_an_extended_profile_plans_before_any_work(number):
    module = importlib.import_module(f"companion.papers.{EXPERIMENTS[number]}")
    if "extended" not in module.PROFILES:
        with pytest.raises(ValueError, match="unknown profile 'extended'"):
            module.make_plan("extended")
        return
    kwargs = {"check_data": False} if number == "05" else {}
    plan, smoke = module.make_plan("extended", **kwargs), module.make_plan("extended", smoke=True, **kwargs)
    assert plan.profile.name == "extended" and "(smoke)" in smoke.profile.name


def test_the_stored_extended_runs_name_their_provenance():
    for folder in sorted((ROOT / "figures" / "extended").glob("*")):
        record = pd.read_json(folder / "run.json", typ="series")
        for key in ("commit", "hardware", "date", "seconds", "command", "code"):
            assert key in record, (folder.name, key)
        assert record["profile"] == "extended" and Path(ROOT / "notebooks" / f"{folder.name}.ipynb").exists()


def test_notebook_03_orders_the_runs_of_every_dataset_of_every_profile():
    from companion.papers.dpvae import pockets_leaks as pl

    for name, profile in pl.PROFILES.items():
        for block in profile.blocks.values():
            config = block.base
            assert pl._cost(config) > 0 and pl._cost(dataclasses.replace(config, decoupled=True)) > pl._cost(config)
    assert set(pl.STEP_COST) == {"moons", *pl.IMAGE_DATASETS}
