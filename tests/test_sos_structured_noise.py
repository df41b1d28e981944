"""SOS-VAE training: configs validate, the profiles' plans, a tiny run of both observation models on
generated images trains with the multipliers and reports every metric, and the full profile's CelebA
route (the ResNet on 64 x 64 RGB, no Fréchet distance without Inception) runs end to end on a
generated CelebA folder, through the report's figures, evidence, claims and diagnostics."""

import math

import pytest
import torch

from companion.cache import ResultCache
from companion.claims import NOT_TESTED
from companion.papers.sos_vae import structured_noise as ex
from companion.papers.sos_vae import structured_noise_claims as sc
from companion.papers.sos_vae import structured_noise_report as report


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
    assert all(c.epochs == 2 and c.seed == 3 and c.rank == 5 for c in smoke.all_runs)
    assert smoke.config("celeba").arch == "resnet" and smoke.config("celeba").width == 8
    with pytest.raises(ValueError, match="unknown override"):
        ex.make_plan("quick", overrides={"beta": 2})


def test_the_full_profile_is_the_papers_setting_on_celeba():
    plan = ex.make_plan("full")
    assert plan.datasets() == ("celeba", "fashion-mnist", "mnist")
    c = plan.config("celeba")
    assert (c.arch, c.image_shape, c.zdim, c.rank, c.kl_target, c.lr, c.fd_features) == (
        "resnet", (3, 64, 64), 128, 25, 45.0, 1e-4, "inception")
    assert plan.config("mnist").arch == "mlp" and plan.config("mnist").n_train == 60_000
    assert set(plan.entropy_runs) == {("fashion-mnist", 50.0)}
    assert ex.make_plan("full", overrides={"lr": 3e-4}).config("celeba").lr == 3e-4      # overrides win
    trimmed = ex.without(plan, ["celeba"])
    assert trimmed.datasets() == ("fashion-mnist", "mnist") and len(trimmed.all_runs) == len(plan.all_runs) - 6


def test_a_missing_celeba_is_reported_with_where_its_files_go(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    missing = ex.missing_datasets(ex.make_plan("full", datasets=["celeba"]))
    assert set(missing) == {"celeba"} and "img_align_celeba" in missing["celeba"]


def _face(i: int):
    """A smooth made-up face crop: a colour gradient and a bright blob that moves with i."""
    import numpy as np

    yy, xx = np.mgrid[0:148, 0:148] / 148.0
    rng = np.random.default_rng(i)
    cy, cx = rng.uniform(0.3, 0.7, 2)
    blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 0.02)
    colour = rng.uniform(0.2, 0.8, 3)
    img = 0.5 * colour * (0.5 + yy[..., None]) + 0.5 * blob[..., None]
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def test_the_celeba_route_runs_end_to_end_on_generated_faces(tmp_path, monkeypatch):
    import matplotlib
    import matplotlib.pyplot as plt
    from conftest import write_fake_celeba

    matplotlib.use("Agg")
    root = write_fake_celeba(tmp_path / "data", n=48, test_from=32, pattern=_face)
    monkeypatch.setenv("COMPANION_DATA", str(root))
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    ex._celeba.cache_clear()
    plan = ex.make_plan("full", datasets=["celeba"], seeds=[0], smoke=True,
                        overrides={"n_train": 32, "n_test": 16, "n_generated": 8, "batch_size": 16})
    assert ex.missing_datasets(plan) == {}
    runs = ex.run_plan(plan, device="cpu", jobs=1, cache=ResultCache(tmp_path / "cache"), progress=False)
    assert len(runs) == 3 and all(r.model.arch == "resnet" for r in runs.values())
    metrics = next(iter(runs.values())).metrics
    assert metrics["fd_features"] == "none" and "no class labels" in metrics["fd_note"]   # no Inception offline
    assert all(math.isfinite(metrics[k]) for k in ("rec", "kl", "mse", "autocorr_sample", "autocorr_real"))

    x = ex.images(plan.config("celeba"), "test")
    assert x.shape == (16, 3, 64, 64)
    edits = report.edits_over_seeds(runs, "celeba", x[:4])
    assert all(e["after"].shape == (4,) and torch.isfinite(e["after"]).all() for e in edits)
    for fig in (report.figure2(runs, "celeba", n=2), report.slerp_figure(runs, "celeba", size=2),
                report.pc_scaling_figure(runs, "celeba", k=2), report.editing_figure(runs, "celeba", x, n=2),
                report.entropy_figure(runs, "celeba", [50.0], n=2)):
        plt.close(fig)
    evidence = report.evidence(plan, runs, {"celeba": x}, ResultCache(tmp_path / "cache"), edit_images=4)
    ev = evidence["celeba"]
    assert ev.fd is None and "no class labels" in ev.fd_note and ev.draws_match
    assert len(ev.edits) == len(ev.edits_random) == len(ev.edits_pca) == 1
    assert set(ev.edit_diagonals) == {"μ", 1e-5, *report.EDIT_DIAGONALS} and len(ev.edit_by_d) == 4
    assert len(ev.span) == len(ev.variation) == 1 and ev.pca_nll == ev.pca_nll
    claims = sc.claims(plan, runs, evidence)
    assert len(claims) == 7 and all(c.verdict == NOT_TESTED for c in claims)       # a smoke run decides nothing
    fd = [c for c in claims if "score" in c.claim]
    assert len(fd) == 3 and all("no class labels" in c.run for c in fd)
    assert "not computed" in report.table1(report.metrics_frame(runs), "celeba", ev).iloc[0].to_string()
    names = {d.check for d in sc.diagnostics(plan, runs, evidence)}
    assert not any("classifier" in n for n in names)                  # no classifier was trained
    assert next(c for c in sc.coverage(plan, runs) if c.item == "CelebA").status == "implemented, not run"  # smoke
