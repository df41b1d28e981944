"""The verdict machinery: NOT TESTED needs a reason, preconditions override a result, the paired
comparison against scipy and a hand computation, diagnostics and coverage tables."""

import numpy as np
import pytest
from scipy import stats

from companion.claims import (
    COVERAGE_STATUSES,
    Claim,
    Coverage,
    Diagnostic,
    claims_table,
    coverage_table,
    decide,
    diagnostics_table,
    paired_comparison,
    verdict_lines,
)


def test_not_tested_needs_a_reason_and_prints_it():
    with pytest.raises(ValueError, match="no reason"):
        Claim("x holds", "1", "-", None)
    c = Claim("x holds", "1", "-", None, reason="the metric is saturated")
    assert c.verdict == "NOT TESTED"
    assert verdict_lines([c]) == ["NOT TESTED x holds — the metric is saturated"]
    assert claims_table([c])["why not tested"].tolist() == ["the metric is saturated"]


def test_decide_passes_and_fails_on_the_result_unless_the_precondition_fails():
    assert decide("c", "p", "r", True, "t").verdict == "PASS"
    assert decide("c", "p", "r", False, "t").verdict == "FAIL"
    blocked = decide("c", "p", "r", True, "t", precondition=(False, "model has not learned"))
    assert blocked.verdict == "NOT TESTED" and blocked.reason == "model has not learned"


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
    with pytest.raises(ValueError, match="no reason"):
        Coverage("Fig. 1", "x", "out of scope")
