"""Notebook 05's experiment: plan validation, missing pairs reported as not run, a tiny run."""


import numpy as np
import pytest
import torch

from companion.cache import ResultCache
from companion.core.data import load_dataset
from companion.core.ood_scores import elbo_score
from companion.papers.soft_introvae import method as soft_introvae
from companion.papers.soft_introvae import ood, ood_report
from companion.train import seed_everything

#: The offline copies the tests that take `offline_data` (the conftest fixture) read.
needs_offline = pytest.mark.requires_data("mnist", "fashion-mnist", "cifar10", "cifar10-train", "svhn")


@needs_offline
def test_quick_plan_runs_three_pairs_with_both_methods(offline_data):
    # the quick profile: the two 28x28 pairs (an MLP); CIFAR-10 -> SVHN is the extended profile's
    plan = ood.make_plan("quick")
    assert [(c.dataset, c.method) for c in plan.runs] == [
        (d, m) for d in ("mnist", "fashion-mnist") for m in ("vae", "sintrovae")]
    assert {c.arch for c in plan.runs} == {"mlp"} and plan.skipped == {}
    extended = ood.make_plan("extended")
    cifar = [c for c in extended.runs if c.dataset == "cifar10"]
    assert len(cifar) == 2 * 3 and cifar[0].ood_dataset == "svhn" and cifar[0].channels == (16, 32, 64)
    assert {c.arch for c in extended.runs if c.dataset != "cifar10"} == {"mlp"} and extended.skipped == {}


@needs_offline
def test_a_pair_without_data_is_skipped_with_the_loaders_message(offline_data, monkeypatch):
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    plan = ood.make_plan("full")  # SVHN's training split is not in the offline copies
    assert "svhn" in plan.skipped and "COMPANION_DOWNLOAD=0" in plan.skipped["svhn"]
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


@needs_offline
def test_tiny_runs_score_and_cache(offline_data, tmp_path):
    cache = ResultCache(tmp_path)
    runs = {}
    tiny = dict(channels=(4, 8), zdim=4, batch_size=64, n_train=256, epochs=1, eval_images=64,
                train_eval_images=64)
    for method in ood.METHODS:
        cfg = ood.paper_config("mnist", method, **tiny)
        run = ood.run_one(cfg, "cpu", cache, progress=False)
        assert 0.0 <= run.metrics["auroc_elbo"] <= 1.0
        assert run.arrays["iw_ood"].shape == (64,) and run.arrays["samples"].shape == (32, 1, 28, 28)
        # the M = 5 estimate is a tighter bound than the ELBO on average
        assert run.metrics["mean_iw_in_test"] >= run.metrics["mean_elbo_in_test"]
        again = ood.run_one(cfg, "cpu", cache, progress=False)
        assert again.from_cache and again.metrics == run.metrics
        runs[cfg] = run
    assert "kl_fake" in run.history.columns  # Soft-IntroVAE logs its fakes' KL
    # the references: the model at initialisation (the same network for both methods of a seed)
    # and the per-pixel-mean Gaussian score the test images the runs scored
    plan = ood.Plan(ood.QUICK, tuple(runs), {})
    refs = ood_report.references(plan, runs)
    vae, soft = (refs[c] for c in plan.runs)
    assert vae.auroc_init_elbo == soft.auroc_init_elbo and 0 <= vae.auroc_init_iw <= 1
    assert vae.mean_model_in.shape == (64,) and vae.auroc_mean_model == soft.auroc_mean_model
    # probabilistic PCA on the same 256 training images: at most zdim components, each variance above ½
    assert vae.n_train == 256 and 0 < vae.ppca_k <= 4 and 0 <= vae.auroc_ppca <= 1
    train = load_dataset("mnist", "train", limit=256)[0].flatten(1).double().numpy()
    variances = np.linalg.eigvalsh(np.cov(train.T, bias=True))
    assert vae.ppca_k == min(4, int((variances > ood_report.PPCA_SIGMA2).sum()))
    x = load_dataset("mnist", "test", limit=64)[0]
    mean = load_dataset("mnist", "train", limit=256)[0].mean(0)
    assert vae.mean_model_in == pytest.approx(-((x - mean) ** 2).flatten(1).sum(1).numpy(), rel=1e-5)
    seed_everything(0)   # what training started from, scored as `ood.evaluate_one` scores
    init = ood.build_model(next(iter(runs))).eval()
    elbo = elbo_score(init, x, generator=torch.Generator().manual_seed(40_000))
    assert vae.elbo_init == pytest.approx(float(elbo.mean()), rel=1e-5)
    info = ood_report.learning(runs[plan.runs[0]], vae)
    assert set(info) >= {"recon_ok", "elbo_ok", "learned"}


@needs_offline
def test_the_training_split_is_counted_not_assumed(offline_data):
    # the offline CIFAR-10 copy holds the first 10,000 of the official 50,000 training images
    assert ood_report.train_split_size("cifar10") == 10_000
    assert ood_report.train_split_size("mnist") == ood_report.OFFICIAL_TRAIN_IMAGES["mnist"] == 60_000


def test_settings_table_flags_what_the_profile_changed_against_the_image_size_setting():
    quick = ood.make_plan("quick", datasets=["mnist"], methods=["vae"], check_data=False).runs[0]
    table = ood.settings_table(quick)
    assert table.loc["zdim", "source"] == "[C]"  # 32 is spec §3.2's setting for 28x28
    assert table.loc["arch", "source"] == "[A] (C: residual)"
    assert table.loc["epochs", "source"].startswith("[A] (P: 200)")
    full = ood.make_plan("full", datasets=["cifar10"], methods=["vae"], seeds=[0], check_data=False).runs[0]
    assert not ood.settings_table(full).source.str.startswith("[A] (").any()  # nothing changed


def test_without_any_dataset_every_pair_is_not_run_and_the_report_still_builds(tmp_path, monkeypatch):
    from companion.claims import claims_table
    from companion.papers.soft_introvae import ood_claims, ood_report

    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    plan = ood.make_plan("extended")
    assert plan.runs == () and set(plan.skipped) == {"mnist", "fashion-mnist", "cifar10"}
    assert all(str(tmp_path) in why for why in plan.skipped.values())
    runs = ood.run_plan(plan, device="cpu", jobs=1, cache=ResultCache(tmp_path / "cache"), progress=False)
    assert runs == {}
    assert (ood_report.table7(plan, runs).filter(like="this run") == "not run").all().all()
    refs = ood_report.references(plan, runs)
    assert refs == {}
    verdicts = claims_table(ood_claims.claims(plan, runs, refs)).verdict
    assert len(verdicts) and (verdicts == "NOT TESTED").all()


def test_smoke_keeps_the_residual_networks_and_every_pair_with_data(monkeypatch):
    from companion.papers.soft_introvae import ood

    monkeypatch.setattr(ood, "available", lambda ds, split: "" if ds != "svhn" or split == "test" else "no SVHN")
    plan = ood.make_plan("full", smoke=True)
    assert plan.profile.name == "full (smoke)" and set(plan.skipped) == {"svhn"}
    assert {c.arch for c in plan.runs} == {"residual"} and {c.epochs for c in plan.runs} == {1}
    assert {c.dataset for c in plan.runs} == {"mnist", "fashion-mnist", "cifar10"}
    assert {c.seed for c in plan.runs} == {0, 1, 2} and max(c.n_train for c in plan.runs) == 256
