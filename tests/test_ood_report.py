"""Notebook 05's claims, diagnostics, coverage, Table 7 and figures on numbers they are given:
every claim PASSes on numbers that support the paper, FAILs on numbers that contradict it, and is
NOT TESTED when its measured precondition fails (a model that has not learned, a pair not run,
one seed within the spread)."""

import re
import zlib
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from companion.claims import COVERAGE_STATUSES
from companion.papers.soft_introvae import ood
from companion.papers.soft_introvae import ood_report as report

matplotlib.use("Agg")

ALL = ("mnist", "fashion-mnist", "cifar10", "svhn")
#: Numbers that support the paper: near-perfect Soft-IntroVAE everywhere, above the VAE, and the
#: VAE fails on CIFAR-10 -> SVHN.
GOOD = {("mnist", "vae"): 0.96, ("mnist", "sintrovae"): 0.975, ("fashion-mnist", "vae"): 0.96,
        ("fashion-mnist", "sintrovae"): 0.975, ("cifar10", "vae"): 0.30, ("cifar10", "sintrovae"): 0.975,
        ("svhn", "vae"): 0.93, ("svhn", "sintrovae"): 0.965}
#: Seed s adds OFFSET[method] * s, so the per-seed differences between the methods vary.
OFFSET = {"vae": 0.01, "sintrovae": 0.012}
#: The claims in order.
NAMES = ["mnist near", "mnist above", "fmnist near", "fmnist above", "cifar vae fails", "cifar near",
         "cifar above", "svhn near", "svhn above"]


def _scores(auroc, n, rng):
    """In-distribution and OOD scores whose AUROC is about `auroc` (two unit normals apart by
    sqrt(2) * Phi^-1(auroc))."""
    assert 0 < auroc < 1, auroc
    shift = np.sqrt(2) * norm.ppf(auroc)
    return rng.normal(shift, 1, n), rng.normal(0, 1, n)


def _images(shape, rng, n=16):
    return rng.uniform(0, 1, (n, *shape)).astype(np.float32)


def fake_runs(aurocs=GOOD, kl_fake=2.0, datasets=ALL, seeds=(0, 1, 2), not_learned=(), memorised=(), n=400):
    """A plan and runs whose ELBO AUROC is aurocs[(dataset, method)] + OFFSET * seed, score arrays
    to match, and reconstructions that are near-exact (or zeros for the keys in `not_learned`)."""
    plan = ood.make_plan("quick", datasets=datasets, seeds=seeds, check_data=False)
    runs = {}
    for c in plan.runs:
        rng = np.random.default_rng([zlib.crc32(f"{c.dataset} {c.method}".encode()), c.seed])
        key = (c.dataset, c.method)
        value = aurocs[key]
        value = value[c.seed] if isinstance(value, tuple) else value + OFFSET[c.method] * c.seed
        shape = ood.IMAGE_SHAPES[c.dataset]
        x = _images(shape, rng)
        recon = np.zeros_like(x) if key in not_learned else x + rng.normal(0, 0.01, x.shape).astype(np.float32)
        arrays = {"recon_input": x, "recon": recon, "samples": _images(shape, rng, 32)}
        for score in ("elbo", "iw"):
            arrays[f"{score}_in_test"], arrays[f"{score}_ood"] = _scores(value, n, rng)
            train_shift = 1.0 if key in memorised else 0.0
            arrays[f"{score}_in_train"] = arrays[f"{score}_in_test"] + train_shift + rng.normal(0, 0.01, n)
        history = pd.DataFrame({"rec": [10.0], "kl_real": [1.0], "kl_fake": [kl_fake]})
        runs[c] = SimpleNamespace(config=c, history=history, arrays=arrays,
                                  metrics={"auroc_elbo": value, "auroc_iw": value})
    return plan, runs


def verdicts(aurocs=GOOD, **kwargs):
    plan, runs = fake_runs(aurocs, **kwargs)
    return dict(zip(NAMES, (c.verdict for c in report.claims(plan, runs))))


def claim(name, aurocs=GOOD, **kwargs):
    plan, runs = fake_runs(aurocs, **kwargs)
    return dict(zip(NAMES, report.claims(plan, runs)))[name]


# ------------------------------------------------------------------------------------ claims

def test_every_claim_passes_on_supporting_numbers_with_three_seeds():
    assert verdicts() == {name: "PASS" for name in NAMES}


def test_the_papers_own_table7_numbers_pass_every_claim_but_the_svhn_gap():
    # three seeds at mean - std, mean, mean + std (sample std = the paper's), capped below 1
    paper = {(ds, m): tuple(min(mean + k * std, 0.9999) for k in (-1, 0, 1))
             for ds, row in report.SOFT_INTROVAE_TABLE7.items() for m, (mean, std) in row.items()}
    # SVHN -> CIFAR-10: 0.966 ± 0.02 vs 0.936 ± 0.003, a gap within Soft-IntroVAE's own seed
    # spread; the paired interval of these three seeds, [-0.012, +0.072], includes zero
    assert verdicts(paper) == {**{name: "PASS" for name in NAMES}, "svhn above": "FAIL"}


@pytest.mark.parametrize("changes, name", [
    ({("mnist", "sintrovae"): 0.85}, "mnist near"),            # not near-perfect
    ({("mnist", "sintrovae"): 0.94}, "mnist above"),            # below the VAE (0.96)
    ({("fashion-mnist", "sintrovae"): 0.8}, "fmnist near"),
    ({("fashion-mnist", "vae"): 0.975, ("fashion-mnist", "sintrovae"): 0.95}, "fmnist above"),
    ({("cifar10", "vae"): 0.60}, "cifar vae fails"),          # the VAE does not fail on SVHN
    ({("cifar10", "sintrovae"): 0.214}, "cifar near"),         # Soft-IntroVAE fails like the VAE
    ({("cifar10", "sintrovae"): 0.25}, "cifar above"),
    ({("svhn", "sintrovae"): 0.85}, "svhn near"),
    ({("svhn", "sintrovae"): 0.92}, "svhn above"),
])
def test_each_claim_fails_on_numbers_that_contradict_the_paper(changes, name):
    assert verdicts({**GOOD, **changes})[name] == "FAIL"


def test_three_seeds_straddling_the_line_fail_the_paired_test():
    # seeds give 0.89, 0.902, 0.914: the mean is just above the line, the interval straddles it
    assert verdicts({**GOOD, ("mnist", "sintrovae"): 0.89})["mnist near"] == "FAIL"


def test_one_seed_decides_only_gaps_beyond_the_single_seed_margin():
    one = verdicts(seeds=(0,))
    # 0.975 is 0.075 above 0.9 and the methods are 0.015 apart: within the 0.1 margin
    for name in ("mnist near", "mnist above", "fmnist near", "fmnist above", "cifar near", "svhn near",
                 "svhn above"):
        assert one[name] == "NOT TESTED", name
    # 0.30 is 0.2 below 0.5, and 0.975 is 0.675 above the VAE's 0.30: decided
    assert one["cifar vae fails"] == "PASS" and one["cifar above"] == "PASS"
    assert verdicts({**GOOD, ("cifar10", "sintrovae"): 0.214}, seeds=(0,))["cifar near"] == "FAIL"
    c = claim("mnist above", seeds=(0,))
    assert "within the single-seed margin 0.10" in c.reason and "not a seed-to-seed spread" in c.reason
    assert "≥ 3 seeds" in c.reason


def test_a_model_that_has_not_learned_is_not_tested_whatever_its_auroc():
    bad = {("cifar10", "sintrovae"): 0.214}
    c = claim("cifar near", {**GOOD, **bad}, seeds=(0,), not_learned=[("cifar10", "sintrovae")])
    assert c.verdict == "NOT TESTED" and "has not learned" in c.reason and "block averages" in c.reason
    assert c.run.startswith("0.214")  # the number is still shown
    v = verdicts(seeds=(0,), not_learned=[("cifar10", "vae")])
    assert v["cifar vae fails"] == "NOT TESTED" and v["cifar above"] == "NOT TESTED"


def test_pairs_not_run_are_not_tested_with_the_reason():
    plan, runs = fake_runs(datasets=("mnist",), seeds=(0, 1, 2))
    plan = ood.Plan(plan.profile, plan.runs, {"cifar10": "CIFAR-10 is missing under /nowhere"})
    got = dict(zip(NAMES, report.claims(plan, runs)))
    assert got["mnist near"].verdict == "PASS"
    assert got["cifar near"].verdict == "NOT TESTED" and "not under the data root" in got["cifar near"].reason
    assert "/nowhere" not in got["cifar near"].reason  # no machine path in a compared verdict
    assert got["cifar near"].run == "not run"
    assert got["fmnist near"].verdict == "NOT TESTED" and got["fmnist near"].reason.startswith("not run")
    plan, runs = fake_runs(datasets=("mnist",), seeds=(0, 1, 2))
    plan = ood.Plan(plan.profile, tuple(c for c in plan.runs if c.method == "vae"), {})
    got = dict(zip(NAMES, report.claims(plan, {c: runs[c] for c in plan.runs})))
    assert "no Soft-IntroVAE on MNIST" in got["mnist above"].reason


def test_table7_reports_the_paper_and_mean_and_std_over_seeds():
    plan, runs = fake_runs(datasets=("mnist",), seeds=(0, 1, 2))
    t7 = report.table7(plan, runs).set_index("in-distribution")
    assert t7.loc["MNIST", "VAE this run"] == "0.970 ± 0.010"  # 0.96, 0.97, 0.98
    assert t7.loc["CIFAR-10", "VAE this run"] == "not run"
    assert t7.loc["MNIST", "Soft-IntroVAE paper"] == "0.999 ± 0.0002"
    assert t7.loc["CIFAR-10", "Soft-IntroVAE paper"] == "0.9987 ± 0.008"


# ------------------------------------------------------------------------------------ spreads

def test_rank_auroc_equals_sklearn_and_the_bootstrap_is_seeded():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.5, 1, (3, 50)), rng.normal(0, 1, (3, 40))
    a[0, :5] = b[0, :5]  # ties
    for i in range(3):
        expected = roc_auc_score(np.r_[np.ones(50), np.zeros(40)], np.r_[a[i], b[i]])
        assert report._auroc_rows(a[i:i + 1], b[i:i + 1])[0] == pytest.approx(expected)
    plan, runs = fake_runs(datasets=("mnist",), seeds=(0,), n=2000)
    vae, soft = (runs[c] for c in plan.runs)
    sd = report.bootstrap_auroc_sd(vae)
    assert sd == report.bootstrap_auroc_sd(vae)          # seeded
    assert 0.001 < sd < 0.01                              # 2000 vs 2000 scores at AUROC 0.96
    assert report.single_seed_margin(sd) == pytest.approx(0.1)
    assert report.single_seed_margin(0.05) == pytest.approx(0.15)
    assert report.bootstrap_gap_sd(soft, vae) > 0


def test_coarse_layout_uses_no_more_numbers_than_the_latent():
    x = np.random.default_rng(0).uniform(size=(2, 1, 28, 28))
    layout, side, numbers = report.coarse_layout(x, 32)
    assert (side, numbers) == (7, 16) and layout.shape == x.shape
    assert np.allclose(layout[0, 0, :7, :7], x[0, 0, :7, :7].mean())
    assert report.coarse_layout(np.zeros((1, 3, 32, 32)), 64)[1:] == (8, 48)
    assert report.coarse_layout(np.zeros((1, 3, 32, 32)), 128)[1:] == (8, 48)
    assert report.coarse_layout(np.zeros((1, 3, 32, 32)), 3072)[1:] == (1, 3072)


# ------------------------------------------------------------------------------- diagnostics

def _warnings(**kwargs):
    """The checks that WARN, as (model, check) with check one of learned, kl, train-test."""
    plan, runs = fake_runs(seeds=(0,), **kwargs)
    kinds = {"coarse layout": "learned", "larger KL": "kl", "same ELBO": "train-test"}
    out = []
    for d in report.diagnostics(plan, runs):
        kind = next(v for k, v in kinds.items() if k in d.check)
        assert d.status in ("ok", "WARN")
        if d.status == "WARN":
            out.append((d.check.split(":")[0], kind))
    return out


def test_diagnostics_are_ok_on_a_healthy_run_and_warn_on_each_failure():
    plan, runs = fake_runs(seeds=(0,))
    assert len(report.diagnostics(plan, runs)) == 8 + 4 + 8  # per model: learned, train-test; per S-IntroVAE: KL
    assert _warnings() == []
    assert _warnings(not_learned=[("mnist", "vae")]) == [("MNIST VAE", "learned")]
    assert _warnings(kl_fake=0.5) == [(f"{d} Soft-IntroVAE", "kl")                  # kl_fake < kl_real
                                      for d in ("MNIST", "Fashion-MNIST", "CIFAR-10", "SVHN")]
    assert _warnings(memorised=[("cifar10", "vae")]) == [("CIFAR-10 VAE", "train-test")]
    assert report.diagnostics(ood.Plan(plan.profile, (), {}), {}) == []


def test_the_kl_check_is_a_diagnostic_not_a_claim():
    plan, runs = fake_runs(kl_fake=0.5)
    assert not any("kl" in c.claim.lower() for c in report.claims(plan, runs))


# ---------------------------------------------------------------------------------- coverage

def _numbers(text, word):
    """Figure or table numbers named in `text` ("Figs. 12–14, 16" -> 12, 13, 14, 16)."""
    out = set()
    for group in re.findall(rf"{word}s?\.? ((?:\d+(?:–\d+)?(?:, )?)+)", text):
        for part in group.split(","):
            lo, _, hi = part.strip().partition("–")
            if lo:
                out |= set(range(int(lo), int(hi or lo) + 1))
    return out


def test_coverage_rows_are_valid_and_name_every_figure_and_table_of_the_paper():
    plan, runs = fake_runs(seeds=(0,))
    rows = report.coverage(plan, runs)
    assert all(r.status in COVERAGE_STATUSES for r in rows)
    assert all(r.note for r in rows if r.status == "out of scope")
    items = " ; ".join(r.item for r in rows)
    assert _numbers(items, "Fig") == set(range(1, 22))      # Figs. 1-21
    assert _numbers(items, "Table") == set(range(1, 8))     # Tables 1-7
    status = {r.item: r.status for r in rows}
    assert status["Table 7, SVHN → CIFAR-10"] == "reproduced (full profile only)"
    assert status["Table 7, CIFAR-10 → SVHN"] == "reproduced (quick)"
    notes = {r.item: r.note for r in rows}                  # the quick profile's own settings, not a fixed text
    assert f"an MLP, {ood.QUICK.small['epochs']} epochs" in notes["Table 7, MNIST → Fashion-MNIST"]
    assert f"2 epochs of {ood.QUICK.large['n_train'] // 1000}k images" in notes["Table 7, CIFAR-10 → SVHN"]
    assert "notebook 01" in {r.item: r.note for r in rows}["Fig. 3"]


# ----------------------------------------------------------------------------------- figures

def test_figures_build_unclipped_step_histograms_and_labelled_rows():
    plan, runs = fake_runs(datasets=("mnist", "cifar10"), seeds=(0,))
    first = next(r for c, r in runs.items() if c.dataset == "mnist" and c.method == "vae")
    first.arrays["iw_ood"][0] = -1e3  # a far tail stays on the axis
    fig = report.figure8(plan, runs, "mnist")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "density" and "VAE" in ax.get_title()
    assert ax.get_xlim()[0] <= -1e3
    assert all(p.get_fill() is False for p in ax.patches)  # step histograms
    fig = report.samples_figure(plan, runs)
    labels = [t.get_text() for t in fig.axes[len(fig.axes) // 2].get_yticklabels()]
    assert labels == ["real", "recon.", "real", "recon."]
