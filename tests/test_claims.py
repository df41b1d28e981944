"""The claims, diagnostics and coverage of notebook 01 (`toy2d_claims`, `toy2d_report`), on fake
runs: every claim PASSes on numbers that support the paper, FAILs on numbers that contradict it,
and is NOT TESTED (with the measured reason) when its negative control passes the same test, when
the models have not learned, or when fewer than three seeds decide nothing."""

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest

from companion.claims import COVERAGE_STATUSES
from companion.papers.soft_introvae import toy2d as toy
from companion.papers.soft_introvae import toy2d_claims as tc
from companion.papers.soft_introvae import toy2d_report as report
from companion.papers.soft_introvae.reported import SOFT_INTROVAE_TABLE2


def small_plan(seeds=(0,), smoke=False):
    """8 Gaussians, the three methods on `seeds`, IntroVAE at m = 1, 5, 10 (seed 0) and S-IntroVAE
    (seeds 0, 1) for Fig. 3, and the Fig. 21 pair (seed 0): every claim's path at a small size."""
    ext = toy.make_plan("extended", datasets=["8gaussians"], seeds=list(seeds), smoke=smoke)
    fig3 = tuple(c for c in ext.fig3 if (c.method == "introvae" and c.seed == 0)
                 or (c.method == "sintrovae" and c.seed in (0, 1)))
    return dataclasses.replace(ext, fig3=fig3, fig21=tuple(c for c in ext.fig21 if c.seed == 0))


QUICK = small_plan()
QUICK3 = small_plan(seeds=(0, 1, 2))
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
    h = {"kl_real": 1.0, "rec": 0.3}
    if c.method != "vae":
        h["kl_fake"] = 2.0
    return h


FIG21_GOOD = {"vae": (0.002, 1, 0.98), "sintrovae": (2.5, 8, 0.05)}
#: The KL of every x given the model's average posterior (measured, quick run: S-IntroVAE 0.045,
#: the collapsed VAE 8e-7).
AVERAGE_POSTERIOR = {"vae": 1e-6, "sintrovae": 0.045}


def fake_runs(plan, metrics=good_metrics, history=good_history, fig21=None):
    """Fake `Run`s for every config of `plan`. `fig21` maps method -> (final kl_real, modes
    covered, off-support share) for the Fig. 21 runs."""
    fig21 = fig21 or FIG21_GOOD
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
                 kl_real=0.004, kl_average_posterior=0.0039)  # measured, seed 0: information 1.1e-4 nats


def fake_init(plan, **changes):
    """`untrained_metrics` of `plan`, faked: UNTRAINED (KL 200, JSD 100 off 8 Gaussians), then
    `changes` (metric -> value or f(config))."""
    out = {}
    for c in plan.all_runs:
        m = dict(UNTRAINED) if c.dataset == "8gaussians" else {**UNTRAINED, "kl": 200.0, "jsd": 100.0}
        m.update({k: v(c) if callable(v) else v for k, v in changes.items()})
        out[c] = m
    return out


def fake_posterior(plan, runs, average=None) -> dict:
    """`posterior_metrics` of `plan`'s Fig. 21 runs, faked: the final model's real-data KL is the
    run's last logged one; `average` (method -> KL) the average posterior's (AVERAGE_POSTERIOR)."""
    average = {**AVERAGE_POSTERIOR, **(average or {})}
    return {c: {"kl_real": float(runs[c].history["kl_real"].iloc[-1]), "kl_average_posterior": average[c.method]}
            for c in plan.fig21 if c in runs}


def all_claims(plan, runs, init=None, average=None):
    return tc.claims(plan, runs, init or fake_init(plan), fake_posterior(plan, runs, average))


def verdicts(plan, runs, init=None, average=None) -> dict:
    """Claim name (its text up to the first colon) -> Claim."""
    claims = all_claims(plan, runs, init, average)
    names = [c.claim.split(":")[0] for c in claims]
    assert len(set(names)) == len(names), names
    return dict(zip(names, claims))


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
#: gnELBO claims that no run can decide: a constant-output autoencoder (KL 0, decoder = the data
#: mean) scores below the worse method's gnELBO in the paper's own Table 2 (8 Gaussians 7.08 < the
#: VAE's 7.42; Spiral 4.46 and Rings 3.75 below every method's).
CONSTANT_BEATS = {T2 + "S-IntroVAE vs VAE, gnELBO (1e-7)", T2 + "IntroVAE vs VAE, gnELBO (1e-7)",
                  *(f"Table 2, Spiral, {p}, gnELBO (1e-7)" for p in ("S-IntroVAE vs VAE", "S-IntroVAE vs IntroVAE",
                                                                   "IntroVAE vs VAE")),
                  *(f"Table 2, Rings, {p}, gnELBO (1e-7)" for p in ("S-IntroVAE vs IntroVAE", "IntroVAE vs VAE"))}


# ------------------------------------------------------------------------------ declarations

def test_every_claim_quotes_the_paper_and_has_a_control():
    """Each claim carries the paper's words in quotation marks ([our insertions] in brackets), where
    they stand, and a control on which its test was run (and, on supporting numbers, did not pass)."""
    for c in all_claims(FULL, fake_runs(FULL)):
        quoted = c.quote.split('"')[1::2]
        assert quoted and all(q.strip() for q in quoted) and c.where.startswith(("§", "App.", "Table 2")), c.claim
        name = c.claim.split(":")[0]
        assert c.control is not None and c.control.passes is (name in CONSTANT_BEATS), c.claim
    statements = (tc.FIG2_SAMPLES, tc.FIG2_DENSITY, tc.FIG21, tc.FIG3, tc.FIG3_SENSITIVITY, tc.TABLE2)
    assert all(re.sub(r"\[[^\]]*\]", "", s.quote).count('"') % 2 == 0 for s in statements)


def test_quick_claims_and_the_table2_split():
    v = verdicts(QUICK, fake_runs(QUICK))
    assert list(v) == ["Fig. 2(a)", "Fig. 2(b)", "Fig. 21", "Fig. 3", "Fig. 3 (sensitivity)", *T2_NAMES]
    # the paper's Table 2 does not separate S-IntroVAE and IntroVAE on gnELBO (1.25 ± 0.35 vs 1.29 ± 0.76): no claim
    assert T2 + "S-IntroVAE vs IntroVAE, gnELBO (1e-7)" not in v
    # on Checkerboard it separates the VAE and S-IntroVAE on KL only (20.91 ± 0.45 vs 20.27 ± 0.21: no; JSD yes)
    full = verdicts(FULL, fake_runs(FULL))
    assert "not claimed (within the paper's stds): KL" in full["Table 2, Checkerboard, S-IntroVAE vs VAE, JSD"].test


# ------------------------------------------------------------------------------ passing

def test_one_seed_decides_only_the_per_run_fig21_test():
    v = verdicts(QUICK, fake_runs(QUICK))
    assert v["Fig. 21"].verdict == "PASS" and v["Fig. 21"].test.startswith("per run, as the paper's Fig. 21 is one run")
    for name, c in v.items():
        if name == "Fig. 21":
            continue
        assert c.verdict == "NOT TESTED", name
        if name in CONSTANT_BEATS:  # no number of seeds would decide it: that reason comes first
            assert "the test also passes on its control" in c.reason and "constant-output" in c.reason
        elif name == "Fig. 3 (sensitivity)":
            assert c.reason == "1 seed(s) at every m; a seed spread needs >= 3"
        else:
            assert c.reason.endswith("seed(s); an interval needs >= 3"), (name, c.reason)
            # the next-seed control needs three seeds: with one it is not evaluated
            assert name == "Fig. 3" or "1 control seed(s) paired with 1; needs >= 3" in c.control.value
            assert name == "Fig. 3" or c.control.verdict == "not evaluated"


def test_claims_pass_over_three_seeds():
    v = verdicts(QUICK3, fake_runs(QUICK3))
    undecided = {"Fig. 3", "Fig. 3 (sensitivity)"} | CONSTANT_BEATS  # Fig. 3: its IntroVAE has one seed
    assert {n: c.verdict for n, c in v.items() if n not in undecided} == dict.fromkeys(set(v) - undecided, "PASS")
    assert "one-sided p" in v["Fig. 2(a)"].run and "log10 S-IntroVAE / VAE" in v["Fig. 2(b)"].run
    assert {v[n].verdict for n in undecided & set(v)} == {"NOT TESTED"}
    for n in ("Fig. 2(a)", "Fig. 2(b)", T2 + "S-IntroVAE vs VAE, KL and JSD"):  # both controls evaluated, failed
        assert v[n].control.verdict == "fails" and "model minus control mean diff" in v[n].control.value, n


def test_full_profile_claims_pass_on_the_papers_own_numbers():
    claims = all_claims(FULL, fake_runs(FULL))
    decided = [c for c in claims if c.claim.split(":")[0] not in CONSTANT_BEATS]
    assert all(c.verdict == "PASS" for c in decided), [(c.claim, c.verdict, c.reason) for c in decided]
    for c in claims:
        if c.claim.split(":")[0] in CONSTANT_BEATS:  # even on the paper's own numbers
            assert c.verdict == "NOT TESTED" and "whatever the models' budget" in c.reason, c.claim
    by = {c.claim: c for c in claims}
    # the paper's own Checkerboard KL ranks IntroVAE first; the claim follows the paper's table and quotes its row
    c = by["Table 2, Checkerboard, S-IntroVAE vs IntroVAE, KL: KL IntroVAE < S-IntroVAE"]
    assert c.where == "Table 2" and '"KL 20.91±0.45 19.03±0.34 20.27±0.21"' in c.quote
    assert '"VAE IntroVAE Soft-IntroVAE" [the columns]' in c.quote and "outperforms IntroVAE" not in c.quote
    c = by["Table 2, Rings, IntroVAE vs VAE, gnELBO (1e-7): gnELBO (1e-7) VAE < IntroVAE"]
    assert c.where == "Table 2" and '"Rings gnELBO 6.4±0.04 7.25±0.18 6.3±0.08"' in c.quote
    # every other ordering is §6.1's sentence, and quotes it
    for name, c in by.items():
        if name.startswith("Table 2") and "KL IntroVAE < S-IntroVAE" not in name and "VAE < IntroVAE" not in name:
            assert c.where == "§6.1, Table 2" and c.quote == tc.TABLE2.quote, name
    assert len(claims) == 5 + 5 + 6 + 5 + 5  # Figs, then 8 Gaussians, Spiral, Checkerboard, Rings


def test_table2_rows_are_quoted_as_the_paper_prints_them():
    """The rows of Table 2 as they stand in the paper's text (± restored)."""
    assert tc.table2_row("checkerboard", "kl") == "KL 20.91±0.45 19.03±0.34 20.27±0.21"
    assert tc.table2_row("rings", "gnelbo") == "Rings gnELBO 6.4±0.04 7.25±0.18 6.3±0.08"
    assert tc.table2_row("8gaussians", "jsd") == "JSD 16.04±0.3 1.67±0.46 0.96±0.15"
    assert tc.table2_statement("rings", {"gnelbo": ("sintrovae", "introvae")}) is tc.TABLE2
    mixed = tc.table2_statement("checkerboard", {"kl": ("introvae", "sintrovae"), "jsd": ("sintrovae", "introvae")})
    assert mixed.where == "Table 2; §6.1" and mixed.quote.endswith(tc.TABLE2.quote)


def test_the_likelihood_claim_quotes_the_sharper_support():
    assert '"S-IntroVAE learns distributions with sharper supports than a standard VAE"' in tc.FIG2_DENSITY.quote
    assert "prohibits the model from generating" not in tc.FIG2_DENSITY.quote  # that sentence is about samples
    assert "§4.1" in tc.FIG2_DENSITY.where


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


@pytest.mark.parametrize("name, init, metrics, average", [
    ("Fig. 2(a)", dict(off_support=0.05, modes_covered=8), good_metrics, None),  # an untrained net on the modes
    ("Fig. 2(b)", {}, changed(vae={"density_off_support": 0.9995}), None),      # the VAE below a flat density
    ("Fig. 21", dict(kl_real=0.3), good_metrics, None),                          # untrained posteriors not collapsed
])
def test_a_test_that_passes_on_its_control_is_not_tested(name, init, metrics, average):
    plan = QUICK3
    c = verdicts(plan, fake_runs(plan, metrics), fake_init(plan, **init), average)[name]
    assert c.verdict == "NOT TESTED" and "the test also passes on its control" in c.reason, (c.verdict, c.reason)


def test_fig21_needs_the_line_above_the_untrained_network():
    """Measured: the untrained network's posterior depends on x by 1.1e-4 nats, below 0.05, so the
    control fails and the test decides."""
    c = verdicts(QUICK, fake_runs(QUICK))["Fig. 21"]
    assert c.verdict == "PASS" and c.control.verdict == "fails"
    assert c.control.value == "its x-dependence 0.0001 nats (fails)"
    assert c.control.verdict == "fails" and "untrained network" in c.control.what
    assert "every line between 0.002 and 2.5 nats gives this run's outcome" in c.run


def test_fig21_counts_only_how_the_posterior_depends_on_x():
    """A posterior far from the prior but the same for every x (real-data KL 2.5, its average
    posterior's 2.49) has collapsed: an x-dependence of 0.01 nats, below the line, so S-IntroVAE
    'collapsed too' and the claim FAILs (the old test, on the real-data KL alone, passed it)."""
    c = verdicts(QUICK, fake_runs(QUICK), average={"sintrovae": 2.49})["Fig. 21"]
    assert c.verdict == "FAIL" and "S-IntroVAE 0.01" in c.run


def test_posterior_kls_of_an_encoder_without_information_equal_its_average_posteriors():
    import torch

    class Const(torch.nn.Module):  # every x gets N((0.3, -0.2), diag(0.5, 2.0))
        def forward(self, x):
            n = x.shape[0]
            return torch.tensor([[0.3, -0.2]]).expand(n, 2), torch.tensor([[0.5, 2.0]]).log().expand(n, 2)

    model = type("M", (), {"encoder": Const()})()
    k = tc.posterior_kls(model, torch.randn(100, 2))
    closed = 0.5 * sum(v + m * m - 1 - math.log(v) for m, v in ((0.3, 0.5), (-0.2, 2.0)))
    assert k["kl_real"] == pytest.approx(closed, rel=1e-5)
    assert k["kl_average_posterior"] == pytest.approx(closed, rel=1e-5)


def test_the_posterior_information_is_half_the_variance_of_mu_plus_half_the_jensen_gap():
    """kl_real − kl_average_posterior, computed by the code, against the closed form per dimension:
    ½ Var(mu) + ½ (log E sigma² − E log sigma²), on an encoder whose posterior moves with x."""
    import torch

    class Lin(torch.nn.Module):
        def forward(self, x):
            return 0.7 * x, 0.4 * x.flip(1)  # mu = 0.7 x, log sigma² = 0.4 x (swapped axes)

    model = type("M", (), {"encoder": Lin()})()
    x = torch.randn(500, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64).float()
    k = tc.posterior_kls(model, x)
    mu, lv = (0.7 * x).double(), (0.4 * x.flip(1)).double()
    closed = 0.5 * float((mu.var(0, unbiased=False) + lv.exp().mean(0).log() - lv.mean(0)).sum())
    assert k["kl_real"] - k["kl_average_posterior"] == pytest.approx(closed, rel=1e-4)



def test_posterior_kls_read_whether_the_decoder_uses_z():
    import torch

    class Enc(torch.nn.Module):
        def forward(self, x):
            return x, torch.zeros_like(x)

    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(4))
    reads = tc.posterior_kls(type("M", (), {"encoder": Enc(), "decoder": torch.nn.Identity()})(), x)
    assert reads["rec_own"] == pytest.approx(0.0, abs=1e-12)
    assert reads["rec_other"] == pytest.approx(float((x - x.roll(1, 0)).pow(2).sum(1).mean()))
    const = type("M", (), {"encoder": Enc(), "decoder": staticmethod(torch.zeros_like)})()
    ignores = tc.posterior_kls(const, x)
    assert ignores["rec_own"] == ignores["rec_other"]


# ------------------------------------------------------------- the next seed and a constant autoencoder

def test_a_gap_within_the_vaes_seed_spread_is_not_tested():
    """The VAE's next seed in S-IntroVAE's place: S-IntroVAE below the VAE by less than the VAE's
    seeds differ from each other is no evidence (claims.control_passes)."""
    noisy = changed(vae={"kl": lambda c: (6.72, 9.0, 4.5)[c.seed], "jsd": lambda c: (16.0, 19.0, 13.5)[c.seed]},
                    sintrovae={"kl": lambda c: (6.2, 8.6, 4.1)[c.seed], "jsd": lambda c: (15.5, 18.6, 13.0)[c.seed]})
    c = verdicts(QUICK3, fake_runs(QUICK3, noisy))[T2 + "S-IntroVAE vs VAE, KL and JSD"]
    assert "KL S-IntroVAE - VAE: mean diff" in c.run  # the paired interval alone would pass ...
    assert c.verdict == "NOT TESTED" and "the test also passes on its control" in c.reason  # ... the control too
    assert "(2) the VAE's next seed (s + 1, cyclic) there" in c.control.what


def test_the_constant_autoencoders_gnelbo_matches_its_closed_form():
    """e(x) = ||x - mean||^2: on 8 Gaussians E e = R^2 + 2 sigma^2 = 2.0 over the data and about
    2 (2L)^2 / 12 over the grid, so gnELBO = E_data / (1024^2 E_grid + 12800 E_data) = 7.09e-7."""
    L, sigma = 2.0, 0.02 / 1.414
    e_data, e_grid = 2.0 + 2 * sigma ** 2, 2 * (2 * L) ** 2 / 12
    closed = 1e7 * e_data / (1024 ** 2 * e_grid + 12800 * e_data)
    assert report.constant_gnelbo("8gaussians", 0, 5000, 2, 12800, 1024) == pytest.approx(closed, rel=0.01)
    assert report.data_spread("8gaussians")[1] == pytest.approx(2.0, abs=0.01)  # the constant predictor's error


# ------------------------------------------------------------------------ ties; Fig. 3's sensitivity

def test_a_tie_on_a_control_is_not_evaluated():
    assert tc.passes([220.19], [220.19], "less") is None
    assert tc.passes([219.0], [220.19], "less") is True and tc.passes([221.0], [220.19], "less") is False
    assert tc.passes([5.0, 5.0, 5.0], [5.0, 5.0, 5.0], "less") is None  # an interval that does not clear 0
    assert tc.every([None, False]) is False and tc.every([None, True]) is None and tc.every([True, True]) is True
    assert tc.any_passes([None, True]) is True and tc.any_passes([None, False]) is None


def test_fig3_control_marks_a_tie_at_the_ceiling():
    """The committed quick run: the untrained network and IntroVAE at the KL ceiling tie (220.19);
    the tie is not evaluated, and every KL cell tied and no JSD cell failing leaves the control not evaluated."""
    sat = UNTRAINED["kl"]
    at_ceiling = _fig3(lambda m, s: sat)
    runs = fake_runs(QUICK, at_ceiling)
    for c in QUICK.fig3:
        if c.method == "introvae":
            runs[c].metrics["jsd"] = UNTRAINED["jsd"]
    control = verdicts(QUICK, runs)["Fig. 3"].control
    assert "(tie, tie, tie)" in control.value and control.verdict == "not evaluated"


def _sensitivity(plan, by_m, **kw):
    return verdicts(plan, fake_runs(plan, _fig3(by_m, plan)), **kw)["Fig. 3 (sensitivity)"]


def test_fig3_sensitivity_passes_fails_and_needs_its_control_to_fail():
    # the paper's picture: KL rising with m far beyond the seeds' wobble
    c = _sensitivity(FULL, lambda m, s: _j(2.53 + 5.0 * (m - 1), s))
    assert c.verdict == "PASS" and c.control.verdict == "fails" and c.where == "§6.2, Fig. 3"
    assert '"Evidently, IntroVAE is very sensitive to this hyperparameter"' in c.quote
    # the margin matters less than the seed
    c = _sensitivity(FULL, lambda m, s: (5.0, 0.1, 5.0, 0.1, 5.0)[s] + 0.01 * m)
    assert c.verdict == "FAIL"
    # one seed per margin shows one value: no seed spread (the quick profile)
    c = _sensitivity(QUICK, lambda m, s: _j(2.53 + 5.0 * (m - 1), s))
    assert c.verdict == "NOT TESTED" and c.reason == "1 seed(s) at every m; a seed spread needs >= 3"
    # an artefact of the seed-by-margin layout that the rotated margins also show: not tested
    ms = list(FULL.profile.m_values)
    c = _sensitivity(FULL, lambda m, s: 100.0 if (ms.index(m) + s) % len(ms) == 0 else 1.0)
    assert c.verdict == "NOT TESTED" and "the test also passes on its control" in c.reason


def test_fig3_sensitivity_is_not_tested_while_introvae_has_not_learned():
    sat = UNTRAINED["kl"]
    c = _sensitivity(FULL, lambda m, s: sat + 0.1 * m, init=fake_init(FULL, kl=sat))
    assert c.verdict == "NOT TESTED" and c.reason.startswith("not learned: IntroVAE has not learned at any m")


def test_rotated_margins_keep_each_seeds_values():
    v = np.arange(12.0).reshape(4, 3)
    r = tc.rotated_margins(v)
    assert all(sorted(r[:, i]) == sorted(v[:, i]) for i in range(3)) and (r[:, 0] == v[:, 0]).all()
    assert tc.sensitivity(np.array([[1.0, 3.0], [10.0, 10.0]])) == (8.0, 2.0)


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
        claims = all_claims(plan, runs)
        assert all(c.verdict == "NOT TESTED" for c in claims), [(c.claim, c.verdict) for c in claims]


# ------------------------------------------------------------------------ the untrained networks

def test_untrained_metrics_rebuild_the_seeded_network_and_share_it_across_methods():
    plan = small_plan(smoke=True)
    init = tc.untrained_metrics(plan)
    assert set(init) == set(plan.all_runs)
    t2 = [init[c] for c in plan.table2]
    assert all(m is t2[0] for m in t2)  # one seed, one evaluation: one network for the three methods
    c = plan.table2[0]
    assert t2[0]["off_support"] == 1.0 and t2[0]["modes_covered"] == 0 and 0 < t2[0]["kl_real"] < report.COLLAPSE_KL
    assert 0 <= t2[0]["kl_average_posterior"] < report.COLLAPSE_KL
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
                             **({"kl_fake": 2.0} if c.method != "vae" else {})}), "VAE's real-data KL stays off zero"),
    (dict(metrics=changed(introvae={"kl": 220.0})), "IntroVAE samples reach the data"),
    (dict(metrics=_fig3(lambda m, s: 220.0 if m == 1.0 else 9.0)), "at every m"),
    (dict(history=lambda c: {**good_history(c), "rec": 3.84 if c.method == "introvae" else 0.3}),
     "Table 2: IntroVAE's reconstruction error is below a constant predictor's"),
])
def test_diagnostics_warn_on_unhealthy_runs(kwargs, words):
    d = report.diagnostics(QUICK, fake_runs(QUICK, **kwargs))
    warned = [x.check for x in d if x.status == "WARN"]
    assert any(words in w for w in warned), warned


def test_kl_fake_is_a_diagnostic_not_a_claim():
    assert not any("kl_fake" in c.claim for c in all_claims(QUICK, fake_runs(QUICK)))


# -------------------------------------------------------------------------------- coverage

def test_coverage_lists_every_figure_and_table_of_the_paper():
    rows = report.coverage(QUICK, fake_runs(QUICK))
    assert [r.item for r in rows if r.item.startswith("Fig.")] == [f"Fig. {i}" for i in range(1, 22)]
    assert [r.item for r in rows if r.item.startswith("Table")] == [f"Table {i}" for i in range(1, 8)]
    assert all(r.status in COVERAGE_STATUSES for r in rows)
    assert all(r.note for r in rows)
    status = {r.item: r.status for r in rows}
    assert status["Fig. 2"] == status["Fig. 21"] == status["Fig. 3"] == "partly reproduced"
    # Table 2 below the paper's schedule (1/24 of its samples) reproduces none of its numbers; the full profile's may
    assert status["Table 2"] == "not reproduced" and "1/24 of its samples" in next(r.note for r in rows
                                                                                    if r.item == "Table 2")
    assert {r.item: r.status for r in report.coverage(FULL, fake_runs(FULL))}["Table 2"] == "partly reproduced"
    # Fig. 21 is reproduced only where S-IntroVAE's samples lie on the data on every seed
    off = fake_runs(QUICK, fig21={**FIG21_GOOD, "sintrovae": (*FIG21_GOOD["sintrovae"][:2], 0.9)})
    assert {r.item: r.status for r in report.coverage(QUICK, off)}["Fig. 21"] == "not reproduced"
    assert status["Table 5"] == "out of scope"
    assert "reproduced (quick)" not in status.values()
    fig21 = next(r.note for r in rows if r.item == "Fig. 21")
    assert "5000 iterations, seed 0" in fig21 and "reconstruction error 0.30 vs 2.00 for a constant" in fig21
    at_ceiling = fake_runs(QUICK, metrics=lambda c: {**good_metrics(c),
                                                     **({"kl": 220.19} if c.method == "introvae" else {})})
    assert {r.item: r.status for r in report.coverage(QUICK, at_ceiling)}["Fig. 3"] == "not reproduced"


def test_the_quick_coverage_defers_to_the_stored_extended_run(monkeypatch, tmp_path):
    from companion import stored

    quick = toy.make_plan("quick")
    assert not quick.fig3 and not quick.fig21
    monkeypatch.setattr(stored, "stored_run", lambda notebook, profile="extended", root=None: None)
    rows = {r.item: r for r in report.coverage(quick, fake_runs(quick))}
    assert rows["Fig. 3"].status == rows["Fig. 21"].status == "implemented, not run"
    assert "--profile extended" in rows["Fig. 3"].note
    coverage = pd.DataFrame([
        {"figure / table": "Fig. 3", "shows": "x", "status": "reproduced (quick)", "note": "m = 1, 5"},
        {"figure / table": "Fig. 21", "shows": "x", "status": "not reproduced", "note": "why"}])
    run = stored.StoredRun("01_soft_introvae_2d", "extended", tmp_path, {"date": "2026-12-06", "code": "x"},
                           {"coverage": coverage})
    monkeypatch.setattr(stored, "stored_run", lambda notebook, profile="extended", root=None: run)
    rows = {r.item: r for r in report.coverage(quick, fake_runs(quick))}
    assert rows["Fig. 3"].status == "reproduced (extended)" and rows["Fig. 21"].status == "not reproduced"
    note = rows["Fig. 3"].note
    assert note.startswith("extended profile, stored run (2026-12-06; stale") and "m = 1, 5" in note


def test_the_reconstruction_diagnostic_spares_the_collapsed_fig21_vae():
    """A collapsed VAE predicts the mean: its error equals the constant's, as the paper's Fig. 21 says."""
    runs = fake_runs(QUICK, history=lambda c: {**good_history(c), "rec": 2.0 if c in QUICK.fig21 and c.method == "vae"
                                               else 0.3})
    d = [x for x in report.diagnostics(QUICK, runs) if "reconstruction error" in x.check]
    assert d and all(x.ok for x in d) and not any(x.check.startswith("Fig. 21: VAE") for x in d)


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
    # the sweeps' budget and seeds are in their titles
    assert figs[2]._suptitle.get_text().endswith(
        "(8 Gaussians; 5000 iterations; IntroVAE seed(s) 0, S-IntroVAE seed(s) 0, 1)")
    assert figs[3]._suptitle.get_text().endswith("beta_neg = 5.0); 5000 iterations, seed 0")
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
