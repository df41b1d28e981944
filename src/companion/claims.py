"""Verdicts a reviewer can sign: the paper's claims, training-health diagnostics, and coverage.

* A `Claim` is a statement of the paper, its number, this run's number, the test that decides,
  and one of three verdicts: PASS, FAIL, or NOT TESTED with the measured reason (a saturated
  metric, a model that has not learned, data that is missing) — never a silent pass.
* A `Diagnostic` is a training-health check (kl_fake >= kl_real and the like). It says whether a
  run is usable; it is not a claim of the paper and sits in its own table.
* A `Coverage` row names a figure or table of the paper and what the notebook does with it, so
  that nothing of the paper goes unmentioned.
* `paired_comparison` decides a gap between two methods trained on the same seeds: the mean of
  the per-seed differences with a t-interval, and the one-sided paired t-test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PASS, FAIL, NOT_TESTED = "PASS", "FAIL", "NOT TESTED"


@dataclass(frozen=True)
class Claim:
    claim: str           # the paper's statement, in a sentence
    paper: str           # the paper's number or figure
    run: str             # this run's number(s), formatted
    passed: bool | None  # None: not tested, and `reason` says why
    test: str = ""       # how this run decides
    reason: str = ""     # for NOT TESTED: the measured precondition that failed

    def __post_init__(self):
        if self.passed is None and not self.reason:
            raise ValueError(f"claim {self.claim!r} is not tested but gives no reason")

    @property
    def verdict(self) -> str:
        return NOT_TESTED if self.passed is None else (PASS if self.passed else FAIL)


def decide(claim: str, paper: str, run: str, passed: bool, test: str,
           precondition: tuple[bool, str] = (True, "")) -> Claim:
    """A claim decided by `passed`, unless the measured `precondition` (ok, why not) fails:
    then NOT TESTED with that reason, whatever `passed` says."""
    ok, why = precondition
    if not ok:
        return Claim(claim, paper, run, None, test, why)
    return Claim(claim, paper, run, bool(passed), test)


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    """One row per claim: claim, paper, this run, test, verdict, and the reason when not tested."""
    return pd.DataFrame([{"claim": c.claim, "paper": c.paper, "this run": c.run, "test": c.test,
                          "verdict": c.verdict, "why not tested": c.reason} for c in claims],
                        columns=["claim", "paper", "this run", "test", "verdict", "why not tested"])


def verdict_lines(claims: list[Claim]) -> list[str]:
    """'PASS       <claim>', and for NOT TESTED the reason after the claim."""
    return [f"{c.verdict:10s} {c.claim}" + (f" — {c.reason}" if c.reason else "") for c in claims]


def _save_and_display(table: pd.DataFrame, folder, name: str) -> None:
    """Write `table` as folder/name.csv and .md and show it in the notebook."""
    from IPython.display import display

    from .plots import save_table

    save_table(table, folder, name)
    display(table)


def show_claims(claims: list[Claim], folder) -> None:
    """What every notebook's claims section does: save the table as claims.csv/.md under
    `folder`, display it, and print one verdict line per claim (the lines nbval compares)."""
    _save_and_display(claims_table(claims), folder, "claims")
    print("\n".join(verdict_lines(claims)))


# ------------------------------------------------------------------------------ diagnostics

@dataclass(frozen=True)
class Diagnostic:
    check: str      # what is checked, in a sentence
    value: str      # this run's value(s)
    expected: str   # what a healthy run shows
    ok: bool

    @property
    def status(self) -> str:
        return "ok" if self.ok else "WARN"


def diagnostics_table(diagnostics: list[Diagnostic]) -> pd.DataFrame:
    return pd.DataFrame([{"check": d.check, "this run": d.value, "healthy run": d.expected,
                          "status": d.status} for d in diagnostics],
                        columns=["check", "this run", "healthy run", "status"])


def show_diagnostics(diagnostics: list[Diagnostic], folder) -> None:
    """Save diagnostics.csv/.md, display the table and print one status line per check."""
    _save_and_display(diagnostics_table(diagnostics), folder, "diagnostics")
    for d in diagnostics:
        print(f"{d.status:5s} {d.check}")


# --------------------------------------------------------------------------------- coverage

#: What a notebook can do with a figure or table of its paper.
COVERAGE_STATUSES = ("reproduced (quick)", "reproduced (full profile only)",
                     "paper's numbers shown", "out of scope")


@dataclass(frozen=True)
class Coverage:
    item: str       # "Fig. 2", "Table 7", ...
    content: str    # what it shows, in a few words
    status: str     # one of COVERAGE_STATUSES
    note: str = ""  # where it is in the notebook, or why it is out of scope

    def __post_init__(self):
        if self.status not in COVERAGE_STATUSES:
            raise ValueError(f"unknown coverage status {self.status!r}; choose from "
                             f"{', '.join(COVERAGE_STATUSES)}")
        if self.status == "out of scope" and not self.note:
            raise ValueError(f"{self.item} is out of scope but gives no reason")


def coverage_table(rows: list[Coverage]) -> pd.DataFrame:
    return pd.DataFrame([{"figure / table": r.item, "shows": r.content, "status": r.status,
                          "note": r.note} for r in rows],
                        columns=["figure / table", "shows", "status", "note"])


def show_coverage(rows: list[Coverage], folder) -> None:
    """Save coverage.csv/.md and display the table."""
    _save_and_display(coverage_table(rows), folder, "coverage")


# ------------------------------------------------------------------------- paired comparisons

@dataclass(frozen=True)
class PairedResult:
    n: int              # seeds
    mean: float         # mean of a - b over seeds
    low: float          # two-sided `level` t-interval of the mean difference
    high: float
    p_value: float      # one-sided paired t-test in the direction asked for
    direction: str      # "less": a < b is the claim; "greater": a > b

    @property
    def supports(self) -> bool:
        """The interval lies wholly on the claimed side of zero."""
        return self.high < 0 if self.direction == "less" else self.low > 0

    def __str__(self) -> str:
        return (f"mean diff {self.mean:+.3g} [{self.low:+.3g}, {self.high:+.3g}] over {self.n} seeds, "
                f"one-sided p = {self.p_value:.2g}")


def paired_comparison(a, b, direction: str = "less", level: float = 0.95) -> PairedResult:
    """Compare two methods on the same seeds (a[i] and b[i] from seed i). `direction` "less"
    tests a < b, "greater" a > b. Needs at least three seeds (scipy.stats.ttest_rel)."""
    from scipy import stats

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired values must be two 1-D arrays of one length, got {a.shape} and {b.shape}")
    if len(a) < 3:
        raise ValueError(f"a paired comparison needs at least 3 seeds, got {len(a)}")
    if direction not in ("less", "greater"):
        raise ValueError(f"direction must be 'less' or 'greater', got {direction!r}")
    d = a - b
    sem = d.std(ddof=1) / np.sqrt(len(d))
    half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * sem
    p = float(stats.ttest_rel(a, b, alternative=direction).pvalue) if sem > 0 else (
        0.0 if (d.mean() < 0) == (direction == "less") and d.mean() != 0 else 1.0)
    return PairedResult(len(d), float(d.mean()), float(d.mean() - half), float(d.mean() + half), p, direction)


def per_model_verdict(pairs: dict, direction: str, tolerance: float, tolerance_text: str,
                      fmt: str = "{:+.1f}") -> tuple[bool | None, str, str]:
    """One comparison per model (or per pair of models trained on the same seeds): name -> (a
    seed values, b seed values); "less" claims a < b. A model with three or more seeds: a paired test.
    Fewer: |a - b| must exceed `tolerance` (the evaluation's own noise) on the claimed side. PASS
    when every model supports the claim, FAIL when one contradicts it, otherwise NOT TESTED."""
    sign = -1 if direction == "less" else 1
    texts, support, against, undecided = [], [], [], []
    for k, (a, b) in pairs.items():
        if len(a) >= 3:
            r = paired_comparison(a, b, direction)
            texts.append(f"{k}: {r}")
            ok, bad = r.supports, (r.low > 0 if direction == "less" else r.high < 0)
            why = f"{k}'s interval includes 0 (within the seed-to-seed spread)"
        else:
            g = sign * (float(np.mean(a)) - float(np.mean(b)))
            texts.append(f"{k} " + fmt.format(g))
            ok, bad = g > tolerance, g < -tolerance
            why = f"{k}'s gap is within {tolerance_text}"
        (support if ok else against if bad else undecided).append(why)
    text = "; ".join(texts) if any(len(a) >= 3 for a, _ in pairs.values()) else ", ".join(texts)
    if against:
        return False, text, ""
    if undecided:
        return None, text, "; ".join(undecided)
    return True, text, ""
