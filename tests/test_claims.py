"""The claims, diagnostics and coverage of notebook 01 (`toy2d_claims`, `toy2d_report`), on fake
runs: every claim PASSes on numbers that support the paper, FAILs on numbers that contradict it,
and is NOT TESTED (with the measured reason) when its negative control passes the same test, when
the models have not learned, or when fewer than three seeds decide nothing."""

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from companion.claims import COVERAGE_STATUSES
from companion.papers.soft_introvae import toy2d as toy
from companion.papers.soft_introvae import toy2d_claims as tc
from companion.papers.soft_introvae import toy2d_report as report
from companion.papers.soft_introvae.reported import SOFT_INTROVAE_TABLE2

QUICK = toy.make_plan("quick")
QUICK3 = toy.make_plan("quick", seeds=[0, 1, 2])
FULL = toy.make_plan("full")

#: A small seed-to-seed wobble, so that paired tests see a spread (relative to the value).
JITTER = (0.0, 0.02, -0.015, 0.01, -0.005)


def _j(value, seed, scale=1.0):
    return value * (1 + scale * JITTER[seed % len(JITTER)])


def _history(n_iter, **finals):
    steps = list(range(99, n_iter, 100))
    return pd.DataFrame({"step": steps, **{k: [v] * len(steps) for k, v in finals.items()}})


def good_metrics(c) -> dict:
    """Numbers that support the paper: Table 2's means (with a wobble), a VAE bridging the modes,
    S-IntroVAE on them, IntroVAE's KL rising with m above S-IntroVAE's."""
    m = {k: _j(SOFT_INTROVAE_TABLE2[(c.dataset, k)][c.method][0], c.seed) for k in ("kl", "jsd", "gnelbo")}
    if c.dataset == "8gaussians":
        m.update(off_support=_j({"vae": 0.36, "introvae": 0.1, "sintrovae": 0.06}[c.method], c.seed),
                 modes_covered=8,
                 density_off_support={"vae": 0.991, "introvae": 0.8, "sintrovae": _j(0.59, c.seed)}[c.method])
    if c.method == "introvae" and c.dataset == "8gaussians":  # Table 2 (m = 1) and Fig. 3 runs
        m["kl"], m["jsd"] = _j(2.53 + 5.0 * (c.m - 1), c.seed), _j(1.67 + 5.0 * (c.m - 1), c.seed)
    return m


def good_history(c) -> dict:
    h = {"kl_real": 1.0}
    if c.method != "vae":
        h["kl_fake"] = 2.0
    return h


def fake_runs(plan, metrics=good_metrics, history=good_history, fig21=None):
    """Fake `Run`s for every config of `plan`. `fig21` maps method -> (final kl_real, modes
    covered, off-support share) for the Fig. 21 runs."""
    fig21 = fig21 or {"vae": (0.002, 1, 0.98), "sintrovae": (2.5, 8, 0.05)}
    runs = {}
    for c in plan.all_runs:
        mets, hist = dict(metrics(c)), dict(history(c))
        if c in plan.fig3 and c.method == "sintrovae":
            mets["kl"], mets["jsd"] = _j(1.2, c.seed, 5), _j(0.9, c.seed, 5)
        if c in plan.fig21:
            hist["kl_real"], mets["modes_covered"], mets["off_support"] = fig21[c.method]
            if "kl_fake" in hist:
                hist["kl_fake"] = 1.5 * hist["kl_real"]
        runs[c] = toy.Run(c, None, _history(c.n_iter, **hist), mets, {}, True, 0.0)
    return runs


#: The untrained network on 8 Gaussians, as measured (quick profile, seed 0): at the KL ceiling, no
#: sample on the data, a posterior KL of 0.004 nats; its gnELBO is set above every Table 2 value
#: here (the measured 7.07 is below the VAE's: see the gnELBO control test).
UNTRAINED = dict(kl=220.19, jsd=109.48, gnelbo=9.0, off_support=1.0, modes_covered=0, density_off_support=0.9945,
                 kl_real=0.004)


def fake_init(plan, **changes):
    """`untrained_metrics` of `plan`, faked: UNTRAINED (KL 200, JSD 100 off 8 Gaussians), then
    `changes` (metric -> value or f(config))."""
    out = {}
    for c in plan.all_runs:
        m = dict(UNTRAINED) if c.dataset == "8gaussians" else {**UNTRAINED, "kl": 200.0, "jsd": 100.0}
        m.update({k: v(c) if callable(v) else v for k, v in changes.items()})
        out[c] = m
    return out


def verdicts(plan, runs, init=None) -> dict:
    """Claim name (its text up to the first colon) -> Claim."""
    return {c.claim.split(":")[0]: c for c in tc.claims(plan, runs, init or fake_init(plan))}


def changed(base=good_metrics, **by_method):
    """`base` with metrics replaced per method: by_method = {method: {metric: value or f(c)}}."""
    def metrics(c):
        m = base(c)
        for k, v in by_method.get(c.method, {}).items():
            m[k] = v(c) if callable(v) else v
        return m
    return metrics


T2 = "Table 2, 8 Gaussians, "
T2_NAMES = [T2 + "S-IntroVAE vs VAE, KL and JSD", T2 + "S-IntroVAE vs VAE, gnELBO (1e-7)",
            T2 + "S-IntroVAE vs IntroVAE, KL and JSD", T2 + "IntroVAE vs VAE, KL and JSD",
            T2 + "IntroVAE vs VAE, gnELBO (1e-7)"]


# ------------------------------------------------------------------------------ declarations

def test_every_claim_quotes_the_paper_and_has_a_control():
    """Each claim carries the paper's words in quotation marks ([our insertions] in brackets), where
    they stand, and a control on which its test was run (and, on supporting numbers, did not pass)."""
    for c in tc.claims(FULL, fake_runs(FULL), fake_init(FULL)):
        quoted = c.quote.split('"')[1::2]
        assert quoted and all(q.strip() for q in quoted) and c.where.startswith(("§", "App.")), c.claim
        assert c.control is not None and c.control.passes is False, c.claim
    statements = (tc.FIG2_SAMPLES, tc.FIG2_DENSITY, tc.FIG21, tc.FIG3, tc.TABLE2)
    assert all(re.sub(r"\[[^\]]*\]", "", s.quote).count('"') % 2 == 0 for s in statements)


def test_quick_claims_and_the_table2_split():
    v = verdicts(QUICK, fake_runs(QUICK))
    assert list(v) == ["Fig. 2(a)", "Fig. 2(b)", "Fig. 21", "Fig. 3", *T2_NAMES]
    # the paper's Table 2 does not separate S-IntroVAE and IntroVAE on gnELBO (1.25 ± 0.35 vs 1.29 ± 0.76): no claim
    assert T2 + "S-IntroVAE vs IntroVAE, gnELBO (1e-7)" not in v
    # on Checkerboard it separates the VAE and S-IntroVAE on KL only (20.91 ± 0.45 vs 20.27 ± 0.21: no; JSD yes)
    full = verdicts(FULL, fake_runs(FULL))
    assert "not claimed (within the paper's stds): KL" in full["Table 2, Checkerboard, S-IntroVAE vs VAE, JSD"].test


# ------------------------------------------------------------------------------ passing

def test_one_seed_decides_only_the_per_run_fig21_test():
    v = verdicts(QUICK, fake_runs(QUICK))
    assert v["Fig. 21"].verdict == "PASS"
    for name, c in v.items():
        if name != "Fig. 21":
            assert c.verdict == "NOT TESTED" and c.reason.endswith("seed(s); an interval needs >= 3"), (name, c.reason)


def test_claims_pass_over_three_seeds():
    v = verdicts(QUICK3, fake_runs(QUICK3))
    assert {n: c.verdict for n, c in v.items() if n != "Fig. 3"} == dict.fromkeys(set(v) - {"Fig. 3"}, "PASS")
    assert "one-sided p" in v["Fig. 2(a)"].run and "log10 S-IntroVAE / VAE" in v["Fig. 2(b)"].run
    assert v["Fig. 3"].verdict == "NOT TESTED"  # the quick profile trains Fig. 3's IntroVAE on one seed


def test_full_profile_claims_pass_on_the_papers_own_numbers():
    claims = tc.claims(FULL, fake_runs(FULL), fake_init(FULL))
    assert all(c.verdict == "PASS" for c in claims), [(c.claim, c.verdict, c.reason) for c in claims]
    by = {c.claim for c in claims}
    # the paper's own Checkerboard KL ranks IntroVAE first; the claim follows the paper's table
    assert "Table 2, Checkerboard, S-IntroVAE vs IntroVAE, KL: KL IntroVAE < S-IntroVAE" in by
    assert "Table 2, Rings, IntroVAE vs VAE, gnELBO (1e-7): gnELBO (1e-7) VAE < IntroVAE" in by
    assert len(claims) == 4 + 5 + 6 + 5 + 5  # Figs, then 8 Gaussians, Spiral, Checkerboard, Rings


# ------------------------------------------------------------------------------ failing

@pytest.mark.parametrize("metrics, name", [
    (changed(sintrovae={"off_support": lambda c: _j(0.5, c.seed)}), "Fig. 2(a)"),  # more off the support
    (changed(sintrovae={"modes_covered": 7}), "Fig. 2(a)"),                        # a mode dropped
    (changed(sintrovae={"density_off_support": 0.999}), "Fig. 2(b)"),              # less on the support
    (changed(sintrovae={"kl": lambda c: _j(3.0, c.seed)}), T2 + "S-IntroVAE vs IntroVAE, KL and JSD"),
    (changed(vae={"gnelbo": lambda c: _j(1.0, c.seed)}), T2 + "S-IntroVAE vs VAE, gnELBO (1e-7)"),
    (changed(vae={"kl": lambda c: _j(0.5, c.seed)}), T2 + "IntroVAE vs VAE, KL and JSD"),
])
def test_claims_fail_when_the_numbers_contradict_the_paper(metrics, name):
    c = verdicts(QUICK3, fake_runs(QUICK3, metrics))[name]
    assert c.verdict == "FAIL", (c.verdict, c.reason)


@pytest.mark.parametrize("fig21", [
    {"vae": (0.2, 1, 0.9), "sintrovae": (2.5, 8, 0.05)},      # the VAE did not collapse
    {"vae": (0.002, 1, 0.98), "sintrovae": (0.01, 8, 0.05)},  # S-IntroVAE collapsed too
])
def test_fig21_fails_when_the_numbers_contradict_the_paper(fig21):
    assert verdicts(QUICK, fake_runs(QUICK, fig21=fig21))["Fig. 21"].verdict == "FAIL"


def _fig3(by_m, plan=QUICK, base=good_metrics):
    """IntroVAE's Fig. 3 KL and JSD per m from `by_m(m, seed)`."""
    fig3 = set(plan.fig3)

    def metrics(c):
        m = base(c)
        if c.method == "introvae" and c in fig3:
            m["kl"] = m["jsd"] = by_m(c.m, c.seed)
        return m
    return metrics


def test_fig3_fails_when_introvae_is_better_at_some_m_and_is_untested_when_seeds_disagree():
    c = verdicts(FULL, fake_runs(FULL, _fig3(lambda m, s: (0.5, 0.6, 0.4, 0.5, 0.55)[s] if m == 5 else 50.0, FULL)))
    assert c["Fig. 3"].verdict == "FAIL"
    c = verdicts(FULL, fake_runs(FULL, _fig3(lambda m, s: (5.0, 0.1, 5.0, 0.1, 5.0)[s], FULL)))["Fig. 3"]
    assert c.verdict == "NOT TESTED" and "straddles 0" in c.reason


# ----------------------------------------------------------------- not tested: the control passes

def test_the_gnelbo_claims_against_the_vae_are_not_tested_when_an_untrained_network_beats_the_vae():
    """Measured: the untrained network's gnELBO on 8 Gaussians is 7.07, below the VAE's (quick run
    7.46, the paper's 7.42): being below the VAE on gnELBO shows no learning."""
    v = verdicts(QUICK3, fake_runs(QUICK3), fake_init(QUICK3, gnelbo=7.07))
    for name in (T2 + "S-IntroVAE vs VAE, gnELBO (1e-7)", T2 + "IntroVAE vs VAE, gnELBO (1e-7)"):
        assert v[name].verdict == "NOT TESTED" and "the test also passes on its control" in v[name].reason
        assert v[name].control.verdict == "passes"
    assert v[T2 + "S-IntroVAE vs VAE, KL and JSD"].verdict == "PASS"


@pytest.mark.parametrize("name, init, metrics", [
    ("Fig. 2(a)", dict(off_support=0.05, modes_covered=8), good_metrics),  # an untrained net on the modes
    ("Fig. 2(b)", {}, changed(vae={"density_off_support": 0.9995})),      # the VAE below a flat density
    ("Fig. 21", dict(kl_real=0.3), good_metrics),                          # untrained posteriors not collapsed
])
def test_a_test_that_passes_on_its_control_is_not_tested(name, init, metrics):
    plan = QUICK3
    c = verdicts(plan, fake_runs(plan, metrics), fake_init(plan, **init))[name]
    assert c.verdict == "NOT TESTED" and "the test also passes on its control" in c.reason, (c.verdict, c.reason)


def test_fig3_counts_margins_where_introvae_did_not_learn_and_needs_one_where_it_did():
    """IntroVAE failing at some m is the paper's point; failing at every m is a run that learned nothing."""
    sat = UNTRAINED["kl"]
    v = verdicts(FULL, fake_runs(FULL, _fig3(lambda m, s: sat + 0.5 if m != 1 else 50.0, FULL)),
                 fake_init(FULL, kl=sat, jsd=sat))
    c = v["Fig. 3"]  # learned at m = 1 only: the untrained network (KL 220) does not beat IntroVAE there
    assert c.verdict == "PASS" and "IntroVAE has not learned (KL above the line) at m = 2, 3" in c.run
    v = verdicts(FULL, fake_runs(FULL, _fig3(lambda m, s: sat + 0.5 if m != 1 else 300.0, FULL)),
                 fake_init(FULL, kl=sat, jsd=sat))
    assert v["Fig. 3"].verdict == "NOT TESTED" and "not learned" in v["Fig. 3"].reason


# -------------------------------------------------------------------- not tested: not learned

def test_fig21_is_not_tested_when_s_introvae_sits_at_its_kl_ceiling():
    """The committed quick run: S-IntroVAE's posterior is not collapsed (0.117 nats) but its samples
    are one stroke off the data (KL 220.2 against the untrained network's 220.19, 0 modes)."""
    at_ceiling = lambda c: {**good_metrics(c), **({"kl": 220.2} if c in QUICK.fig21 else {})}  # noqa: E731
    c = verdicts(QUICK, fake_runs(QUICK, at_ceiling, fig21={"vae": (0.000185, 1, 1.0),
                                                            "sintrovae": (0.117, 0, 1.0)}))["Fig. 21"]
    assert c.verdict == "NOT TESTED" and c.reason.startswith("not learned: S-IntroVAE's KL 220.2 (seed 0)")
    assert "halfway between the untrained network's 220.2 and two real samples' 0.72" in c.reason
    assert "0/8 modes" in c.run


@pytest.mark.parametrize("method, name", [
    ("introvae", T2 + "S-IntroVAE vs IntroVAE, KL and JSD"),
    ("vae", "Fig. 2(a)"), ("sintrovae", "Fig. 2(b)"), ("vae", T2 + "S-IntroVAE vs VAE, gnELBO (1e-7)"),
])
def test_claims_are_not_tested_when_a_model_has_not_learned(method, name):
    blob = changed(**{method: {"kl": 150.0}})  # above the line halfway to the untrained network's 220
    c = verdicts(QUICK3, fake_runs(QUICK3, blob))[name]
    assert c.verdict == "NOT TESTED" and c.reason.startswith("not learned:") and "150.0" in c.reason


def test_fig3_is_not_tested_when_s_introvae_has_not_learned_on_a_seed():
    runs = fake_runs(FULL)
    for c in FULL.fig3:
        if c.method == "sintrovae" and c.seed == 1:
            runs[c].metrics["kl"] = 205.0
    c = verdicts(FULL, runs)["Fig. 3"]
    assert c.verdict == "NOT TESTED" and "S-IntroVAE's KL 205.0 (seed 1)" in c.reason


def test_a_null_run_decides_nothing():
    """Every model at its untrained network's numbers: no PASS, no FAIL."""
    def untrained(c):
        return {**UNTRAINED, **({} if c.dataset == "8gaussians" else {"kl": 200.0, "jsd": 100.0})}
    hist = lambda c: {"kl_real": 0.004, **({"kl_fake": 0.004} if c.method != "vae" else {})}  # noqa: E731
    for plan in (QUICK, QUICK3, FULL):
        runs = fake_runs(plan, untrained, hist, fig21={"vae": (0.004, 0, 1.0), "sintrovae": (0.004, 0, 1.0)})
        claims = tc.claims(plan, runs, fake_init(plan))
        assert all(c.verdict == "NOT TESTED" for c in claims), [(c.claim, c.verdict) for c in claims]


# ------------------------------------------------------------------------ the untrained networks

def test_untrained_metrics_rebuild_the_seeded_network_and_share_it_across_methods():
    plan = toy.make_plan("quick", smoke=True)
    init = tc.untrained_metrics(plan)
    assert set(init) == set(plan.all_runs)
    t2 = [init[c] for c in plan.table2]
    assert all(m is t2[0] for m in t2)  # one seed, one evaluation: one network for the three methods
    c = plan.table2[0]
    assert t2[0]["off_support"] == 1.0 and t2[0]["modes_covered"] == 0 and 0 < t2[0]["kl_real"] < report.COLLAPSE_KL
    assert tc.learned([("untrained", c, t2[0]["kl"], t2[0]["kl"])])[0] is False


def test_learned_line_is_halfway_to_two_real_samples():
    c = QUICK.table2[0]
    floor = tc.real_floor_kl("8gaussians", 5000, 100)
    assert 0.3 < floor < 1.5  # the real-vs-real KL of 5000 points (the paper's S-IntroVAE: 1.25)
    assert tc.learned_line(c, 220.0) == pytest.approx(0.5 * (220.0 + floor))
    ok, why = tc.learned([("VAE", c, 41.8, 220.0), ("IntroVAE", c, 220.2, 220.0)])
    assert not ok and why.startswith("IntroVAE's KL 220.2 (seed 0) is not below 110.") and "41.8" not in why


def test_untrained_table_lists_every_run():
    t = tc.untrained_table(QUICK, fake_runs(QUICK), fake_init(QUICK))
    assert len(t) == len(QUICK.all_runs) and t["learned"].all()


# ------------------------------------------------------------------------------ diagnostics

def test_diagnostics_are_ok_on_healthy_runs():
    d = report.diagnostics(QUICK, fake_runs(QUICK))
    assert d and all(x.status == "ok" for x in d), [(x.check, x.value) for x in d if not x.ok]


@pytest.mark.parametrize("kwargs, words", [
    (dict(history=lambda c: {"kl_real": 1.0, **({"kl_fake": 0.5} if c.method != "vae" else {})}), "kl_fake >= kl_real"),
    (dict(history=lambda c: {"kl_real": 0.01 if c.method == "vae" else 1.0,
                             **({"kl_fake": 2.0} if c.method != "vae" else {})}), "VAE's posterior"),
    (dict(metrics=changed(introvae={"kl": 220.0})), "IntroVAE samples reach the data"),
    (dict(metrics=_fig3(lambda m, s: 220.0 if m == 1.0 else 9.0)), "at every m"),
])
def test_diagnostics_warn_on_unhealthy_runs(kwargs, words):
    d = report.diagnostics(QUICK, fake_runs(QUICK, **kwargs))
    warned = [x.check for x in d if x.status == "WARN"]
    assert any(words in w for w in warned), warned


def test_kl_fake_is_a_diagnostic_not_a_claim():
    assert not any("kl_fake" in c.claim for c in tc.claims(QUICK, fake_runs(QUICK), fake_init(QUICK)))


# -------------------------------------------------------------------------------- coverage

def test_coverage_lists_every_figure_and_table_of_the_paper():
    rows = report.coverage(QUICK, fake_runs(QUICK))
    assert [r.item for r in rows if r.item.startswith("Fig.")] == [f"Fig. {i}" for i in range(1, 22)]
    assert [r.item for r in rows if r.item.startswith("Table")] == [f"Table {i}" for i in range(1, 8)]
    assert all(r.status in COVERAGE_STATUSES for r in rows)
    assert all(r.note for r in rows)
    status = {r.item: r.status for r in rows}
    assert status["Fig. 2"] == status["Fig. 21"] == "partly reproduced"
    assert status["Fig. 3"] == "not reproduced"
    assert status["Table 2"] == "implemented, not run"
    assert status["Table 5"] == "out of scope"
    assert "reproduced (quick)" not in status.values()


# ------------------------------------------------------------------------- figures and tables

def test_per_unit_area_integrates_to_one():
    box = (-2.0, 2.0)
    d = report.per_unit_area(np.random.default_rng(0).random((64, 64)), box)
    assert d.sum() * (4.0 / 64) ** 2 == pytest.approx(1.0)


def test_figures_draw_from_fake_runs():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    runs = fake_runs(QUICK)
    for c, r in runs.items():
        r.arrays.update(samples=rng.normal(size=(64, 2)), density=rng.random((32, 32)))
        r.history["rec"] = 1.0
    table2 = {c: runs[c] for c in QUICK.table2}
    figs = [*report.figure2(table2, ["8gaussians"], ["vae", "introvae", "sintrovae"], seed=0),
            report.figure3({c: runs[c] for c in QUICK.fig3}),
            report.figure21({c: runs[c] for c in QUICK.fig21}),
            report.training_curves(table2, "8gaussians", 0)]
    for f in figs:
        f.canvas.draw()
        plt.close(f)


def test_paper_budget_table_reads_the_stored_benchmark_runs(tmp_path):
    import json

    rows = [dict(iteration=i, seconds=60.0 * i / 2500, kl=k, jsd=j, modes_covered=m, off_support=o)
            for i, k, j, m, o in ((2500, 200.0, 90.0, 1, 0.9), (5000, 12.0, 5.0, 8, 0.01))]
    path = tmp_path / "run.json"
    path.write_text(json.dumps(dict(rows=rows, cpu="a CPU", threads=1, commit="abc1234",
                                    date="2026-11-30T12:00:00+00:00")))
    t = report.paper_budget_table({"stored": str(path), "absent": str(tmp_path / "missing.json")})
    assert list(t.index) == [2500, 5000] and t.loc[5000, ("stored", "modes (of 8)")] == 8
    assert t.attrs["provenance"] == ["stored: a CPU, 1 thread(s), commit abc1234, 2026-11-30, 2 min"]
    assert report.paper_budget_table({"absent": str(tmp_path / "missing.json")}).empty


def test_a_plan_without_fig3_s_introvae_seeds_in_common_is_not_tested():
    plan = dataclasses.replace(QUICK, fig3=tuple(c for c in QUICK.fig3 if c.method == "introvae"))
    assert "Fig. 3" not in verdicts(plan, fake_runs(plan))
