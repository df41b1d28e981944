"""Notebook 03's plan, claims, controls, diagnostics and coverage on fake runs: every claim can
PASS, FAIL, and be NOT TESTED with its measured reason (a control that passes, models that have
not learned, a straddling interval, fewer than three seeds)."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from companion.claims import COVERAGE_STATUSES
from companion.papers.dpvae import pockets_leaks as pl
from companion.papers.dpvae import pockets_leaks_claims as pc
from companion.papers.dpvae import pockets_leaks_report as report

MOONS = dict(skl=0.30, lp_distance=0.060, random_distance=0.030, hp_distance=0.015, q_distance=0.015, nll=0.8,
             kl_mean=3.0)
MNIST = dict(fd=40.0, fd_lp=60.0, skl=1.0, nll=100.0, kl_mean=3.0)
#: the fake evaluation noise of a fresh draw, per seed: signs differ, so a paired interval straddles 0
FRESH_NOISE = {0: 0.010, 1: -0.012, 2: 0.003}


def _leak_arrays(offset):
    lp = -np.linspace(1.9, 12.0, 3000)
    return {"leak_lp": lp, "leak_log_q": lp + offset, "leak_logdet": np.full_like(lp, 0.2)}


def fake_runs(plan, dp_factor=0.5, jitter=0.02, q_distance=0.015, leak_gap=1.0, mnist_jitter=0.02, nll=None):
    """Runs whose dpVAE metrics are the VAE's times `dp_factor`; both priors' seed effects differ
    (`jitter`), so paired differences vary over seeds."""
    runs = {}
    for c in plan.all_runs:
        base = MOONS if c.dataset == "moons" else MNIST
        sign = -1 if c.decoupled else 1
        j = 1 + sign * (jitter if c.dataset == "moons" else mnist_jitter) * (c.seed - 1)
        m = {k: v * j * (dp_factor if c.decoupled else 1.0) for k, v in base.items()}
        m["kl_mean"] = 3.0
        if c.dataset == "moons":
            m["q_distance"] = q_distance
        elif nll is not None:
            m["nll"] = nll
        m["skl_z"] = m["skl"]
        arrays = _leak_arrays((3.0 - (leak_gap if c.decoupled else 0.0)) * j)
        arrays["z_q"] = np.random.default_rng(c.seed).normal(size=(200, 2)) * (0.9 if c.decoupled else 1.0)
        history = pd.DataFrame({"disc_loss": [0.5] * 5})
        runs[c] = SimpleNamespace(config=c, metrics=m, arrays=arrays, history=history)
    return runs


def fake_evidence(runs, fresh_factor=1.0, coverage=0.04, pixel_mean_nll=206.0):
    """Evidence whose fresh VAE numbers differ from the stored ones by FRESH_NOISE (times
    `fresh_factor`, which < 1 makes the control pass: the same model 'better' than itself)."""
    ev = pc.Evidence()
    for c, r in runs.items():
        if not c.decoupled:
            e = FRESH_NOISE[c.seed % 3]
            m = {k: v * fresh_factor * (1 + e) for k, v in r.metrics.items()}
            a = _leak_arrays(0.0)
            a["leak_log_q"] = r.arrays["leak_log_q"] * (1 + e) + (fresh_factor - 1) * 5
            ev.fresh[c] = SimpleNamespace(config=c, metrics=m, arrays=a)
        if c.dataset == "moons":
            ev.coverage[c] = coverage
    ev.baselines = {"moons": {"q_distance": 0.5, "coverage": 0.6},
                    "mnist": {"pixel_mean_nll": pixel_mean_nll, "init_nll": 543.0}}
    ev.digits = {c: [0.9] * 10 for c in runs if c.dataset == "mnist"}
    return ev


@pytest.fixture(scope="module")
def plan():
    return pl.make_plan("quick")


@pytest.fixture(scope="module")
def plan3():
    """Three seeds everywhere (MNIST's claims can be decided)."""
    return pl.make_plan("quick", seeds=[0, 1, 2])


def _claims(plan, **kw):
    ev_kw = {k: kw.pop(k) for k in ("fresh_factor", "coverage", "pixel_mean_nll") if k in kw}
    runs = fake_runs(plan, **kw)
    return pc.claims(plan, runs, fake_evidence(runs, **ev_kw))


def test_every_claim_quotes_the_paper_and_passes_when_the_decoupled_prior_helps(plan3):
    claims = _claims(plan3)
    assert [c.verdict for c in claims] == ["PASS"] * len(claims), [(c.claim, c.reason, c.run) for c in claims]
    assert len(claims) == 10
    for c in claims:
        assert c.quote and c.where and c.control is not None and c.control.passes is False


def test_every_claim_fails_when_the_decoupled_prior_hurts(plan3):
    claims = _claims(plan3, dp_factor=1.6, leak_gap=-1.0)
    assert [c.verdict for c in claims] == ["FAIL"] * len(claims), [(c.claim, c.reason, c.run) for c in claims]


def test_a_test_that_passes_on_its_control_is_not_tested(plan3):
    claims = _claims(plan3, fresh_factor=0.5)
    assert all(c.verdict == "NOT TESTED" and "also passes on its control" in c.reason for c in claims), \
        [(c.claim, c.verdict, c.reason) for c in claims]


def test_straddling_intervals_are_not_tested(plan3):
    claims = _claims(plan3, dp_factor=0.99, jitter=0.2, mnist_jitter=0.2, leak_gap=0.01)
    # on two moons an effect smaller than the seeds' spread is not told from the next seed's VAE either
    assert all(c.verdict == "NOT TESTED" and ("straddles" in c.reason or ("MNIST" not in c.claim and "passes on its "
                                                                         "control" in c.reason)) for c in claims), \
        [(c.claim, c.verdict, c.reason) for c in claims]
    assert all("straddles" in c.reason for c in claims if "MNIST" in c.claim)


def test_fewer_than_three_seeds_are_not_tested_with_each_seeds_gap(plan):
    mnist = [c for c in _claims(plan) if "MNIST" in c.claim]
    assert len(mnist) == 5
    assert all(c.verdict == "NOT TESTED" and "a paired interval needs >= 3" in c.reason for c in mnist)
    # the same model on both sides decides nothing either on fewer than three seeds: not evaluated, and said so
    runs = fake_runs(plan)
    ev = fake_evidence(runs)
    ev.fresh = {c: f for c, f in ev.fresh.items() if c.dataset != "mnist"}
    few = [c for c in pc.claims(plan, runs, ev) if "MNIST" in c.claim]
    assert all(c.control.passes is None and c.control.value == pc.FEW_SEEDS for c in few)
    assert all("β-dpVAE-H: 1 seed(s)" in c.reason for c in few)
    fd = next(c for c in mnist if "FD of random" in c.claim)
    # the VAE pair's two seeds are both used (no `[:1]`), and every seed's gap is shown
    assert "dpVAE − its VAE per seed: -18.80, -20.00" in fd.run and "β-dpVAE-H − its VAE per seed: -18.80" in fd.run


def test_moons_claims_are_not_tested_when_a_model_has_not_learned(plan3):
    for kw in (dict(q_distance=0.2), dict(coverage=0.3)):
        moons = [c for c in _claims(plan3, **kw) if "MNIST" not in c.claim]
        assert len(moons) == 5
        assert all(c.verdict == "NOT TESTED" and c.reason.startswith("not learned") for c in moons), kw


def test_image_claims_are_not_tested_when_no_model_beats_the_per_pixel_mean(plan3):
    mnist = [c for c in _claims(plan3, nll=300.0) if "MNIST" in c.claim]
    assert mnist and all(c.verdict == "NOT TESTED" and "per-pixel-mean model 206.0" in c.reason for c in mnist)


def test_a_collapsed_model_or_a_saturated_skl_makes_mnist_claims_not_tested(plan3):
    runs = fake_runs(plan3)
    for c, r in runs.items():
        if c.dataset == "mnist" and c.regularizer == "beta_h" and c.decoupled:
            r.metrics["kl_mean"] = 0.1
    claims = pc.claims(plan3, runs, fake_evidence(runs))
    assert all(c.verdict == "NOT TESTED" and "β-dpVAE-H seed" in c.reason for c in claims if "MNIST" in c.claim)
    runs = fake_runs(plan3)
    for c, r in runs.items():
        if c.dataset == "mnist" and c.regularizer == "beta_h" and not c.decoupled:
            r.metrics["skl"] = 0.05
    skl = next(c for c in pc.claims(plan3, runs, fake_evidence(runs)) if "MNIST): sKL" in c.claim)
    assert skl.verdict == "NOT TESTED" and "β-VAE-H's q(z) already matches the prior" in skl.reason


def test_without_evidence_no_claim_is_decided(plan3):
    claims = pc.claims(plan3, fake_runs(plan3))
    assert all(c.verdict == "NOT TESTED" for c in claims)


def test_leakage_compares_only_taus_with_enough_leaking_draws(plan3):
    runs = fake_runs(plan3)
    for c, r in runs.items():  # the dpVAEs leak less: below the VAE's 1 % and 2 % quantiles only 5 draws
        if c.decoupled:
            lp = r.arrays["leak_lp"].copy()
            low = lp < np.quantile(fake_runs(plan3)[pl.twin(c)].arrays["leak_lp"], 0.05)
            lp[low] = np.quantile(lp, 0.05)
            lp[np.flatnonzero(low)[:5]] = -50.0
            r.arrays["leak_lp"] = lp
    claim = next(c for c in pc.claims(plan3, runs, fake_evidence(runs)) if c.claim.startswith("Fig. 4"))
    assert "Not compared (fewer than 30 leaking draws on a seed)" in claim.run
    assert "dpVAE at 1% (fewest leaking draws 5)" in claim.run


def test_leakage_curve_reads_the_stored_terms_with_and_without_the_jacobian(plan):
    c = plan.all_runs[0]
    lp = np.array([-1.0, -3.0, -5.0, -7.0])
    run = SimpleNamespace(config=c, arrays={"leak_lp": lp, "leak_log_q": np.array([0.0, -1.0, -2.0, -3.0]),
                                            "leak_logdet": np.array([0.5, 0.5, 1.0, 1.0])})
    curve = report.leakage_curve(run, (-4.0, 0.0))
    # tau -4: samples 3, 4 leak: L = (-2 - 1) - (-5) = 2, (-3 - 1) - (-7) = 3 -> 2.5
    assert curve.score.tolist() == pytest.approx([2.5, (0.5 + 1.5 + 2 + 3) / 4])
    assert curve.share.tolist() == [0.5, 1.0] and curve["count"].tolist() == [2, 4]
    plain = report.leakage_curve(run, (-4.0,), jacobian=False)
    assert plain.score.iloc[0] == pytest.approx(3.5)
    assert np.isnan(report.leakage_curve(run, (-10.0,)).score.iloc[0])
    assert report.leak_min_count(c) == 30


def test_the_leakage_score_is_not_minimised_at_q_equals_p():
    same, narrow = report.gaussian_leakage(1.0), report.gaussian_leakage(0.5)
    # q = p: ~0 in the bulk; in the tails q̂ (a mixture of narrow posteriors) is read at draws of its own
    # components and scores above 0
    assert abs(same.score.iloc[-1]) < 0.1 and same.score.iloc[0] > 0.5
    assert np.nanmax(narrow.score) < np.nanmin(same.score)  # a q narrower than p scores lower
    assert narrow["count"].iloc[0] == 0  # a narrow q has no draw below the lowest tau


def test_diagnostics(plan):
    runs = fake_runs(plan, q_distance=0.2)
    d = {x.check: x.status for x in report.diagnostics(plan, runs, fake_evidence(runs))}
    assert d["every two-moons model reconstructs the data (decoded q(z) draws near a training point)"] == "WARN"
    runs = fake_runs(plan)
    ok = {x.check: x.status for x in report.diagnostics(plan, runs, fake_evidence(runs))}
    assert all(v == "ok" for v in ok.values()), ok
    for c, r in runs.items():  # Info-dpVAE's q(z) shrinks five-fold
        if c.regularizer == "info" and c.decoupled:
            r.arrays["z_q"] = r.arrays["z_q"] / 5
    scale = report.scale_diagnostic(runs)
    assert scale.status == "WARN" and "Info-dpVAE (moons)" in scale.value


def test_the_same_hyperparameters_are_a_diagnostic(plan):
    runs = fake_runs(plan)
    assert report.same_hyperparameters(plan, runs).ok
    retuned = lambda k, c: dataclasses.replace(c, lr=c.lr * 10) if k[1] == "info" and k[2] else c
    bent = dataclasses.replace(plan, runs={k: tuple(retuned(k, c) for c in v) for k, v in plan.runs.items()})
    d = report.same_hyperparameters(bent, runs)
    assert not d.ok and "Info-dpVAE" in d.value
    nan_nll = {c: SimpleNamespace(**{**vars(r), "metrics": {**r.metrics, "nll": float("nan")}})
               for c, r in runs.items()}
    assert not report.same_hyperparameters(plan, nan_nll).ok


def test_coverage_names_every_figure_and_table_in_the_vocabulary(plan):
    rows = report.coverage(plan)
    assert [c.item for c in rows] == ["Fig. 1", "Fig. 2", "Fig. 3", "Fig. 4", "Table 1", "Table 2", "Fig. 5",
                                      "Fig. 6", "Fig. 7", "Fig. 8", "Fig. 9", "Fig. 10"]
    status = {c.item: c.status for c in rows}
    assert set(status.values()) <= set(COVERAGE_STATUSES)
    assert status["Fig. 7"] == status["Fig. 8"] == "implemented, not run"
    assert status["Table 1"] == "partly reproduced" and status["Table 2"] == "not reproduced"


def test_coverage_follows_the_plan_it_describes():
    quick = {c.item: c for c in report.coverage(pl.make_plan("quick"))}
    assert quick["Fig. 1"].status == "reproduced (quick)"
    assert "VAE and β-VAE-H only (2 of 6 regularisers), VAE 2 seeds, β-VAE-H 1 seed, 600 iterations" in \
        quick["Table 1"].note
    extended = {c.item: c for c in report.coverage(pl.make_plan("extended"))}
    assert extended["Fig. 1"].status == extended["Fig. 4"].status == "implemented, not run"
    assert "the extended profile trains no two-moons run" in extended["Fig. 1"].note
    assert "3 seeds, 6,000 iterations" in extended["Table 1"].note
    moons_only = {c.item: c for c in report.coverage(pl.make_plan("quick", datasets=["moons"]))}
    assert moons_only["Table 1"].status == "implemented, not run"
    for profile in ("full", "quick", "extended"):
        for smoke in (False, True):
            rows = report.coverage(pl.make_plan(profile, smoke=smoke))
            assert {r.status for r in rows} <= set(COVERAGE_STATUSES), (profile, smoke)
    assert {c.item: c for c in report.coverage(pl.make_plan("full"))}["Fig. 1"].status == "implemented, not run"


def test_the_controls_evaluate_the_models_again_with_fresh_draws():
    plan = pl.make_plan("quick", datasets=["moons"], regularizers=["vae"], seeds=[0], smoke=True)
    runs = {}
    for c in plan.all_runs:
        model = pc.initial_model(c)
        runs[c] = SimpleNamespace(config=c, model=model, arrays={"z_q": torch.randn(64, 2).numpy()})
    ev = pc.evidence(plan, runs)
    fresh = ev.fresh[plan.runs[("moons", "vae", False)][0]]
    assert set(fresh.metrics) == {"skl", "lp_distance", "random_distance"}
    assert all(np.isfinite(v) for v in fresh.metrics.values())
    assert len(fresh.arrays["leak_lp"]) == plan.all_runs[0].leak_samples
    assert len(ev.coverage) == 2 and ev.baselines["moons"]["q_distance"] > report.LEARNED_LINE
    # at initialisation the flow is the identity: the dpVAE is its VAE
    a, b = (pc.initial_model(c) for c in plan.all_runs)
    x = torch.randn(5, 2)
    assert torch.allclose(a.decode(a.encode(x)[0]), b.decode(b.encode(x)[0]))


def test_the_per_pixel_mean_baseline(monkeypatch):
    train = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    test = torch.tensor([[0.0, 1.0]])
    monkeypatch.setattr(pl, "data", lambda config, split: train if split == "train" else test)
    config = SimpleNamespace(likelihood="bernoulli", nll_points=1, sigma_x=0.1)
    p = np.array([2 / 5, 4 / 5])  # (count + 1) / (n + 2)
    assert pc.per_pixel_mean_nll(config) == pytest.approx(-np.log(1 - p[0]) - np.log(p[1]))
    config = SimpleNamespace(likelihood="gaussian", nll_points=1, sigma_x=0.5)
    expected = (1 / 3) ** 2 / (2 * 0.25) + np.log(2 * np.pi * 0.25)
    assert pc.per_pixel_mean_nll(config) == pytest.approx(expected)


def test_plan_pairs_every_model_with_its_twin_and_rejects_bad_input():
    plan = pl.make_plan("quick")
    configs = set(plan.all_runs)
    assert all(pl.twin(c) in configs for c in configs)
    assert {c.seed for c in plan.runs[("mnist", "vae", True)]} == {0, 1}
    assert {c.seed for c in plan.runs[("mnist", "beta_h", True)]} == {0}
    with pytest.raises(ValueError, match="unknown dataset"):
        pl.make_plan("quick", datasets=["celeba"])
    with pytest.raises(ValueError, match="unknown regularizer"):
        pl.make_plan("quick", regularizers=["dip"])
    with pytest.raises(ValueError, match="unknown override"):
        pl.make_plan("quick", overrides={"epochs": 3})
    with pytest.raises(ValueError, match="lp_keep"):
        pl.make_plan("quick", overrides={"lp_keep": 600})
    with pytest.raises(ValueError, match="unknown profile"):
        pl.make_plan("medium")


def test_the_regularisers_weights_reach_the_loss():
    c = pl.Config(regularizer="beta_b", iterations=700)
    assert c.params() == {"gamma": 100.0, "c_max": 25.0, "c_steps": 700}
    assert pl.Config(regularizer="info").params() == {"alpha": 0.0, "lam": 1000.0}
    assert pl.Config().params() == {}


def test_the_digit_diagnostic_names_the_digits_a_model_never_reconstructs(plan):
    c0, c1 = plan.runs[("mnist", "vae", False)]
    d = report.digit_diagnostic({c0: [0.6, 0.9, 0.7, 0, 0, 0, 0, 0, 0.3, 0.8], c1: [0.5] * 10})
    assert not d.ok and "VAE seed 0: 3 4 5 6 7" in d.value and "VAE seed 1: none" in d.value
    assert report.digit_diagnostic({c1: [0.5] * 10}).ok


def test_the_leakage_table_says_where_nothing_leaks(plan):
    runs = fake_runs(plan)
    for c, r in runs.items():
        if c.regularizer == "factor" and not c.decoupled:
            r.arrays["leak_lp"] = np.maximum(r.arrays["leak_lp"], -3.0)  # no draw below the VAE's low quantiles
    table = report.leakage_table(runs)
    row = table[(table.model == "FactorVAE") & (table["τ level"] == "1%")].iloc[0]
    assert row["score"] == "no leaking draw" and row["fewest leaking draws"] == 0
    assert set(table.model) == {"VAE", "dpVAE", "β-VAE-H", "β-dpVAE-H", "β-TCVAE", "β-TC-dpVAE", "FactorVAE",
                                "Factor-dpVAE", "InfoVAE", "Info-dpVAE"}


def test_the_next_seeds_vae_in_the_dpvaes_place_is_a_second_control(plan3):
    claims = _claims(plan3)
    moons = [c for c in claims if "MNIST" not in c.claim]
    assert all("(2) " + pc.OTHER_SEED in c.control.what and "[fails]" in c.control.value for c in moons)
    runs = fake_runs(plan3)
    spread = {0: 1.0, 1: 0.4, 2: 1.0}  # the VAE's seeds differ by as much as the dpVAE from its VAE
    for c, r in runs.items():
        if c.dataset == "moons" and not c.decoupled:
            r.metrics = {k: v * spread[c.seed] if k in ("lp_distance", "random_distance", "skl") else v
                         for k, v in r.metrics.items()}
            r.arrays["leak_log_q"] = r.arrays["leak_log_q"] + 3 * (spread[c.seed] - 1)
    ev = fake_evidence(runs)
    moons = [c for c in pc.claims(plan3, runs, ev) if "MNIST" not in c.claim]
    assert all(c.verdict == "NOT TESTED" for c in moons)
    lp = next(c for c in moons if c.claim.startswith("Fig. 1"))
    assert lp.control.passes is True and "[passes]" in lp.control.value.split("(2)")[1]
    # the control is judged by control_passes on dpVAE − VAE against VAE(s+1) − VAE(s)
    frame = report.metrics_frame(runs)
    ctrl = pc.other_seed_control(frame, "moons", ["beta_h"], "lp_distance")
    assert ctrl.passes is True and "model minus control" in ctrl.value
    assert pc.both_controls(pc.Control("a", "x", False), pc.Control("b", "y", None)).passes is None
    assert pc.both_controls(pc.Control("a", "x", False), pc.Control("b", "y", False)).passes is False


def test_fig1_needs_the_lp_samples_on_the_data_not_only_closer(plan3):
    claims = _claims(plan3)
    fig1 = next(c for c in claims if c.claim.startswith("Fig. 1"))
    assert fig1.verdict == "PASS" and "the 0.05 line" in fig1.run and "all the low-posterior samples" in fig1.quote
    # the β-dpVAE's LP samples closer than the β-VAE's (0.10 vs 0.20) but clearly above the data's noise: FAIL
    runs = fake_runs(plan3)
    for c, r in runs.items():
        if c.dataset == "moons":
            r.metrics["lp_distance"] *= 0.2 / 0.06
    fig1 = next(c for c in pc.claims(plan3, runs, fake_evidence(runs)) if c.claim.startswith("Fig. 1"))
    assert fig1.verdict == "FAIL" and "0.05 line" in fig1.run
    fig3 = next(c for c in pc.claims(plan3, runs, fake_evidence(runs)) if c.claim.startswith("Fig. 3:"))
    assert fig3.verdict == "PASS"


def test_mnist_claims_need_every_digit_read_back(plan3):
    runs = fake_runs(plan3)
    ev = fake_evidence(runs)
    for c in ev.digits:
        if c.regularizer == "vae" and not c.decoupled and c.seed == 1:
            ev.digits[c] = [0.9] * 4 + [0.0, 0.0] + [0.9] * 4
    mnist = [c for c in pc.claims(plan3, runs, ev) if "MNIST" in c.claim]
    assert mnist and all(c.verdict == "NOT TESTED" and "never reads back" in c.reason and "VAE seed 1: 4 5" in c.reason
                         for c in mnist if "NLL" in c.claim or "FD of random" in c.claim)
    ev.digits = {}
    assert all(c.verdict == "NOT TESTED" and "not measured" in c.reason
               for c in pc.claims(plan3, runs, ev) if "MNIST" in c.claim)


def test_the_leakage_claim_reports_the_no_log_det_score_as_a_scaling_diagnostic(plan3):
    runs = fake_runs(plan3)
    for c, r in runs.items():
        r.arrays["z0_q"] = r.arrays["z_q"] * (5.0 if c.decoupled else 1.0)
    fig4 = next(c for c in pc.claims(plan3, runs, fake_evidence(runs)) if c.claim.startswith("Fig. 4"))
    assert "Diagnostic, not a test" in fig4.run and "2·ln(std z0 / std z) = +3.2" in fig4.run
    assert "unregularised VAE" in fig4.claim and "Tally" in fig4.run
