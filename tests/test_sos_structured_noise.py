"""SOS-VAE training: configs validate, the profiles' plans, and a tiny run of both observation models
on generated images trains with the multipliers and reports every metric."""

import math

import pytest
import torch

from companion.papers.sos_vae import structured_noise as ex


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="unknown observation"):
        ex.Config(observation="full").validate()
    with pytest.raises(ValueError, match="pretrain_epochs"):
        ex.Config(epochs=3, pretrain_epochs=3).validate()
    with pytest.raises(ValueError, match="no entropy constraint"):
        ex.Config(observation="diagonal", entropy_target=10.0).validate()


@pytest.mark.parametrize("observation", ["low_rank", "diagonal"])
def test_a_tiny_run_trains_and_reports_every_metric(observation):
    x = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    entropy = 30.0 if observation == "low_rank" else None
    config = ex.Config(observation=observation, epochs=2, pretrain_epochs=1, batch_size=32, n_test=16,
                       entropy_target=entropy, constraint_reduction="mean", n_generated=20)
    model, constraints, history = ex.train_one(config, x, device="cpu", progress=False)
    features = lambda imgs: imgs.flatten(1)[:, :8].double().numpy()           # any features: the FDs run
    metrics, arrays = ex.evaluate_one(model, config, x[:16], features)
    assert all(math.isfinite(v) for v in metrics.values())
    assert set(constraints.values()) == ({"kl", "entropy"} if observation == "low_rank" else {"kl"})
    assert len(history) == 2 and arrays["sample"].shape == (16, 784) and {"fd_mean", "fd_sample"} <= set(metrics)
    assert model.noise_head.weight.requires_grad                               # unfrozen after training


def test_plans_pair_both_models_on_every_seed():
    plan = ex.make_plan("quick")
    assert plan.datasets() == ("fashion-mnist", "mnist")
    assert [c.seed for c in plan.runs[("mnist", "diagonal")]] == [0, 1, 2]
    assert all(c.entropy_target is None for c in plan.runs[("mnist", "low_rank")])
    (ds, h), entropy = next(iter(plan.entropy_runs.items()))
    assert ds == "fashion-mnist" and entropy.entropy_target == h == 50.0
    smoke = ex.make_plan("full", smoke=True, seeds=[3])
    assert all(c.epochs == 2 and c.seed == 3 and c.rank == 25 for c in smoke.all_runs)
    with pytest.raises(ValueError, match="unknown override"):
        ex.make_plan("quick", overrides={"beta": 2})
