"""Notebook 05's claims (`ood_claims`), diagnostics, coverage, Table 7 and figures (`ood_report`)
on numbers they are given: every claim PASSes on numbers that support the paper and FAILs on
numbers that contradict it (three seeds, the paper's setting), and is NOT TESTED when its control
passes the same test, when a model has not learned, with fewer than three seeds or a straddling
interval, when a claim about the paper's trained models is asked of another setting (other
networks or budget, or fewer training images than the official split), and when its pair did not
run. The VAE's failure on CIFAR-10 -> SVHN is NOT TESTED with the controls this run measures."""

import re
import zlib
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from companion.claims import COVERAGE_STATUSES, Control
from companion.papers.soft_introvae import ood
from companion.papers.soft_introvae import ood_claims as claims_module
from companion.papers.soft_introvae import ood_report as report
from companion.papers.soft_introvae.reported import SOFT_INTROVAE_TABLE7

matplotlib.use("Agg")

ALL = ("mnist", "fashion-mnist", "cifar10", "svhn")
#: Numbers that support the paper: near-perfect Soft-IntroVAE everywhere, above the VAE, and the
#: VAE fails on CIFAR-10 -> SVHN (both scores).
GOOD = {("mnist", "vae"): 0.96, ("mnist", "sintrovae"): 0.975, ("fashion-mnist", "vae"): 0.96,
        ("fashion-mnist", "sintrovae"): 0.975, ("cifar10", "vae"): 0.30, ("cifar10", "sintrovae"): 0.975,
        ("svhn", "vae"): 0.93, ("svhn", "sintrovae"): 0.965}
#: Seed s adds OFFSET[method] * s, so the per-seed differences between the methods vary.
OFFSET = {"vae": 0.01, "sintrovae": 0.012}
#: The untrained references' AUROC (model at initialisation, per-pixel mean) unless changed:
#: chance on every seed, so every control fails (neither near perfect, nor below or above 0.5).
UNTRAINED = 0.5
#: The references' AUROCs the stored quick run measured (figures/05_ood_histograms/controls.csv;
#: the pPCA values recomputed independently): (init, per-pixel mean, probabilistic PCA).
MEASURED = {"mnist": (0.771, 0.773, 0.875), "fashion-mnist": (0.229, 0.742, 0.945), "cifar10": (0.410, 0.384, 0.160)}


def measured(which):
    """(dataset, method) -> the measured AUROC of reference `which` (0 init, 1 mean, 2 pPCA)."""
    return {(ds, m): v[which] for ds, v in MEASURED.items() for m in ("vae", "sintrovae")}


#: The claims in order.
NAMES = ["mnist near", "mnist above", "fmnist near", "fmnist above", "cifar vae fails", "cifar near",
         "cifar above", "cifar fig8a", "cifar fig8b", "svhn near", "svhn above"]


def _scores(auroc, n, rng):
    """In-distribution and OOD scores whose AUROC is about `auroc` (two unit normals apart by
    sqrt(2) * Phi^-1(auroc))."""
    assert 0 < auroc < 1, auroc
    shift = np.sqrt(2) * norm.ppf(auroc)
    return rng.normal(shift, 1, n), rng.normal(0, 1, n)


def _images(shape, rng, n=16):
    return rng.uniform(0, 1, (n, *shape)).astype(np.float32)


def _per_seed(value, seed, method):
    return value[seed] if isinstance(value, tuple) else value + OFFSET[method] * seed


def _history(falling=False, steps=1200, windows=12):
    """A training history of `windows` logged windows: flat with a little scatter, or (falling)
    still falling by 20 % over the last third."""
    rng = np.random.default_rng(7)
    step = np.linspace(steps / windows, steps, windows).astype(int)
    rec = 30.0 + rng.normal(0, 0.1, windows) + (np.linspace(20, 0, windows) if falling else 0.0)
    return pd.DataFrame({"step": step, "rec": rec, "kl_real": np.full(windows, 1.0)})


def fake_runs(aurocs=GOOD, kl_fake=2.0, datasets=ALL, seeds=(0, 1, 2), not_learned=(), no_density=(),
              memorised=(), n=400, profile="full", init=None, mean_model=None, ppca=None, train_images=None,
              converging=()):
    """A plan, runs and references. The ELBO and IW AUROC of a run is aurocs[(dataset, method)] +
    OFFSET * seed (or the seed's entry of a tuple), with score arrays to match; reconstructions
    are near-exact (zeros for the keys in `not_learned`); the ELBO is 5 nats above the per-pixel
    mean model's log-likelihood (below it for the keys in `no_density`). `init`, `mean_model` and
    `ppca`: (dataset, method) -> the references' AUROC, a number or one per seed (UNTRAINED by
    default; the methods of one seed share the network at initialisation unless `init` says
    otherwise). The runs trained on the config's n_train images, or the whole official split,
    unless `train_images` (dataset -> count) says otherwise; the keys in `converging` were still
    converging at the end."""
    plan = ood.make_plan(profile, datasets=datasets, seeds=seeds, check_data=False)
    runs, refs = {}, {}

    def per_seed(table, key, seed):
        value = (table or {}).get(key, UNTRAINED)
        return value[seed] if isinstance(value, tuple) else value

    for c in plan.runs:
        rng = np.random.default_rng([zlib.crc32(f"{c.dataset} {c.method}".encode()), c.seed])
        key = (c.dataset, c.method)
        value = _per_seed(aurocs[key], c.seed, c.method)
        shape = ood.IMAGE_SHAPES[c.dataset]
        x = _images(shape, rng)
        recon = np.zeros_like(x) if key in not_learned else x + rng.normal(0, 0.01, x.shape).astype(np.float32)
        arrays = {"recon_input": x, "recon": recon, "samples": _images(shape, rng, 32)}
        for score in ("elbo", "iw"):
            arrays[f"{score}_in_test"], arrays[f"{score}_ood"] = _scores(value, n, rng)
            train_shift = 1.0 if key in memorised else 0.0
            arrays[f"{score}_in_train"] = arrays[f"{score}_in_test"] + train_shift + rng.normal(0, 0.01, n)
        history = _history(key in converging).assign(kl_fake=kl_fake)
        runs[c] = SimpleNamespace(config=c, history=history, arrays=arrays,
                                  metrics={"auroc_elbo": value, "auroc_iw": value})
        at_init = per_seed(init, key, c.seed)
        gap = 5.0 if key not in no_density else -5.0
        used = (train_images or {}).get(c.dataset, c.n_train or report.OFFICIAL_TRAIN_IMAGES[c.dataset])
        refs[c] = report.Reference(at_init, at_init, -500.0, arrays["elbo_in_test"] - gap + rng.normal(0, 0.1, n),
                                   per_seed(mean_model, key, c.seed), per_seed(ppca, key, c.seed), 20, used)
    return plan, runs, refs


def all_claims(aurocs=GOOD, **kwargs):
    plan, runs, refs = fake_runs(aurocs, **kwargs)
    return dict(zip(NAMES, claims_module.claims(plan, runs, refs)))


def verdicts(aurocs=GOOD, **kwargs):
    return {name: c.verdict for name, c in all_claims(aurocs, **kwargs).items()}


def claim(name, aurocs=GOOD, **kwargs):
    return all_claims(aurocs, **kwargs)[name]


# ------------------------------------------------------------------------------------ claims

def test_every_claim_passes_on_supporting_numbers_with_three_seeds():
    got = all_claims()
    assert {name: c.verdict for name, c in got.items()} == {name: "PASS" for name in NAMES}
    for c in got.values():                      # each quotes the paper, says where, shows its control
        assert c.quote and c.where and c.control is not None and c.control.passes is False
    text = " ".join(c.quote for c in got.values())
    assert "near perfect OOD detection results in all the settings investigated in [44]" in text
    assert "Soft-IntroVAE outperforms it by a large margin" in text


def test_the_quotes_are_the_papers_words():
    import pathlib
    paper = pathlib.Path("/work/shared/papers/soft_introvae.txt")
    if not paper.exists():
        pytest.skip("the paper's text is not on this machine")
    text = paper.read_text()
    for name in dir(claims_module):
        if name.endswith("_QUOTE"):
            assert getattr(claims_module, name) in text, name


#: The paper's Table 7 as three seeds at mean - std, mean, mean + std (sample std = the paper's),
#: capped below 1.
PAPER = {(ds, m): tuple(min(mean + k * std, 0.9999) for k in (-1, 0, 1))
         for ds, row in SOFT_INTROVAE_TABLE7.items() for m, (mean, std) in row.items()}


def test_the_papers_own_table7_numbers_with_controls_at_chance_pass_every_claim_but_the_svhn_gap():
    got = all_claims(PAPER)
    # SVHN -> CIFAR-10: 0.966 ± 0.02 vs 0.936 ± 0.003, a gap within Soft-IntroVAE's own seed
    # spread: the paired interval of these three seeds, [-0.012, +0.072], straddles zero
    assert {n: c.verdict for n, c in got.items()} == {**{n: "PASS" for n in NAMES}, "svhn above": "NOT TESTED"}
    assert "straddles 0" in got["svhn above"].reason and "[-0.0" in got["svhn above"].reason


def test_the_papers_own_table7_numbers_with_the_measured_controls():
    # with the references this run measured (SVHN -> CIFAR-10 did not run: left at chance), the
    # VAE's failure cannot be decided (the per-pixel mean ranks SVHN above CIFAR-10, 0.384), and
    # Fashion-MNIST -> MNIST "near perfect" neither (probabilistic PCA reaches 0.945 > 0.9)
    got = all_claims(PAPER, init=measured(0), mean_model=measured(1), ppca=measured(2))
    undecided = {"svhn above", "cifar vae fails", "cifar fig8a", "fmnist near"}
    assert {n: c.verdict for n, c in got.items()} == {n: "NOT TESTED" if n in undecided else "PASS" for n in NAMES}
    assert "probabilistic PCA 0.945 (above 0.9" in got["fmnist near"].reason
    for name in ("cifar vae fails", "cifar fig8a"):
        assert got[name].reason.startswith("cannot be decided at any budget: a per-pixel-mean Gaussian")
        assert "ranks SVHN above CIFAR-10 (AUROC 0.384), so AUROC < 0.5 needs no learning" in got[name].reason


def test_the_vaes_failure_is_not_tested_with_the_measured_per_pixel_mean_whatever_else_holds():
    # the per-pixel-mean Gaussian's AUROC depends only on the data: 0.384 on the quick run's 2000
    # test images (0.387 on all 10,000 offline ones), below 0.5 in every profile
    mean = {("cifar10", m): MEASURED["cifar10"][1] for m in ("vae", "sintrovae")}
    for name in ("cifar vae fails", "cifar fig8a"):
        c = claim(name, mean_model=mean)                                # learned, 3 seeds, paper's setting
        assert c.verdict == "NOT TESTED" and c.control.passes
        assert c.reason.startswith("cannot be decided at any budget") and "needs no learning" in c.reason
        c = claim(name, mean_model=mean, not_learned=[("cifar10", "vae")])   # the permanent reason leads
        assert c.reason.startswith("cannot be decided at any budget") and "; and not learned: " in c.reason
    # a per-pixel mean at chance and another control passing: the usual reason
    c = claim("cifar vae fails", init={("cifar10", "vae"): 0.3})
    assert c.verdict == "NOT TESTED" and c.reason.startswith("the test also passes on its control")


@pytest.mark.parametrize("changes, name", [
    ({("mnist", "sintrovae"): 0.85}, "mnist near"),            # not near-perfect
    ({("mnist", "sintrovae"): 0.94}, "mnist above"),            # below the VAE (0.96)
    ({("fashion-mnist", "sintrovae"): 0.8}, "fmnist near"),
    ({("fashion-mnist", "vae"): 0.975, ("fashion-mnist", "sintrovae"): 0.95}, "fmnist above"),
    ({("cifar10", "vae"): 0.60}, "cifar vae fails"),          # the VAE does not fail on SVHN
    ({("cifar10", "vae"): 0.60}, "cifar fig8a"),
    ({("cifar10", "sintrovae"): 0.214}, "cifar near"),         # Soft-IntroVAE fails like the VAE
    ({("cifar10", "sintrovae"): 0.25}, "cifar above"),
    ({("cifar10", "sintrovae"): 0.25}, "cifar fig8b"),
    ({("svhn", "sintrovae"): 0.85}, "svhn near"),
    ({("svhn", "sintrovae"): 0.90}, "svhn above"),
])
def test_each_claim_fails_on_numbers_that_contradict_the_paper(changes, name):
    assert verdicts({**GOOD, **changes})[name] == "FAIL"


def test_an_interval_that_straddles_the_line_is_not_tested():
    # seeds give 0.89, 0.902, 0.914: the mean is just above the line, the interval straddles it
    c = claim("mnist near", {**GOOD, ("mnist", "sintrovae"): 0.89})
    assert c.verdict == "NOT TESTED" and "straddles 0" in c.reason
    c = claim("mnist above", {**GOOD, ("mnist", "sintrovae"): (0.95, 0.99, 0.96)})   # gaps -0.01, +0.02, -0.02
    assert c.verdict == "NOT TESTED" and "straddles 0" in c.reason


@pytest.mark.parametrize("seeds", [(0,), (0, 1)])
def test_fewer_than_three_seeds_decide_nothing(seeds):
    got = all_claims(seeds=seeds)
    assert {c.verdict for c in got.values()} == {"NOT TESTED"}
    assert all(f"{len(seeds)} seed(s)" in c.reason for c in got.values())
    # far from the line is no exception: one seed cannot PASS "near perfect" nor FAIL it
    assert claim("cifar near", {**GOOD, ("cifar10", "sintrovae"): 0.214}, seeds=(0,)).verdict == "NOT TESTED"
    assert claim("cifar vae fails", seeds=(0,)).run.startswith("0.300")      # the number is still shown


def test_a_claim_whose_control_passes_is_not_tested():
    # the model at initialisation already detects the OOD set near-perfectly
    c = claim("mnist near", init={("mnist", "sintrovae"): (0.95, 0.96, 0.97)})
    assert c.verdict == "NOT TESTED" and "also passes on its control" in c.reason
    assert c.control.passes and "at initialisation 0.960" in c.control.value
    # the per-pixel-mean Gaussian already ranks SVHN above CIFAR-10
    c = claim("cifar vae fails", mean_model={("cifar10", "vae"): (0.38, 0.39, 0.40)})
    assert c.verdict == "NOT TESTED" and "ranks SVHN above CIFAR-10 (AUROC 0.390)" in c.reason
    # probabilistic PCA in closed form already detects MNIST "near-perfectly" from Fashion-MNIST
    c = claim("fmnist near", ppca={("fashion-mnist", "sintrovae"): 0.945})
    assert c.verdict == "NOT TESTED" and "probabilistic PCA 0.945" in c.reason
    c = claim("cifar fig8b", ppca={("cifar10", "sintrovae"): (0.6, 0.62, 0.64)})
    assert c.verdict == "NOT TESTED" and "probabilistic PCA 0.620" in c.reason
    assert claim("cifar fig8b", ppca={("cifar10", "sintrovae"): 0.16}).verdict == "PASS"
    # one seed: the control's mean decides whether it passes (the interval cannot)
    c = claim("fmnist near", init={("fashion-mnist", "sintrovae"): 0.95}, seeds=(0,))
    assert "also passes on its control" in c.reason


def _split_bias(runs, key, shift):
    """Shift the even-indexed in-distribution test scores of the runs of `key` by `shift`: the
    model then "separates" its own test images from themselves."""
    for c, r in runs.items():
        if (c.dataset, c.method) == key:
            r.arrays["elbo_in_test"] = r.arrays["elbo_in_test"].copy()
            r.arrays["elbo_in_test"][0::2] += shift


def test_the_comparison_of_the_methods_is_controlled_by_the_same_test_on_noise():
    plan, runs, refs = fake_runs()
    got = dict(zip(NAMES, claims_module.claims(plan, runs, refs)))
    c = got["mnist above"]
    assert c.verdict == "PASS" and c.control.passes is False and "even vs odd" in c.control.what
    assert "Soft-IntroVAE − VAE: mean diff" in c.control.value          # the paired interval over 3 seeds
    # Soft-IntroVAE's scores separate its own test images (even vs odd): the control passes
    _split_bias(runs, ("mnist", "sintrovae"), 0.5)
    got = dict(zip(NAMES, claims_module.claims(plan, runs, refs)))
    assert got["mnist above"].verdict == "NOT TESTED" and "also passes on its control" in got["mnist above"].reason
    # fewer than three seeds: the control cannot be evaluated, and the claim says so
    c = claim("mnist above", seeds=(0, 1))
    assert c.control.passes is None and "an interval needs ≥ 3 seeds" in c.control.value
    assert "2 seed(s)" in c.reason and "no negative control evaluated" in c.reason


def test_a_control_straddling_its_line_passes_only_when_its_mean_is_on_the_claimed_side():
    near = claims_module._control("c", {"x": [0.89, 0.91, 0.93]}, 0.9, "greater")
    assert isinstance(near, Control) and near.passes
    below = claims_module._control("c", {"x": [0.87, 0.89, 0.91]}, 0.9, "greater")
    assert below.passes is False
    clear = claims_module._control("c", {"x": [0.5, 0.51, 0.52], "y": [0.95, 0.96, 0.97]}, 0.9, "greater")
    assert clear.passes                                   # either reference passing blocks
    assert claims_module._control("c", {"gap": [0.0, 0.0, 0.0]}, 0.0, "greater").passes is False


def test_a_model_that_has_not_learned_is_not_tested_whatever_its_auroc():
    bad = {("cifar10", "sintrovae"): 0.214}
    c = claim("cifar near", {**GOOD, **bad}, not_learned=[("cifar10", "sintrovae")])
    assert c.verdict == "NOT TESTED" and c.reason.startswith("not learned") and "block averages" in c.reason
    assert c.run.startswith("0.226")  # the number is still shown (mean of 0.214, 0.226, 0.238)
    v = verdicts(not_learned=[("cifar10", "vae")])
    assert v["cifar vae fails"] == v["cifar above"] == v["cifar fig8a"] == "NOT TESTED"
    assert v["cifar near"] == "PASS"
    c = claim("mnist above", no_density=[("mnist", "vae")])   # the ELBO is below the per-pixel mean's
    assert c.verdict == "NOT TESTED" and "per-pixel-mean Gaussian" in c.reason


def test_claims_about_the_papers_trained_models_are_not_comparable_outside_its_setting():
    got = all_claims(profile="quick", datasets=("mnist", "fashion-mnist", "cifar10"))
    about_trained = ("mnist near", "mnist above", "fmnist near", "fmnist above", "cifar near", "cifar above",
                     "cifar fig8b")
    for name in about_trained:
        assert got[name].verdict == "NOT TESTED" and got[name].reason.startswith("not comparable"), name
    assert "arch mlp (paper's: residual)" in got["mnist near"].reason
    assert "well-trained models" in got["mnist above"].reason
    assert "2,000 training images (the official split: 50,000)" in got["cifar near"].reason
    # the VAE's failure is not a statement about the paper's setting: decided with controls at chance
    assert got["cifar vae fails"].verdict == got["cifar fig8a"].verdict == "PASS"


def test_the_whole_offline_train_split_is_not_the_papers_setting():
    # n_train = 0 trains on what the data root holds: the offline CIFAR-10 copy has 10,000 images
    got = all_claims(train_images={"cifar10": 10_000})
    for name in ("cifar near", "cifar above", "cifar fig8b"):
        assert got[name].verdict == "NOT TESTED", name
        assert "10,000 training images (the official split: 50,000)" in got[name].reason
    assert got["mnist near"].verdict == got["cifar vae fails"].verdict == "PASS"


def test_pairs_not_run_are_not_tested_with_the_reason():
    plan, runs, refs = fake_runs(datasets=("mnist",), seeds=(0, 1, 2))
    plan = ood.Plan(plan.profile, plan.runs, {"cifar10": "CIFAR-10 is missing under /nowhere"})
    got = dict(zip(NAMES, claims_module.claims(plan, runs, refs)))
    assert got["mnist near"].verdict == "PASS"
    assert got["cifar near"].verdict == "NOT TESTED" and "not under the data root" in got["cifar near"].reason
    assert "/nowhere" not in got["cifar near"].reason  # no machine path in a compared verdict
    assert got["cifar near"].run == "not run"
    assert got["fmnist near"].verdict == "NOT TESTED" and got["fmnist near"].reason.startswith("not run")
    plan, runs, refs = fake_runs(datasets=("mnist",), seeds=(0, 1, 2))
    plan = ood.Plan(plan.profile, tuple(c for c in plan.runs if c.method == "vae"), {})
    got = dict(zip(NAMES, claims_module.claims(plan, {c: runs[c] for c in plan.runs}, refs)))
    assert "no Soft-IntroVAE on MNIST" in got["mnist above"].reason


def test_table7_reports_the_paper_and_mean_and_std_over_seeds():
    plan, runs, _ = fake_runs(datasets=("mnist",), seeds=(0, 1, 2))
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
    plan, runs, _ = fake_runs(datasets=("mnist",), seeds=(0,), n=2000)
    vae, soft = (runs[c] for c in plan.runs)
    sd = report.bootstrap_auroc_sd(vae)
    assert sd == report.bootstrap_auroc_sd(vae)          # seeded
    assert 0.001 < sd < 0.01                              # 2000 vs 2000 scores at AUROC 0.96
    assert report.bootstrap_gap_sd(soft, vae) > 0
    table = report.spread_table(plan, runs)
    assert list(table["bootstrap SD"]) == [round(sd, 4), round(report.bootstrap_auroc_sd(soft), 4)]


def test_the_same_model_on_both_sides_scores_half_with_the_mann_whitney_null_sd():
    rng = np.random.default_rng(0)
    run = SimpleNamespace(arrays={"elbo_in_test": rng.normal(size=2000)})
    value, sd = report.split_auroc(run)
    assert sd == pytest.approx(np.sqrt(2001 / (12 * 1000 * 1000)))
    assert abs(value - 0.5) < 3 * sd
    # the null SD is the spread of that AUROC over random splits of one distribution
    values = [report.split_auroc(SimpleNamespace(arrays={"elbo_in_test": rng.normal(size=2000)}))[0]
              for _ in range(300)]
    assert np.std(values) == pytest.approx(sd, rel=0.15)


def test_learning_needs_both_the_reconstruction_and_the_elbo_above_their_baselines():
    plan, runs, refs = fake_runs(datasets=("mnist",), seeds=(0,), not_learned=[("mnist", "vae")],
                                 no_density=[("mnist", "sintrovae")])
    vae, soft = (runs[c] for c in plan.runs)
    a, b = report.learning(vae, refs[vae.config]), report.learning(soft, refs[soft.config])
    assert (a["recon_ok"], a["elbo_ok"], a["learned"]) == (False, True, False)
    assert (b["recon_ok"], b["elbo_ok"], b["learned"]) == (True, False, False)
    assert b["gain"].high < 0 and b["gain"].n == 400


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
    """The checks that WARN, as (model, check) with check one of recon, elbo, kl, train-test, split."""
    plan, runs, refs = fake_runs(seeds=(0,), **kwargs)
    kinds = {"coarse layout": "recon", "per-pixel-mean": "elbo", "larger KL": "kl", "same ELBO": "train-test",
             "both sides": "split", "levelled off": "converging"}
    out = []
    for d in report.diagnostics(plan, runs, refs):
        kind = next(v for k, v in kinds.items() if k in d.check)
        assert d.status in ("ok", "WARN")
        if d.status == "WARN":
            out.append((d.check.split(":")[0], kind))
    return out


def test_diagnostics_are_ok_on_a_healthy_run_and_warn_on_each_failure():
    plan, runs, refs = fake_runs(seeds=(0,))
    # per model: reconstruction, ELBO, train-test, both sides, convergence; per Soft-IntroVAE: KL
    assert len(report.diagnostics(plan, runs, refs)) == 5 * 8 + 4
    assert _warnings() == []
    assert _warnings(not_learned=[("mnist", "vae")]) == [("MNIST VAE", "recon")]
    assert _warnings(converging=[("mnist", "sintrovae")]) == [("MNIST Soft-IntroVAE", "converging")]
    assert _warnings(no_density=[("svhn", "vae")]) == [("SVHN VAE", "elbo")]
    assert _warnings(kl_fake=0.5) == [(f"{d} Soft-IntroVAE", "kl")                  # kl_fake < kl_real
                                      for d in ("MNIST", "Fashion-MNIST", "CIFAR-10", "SVHN")]
    assert _warnings(memorised=[("cifar10", "vae")]) == [("CIFAR-10 VAE", "train-test")]
    assert report.diagnostics(ood.Plan(plan.profile, (), {}), {}, {}) == []


def test_the_checks_that_hold_for_any_model_are_diagnostics_not_claims():
    plan, runs, refs = fake_runs(kl_fake=0.5)
    text = " ".join(c.claim.lower() for c in claims_module.claims(plan, runs, refs))
    assert "kl" not in text and "train" not in text.replace("trained", "")


def test_the_controls_table_shows_every_reference_per_model():
    plan, runs, refs = fake_runs(datasets=("mnist",), seeds=(0, 1, 2), init={("mnist", "vae"): (0.6, 0.61, 0.62)},
                                 mean_model={("mnist", "vae"): 0.7}, ppca={("mnist", "sintrovae"): 0.875})
    t = report.controls_table(plan, runs, refs)
    assert len(t) == 6 and list(t["at initialisation (ELBO)"]) == [0.6, 0.61, 0.62, 0.5, 0.5, 0.5]
    assert list(t["per-pixel-mean Gaussian"]) == [0.7] * 3 + [0.5] * 3
    assert list(t["probabilistic PCA"]) == [0.5] * 3 + [0.875] * 3
    assert set(t["training images"]) == {60_000} and set(t["pPCA components"]) == {20}


def test_the_training_loss_still_falling_over_its_last_third_is_still_converging():
    flat, falling = report.convergence(_history()), report.convergence(_history(falling=True))
    assert flat["falling"] is False and abs(flat["fall"]) < 0.01
    assert falling["falling"] is True and falling["high"] < 0
    # from the window nearest two thirds of the steps (800 of 1200) to the last: 30 + 20 * 4/11 -> 30
    assert (falling["from_step"], falling["to_step"], falling["windows"]) == (800, 1200, 5)
    assert falling["fall"] == pytest.approx((20 * 4 / 11) / (31 + 20 * 4 / 11), abs=0.01)
    short = report.convergence(_history(windows=2))
    assert short["falling"] is None and short["windows"] == 2
    # a stored run's history: the MNIST Soft-IntroVAE's rec + kl_real fell 18.8 % over its last third
    h = pd.DataFrame({"step": [818, 935, 1052, 1169, 1286, 1403, 1406],
                      "rec": [53.52, 50.21, 49.95, 47.11, 43.89, 40.91, 40.46],
                      "kl_real": [10.16, 9.72, 7.73, 8.47, 9.50, 8.47, 8.22]})
    got = report.convergence(h)
    assert (got["from_step"], got["windows"], got["falling"]) == (935, 6, True)    # 935 is nearest 2/3 of 1406
    assert got["fall"] == pytest.approx(0.188, abs=0.001)


# ----------------------------------------------------------------------- probabilistic PCA

def test_probabilistic_pca_is_the_closed_form_gaussian_with_the_decoders_variance():
    import torch

    rng = np.random.default_rng(0)
    d, n = 12, 500
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
    scales = np.r_[3.0, 2.0, 1.2, np.full(d - 3, 0.3)]             # three variances above σ² = ½
    train = rng.normal(size=(n, d)) * scales @ basis.T + 0.4
    x = rng.normal(size=(20, d)) + 0.4
    fit = report.ppca_fit(train.reshape(n, 1, 3, 4))                  # images are flattened
    mean, lam, vec = fit
    cov = np.cov(train.T, bias=True)
    assert np.allclose(lam, np.sort(np.linalg.eigvalsh(cov))[::-1][:len(lam)]) and len(lam) == 3
    for k in (0, 1, 3):
        w = vec[:, :k] * np.sqrt(lam[:k] - 0.5)                       # W = U_k (Λ_k − σ² I)^½
        cov_k = torch.from_numpy(w @ w.T + 0.5 * np.eye(d))
        dist = torch.distributions.MultivariateNormal(torch.from_numpy(mean), cov_k)
        expected = dist.log_prob(torch.from_numpy(x)).numpy() + d / 2 * np.log(2 * np.pi * 0.5)
        assert report.ppca_loglik(x, fit, k) == pytest.approx(expected, rel=1e-9)
    # no component: the per-pixel-mean Gaussian's -||x - mean||²
    assert report.ppca_loglik(x, fit, 0) == pytest.approx(-((x - mean) ** 2).sum(1))
    with pytest.raises(ValueError, match="only 3 eigenvalues"):
        report.ppca_loglik(x, fit, 4)


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
    plan, runs, refs = fake_runs(seeds=(0,), profile="quick", datasets=("mnist", "fashion-mnist", "cifar10"),
                                 not_learned=[("cifar10", "vae")])
    plan = ood.Plan(plan.profile, plan.runs, {})
    rows = report.coverage(plan, runs, refs)
    assert all(r.status in COVERAGE_STATUSES for r in rows)
    assert all(r.note for r in rows if r.status == "out of scope")
    items = " ; ".join(r.item for r in rows)
    assert _numbers(items, "Fig") == set(range(1, 22))      # Figs. 1-21
    assert _numbers(items, "Table") == set(range(1, 8))     # Tables 1-7
    status = {r.item: r.status for r in rows}
    assert status["Table 7, SVHN → CIFAR-10"] == "implemented, not run"   # only in the full profile
    # a 3-epoch MLP: another setting than the paper's, so its AUROCs reproduce nothing
    assert status["Table 7, MNIST → Fashion-MNIST"] == status["Table 7, Fashion-MNIST → MNIST"] == "not reproduced"
    assert "not comparable with the paper's setting (arch mlp" in {r.item: r.note for r in rows}[
        "Table 7, MNIST → Fashion-MNIST"]
    assert status["Table 7, CIFAR-10 → SVHN"] == status["Fig. 8 (a), (b)"] == "not reproduced"  # not learned
    assert status["Figs. 6, 10 (samples and test reconstructions)"] == "implemented, not run"
    assert "reproduced (quick)" not in status.values()
    notes = {r.item: r.note for r in rows}                  # the quick profile's own settings, not a fixed text
    assert f"an MLP, {ood.QUICK.small['epochs']} epochs" in notes["Table 7, MNIST → Fashion-MNIST"]
    assert f"2 epochs of {ood.QUICK.large['n_train'] // 1000}k images" in notes["Table 7, CIFAR-10 → SVHN"]
    assert "not learned" in notes["Fig. 8 (a), (b)"]
    assert "notebook 01" in {r.item: r.note for r in rows}["Fig. 3"]
    _, runs, refs = fake_runs(seeds=(0,), profile="quick", datasets=("mnist", "fashion-mnist", "cifar10"))
    got = {r.item: (r.status, r.note) for r in report.coverage(plan, runs, refs)}
    assert got["Fig. 8 (a), (b)"][0] == "not reproduced" and "not comparable" in got["Fig. 8 (a), (b)"][1]
    # the paper's setting: "partly reproduced", with one seed or three
    for seeds in ((0,), (0, 1, 2)):
        plan, runs, refs = fake_runs(seeds=seeds, datasets=("mnist", "cifar10"))
        got = {r.item: (r.status, r.note) for r in report.coverage(ood.Plan(plan.profile, plan.runs, {}), runs, refs)}
        assert got["Table 7, MNIST → Fashion-MNIST"][0] == got["Fig. 8 (a), (b)"][0] == "partly reproduced"
        assert ("needs 3 seeds" in got["Table 7, MNIST → Fashion-MNIST"][1]) == (len(seeds) < 3)
    # ... but not on the offline CIFAR-10 training split (10,000 of 50,000 images)
    plan, runs, refs = fake_runs(seeds=(0, 1, 2), datasets=("cifar10",), train_images={"cifar10": 10_000})
    got = {r.item: (r.status, r.note) for r in report.coverage(ood.Plan(plan.profile, plan.runs, {}), runs, refs)}
    assert got["Table 7, CIFAR-10 → SVHN"][0] == "not reproduced"
    assert "10,000 training images (the official split: 50,000)" in got["Table 7, CIFAR-10 → SVHN"][1]


def test_the_coverage_of_figs_6_and_10_counts_the_training_split(monkeypatch):
    plan, runs, refs = fake_runs(seeds=(0,), datasets=("mnist",))
    for size, text in ((10_000, "10,000 images here, the official split: 50,000"),
                       (50_000, "50,000 images, the official split"), (None, "none here")):
        monkeypatch.setattr(report, "train_split_size", lambda ds, size=size: size)
        rows = {r.item: r.note for r in report.coverage(plan, runs, refs)}
        assert text in rows["Figs. 6, 10 (samples and test reconstructions)"]


# ----------------------------------------------------------------------------------- figures

def test_figures_build_unclipped_step_histograms_and_labelled_rows():
    plan, runs, _ = fake_runs(datasets=("mnist", "cifar10"), seeds=(0,))
    first = next(r for c, r in runs.items() if c.dataset == "mnist" and c.method == "vae")
    first.arrays["iw_ood"][0] = -1e3  # a far tail stays on the axis
    fig = report.figure8(plan, runs, "mnist")
    assert fig._suptitle.get_text().startswith("Fig. 8 layout (pair not in the paper) —")   # the paper draws CIFAR-10
    assert report.figure8(plan, runs, "cifar10")._suptitle.get_text().startswith("Fig. 8 — trained on CIFAR-10")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "density" and "VAE" in ax.get_title()
    assert ax.get_xlim()[0] <= -1e3
    assert all(p.get_fill() is False for p in ax.patches)  # step histograms
    fig = report.samples_figure(plan, runs)
    labels = [t.get_text() for t in fig.axes[len(fig.axes) // 2].get_yticklabels()]
    assert labels == ["real", "recon.", "real", "recon."]


def test_the_ink_table_reads_the_ood_images_brightness_against_their_scores(monkeypatch):
    import torch

    import companion.core.data as data

    plan, runs, _ = fake_runs(datasets=("mnist",), seeds=(0,), n=400)
    rng = np.random.default_rng(3)
    labels = np.arange(400) % 10
    ink = rng.uniform(0.05, 0.4, 400)
    for r in runs.values():  # little ink scores above MNIST's 5th percentile; every sandal does
        r.arrays["elbo_ood"] = np.percentile(r.arrays["elbo_in_test"], 5) + 1 - 8 * ink + 3.0 * (labels == 5)
    images = torch.from_numpy(np.broadcast_to(ink[:, None, None, None], (400, 1, 28, 28)).astype(np.float32))
    monkeypatch.setattr(data, "load_dataset",
                        lambda name, split, limit=None: (images[:limit], torch.from_numpy(labels)))
    t = report.ink_table(plan, runs)
    assert list(t["method"]) == ["VAE", "Soft-IntroVAE"] and list(t["OOD"]) == ["Fashion-MNIST"] * 2
    row, score = t.iloc[0], next(iter(runs.values())).arrays["elbo_ood"]
    above = (ink < 0.125) | (labels == 5)
    assert row["corr(ELBO, mean pixel) of OOD images"] == round(float(np.corrcoef(score, ink)[0, 1]), 3) < -0.5
    assert row["OOD above in-dist. 5th pct."] == f"{above.mean():.0%}"
    assert row["their mean pixel / the rest's"] == round(ink[above].mean() / ink[~above].mean(), 2)
    assert row["two commonest classes there"].startswith("sandal and ")
