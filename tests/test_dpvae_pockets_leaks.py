"""Notebook 03's experiment module end to end on two moons at tiny sizes: training, evaluation,
the cache, and a dpVAE that starts exactly as its VAE."""

import dataclasses
import math

import numpy as np
import torch

from companion.cache import ResultCache
from companion.papers.dpvae import pockets_leaks as pl
from companion.train import seed_everything

TINY = dict(iterations=60, n_train=400, bank=200, lp_draws=100, lp_keep=20, hp_draws=200, hp_keep=20,
            skl_samples=200, leak_samples=150, nll_k=8, nll_points=50, plot_samples=100, disc_hidden=16)


def tiny(**kw) -> pl.Config:
    return dataclasses.replace(pl.QUICK.blocks["moons"].base, **TINY, **kw)


def test_a_dpvae_starts_as_its_vae():
    seed_everything(0)
    vae = pl.build_model(tiny())
    seed_everything(0)
    dp = pl.build_model(tiny(decoupled=True))
    for (name, a), (_, b) in zip(vae.encoder.state_dict().items(), dp.encoder.state_dict().items()):
        assert torch.equal(a, b), name
    z = torch.randn(10, 2)
    z0, logdet = dp.flow(z)
    assert torch.equal(z0, z) and torch.equal(logdet, torch.zeros(10))


def test_run_one_trains_evaluates_and_caches(tmp_path):
    cache = ResultCache(tmp_path)
    for reg in ("beta_tc", "factor"):
        config = tiny(regularizer=reg, decoupled=True)
        run = pl.run_one(config, "cpu", cache, progress=False)
        m = run.metrics
        for key in ("skl", "skl_z", "nll", "lp_distance", "random_distance", "hp_distance", "q_distance"):
            assert math.isfinite(m[key]), key
        a = run.arrays
        assert a["z_lp"].shape == (20, 2) and a["x_lp"].shape == (20, 2) and a["z0_q"].shape == (100, 2)
        assert a["leak_lp"].shape == a["leak_log_q"].shape == a["leak_logdet"].shape == (150,)
        assert np.abs(a["leak_logdet"]).max() > 0  # the flow trained away from the identity
        again = pl.run_one(config, "cpu", cache, progress=False)
        assert again.from_cache and again.metrics == m
    assert "disc_loss" in run.history  # FactorVAE logs its discriminator


def test_lp_samples_sit_where_the_aggregate_posterior_is_thin(tmp_path):
    run = pl.run_one(tiny(), "cpu", ResultCache(tmp_path), progress=False)
    from companion.core.aggregate_posterior import exact_aggregate_log_density

    mu, logvar = pl.encode_all(run.model, pl.data(run.config, "train")[:200])
    log_q_lp = exact_aggregate_log_density(torch.as_tensor(run.arrays["z_lp"]), mu, logvar)
    log_q_rand = exact_aggregate_log_density(torch.as_tensor(run.arrays["z_rand"]), mu, logvar)
    assert float(log_q_lp.max()) <= float(torch.quantile(log_q_rand, 0.5))
