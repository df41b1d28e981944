"""The sketch selfVAE experiment (work in progress): configs validate, the edge-overlap score on
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
                       batch_size=20, iw_samples=3, n_test=10)
    out = se.run_one(config, x, x[:10], device="cpu", progress=False)
    m = out["metrics"]
    assert all(math.isfinite(v) for v in m.values())
    assert m["bpd"] == pytest.approx((m["re"] + m["kl"]) / (3072 * math.log(2)), rel=1e-6)
    keys = {"edge_overlap", "edge_overlap_shuffled", "mse_rs1", "mse_rs2"} if model == "selfvae" else {"rec_mse"}
    assert keys <= set(m) and len(out["history"]) >= 1
