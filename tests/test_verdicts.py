"""The verdict machinery: a claim quotes its paper, NOT TESTED needs a reason, a verdict needs a
negative control on which the test did not pass, the learned precondition and the others override a
result, one interval rule over seeds, the paired comparison against scipy and a hand computation,
diagnostics and coverage tables."""

import numpy as np
import pytest
from scipy import stats

from companion.claims import (
    CLAIM_COLUMNS,
    COVERAGE_STATUSES,
    Claim,
    Control,
    Coverage,
    Diagnostic,
    all_outcomes,
    claims_table,
    coverage_table,
    decide,
    diagnostics_table,
    interval_outcome,
    paired_comparison,
    per_model_verdict,
    verdict_lines,
)

NOT_CONTROL = Control("the model at initialisation", "0.91", False)
LEARNED = (True, "")


def _decide(**kw):
    args = dict(quote="the paper's words", where="Fig. 1", paper="1", run="r", passed=True, test="t",
                control=NOT_CONTROL, learned=LEARNED)
    return decide("c holds", **{**args, **kw})


def test_not_tested_needs_a_reason_and_prints_it():
    with pytest.raises(ValueError, match="no reason"):
        Claim("x holds", "q", "Fig. 1", "1", "-", None)
    c = Claim("x holds", "q", "Fig. 1", "1", "-", None, reason="the metric is saturated")
    assert c.verdict == "NOT TESTED"
    assert verdict_lines([c]) == ["NOT TESTED x holds — the metric is saturated"]
    assert claims_table([c])["why not tested"].tolist() == ["the metric is saturated"]


def test_a_claim_quotes_the_paper_and_says_where():
    with pytest.raises(ValueError, match="quote the paper"):
        Claim("x holds", "", "Fig. 1", "1", "-", True, control=NOT_CONTROL)
    with pytest.raises(ValueError, match="quote the paper"):
        _decide(where=" ")


def test_a_verdict_needs_a_control_on_which_the_test_did_not_pass():
    with pytest.raises(ValueError, match="no control"):
        Claim("x holds", "q", "Fig. 1", "1", "-", True)
    for passes in (True, None):
        with pytest.raises(ValueError, match="cannot PASS or FAIL"):
            Claim("x holds", "q", "Fig. 1", "1", "-", False, control=Control("c", "v", passes))


def test_decide_passes_and_fails_on_the_result_unless_a_precondition_or_the_control_blocks_it():
    assert _decide().verdict == "PASS" and _decide(passed=False).verdict == "FAIL"
    blocked = _decide(learned=(False, "ELBO -540 vs -543 at initialisation"))
    assert blocked.verdict == "NOT TESTED" and blocked.reason == "not learned: ELBO -540 vs -543 at initialisation"
    blocked = _decide(precondition=(False, "the metric is saturated"))
    assert blocked.verdict == "NOT TESTED" and blocked.reason == "the metric is saturated"
    on_control = _decide(control=Control("white noise of equal energy", "FD 120 < 300", True))
    assert on_control.verdict == "NOT TESTED" and "also passes on its control" in on_control.reason
    assert "white noise of equal energy: FD 120 < 300" in on_control.reason
    assert _decide(passed=False, control=Control("c", "v", True)).verdict == "NOT TESTED"
    assert "no negative control" in _decide(control=None).reason
    assert "not evaluated here" in _decide(control=Control("c", "not evaluated here", None)).reason
    both = _decide(passed=None, why="1 seed(s)", control=Control("c", "1 control seed", None))
    assert both.reason == "1 seed(s); no negative control evaluated (1 control seed)"
    straddles = _decide(passed=None, why="the interval [-1, +2] straddles 0")
    assert straddles.verdict == "NOT TESTED" and straddles.reason == "the interval [-1, +2] straddles 0"
    with pytest.raises(ValueError, match="needs `why`"):
        _decide(passed=None)


def test_the_not_learned_precondition_comes_first():
    c = _decide(learned=(False, "at its KL ceiling"), control=Control("c", "v", True), passed=None, why="w")
    assert c.reason == "not learned: at its KL ceiling"


def test_claims_table_shows_the_quote_and_the_control():
    t = claims_table([_decide(), _decide(control=Control("shuffled pairs", "0.52", True))])
    assert list(t.columns) == CLAIM_COLUMNS
    assert t["paper's words"].tolist() == ["the paper's words"] * 2 and t["where"].tolist() == ["Fig. 1"] * 2
    assert t["control"].tolist() == ["the model at initialisation: 0.91", "shuffled pairs: 0.52"]
    assert t["on the control"].tolist() == ["fails", "passes"]
    assert t["verdict"].tolist() == ["PASS", "NOT TESTED"]


def test_one_interval_rule():
    clear = interval_outcome([1.0, 1.2, 0.9], [2.0, 2.5, 1.7], "less")
    assert clear.passed is True and "over 3 seeds" in clear.text
    assert interval_outcome([1.0, 1.2, 0.9], [2.0, 2.5, 1.7], "greater").passed is False
    straddle = interval_outcome([1.0, 2.0, 0.5], [1.1, 1.5, 0.9], "less", "VAE")
    assert straddle.passed is None and "straddles 0" in straddle.why and straddle.why.startswith("VAE: ")
    few = interval_outcome([1.0, 1.1], [5.0, 5.1], "less")  # a large gap, but two seeds decide nothing
    assert few.passed is None and "2 seed(s)" in few.why and "-4" in few.text
    assert all_outcomes([clear, straddle]).passed is None
    assert all_outcomes([clear, interval_outcome([2.0, 3.0, 4.0], [1.0, 2.1, 2.9], "less")]).passed is False
    assert all_outcomes([clear, clear]).passed is True
    good = {"A": ([1.0, 1.1, 0.9], [2.0, 2.2, 1.9]), "B": ([0.5, 0.6, 0.4], [1.5, 1.4, 1.6])}
    assert per_model_verdict(good, "less")[0] is True
    assert per_model_verdict({**good, "C": ([1.0], [9.0])}, "less")[0] is None


def test_paired_comparison_matches_scipy_and_a_hand_interval():
    a, b = np.array([1.0, 1.2, 0.9, 1.1]), np.array([2.0, 2.5, 1.7, 2.2])
    r = paired_comparison(a, b, "less")
    d = a - b
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2.0
    assert r.mean == pytest.approx(d.mean()) and r.low == pytest.approx(d.mean() - half)
    assert r.p_value == pytest.approx(stats.ttest_rel(a, b, alternative="less").pvalue)
    assert r.supports and not paired_comparison(a, b, "greater").supports


def test_paired_comparison_does_not_support_a_gap_within_the_spread():
    a, b = np.array([1.0, 2.0, 0.5]), np.array([1.1, 1.5, 0.9])  # differences -0.1, +0.5, -0.4
    assert not paired_comparison(a, b, "less").supports
    with pytest.raises(ValueError, match="at least 3"):
        paired_comparison([1.0, 2.0], [2.0, 3.0])
    with pytest.raises(ValueError, match="one length"):
        paired_comparison([1.0, 2.0, 3.0], [2.0, 3.0])


def test_diagnostics_and_coverage_tables():
    t = diagnostics_table([Diagnostic("kl_fake >= kl_real", "+0.2", ">= 0", True),
                           Diagnostic("loss finite", "nan", "finite", False)])
    assert t.status.tolist() == ["ok", "WARN"]
    rows = [Coverage("Fig. 2", "samples", COVERAGE_STATUSES[0], "Fig. 2 section"),
            Coverage("Fig. 9", "CelebA-HQ", "out of scope", "needs a 1024² dataset")]
    assert coverage_table(rows)["status"].tolist() == ["reproduced (quick)", "out of scope"]
    with pytest.raises(ValueError, match="unknown coverage status"):
        Coverage("Fig. 1", "x", "done")
    for status in ("out of scope", "not reproduced", "partly reproduced"):
        with pytest.raises(ValueError, match="no reason"):
            Coverage("Fig. 1", "x", status)
    assert Coverage("Fig. 1", "x", "implemented, not run").note == ""


def test_a_control_fails_only_when_the_model_beats_it_by_an_interval():
    from companion.claims import control_passes

    model_a, model_b = [1.0, 1.1, 0.9], [3.0, 3.3, 2.9]          # the model's effect: about -2
    weak_a, weak_b = [1.0, 2.0, 0.5], [1.1, 1.5, 0.9]            # the control's straddles 0
    assert control_passes(model_a, model_b, weak_a, weak_b)[0] is False
    assert control_passes(weak_a, weak_b, weak_a, weak_b)[0] is True     # no better than its control
    strong_a, strong_b = [1.0, 1.2, 0.8], [3.1, 3.2, 3.0]        # the control shows the effect as well
    assert control_passes(model_a, model_b, strong_a, strong_b)[0] is True
    assert control_passes(model_a, model_b, [3.0, 3.2, 3.1], [1.0, 1.1, 0.9])[0] is False  # clear the other way
    assert control_passes([1.0], [2.0], [1.0], [1.0])[0] is None
    # the model clearly the other way while the control shows nothing: the test can tell, a FAIL stands
    assert control_passes(model_b, model_a, weak_a, weak_b)[0] is False
    # a control that passes the test itself passes, however much more the model shows
    assert control_passes([0.0, 0.1, -0.1], [5.0, 5.2, 4.9], [1.0, 1.1, 0.9], [1.5, 1.7, 1.4])[0] is True
    # the control shows more of the effect than a model that shows it too: no PASS can stand
    assert control_passes(model_a, model_b, [1.0, 1.0, 1.1], [4.0, 4.2, 4.1])[0] is True


# ------------------------------------------------------------------------------ budget per claim

def test_a_budget_row_names_its_runs_its_measurement_and_a_known_place():
    from companion.claims import QUICK_CORE_MINUTES, Budget, budget_table

    row = Budget("Fig. 2", "3 seeds x 2 methods, 5000 iterations", 9.0, "quick", "bench_steps.py, batch 128")
    frame = budget_table([row, Budget("Fig. 3", "9 runs", 21.4, "extended", "per-run seconds")])
    assert frame["decided in"].tolist() == ["quick", "extended"]
    assert frame["cost here (core-min)"].tolist() == [9.0, 21.4]
    with pytest.raises(ValueError, match="unknown place"):
        Budget("Fig. 2", "x", 1.0, "somewhere", "y")
    with pytest.raises(ValueError, match="measurement"):
        Budget("Fig. 2", "x", 1.0, "quick", "")
    with pytest.raises(ValueError, match="does not fit the quick profile"):
        Budget("Fig. 2", "x", QUICK_CORE_MINUTES + 0.1, "quick", "y")
    with pytest.raises(ValueError, match="does not fit the quick profile"):
        Budget("Fig. 2", "x", float("nan"), "quick", "y")


def test_every_claim_needs_a_budget_row(tmp_path):
    from companion.claims import Budget, show_budget, uncovered_claims

    claims = [decide("Fig. 2(a): fewer samples off the support", quote="q", where="w", paper="p", run="r",
                     passed=None, test="t", control=None, learned=(False, "not learned"))]
    rows = [Budget("Fig. 3", "9 runs", 21.4, "extended", "per-run seconds")]
    assert uncovered_claims(claims, rows) == ["Fig. 2(a): fewer samples off the support"]
    with pytest.raises(ValueError, match="no budget row"):
        show_budget(rows, tmp_path, claims)
    show_budget(rows + [Budget("Fig. 2", "6 runs", 9.0, "quick", "b")], tmp_path, claims)
    assert (tmp_path / "budget.csv").exists()
