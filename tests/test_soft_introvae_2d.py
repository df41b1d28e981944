"""The 2D experiment: configs, plan validation, reproducibility, the results cache."""

import dataclasses

import pandas as pd
import pytest

from companion.cache import ResultCache, config_key
from companion.config import check_output_dir
from companion.papers.soft_introvae import toy2d as toy
from companion.train import TrainingDiverged

TINY = dict(hidden=8, n_hidden=1, batch_size=32, n_iter=12, num_vae=4, milestones=(8,),
            eval_samples=200, eval_bins=10, gnelbo_grid=16, gnelbo_data=64, plot_grid=8,
            plot_samples=16)


def tiny(method="sintrovae", **kw):
    return toy.table5_config("8gaussians", method, toy.Config(**TINY), **kw)


def test_every_field_has_a_provenance_tag():
    table = toy.settings_table()
    assert set(table.source) <= {"[P]", "[C]", "[A]"}
    assert len(table) == len(dataclasses.fields(toy.Config))
    quick = toy.settings_table(toy.QUICK.base)
    assert quick.loc["batch_size", "source"] == "[A] (P: 512)"
    assert quick.loc["hidden", "source"] == "[P]"


def test_table5_betas_are_applied():
    c = toy.table5_config("rings", "introvae", toy.Config())
    assert (c.beta_rec, c.beta_kl, c.beta_neg, c.m) == (0.8, 0.5, 0.5, 5.0)


def test_full_profile_is_the_papers_setting():
    c = toy.FULL.base
    assert (c.n_iter, c.batch_size, c.hidden, c.lr, c.num_vae, c.milestones) == \
        (30_000, 512, 256, 2e-4, 2000, (10_000, 15_000))
    assert toy.FULL.seeds == (0, 1, 2, 3, 4)
    plan = toy.make_plan("full")
    assert len(plan.table2) == 4 * 3 * 5


def test_plan_shares_identical_runs():
    # full profile: Fig. 3's IntroVAE at m = 1 is Table 2's 8-Gaussian IntroVAE (Table 5 betas)
    plan = toy.make_plan("full")
    assert len(plan.all_runs) == len(set(plan.all_runs))
    assert len(plan.all_runs) == len(plan.table2) + len(plan.fig3) + len(plan.fig21) - 5
    quick, extended = toy.make_plan("quick"), toy.make_plan("extended")
    # the quick profile spends its minutes on what three seeds can decide: VAE and S-IntroVAE on 8 Gaussians
    assert not quick.fig3 and not quick.fig21 and {c.method for c in quick.table2} == {"vae", "sintrovae"}
    assert {c.seed for c in quick.table2} == {0, 1, 2}
    assert {(c.n_iter, c.batch_size) for c in quick.table2} == {(5000, 128)}
    # the extended profile: every density and method, Fig. 3 and Fig. 21 on three seeds, the quick runs among them
    assert set(quick.table2) <= set(extended.table2) and len(extended.table2) == 4 * 3 * 3
    assert {c.seed for c in extended.fig3 + extended.fig21} == {0, 1, 2}
    assert {c.n_iter for c in extended.fig3 + extended.fig21} == {5000}


@pytest.mark.parametrize("kwargs, message", [
    (dict(profile="slow"), "unknown profile 'slow'"),
    (dict(datasets=["moons"]), "unknown dataset"),
    (dict(methods=["gan"]), "unknown method"),
    (dict(seeds=[]), "seed count must be positive"),
    (dict(overrides={"n_iter": 0}), "n_iter must be positive"),
    (dict(overrides={"batch_size": -4}), "batch_size must be positive"),
    (dict(overrides={"epochs": 3}), "unknown override"),
])
def test_bad_input_fails_before_training(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy.make_plan(**kwargs)


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="not writable"):
        check_output_dir(blocker / "figures")


def test_same_seed_same_metrics_and_cache_round_trip(tmp_path):
    cfg = tiny(seed=3)
    a = toy.run_one(cfg, "cpu", ResultCache(tmp_path / "a"), progress=False)
    b = toy.run_one(cfg, "cpu", ResultCache(tmp_path / "b"), progress=False)
    assert not a.from_cache and not b.from_cache
    assert a.metrics == b.metrics
    c = toy.run_one(cfg, "cpu", ResultCache(tmp_path / "a"), progress=False)
    assert c.from_cache and c.metrics == a.metrics
    pd.testing.assert_frame_equal(c.history, a.history, check_exact=False, rtol=1e-6)
    for k, v in a.model.state_dict().items():
        assert (c.model.state_dict()[k] == v).all()


def test_cache_returns_stored_result_without_training_and_retrains_on_change(tmp_path, monkeypatch):
    cache = ResultCache(tmp_path)
    calls = []
    real_train = toy.train_one

    def counting_train(config, *args, **kwargs):
        calls.append(config)
        return real_train(config, *args, **kwargs)

    monkeypatch.setattr(toy, "train_one", counting_train)
    cfg = tiny("vae")
    toy.run_one(cfg, "cpu", cache, progress=False)
    toy.run_one(cfg, "cpu", cache, progress=False)
    assert len(calls) == 1
    changed = dataclasses.replace(cfg, n_iter=cfg.n_iter + 1)
    assert config_key(changed) != config_key(cfg)
    toy.run_one(changed, "cpu", cache, progress=False)
    assert len(calls) == 2


def test_checkpoint_is_a_state_dict_loadable_with_weights_only(tmp_path):
    import torch

    cfg = tiny("vae")
    toy.run_one(cfg, "cpu", ResultCache(tmp_path), progress=False)
    state = torch.load(ResultCache(tmp_path).path(cfg) / "model.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_parallel_runs_equal_serial_runs(tmp_path):
    cfgs = [tiny("vae", seed=1), tiny("introvae", seed=1)]
    serial = toy.run_configs_of(cfgs, "cpu", jobs=1, cache=ResultCache(tmp_path / "s"), progress=False)
    parallel = toy.run_configs_of(cfgs, "cpu", jobs=2, cache=ResultCache(tmp_path / "p"), progress=False)
    for c in cfgs:
        assert serial[c].metrics == parallel[c].metrics


def test_divergence_stops_with_the_guard_message(tmp_path):
    cfg = dataclasses.replace(tiny("vae"), lr=1e12, beta_rec=1e12)
    with pytest.raises(TrainingDiverged, match="training diverged at step"):
        toy.run_one(cfg, "cpu", ResultCache(tmp_path), progress=False)


def test_papermill_string_parameters_are_parsed():
    plan = toy.make_plan("quick", seeds="[4, 5]", datasets='["rings"]', methods="vae",
                         overrides='{"n_iter": 7}')
    assert {c.seed for c in plan.table2} == {4, 5}
    assert {(c.dataset, c.method, c.n_iter) for c in plan.table2} == {("rings", "vae", 7)}
    with pytest.raises(ValueError, match="not a Python/JSON literal"):
        toy.make_plan("quick", seeds="[4, ")


def test_smoke_keeps_every_dataset_method_and_the_paired_seeds_at_tiny_sizes():
    from companion.papers.soft_introvae import toy2d

    full, smoke = toy2d.make_plan("full"), toy2d.make_plan("full", smoke=True)
    key = lambda cs: {(c.dataset, c.method) for c in cs}
    assert key(smoke.table2) == key(full.table2) and smoke.profile.name == "full (smoke)"
    assert smoke.profile.seeds == (0, 1, 2) and smoke.profile.fig3_seeds == (0, 1, 2)
    assert {c.n_iter for c in smoke.all_runs} == {30} and {c.gnelbo_grid for c in smoke.all_runs} == {64}
    assert len(smoke.all_runs) < len(full.all_runs) / 2


def test_a_run_has_settled_when_its_reconstruction_error_stops_falling():
    """`still_falling` is the fall of the mean rec error from the third to the last quarter of the
    history; `settled` holds for a method when no seed falls by more than SETTLED_DROP."""
    from types import SimpleNamespace

    import pandas as pd

    from companion.papers.soft_introvae import toy2d_claims as tc

    flat = pd.DataFrame({"step": range(40), "rec": [1.0] * 40})
    falling = pd.DataFrame({"step": range(40), "rec": [1.0] * 20 + [0.8] * 10 + [0.6] * 10})
    assert tc.still_falling(SimpleNamespace(history=flat)) == pytest.approx(0.0)
    assert tc.still_falling(SimpleNamespace(history=falling)) == pytest.approx((0.8 - 0.6) / 0.8)
    assert tc.still_falling(SimpleNamespace(history=flat.iloc[:4])) is None   # too short to read
    runs = {"a0": SimpleNamespace(history=flat), "a1": SimpleNamespace(history=flat),
            "b0": SimpleNamespace(history=flat), "b1": SimpleNamespace(history=falling)}
    cfg = {"vae": {0: "a0", 1: "a1"}, "introvae": {0: "b0", 1: "b1"}}
    assert tc.settled(runs, cfg, "vae", [0, 1])[0]
    ok, why = tc.settled(runs, cfg, "introvae", [0, 1])
    assert not ok and "IntroVAE" in why and "25%" in why
