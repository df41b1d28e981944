"""Sweeps trained as batched ensembles (companion.batched_sweeps) are the sweeps trained run by run:
every member of notebook 02's σ² sweep follows `mnist_sweep.train_one` of its config, every member of
notebook 01's 2-D runs `toy2d.train_one` of its config, and each is stored under the key `run_one`
reads, with the metrics `run_one` would have stored.

In float64 (the default dtype switched for the test, images served in float64), where a batched and
a lone matrix product agree to rounding."""

import dataclasses

import pytest
import torch

from companion import batched_sweeps
from companion.batched_sweeps import sigma_vae as bs
from companion.batched_sweeps import toy2d as bt
from companion.cache import ResultCache
from companion.papers.sigma_vae import mnist_sweep as sweep
from companion.papers.soft_introvae import toy2d

#: [A] float64 agreement after 100 Adam steps: compounded rounding (1e-16 per operation); a wrong
#: gradient, a shared optimizer state, a swapped batch or the wrong noise moves weights by >= 1e-4
TOLERANCE = 1e-10
N, BATCH, EPOCHS = 320, 64, 20   # 5 steps per epoch, 100 steps


def _fake_images(dataset, split):
    g = torch.Generator().manual_seed(0 if split == "train" else 1)
    return torch.rand(N if split == "train" else 200, 1, 28, 28, generator=g, dtype=torch.float64)


@pytest.fixture
def float64(monkeypatch):
    monkeypatch.setattr(sweep, "images", _fake_images)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _config(**changes):
    base = sweep.Config(n_train=N, batch_size=BATCH, epochs=EPOCHS, zdim=2, arch="mlp", gmm_components=2,
                        kl_samples=200, kl_repeats=2, iwae_k=2, iwae_images=16, eval_images=64, fd_samples=64,
                        density_grid=8)
    return dataclasses.replace(base, **changes).validate()


def _gap(a: torch.nn.Module, b: torch.nn.Module, parameters_only: bool = False) -> float:
    """The largest absolute difference of their weights (and buffers, σ²_dataset among them)."""
    sa, sb = (dict(m.named_parameters()) if parameters_only else m.state_dict() for m in (a, b))
    assert sa.keys() == sb.keys()
    return max(float((sa[k].detach().double() - sb[k].detach().double()).abs().max()) for k in sa)


@pytest.mark.parametrize("mode, arch", [("fixed", "mlp"), ("closed_form", "mlp"), ("adam", "mlp"), ("fixed", "conv")])
def test_a_batched_member_is_its_lone_run_weights_sigma2_and_history(float64, mode, arch):
    """The quick profile's MLP in each σ² mode over 100 steps, and the full profile's conv nets over 40
    (two members: float64 convolutions are slow on the CPU)."""
    sigmas = (0.5, 0.01) if mode == "fixed" and arch == "mlp" else (0.5,)
    epochs = EPOCHS if arch == "mlp" else 8
    configs = [_config(sigma_mode=mode, sigma2=s, seed=seed, arch=arch, epochs=epochs)
               for seed in (0, 3) for s in sigmas]
    models, histories, _ = bs.train_group(configs, "cpu", progress=False)
    for c, model, history in zip(configs, models, histories):
        alone, lone_history = sweep.train_one(c, "cpu", progress=False)
        assert _gap(model, alone) < TOLERANCE
        assert float(model.sigma2_dataset) == pytest.approx(float(alone.sigma2_dataset), rel=1e-10)
        assert list(history.columns) == list(lone_history.columns) and len(history) == epochs
        # `train.fit` logs in float32: the epoch means agree to a few float32 roundings (2^-23 each)
        assert ((history - lone_history).abs() <= 1e-6 * lone_history.abs() + 1e-12).all().all()
        untrained = sweep.build_model(c)
        assert _gap(alone, untrained, parameters_only=True) > 1e-3   # it trained: the comparison could fail


def test_the_check_catches_a_member_trained_on_another_seeds_batches_and_noise(float64):
    """Negative control: the lone run of seed 3 is far from the member of seed 0 (same σ², same start
    would need the same seed), so agreement above is not agreement of any two runs."""
    a, b = _config(seed=0, sigma_mode="fixed"), _config(seed=3, sigma_mode="fixed")
    models, _, _ = bs.train_group([a], "cpu", progress=False)
    other, _ = sweep.train_one(b, "cpu", progress=False)
    assert _gap(models[0], other, parameters_only=True) > 1e-3


def test_each_member_is_stored_under_its_own_key_with_run_ones_metrics(tmp_path, monkeypatch):
    """In float32, as the notebook runs. A stored member's metrics are `evaluate_one` of its stored
    model, and its test ELBO is its lone run's up to float32 rounding compounded over 100 steps (a
    4e-4 relative gap measured at σ² = 0.05), far from another member's (σ² = 1 vs 0.05 move it by
    > 10%). Its KL(q̂||p) is not compared: EM on a 2-component mixture of 320 codes turned float32
    rounding into a 6% gap here; the float64 test above is the exactness check.)"""
    monkeypatch.setattr(sweep, "images", lambda dataset, split: _fake_images(dataset, split).float())
    features = sweep.Features(lambda x: x.flatten(1)[:, ::98], "test features", "", None)
    monkeypatch.setattr(sweep, "feature_function", lambda config, cache, progress=False: features)
    configs = [_config(sigma_mode="fixed", sigma2=s, seed=seed) for seed in (0, 1) for s in (1.0, 0.05)]
    configs.append(_config(objective="wae", sigma_mode="fixed"))   # not batchable: left to run_one
    batched_cache, lone_cache = ResultCache(tmp_path / "batched"), ResultCache(tmp_path / "lone")
    runs = bs.train_batched(configs, "cpu", batched_cache, progress=False)
    assert set(runs) == set(configs[:4]) and not batched_cache.exists(configs[4])
    elbos = {}
    for c in configs[:4]:
        assert batched_cache.path(c).name == lone_cache.path(c).name     # the key run_one uses
        loaded = sweep.run_one(c, "cpu", batched_cache, progress=False)
        assert loaded.from_cache and _gap(loaded.model, runs[c].model) == 0.0
        recomputed, _ = sweep.evaluate_one(loaded.model, c, features.fn, features.label)
        assert {k: loaded.metrics[k] for k in recomputed} == recomputed
        lone = sweep.run_one(c, "cpu", lone_cache, progress=False)
        elbos[c] = lone.metrics["elbo"]
        assert loaded.metrics["sigma2"] == lone.metrics["sigma2"]
        assert loaded.metrics["elbo"] == pytest.approx(lone.metrics["elbo"], rel=1e-2)
    assert abs(elbos[configs[0]] / elbos[configs[1]] - 1) > 0.1   # a swapped member would fail above
    # a second call trains nothing: every member is found in the cache
    again = bs.train_batched(configs[:4], "cpu", batched_cache, progress=False)
    assert all(r.from_cache for r in again.values())


def test_groups_split_on_everything_but_seed_and_sigma2_and_refuse_bad_input():
    a = _config(sigma_mode="fixed", sigma2=0.5, seed=0)
    b = dataclasses.replace(a, sigma2=0.1, seed=2)
    c = dataclasses.replace(a, zdim=16)
    d = dataclasses.replace(a, sigma_mode="closed_form")
    stage2 = dataclasses.replace(d, stage2_epochs=2)
    dip = dataclasses.replace(a, objective="dip_vae")
    assert bs.groups([a, b, c, a, d, stage2, dip]) == [[a, b], [c], [d]]
    e = dataclasses.replace(a, seed=5)
    assert bs.groups([a, b, e], max_members=2) == [[a, b], [e]]
    with pytest.raises(ValueError, match="max_members"):
        bs.groups([a], max_members=0)
    with pytest.raises(ValueError, match="differ only in seed"):
        bs.train_group([a, c], "cpu", progress=False)
    with pytest.raises(ValueError, match="empty"):
        bs.train_group([], "cpu")


# ------------------------------------------------------------------------------ notebook 01's 2-D runs

def _toy(method, dataset, seed, **changes):
    base = toy2d.Config(hidden=64, n_iter=100, num_vae=30, milestones=(60, 80), batch_size=64, eval_samples=500,
                        gnelbo_grid=64, plot_grid=64, gnelbo_data=512, plot_samples=64)
    return toy2d.table5_config(dataset, method, base, seed=seed, **changes)


@pytest.fixture
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("method", ["vae", "introvae", "sintrovae"])
def test_a_batched_2d_member_is_its_lone_run_through_warm_up_and_milestones(float64_default, method):
    """Members on different densities (with their Table 5 betas and margins) and seeds; 100 steps, the
    VAE warm-up ending at 30 and the learning rate dropping at 60 and 80."""
    configs = [_toy(method, "8gaussians", 0), _toy(method, "rings", 1), _toy(method, "spiral", 2)]
    models, histories = bt.train_group(configs, "cpu", progress=False)
    for c, model, history in zip(configs, models, histories):
        alone, lone_history = toy2d.train_one(c, "cpu", progress=False)
        assert _gap(model, alone) < TOLERANCE
        assert list(history.columns) == list(lone_history.columns)
        # float32 logging as above; the warm-up's and the method's columns empty in the same rows
        close = (history - lone_history).abs() <= 1e-6 * lone_history.abs() + 1e-12
        assert history.isna().equals(lone_history.isna()) and (close | history.isna()).all().all()
        assert _gap(alone, toy2d.build_model(c), parameters_only=True) > 1e-3


def test_a_2d_member_checked_against_another_seeds_lone_run_is_caught(float64_default):
    (model,), _ = bt.train_group([_toy("sintrovae", "rings", 0)], "cpu", progress=False)
    other, _ = toy2d.train_one(_toy("sintrovae", "rings", 1), "cpu", progress=False)
    assert _gap(model, other, parameters_only=True) > 1e-3


def test_2d_groups_share_method_networks_and_schedule_and_members_are_stored_on_their_own(tmp_path):
    a, b = _toy("sintrovae", "rings", 0), _toy("sintrovae", "8gaussians", 1)
    c, d = _toy("introvae", "rings", 0), _toy("sintrovae", "rings", 0, n_iter=50)
    assert bt.groups([a, b, c, d, a]) == [[a, b], [c], [d]]
    small = [dataclasses.replace(x, n_iter=40, num_vae=10, milestones=(20, 30)) for x in (a, b)]
    cache = ResultCache(tmp_path)
    runs = batched_sweeps.train_batched(small, "cpu", cache, progress=False)
    assert set(runs) == set(small)
    for x in small:
        loaded = toy2d.run_one(x, "cpu", cache, progress=False)
        assert loaded.from_cache and _gap(loaded.model, runs[x].model) == 0.0
        assert {k: loaded.metrics[k] for k in ("kl", "jsd")} == {k: toy2d.evaluate_one(loaded.model, x)[0][k]
                                                              for k in ("kl", "jsd")}


# ------------------------------------------------------------------------------- notebook 03's models

def _dp(regularizer, decoupled, seed, **changes):
    from companion.papers.dpvae import pockets_leaks as pl

    return dataclasses.replace(pl.Config(regularizer=regularizer, decoupled=decoupled, seed=seed, n_train=500,
                                         iterations=100, flow_blocks=2, flow_hidden=16), **changes).validate()


@pytest.mark.parametrize("regularizer, decoupled", [("vae", False), ("vae", True), ("beta_b", True),
                                                    ("beta_tc", True)])
def test_a_batched_dpvae_member_is_its_lone_run(float64_default, monkeypatch, regularizer, decoupled):
    """Two moons, 100 steps, with and without the decoupled prior (β-VAE-B's capacity grows with the
    step; β-TCVAE's estimator reads the dataset size)."""
    from companion.batched_sweeps import dpvae as bd
    from companion.papers.dpvae import pockets_leaks as pl

    data = pl.data
    monkeypatch.setattr(pl, "data", lambda config, split: data(config, split).double())
    configs = [_dp(regularizer, decoupled, s) for s in (0, 2)]
    models, histories = bd.train_group(configs, "cpu", progress=False)
    for c, model, history in zip(configs, models, histories):
        alone, lone_history = pl.train_one(c, "cpu", progress=False)
        assert _gap(model, alone) < TOLERANCE
        assert list(history.columns) == list(lone_history.columns)
        close = (history - lone_history).abs() <= 1e-6 * lone_history.abs() + 1e-12
        assert close.all().all()
        assert _gap(alone, pl.build_model(c), parameters_only=True) > 1e-3
    other, _ = pl.train_one(configs[1], "cpu", progress=False)
    assert _gap(models[0], other, parameters_only=True) > 1e-3   # the control: another seed's run differs


def test_dpvae_groups_are_seeds_of_one_batchable_model():
    from companion.batched_sweeps import dpvae as bd

    a, b = _dp("vae", False, 0), _dp("vae", False, 1)
    dp, factor, info = _dp("vae", True, 0), _dp("factor", False, 0), _dp("info", False, 0)
    celeba = _dp("vae", False, 0, dataset="celeba", zdim=32)
    state = torch.get_rng_state()
    assert bd.groups([a, b, dp, factor, info, celeba]) == [[a, b], [dp]]
    assert torch.equal(torch.get_rng_state(), state)   # deciding built models without drawing from torch
