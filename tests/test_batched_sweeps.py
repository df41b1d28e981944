"""Sweeps trained as batched ensembles (companion.batched_sweeps) are the sweeps trained run by run:
every member of notebook 01's 2-D runs, 02's σ² sweep, 03's regularised VAEs and 05's OOD models
follows the paper module's `train_one` of its own config, and is stored under the key `run_one` reads, with the metrics
`run_one` would have stored.

Exactness is checked in float64 (the default dtype switched for the test, data served in float64),
where a batched and a lone matrix product agree to rounding; on the CPU always, on CUDA where one is
present (`make gpu` runs these first on a lent GPU). Each exactness check has a negative control that
makes the mistake a port is likely to make — the member's noise drawn from a generator seeded afresh
instead of from the lone run's generator state — and must then fail."""

import dataclasses

import pytest
import torch

from companion import batched_sweeps
from companion.batched_sweeps import dpvae as bd
from companion.batched_sweeps import ood as bo
from companion.batched_sweeps import sigma_vae as bs
from companion.batched_sweeps import toy2d as bt
from companion.cache import ResultCache
from companion.papers.dpvae import pockets_leaks as pl
from companion.papers.sigma_vae import mnist_sweep as sweep
from companion.papers.soft_introvae import ood, toy2d

#: [A] float64 agreement after 100 Adam steps: compounded rounding (measured ~3e-16); a wrong
#: gradient, a shared optimizer state, a swapped batch, a wrong β or the wrong noise moves weights by
#: 1e-3 or more (the controls below, and mutations tried by a reviewer: 4e-3 to 0.8)
TOLERANCE = 1e-10
CONTROL_GAP = 1e-3
N, BATCH, EPOCHS = 320, 64, 20   # 5 steps per epoch, 100 steps
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


def _fake_images(dataset, split):
    g = torch.Generator().manual_seed(0 if split == "train" else 1)
    return torch.rand(N if split == "train" else 200, 1, 28, 28, generator=g, dtype=torch.float64)


@pytest.fixture
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.fixture
def float64(monkeypatch, float64_default):
    monkeypatch.setattr(sweep, "images", _fake_images)


def _gap(a: torch.nn.Module, b: torch.nn.Module, parameters_only: bool = False) -> float:
    """The largest absolute difference of their weights (and buffers, σ²_dataset among them)."""
    sa, sb = (dict(m.named_parameters()) if parameters_only else m.state_dict() for m in (a, b))
    assert sa.keys() == sb.keys()
    return max(float((sa[k].detach().cpu().double() - sb[k].detach().cpu().double()).abs().max()) for k in sa)


@torch.no_grad()
def _relative_gap(a: torch.nn.Module, b: torch.nn.Module) -> float:
    va, vb = (torch.cat([p.detach().cpu().double().flatten() for p in m.parameters()]) for m in (a, b))
    return float((va - vb).norm() / vb.norm())


def _same_history(history, lone_history) -> bool:
    """`train.fit` logs in float32: the window means agree to a few float32 roundings (2^-23 each);
    columns a phase does not log (the warm-up's, the method's) are empty in the same rows."""
    close = (history - lone_history).abs() <= 1e-6 * lone_history.abs() + 1e-12
    return (list(history.columns) == list(lone_history.columns) and history.isna().equals(lone_history.isna())
            and bool((close | history.isna()).all().all()))


def _fresh_noise(seed, device):
    """The control's mistake: a member's noise from a generator seeded afresh."""
    return torch.Generator(device=device).manual_seed(seed)


def _check_members(module, configs, train_one, device, monkeypatch, also=None):
    """Each member of `module.train_group(configs)` is its lone run (and `also(member, lone run)`
    holds); with fresh noise it is not."""
    out = module.train_group(configs, device, progress=False)
    models, histories = out[0], out[1]
    for c, model, history in zip(configs, models, histories):
        alone, lone_history = train_one(c, device, progress=False)
        assert _gap(model, alone) < TOLERANCE
        assert _same_history(history, lone_history)
        if also:
            also(model, alone)
        assert _gap(alone, module_build(module)(c), parameters_only=True) > CONTROL_GAP  # it trained
    monkeypatch.setattr(module, "member_noise", _fresh_noise)
    wrong = module.train_group(configs[:1], device, progress=False)[0][0]
    assert _gap(wrong, models[0], parameters_only=True) > CONTROL_GAP


def module_build(module):
    return {bs: sweep.build_model, bt: toy2d.build_model, bd: pl.build_model, bo: ood.build_model}[module]


# ----------------------------------------------------------------------------- notebook 02's σ² sweep

def _config(**changes):
    base = sweep.Config(n_train=N, batch_size=BATCH, epochs=EPOCHS, zdim=2, arch="mlp", gmm_components=2,
                        kl_samples=200, kl_repeats=2, iwae_k=2, iwae_images=16, eval_images=64, fd_samples=64,
                        density_grid=8)
    return dataclasses.replace(base, **changes).validate()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("mode, arch", [("fixed", "mlp"), ("closed_form", "mlp"), ("adam", "mlp"), ("fixed", "conv"),
                                        ("closed_form", "conv")])
def test_a_batched_sigma_vae_is_its_lone_run_weights_sigma2_and_history(float64, monkeypatch, mode, arch, device):
    """The quick profile's MLP in each σ² mode over 100 steps (two σ² and two seeds where σ² is fixed:
    each member's own σ² reaches its loss), and the full profile's conv nets over 20 (float64
    convolutions are slow on the CPU)."""
    sigmas = (0.5, 0.01) if mode == "fixed" and arch == "mlp" else (0.5,)
    epochs = EPOCHS if arch == "mlp" else 4
    configs = [_config(sigma_mode=mode, sigma2=s, seed=seed, arch=arch, epochs=epochs)
               for seed in (0, 3) for s in sigmas]

    def same_sigma2(model, alone):
        assert float(model.sigma2_dataset) == pytest.approx(float(alone.sigma2_dataset), rel=1e-10)

    _check_members(bs, configs, sweep.train_one, device, monkeypatch, same_sigma2)


def test_each_sigma_vae_member_is_stored_under_its_own_key_with_run_ones_metrics(tmp_path, monkeypatch):
    """In float32, as the notebook runs. A stored member is `evaluate_one` of its stored model and its
    weights are its own lone run's up to float32 rounding compounded over 100 steps (relative gap
    < 0.1; two seeds' runs differ by more than 0.5), so no member is stored under another's key. Its
    KL(q̂||p) is not compared with the lone run's: EM on a 2-component mixture of 320 codes turned
    float32 rounding into a 6% gap here; the float64 tests are the exactness check."""
    monkeypatch.setattr(sweep, "images", lambda dataset, split: _fake_images(dataset, split).float())
    features = sweep.Features(lambda x: x.flatten(1)[:, ::98], "test features", "", None)
    monkeypatch.setattr(sweep, "feature_function", lambda config, cache, progress=False: features)
    configs = [_config(sigma_mode="fixed", sigma2=s, seed=seed) for seed in (0, 1) for s in (1.0, 0.05)]
    configs.append(_config(objective="wae", sigma_mode="fixed"))   # not batchable: left to run_one
    cache = ResultCache(tmp_path / "batched")
    runs = batched_sweeps.train_batched(configs, "cpu", cache, progress=False)
    assert set(runs) == set(configs[:4]) and not cache.exists(configs[4])
    lone = {c: sweep.train_one(c, "cpu", progress=False)[0] for c in configs[:4]}
    for c in configs[:4]:
        loaded = sweep.run_one(c, "cpu", cache, progress=False)
        assert loaded.from_cache and _gap(loaded.model, runs[c].model) == 0.0
        recomputed, _ = sweep.evaluate_one(loaded.model, c, features.fn, features.label)
        assert {k: loaded.metrics[k] for k in recomputed} == recomputed
        assert _relative_gap(loaded.model, lone[c]) < 0.1
        assert all(_relative_gap(loaded.model, lone[o]) > 0.5 for o in configs[:4] if o.seed != c.seed)
    again = batched_sweeps.train_batched(configs[:4], "cpu", cache, progress=False)
    assert all(r.from_cache for r in again.values())   # a second call trains nothing


def test_sigma_vae_groups_split_on_everything_but_seed_and_sigma2_and_refuse_bad_input():
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


def test_a_group_whose_dataset_is_missing_is_skipped_and_left_to_the_notebook(tmp_path, monkeypatch):
    from companion.core.data import DatasetMissing

    def missing(dataset, split):
        raise DatasetMissing(f"{dataset} is not under the data root")

    monkeypatch.setattr(sweep, "images", missing)
    lines = []
    monkeypatch.setattr(batched_sweeps, "print", lines.append, raising=False)
    runs = batched_sweeps.train_batched([_config(sigma_mode="fixed", seed=0)], "cpu", ResultCache(tmp_path), False)
    assert runs == {} and lines and "skipped" in lines[0] and "mnist is not under the data root" in lines[0]


# ------------------------------------------------------------------------------ notebook 01's 2-D runs

def _toy(method, dataset, seed, **changes):
    base = toy2d.Config(hidden=64, n_iter=100, num_vae=30, milestones=(60, 80), batch_size=64, eval_samples=500,
                        gnelbo_grid=64, plot_grid=64, gnelbo_data=512, plot_samples=64)
    return toy2d.table5_config(dataset, method, base, seed=seed, **changes)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("method, flags", [
    ("vae", {}), ("introvae", {}), ("sintrovae", {}),
    ("introvae", {"hinge_on_batch_mean": False}),
    ("sintrovae", {"paper_style_sg": True, "detach_rec_target_in_E": True})])
def test_a_batched_2d_member_is_its_lone_run_through_warm_up_and_milestones(float64_default, monkeypatch, method,
                                                                             flags, device):
    """Members on different densities (with their Table 5 betas and margins) and seeds; 100 steps, the
    VAE warm-up ending at 30 and the learning rate dropping at 60 and 80; the default flags and the
    others the config offers."""
    configs = [_toy(method, "8gaussians", 0, **flags), _toy(method, "rings", 1, **flags),
               _toy(method, "spiral", 2, **flags)]
    _check_members(bt, configs, toy2d.train_one, device, monkeypatch)


def test_2d_groups_share_method_networks_and_schedule_and_members_are_stored_on_their_own(tmp_path):
    a, b = _toy("sintrovae", "rings", 0), _toy("sintrovae", "8gaussians", 1)
    c, d = _toy("introvae", "rings", 0), _toy("sintrovae", "rings", 0, n_iter=50)
    assert bt.groups([a, b, c, d, a]) == [[a, b], [c], [d]]
    small = [dataclasses.replace(x, n_iter=40, num_vae=10, milestones=(20, 30)) for x in (a, b)]
    cache = ResultCache(tmp_path)
    runs = batched_sweeps.train_batched(small, "cpu", cache, progress=False)
    assert set(runs) == set(small)
    lone = {x: toy2d.train_one(x, "cpu", progress=False)[0] for x in small}
    for x, other in zip(small, reversed(small)):
        loaded = toy2d.run_one(x, "cpu", cache, progress=False)
        assert loaded.from_cache and _gap(loaded.model, runs[x].model) == 0.0
        assert loaded.metrics == pytest.approx(toy2d.evaluate_one(loaded.model, x)[0])
        assert _relative_gap(loaded.model, lone[x]) < 0.1 < 0.5 < _relative_gap(loaded.model, lone[other])


# ------------------------------------------------------------------------------- notebook 03's models

def _dp(regularizer, decoupled, seed, **changes):
    base = pl.Config(regularizer=regularizer, decoupled=decoupled, seed=seed, n_train=500, iterations=100,
                     flow_blocks=2, flow_hidden=16, bank=200, lp_draws=50, lp_keep=10, hp_draws=200, hp_keep=20,
                     skl_samples=200, leak_samples=100, nll_k=10, nll_points=50, plot_samples=50)
    return dataclasses.replace(base, **changes).validate()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("regularizer, decoupled, dataset", [
    ("vae", False, "moons"), ("vae", True, "moons"), ("beta_h", True, "moons"), ("beta_b", True, "moons"),
    ("beta_tc", True, "moons"), ("vae", True, "mnist")])
def test_a_batched_dpvae_member_is_its_lone_run(float64_default, monkeypatch, regularizer, decoupled, dataset, device):
    """Two moons over 100 steps with and without the decoupled prior (β-VAE-B's capacity grows with the
    step; β-TCVAE's estimator reads the dataset size), and MNIST's conv nets with the Bernoulli likelihood
    over 20."""
    data = pl.data
    monkeypatch.setattr(pl, "data", lambda config, split: data(config, split).double())
    changes = {} if dataset == "moons" else dict(dataset="mnist", likelihood="bernoulli", n_train=200, iterations=20)
    configs = [_dp(regularizer, decoupled, s, **changes) for s in (0, 2)]
    _check_members(bd, configs, pl.train_one, device, monkeypatch)


def test_dpvae_groups_are_seeds_of_one_batchable_model_and_members_are_stored_on_their_own(tmp_path):
    a, b = _dp("vae", True, 0, iterations=40), _dp("vae", True, 1, iterations=40)
    plain, factor, info = _dp("vae", False, 0), _dp("factor", False, 0), _dp("info", False, 0)
    celeba = _dp("vae", False, 0, dataset="celeba", zdim=32)
    state = torch.get_rng_state()
    assert bd.groups([a, b, plain, factor, info, celeba]) == [[a, b], [plain]]   # not CelebA's batch-normed nets
    assert torch.equal(torch.get_rng_state(), state)   # deciding built models without drawing from torch
    cache = ResultCache(tmp_path)
    runs = batched_sweeps.train_batched([a, b, factor], "cpu", cache, progress=False)
    assert set(runs) == {a, b} and not cache.exists(factor)
    lone = {x: pl.train_one(x, "cpu", progress=False)[0] for x in (a, b)}
    for x, other in ((a, b), (b, a)):
        loaded = pl.run_one(x, "cpu", cache, progress=False)
        assert loaded.from_cache and _gap(loaded.model, runs[x].model) == 0.0
        assert _relative_gap(loaded.model, lone[x]) < 0.1 < 0.5 < _relative_gap(loaded.model, lone[other])
        assert {"train_seconds", "eval_seconds"} <= set(loaded.metrics)


# ------------------------------------------------------------------------------ notebook 05's models

def _ood(method, arch, seed, **changes):
    channels = dict(channels=(4, 8))  # two stages: 28 px divides by 4 (checked even for the MLP)
    return dataclasses.replace(ood.Config(dataset="mnist", method=method, arch=arch, zdim=4, batch_size=32, epochs=2,
                                          n_train=160, eval_images=64, train_eval_images=64, m_samples=2,
                                          beta_neg=16.0, **channels), seed=seed, **changes).validate()


def _fake_mnist(name, split, limit=None):
    g = torch.Generator().manual_seed({"train": 0, "test": 1}[split] + (2 if name != "mnist" else 0))
    n = limit or 200
    return torch.rand(n, 1, 28, 28, generator=g, dtype=torch.get_default_dtype()), torch.zeros(n, dtype=torch.long)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("method, arch", [("vae", "mlp"), ("sintrovae", "mlp"), ("sintrovae", "residual")])
def test_a_batched_ood_member_is_its_lone_run_batch_norm_included(float64_default, monkeypatch, method, arch, device):
    """Five steps an epoch, two epochs; the residual nets' batch normalisation (running statistics are
    buffers the state comparison includes)."""
    monkeypatch.setattr(ood, "load_dataset", _fake_mnist)
    configs = [_ood(method, arch, s) for s in (0, 2)]
    _check_members(bo, configs, ood.train_one, device, monkeypatch)


def test_ood_members_are_stored_on_their_own_and_groups_are_seeds(tmp_path, monkeypatch):
    monkeypatch.setattr(ood, "load_dataset", _fake_mnist)
    a, b = _ood("sintrovae", "mlp", 0), _ood("sintrovae", "mlp", 1)
    assert bo.groups([a, b, _ood("vae", "mlp", 0)]) == [[a, b], [_ood("vae", "mlp", 0)]]
    cache = ResultCache(tmp_path)
    runs = batched_sweeps.train_batched([a, b], "cpu", cache, progress=False)
    lone = {x: ood.train_one(x, "cpu", progress=False)[0] for x in (a, b)}
    for x, other in ((a, b), (b, a)):
        loaded = ood.run_one(x, "cpu", cache, progress=False)
        assert loaded.from_cache and _gap(loaded.model, runs[x].model) == 0.0
        metrics, _ = ood.evaluate_one(loaded.model, x)
        assert {k: loaded.metrics[k] for k in metrics} == pytest.approx(metrics)
        assert _relative_gap(loaded.model, lone[x]) < 0.1 < 0.5 < _relative_gap(loaded.model, lone[other])
