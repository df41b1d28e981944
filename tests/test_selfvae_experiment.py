"""The sketch selfVAE experiment: configs validate, the profiles' plans, the edge-overlap score on
known cases, and a tiny end-to-end run of both models on generated images."""

import math

import pytest
import torch

from companion.papers.selfvae import sketch_experiment as se


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="unknown model"):
        se.Config(model="gan").validate()
    with pytest.raises(ValueError, match="sketch mode"):
        se.Config(sketch_mode="canny").validate()
    with pytest.raises(ValueError, match="iterations must be positive"):
        se.Config(iterations=0).validate()


def test_edge_overlap_is_one_for_the_same_edges_and_zero_for_disjoint_ones():
    a = torch.ones(2, 1, 8, 8)
    a[:, :, 2] = 0.0                       # a dark row: edges
    b = torch.ones(2, 1, 8, 8)
    b[:, :, 5] = 0.0
    assert torch.equal(se.edge_overlap(a, a), torch.ones(2))
    assert torch.equal(se.edge_overlap(a, b), torch.zeros(2))
    half = a.clone()
    half[:, :, 2, :4] = 1.0
    torch.testing.assert_close(se.edge_overlap(half, a), torch.full((2,), 0.5))


@pytest.mark.parametrize("model", se.MODELS)
def test_a_tiny_run_trains_and_reports_every_metric(model):
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (40, 3, 32, 32), generator=g).float() / 255
    config = se.Config(model=model, latent_channels=2, mixtures=2, width=8, couplings=2, iterations=6,
                       batch_size=20, iw_samples=3, n_test=10, iw_images=6)
    trained, history = se.train_one(config, x, device="cpu", progress=False)
    m, arrays = se.evaluate_one(trained, config, x[:10])
    assert all(math.isfinite(v) for v in m.values())
    assert m["bpd"] == pytest.approx((m["re"] + m["kl"]) / (3072 * math.log(2)), rel=1e-6)
    assert arrays["bpd"].shape == (10,) and arrays["iw_bpd"].shape == (6,)
    # RE and KL split by variable add up to the columns (the same draws)
    assert m["re_x"] + m.get("re_y", 0.0) == pytest.approx(m["re"], rel=1e-5)
    assert m["kl_z"] + m.get("kl_u", 0.0) == pytest.approx(m["kl"], rel=1e-4, abs=1e-3)
    if model == "selfvae":
        assert {"edge_overlap", "edge_overlap_shuffled", "mse_rs1", "mse_rs2"} <= set(m)
        assert arrays["rs1"].shape == (8, 3, 32, 32) and arrays["interpolation"].shape == (2, 8, 3, 32, 32)
        assert arrays["samples"].shape == (16, 3, 32, 32) and arrays["sample_sketches"].shape == (16, 1, 32, 32)
    else:
        assert "mse_vae_reconstruction" in m and arrays["vae_reconstruction"].shape == (8, 3, 32, 32)
    assert len(history) >= 1


def test_plans_pair_both_models_on_every_seed_and_reject_bad_parameters():
    plan = se.make_plan("quick")
    assert plan.datasets() == ("cifar10",)
    assert [c.seed for c in plan.runs[("cifar10", "vae")]] == [0, 1, 2]
    for (ds, model), configs in plan.runs.items():
        assert all(c.model == model and c.dataset == ds for c in configs)
    full = se.make_plan("full", seeds=[4])
    assert full.datasets() == ("celeba", "cifar10")
    celeba = full.runs[("celeba", "selfvae")][0]
    assert (celeba.latent_channels, celeba.mixtures, celeba.seed, celeba.iw_samples) == (16, 10, 4, 512)
    assert se.without(full, ["celeba"]).datasets() == ("cifar10",)
    smoke = se.make_plan("full", smoke=True, overrides={"iterations": 2})
    assert all(c.iterations == 2 and c.n_train == 128 for c in smoke.all_runs)
    assert se.make_plan("quick", overrides={"lr": 1e-3}).base.lr == 1e-3
    with pytest.raises(ValueError, match="unknown override"):
        se.make_plan("quick", overrides={"epochs": 3})
    with pytest.raises(ValueError, match="unknown profile"):
        se.make_plan("medium")
    with pytest.raises(ValueError, match="unknown dataset"):
        se.make_plan("quick", datasets=["mnist"])


def test_the_extended_plan_adds_a_vae_with_as_many_values_as_u_and_z():
    quick, extended = se.make_plan("quick"), se.make_plan("extended")
    assert se.EQUAL_VALUES not in {m for _, m in quick.runs}
    assert {c.iterations for c in extended.all_runs} == {1600}
    equal = extended.runs[("cifar10", se.EQUAL_VALUES)]
    beside = extended.runs[("cifar10", "selfvae")]
    assert [c.seed for c in equal] == [c.seed for c in beside] == [0, 1, 2]
    assert all(c.model == "vae" and c.latent_channels == 2 * s.latent_channels for c, s in zip(equal, beside))
    # an override of the selfVAE's channels moves the equal-values VAE with it
    wide = se.make_plan("extended", overrides={"latent_channels": 6}, smoke=True)
    assert {c.latent_channels for c in wide.runs[("cifar10", se.EQUAL_VALUES)]} == {12}
