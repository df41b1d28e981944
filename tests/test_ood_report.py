"""Notebook 05's claims (`ood_claims`), diagnostics, coverage, Table 7 and figures (`ood_report`)
on numbers they are given: every claim PASSes on numbers that support the paper and FAILs on
numbers that contradict it (three seeds, the paper's setting), and is NOT TESTED when its control
passes the same test, when a model has not learned, with fewer than three seeds or a straddling
interval, when "near perfect" is asked of another setting, and when its pair did not run."""

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


def fake_runs(aurocs=GOOD, kl_fake=2.0, datasets=ALL, seeds=(0, 1, 2), not_learned=(), no_density=(),
              memorised=(), n=400, profile="full", init=None, mean_model=None):
    """A plan, runs and references. The ELBO and IW AUROC of a run is aurocs[(dataset, method)] +
    OFFSET * seed (or the seed's entry of a tuple), with score arrays to match; reconstructions
    are near-exact (zeros for the keys in `not_learned`); the ELBO is 5 nats above the per-pixel
    mean model's log-likelihood (below it for the keys in `no_density`). `init` and `mean_model`:
    (dataset, method) -> the untrained references' AUROC, a number or one per seed (UNTRAINED by
    default; the methods of one seed share the network at initialisation unless `init` says
    otherwise)."""
    plan = ood.make_plan(profile, datasets=datasets, seeds=seeds, check_data=False)
    runs, refs = {}, {}
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
        history = pd.DataFrame({"rec": [10.0], "kl_real": [1.0], "kl_fake": [kl_fake]})
        runs[c] = SimpleNamespace(config=c, history=history, arrays=arrays,
                                  metrics={"auroc_elbo": value, "auroc_iw": value})
        at_init = (init or {}).get(key, UNTRAINED)
        at_init = at_init[c.seed] if isinstance(at_init, tuple) else at_init
        by_mean = (mean_model or {}).get(key, UNTRAINED)
        by_mean = by_mean[c.seed] if isinstance(by_mean, tuple) else by_mean
        gap = 5.0 if key not in no_density else -5.0
        refs[c] = report.Reference(at_init, at_init, -500.0, arrays["elbo_in_test"] - gap + rng.normal(0, 0.1, n),
                                   by_mean)
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


def test_the_papers_own_table7_numbers_pass_every_claim_but_the_svhn_gap():
    # three seeds at mean - std, mean, mean + std (sample std = the paper's), capped below 1
    paper = {(ds, m): tuple(min(mean + k * std, 0.9999) for k in (-1, 0, 1))
             for ds, row in SOFT_INTROVAE_TABLE7.items() for m, (mean, std) in row.items()}
    got = all_claims(paper)
    # SVHN -> CIFAR-10: 0.966 ± 0.02 vs 0.936 ± 0.003, a gap within Soft-IntroVAE's own seed
    # spread: the paired interval of these three seeds, [-0.012, +0.072], straddles zero
    assert {n: c.verdict for n, c in got.items()} == {**{n: "PASS" for n in NAMES}, "svhn above": "NOT TESTED"}
    assert "straddles 0" in got["svhn above"].reason and "[-0.0" in got["svhn above"].reason


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
    assert c.verdict == "NOT TESTED" and "per-pixel mean 0.390" in c.reason
    # the two methods' networks differ already at initialisation, in Soft-IntroVAE's favour
    c = claim("mnist above", init={("mnist", "sintrovae"): (0.9, 0.91, 0.92)})
    assert c.verdict == "NOT TESTED" and "also passes on its control" in c.reason
    # one seed: the control's mean decides whether it passes (the interval cannot)
    c = claim("fmnist near", init={("fashion-mnist", "sintrovae"): 0.95}, seeds=(0,))
    assert "also passes on its control" in c.reason


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


def test_near_perfect_is_not_comparable_outside_the_papers_setting():
    got = all_claims(profile="quick", datasets=("mnist", "fashion-mnist", "cifar10"))
    for name in ("mnist near", "fmnist near", "cifar near"):
        assert got[name].verdict == "NOT TESTED" and got[name].reason.startswith("not comparable")
    assert "arch mlp (paper's: residual)" in got["mnist near"].reason
    assert "n_train 2000 (paper's: 0)" in got["cifar near"].reason
    # the comparisons on the same networks and budget are decided at any budget
    assert got["mnist above"].verdict == got["cifar vae fails"].verdict == "PASS"


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
             "both sides": "split"}
    out = []
    for d in report.diagnostics(plan, runs, refs):
        kind = next(v for k, v in kinds.items() if k in d.check)
        assert d.status in ("ok", "WARN")
        if d.status == "WARN":
            out.append((d.check.split(":")[0], kind))
    return out


def test_diagnostics_are_ok_on_a_healthy_run_and_warn_on_each_failure():
    plan, runs, refs = fake_runs(seeds=(0,))
    # per model: reconstruction, ELBO, train-test, both sides; per Soft-IntroVAE: KL
    assert len(report.diagnostics(plan, runs, refs)) == 4 * 8 + 4
    assert _warnings() == []
    assert _warnings(not_learned=[("mnist", "vae")]) == [("MNIST VAE", "recon")]
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
                                 mean_model={("mnist", "vae"): 0.7})
    t = report.controls_table(plan, runs, refs)
    assert len(t) == 6 and list(t["at initialisation (ELBO)"]) == [0.6, 0.61, 0.62, 0.5, 0.5, 0.5]
    assert list(t["per-pixel-mean Gaussian"]) == [0.7] * 3 + [0.5] * 3


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
    assert status["Table 7, MNIST → Fashion-MNIST"] == "partly reproduced"
    assert status["Table 7, CIFAR-10 → SVHN"] == status["Fig. 8 (a), (b)"] == "not reproduced"  # not learned
    assert status["Figs. 6, 10 (samples and test reconstructions)"] == "implemented, not run"
    assert "reproduced (quick)" not in status.values()
    notes = {r.item: r.note for r in rows}                  # the quick profile's own settings, not a fixed text
    assert f"an MLP, {ood.QUICK.small['epochs']} epochs" in notes["Table 7, MNIST → Fashion-MNIST"]
    assert f"2 epochs of {ood.QUICK.large['n_train'] // 1000}k images" in notes["Table 7, CIFAR-10 → SVHN"]
    assert "not learned" in notes["Fig. 8 (a), (b)"]
    assert "notebook 01" in {r.item: r.note for r in rows}["Fig. 3"]
    _, runs, refs = fake_runs(seeds=(0,), profile="quick", datasets=("mnist", "fashion-mnist", "cifar10"))
    assert {r.item: r.status for r in report.coverage(plan, runs, refs)}["Fig. 8 (a), (b)"] == "partly reproduced"


# ----------------------------------------------------------------------------------- figures

def test_figures_build_unclipped_step_histograms_and_labelled_rows():
    plan, runs, _ = fake_runs(datasets=("mnist", "cifar10"), seeds=(0,))
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
