"""Notebook 05's experiment: plan validation, missing pairs reported as not run, a tiny run."""

import os
from pathlib import Path

import pytest

from companion import ood_histograms as ood
from companion import soft_introvae
from companion.cache import ResultCache

SHARED = Path(os.environ.get("COMPANION_DATA", "../shared/data"))
OFFLINE = (SHARED / "MNIST" / "raw").exists() and (SHARED / "svhn_png" / "test").exists()


@pytest.fixture
def offline_data(monkeypatch):
    if not OFFLINE:
        pytest.skip("offline data copies not present")
    monkeypatch.setenv("COMPANION_DATA", str(SHARED))


def test_quick_plan_runs_three_pairs_with_both_methods(offline_data):
    plan = ood.make_plan("quick")
    assert [(c.dataset, c.method) for c in plan.runs] == [
        (d, m) for d in ("mnist", "fashion-mnist", "cifar10") for m in ("vae", "sintrovae")]
    cifar = [c for c in plan.runs if c.dataset == "cifar10"][0]
    assert cifar.ood_dataset == "svhn" and cifar.channels == (16, 32, 64) and cifar.arch == "residual"
    assert {c.arch for c in plan.runs if c.dataset != "cifar10"} == {"mlp"}
    assert plan.skipped == {}


def test_a_pair_without_data_is_skipped_with_the_loaders_message(offline_data):
    plan = ood.make_plan("full")  # SVHN's training split is not in the offline copies
    assert "svhn" in plan.skipped and "download=True" in plan.skipped["svhn"]
    assert all(c.dataset != "svhn" for c in plan.runs)
    assert {c.seed for c in plan.runs} == {0, 1, 2}


@pytest.mark.parametrize("kwargs, match", [
    (dict(datasets=["celeba"]), "unknown dataset"),
    (dict(methods=["introvae"]), "unknown method"),
    (dict(seeds=[]), "seed count must be positive"),
    (dict(overrides={"epochs": 0}), "epochs must be positive"),
    (dict(overrides={"channels": [8, 16, 32, 64]}), "do not divide"),
    (dict(overrides={"depth": 3}), "unknown override"),
    (dict(profile="tiny"), "unknown profile"),
])
def test_bad_input_is_refused_before_training(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ood.make_plan(check_data=False, **kwargs)


def test_the_soft_introvae_step_is_the_2d_notebooks_function():
    assert ood.soft_introvae_step is soft_introvae.soft_introvae_step


def test_tiny_runs_score_and_cache(offline_data, tmp_path):
    cache = ResultCache(tmp_path)
    tiny = dict(channels=(4, 8), zdim=4, batch_size=64, n_train=256, epochs=1, eval_images=64,
                train_eval_images=64)
    for method in ood.METHODS:
        cfg = ood.paper_config("mnist", method, **tiny)
        run = ood.run_ood(cfg, "cpu", cache, progress=False)
        assert 0.0 <= run.metrics["auroc_elbo"] <= 1.0
        assert run.arrays["iw_ood"].shape == (64,) and run.arrays["samples"].shape == (32, 1, 28, 28)
        # the M = 5 estimate is a tighter bound than the ELBO on average
        assert run.metrics["mean_iw_in_test"] >= run.metrics["mean_elbo_in_test"]
        again = ood.run_ood(cfg, "cpu", cache, progress=False)
        assert again.from_cache and again.metrics == run.metrics
    assert "kl_fake" in run.history.columns  # Soft-IntroVAE logs its fakes' KL


def test_settings_table_flags_what_the_profile_changed_against_the_image_size_setting():
    quick = ood.make_plan("quick", datasets=["mnist"], methods=["vae"], check_data=False).runs[0]
    table = ood.settings_table(quick)
    assert table.loc["zdim", "source"] == "[C]"  # 32 is spec §3.2's setting for 28x28
    assert table.loc["arch", "source"] == "[A] (C: residual)"
    assert table.loc["epochs", "source"].startswith("[A] (P: 200)")
    full = ood.make_plan("full", datasets=["cifar10"], methods=["vae"], seeds=[0], check_data=False).runs[0]
    assert not ood.settings_table(full).source.str.startswith("[A] (").any()  # nothing changed
