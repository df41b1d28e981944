"""Verdicts a reviewer can sign: the paper's claims, training-health diagnostics, and coverage.

* A `Claim` is a statement the paper makes — its own words (`quote`) and where they stand
  (`where`: section, figure, table) —, the paper's number, this run's number, the test that
  decides, the same test run on a negative `Control`, and one of three verdicts: PASS, FAIL, or
  NOT TESTED with the measured reason. What the paper does not say is not a claim.
* `decide` is the one road to a verdict, in this order: the models must have learned (a measured
  precondition against a trivial baseline), any other precondition must hold, the control must
  have been evaluated and must *not* pass the test (a test that passes on its control cannot tell
  the paper's effect from its absence), and only then the test's outcome is the verdict. A null
  run (every model at initialisation or at smoke size) therefore gives NOT TESTED throughout.
* `interval_outcome` is the one rule for seeds: over >= 3 seeds a paired t-interval clear of the
  line decides (PASS or FAIL), an interval that straddles it is NOT TESTED with the interval, and
  fewer than three seeds is NOT TESTED.
* A `Diagnostic` is a training-health check or an identity that holds for any model (kl_fake >=
  kl_real, bpd = (RE + KL) / (D ln 2), an IW bound below the ELBO). It says whether a run is
  usable or a computation is consistent; it is not a claim of the paper and sits in its own table.
* A `Coverage` row names a figure or table of the paper and what the notebook does with it, in
  one vocabulary (`COVERAGE_STATUSES`); "reproduced" only for what a stored run shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PASS, FAIL, NOT_TESTED = "PASS", "FAIL", "NOT TESTED"


@dataclass(frozen=True)
class Control:
    """The claim's own test, run on a negative control with the same data and budget on which the
    paper's effect should be absent: the model at initialisation, the same model on both sides, a
    shortcut (copy the input, the mean plus white noise of equal energy), shuffled pairs."""
    what: str             # the control, in a few words
    value: str            # the test's number(s) on the control
    passes: bool | None   # the test's outcome on the control; None: not evaluated (`value` says why)

    @property
    def verdict(self) -> str:
        return "not evaluated" if self.passes is None else ("passes" if self.passes else "fails")


@dataclass(frozen=True)
class Claim:
    claim: str                  # the paper's statement, in a sentence of ours
    quote: str                  # the paper's own words
    where: str                  # where they stand: "§6.1, Fig. 2(a)", "Table 1"
    paper: str                  # the paper's number or figure
    run: str                    # this run's number(s), formatted
    passed: bool | None         # None: not tested, and `reason` says why
    test: str = ""              # how this run decides
    control: Control | None = None
    reason: str = ""            # for NOT TESTED: the measured precondition that failed

    def __post_init__(self):
        if not self.quote.strip() or not self.where.strip():
            raise ValueError(f"claim {self.claim!r} must quote the paper and say where (a statement the paper "
                             "does not make is not a claim)")
        if self.passed is None and not self.reason:
            raise ValueError(f"claim {self.claim!r} is not tested but gives no reason")
        if self.passed is not None and (self.control is None or self.control.passes is not False):
            state = "has no control" if self.control is None else f"whose control {self.control.verdict}"
            raise ValueError(f"claim {self.claim!r} {state} cannot PASS or FAIL: a verdict needs a negative "
                             "control on which the test was run and did not pass")

    @property
    def verdict(self) -> str:
        return NOT_TESTED if self.passed is None else (PASS if self.passed else FAIL)


def decide(claim: str, *, quote: str, where: str, paper: str, run: str, passed: bool | None, test: str,
           control: Control | None, learned: tuple[bool, str], precondition: tuple[bool, str] = (True, ""),
           why: str = "") -> Claim:
    """The verdict of one claim. NOT TESTED, with the first reason that applies, when: the models
    have not `learned` (ok, measured why not); the `precondition` (ok, why not) fails; the control
    was not evaluated; the test passes on its control; `passed` is None (`why` says why: an
    interval that straddles the line, too few seeds). Otherwise PASS or FAIL as `passed` says."""
    def untested(reason):
        return Claim(claim, quote, where, paper, run, None, test, control, reason)

    ok, not_learned = learned
    if not ok:
        return untested(f"not learned: {not_learned}")
    ok, blocked = precondition
    if not ok:
        return untested(blocked)
    if control is None or control.passes is None:
        reason = "no negative control evaluated" + (f" ({control.value})" if control else "")
        return untested(f"{why}; {reason}" if passed is None and why else reason)
    if control.passes:
        return untested(f"the test also passes on its control ({control.what}: {control.value}), so it cannot "
                        "tell the paper's effect from its absence")
    if passed is None:
        if not why:
            raise ValueError(f"claim {claim!r}: an undecided outcome needs `why`")
        return untested(why)
    return Claim(claim, quote, where, paper, run, bool(passed), test, control)


CLAIM_COLUMNS = ["claim", "paper's words", "where", "paper", "this run", "test", "control",
                 "on the control", "verdict", "why not tested"]


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    """One row per claim: our sentence, the paper's words and where they stand, the paper's value,
    this run's, the test, the control (what: its value) and the test's outcome on it, the verdict
    and the reason when not tested."""
    return pd.DataFrame([{"claim": c.claim, "paper's words": c.quote, "where": c.where, "paper": c.paper,
                          "this run": c.run, "test": c.test,
                          "control": f"{c.control.what}: {c.control.value}" if c.control else "none",
                          "on the control": c.control.verdict if c.control else "none",
                          "verdict": c.verdict, "why not tested": c.reason} for c in claims],
                        columns=CLAIM_COLUMNS)


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

#: What a notebook does with a figure or table of its paper. "reproduced (quick)": the stored
#: quick run shows it; "reproduced (extended)": the stored extended-profile run (figures/extended/)
#: shows it; "partly reproduced": some rows, panels or datasets (the note says which, on
#: which data); "implemented, not run": the code exists (e.g. the full profile) but no stored run
#: shows it; "not reproduced": tried, and the note says why it does not show; "out of scope": why.
COVERAGE_STATUSES = ("reproduced (quick)", "reproduced (extended)", "partly reproduced", "implemented, not run",
                     "not reproduced", "out of scope")
_NEEDS_NOTE = ("partly reproduced", "not reproduced", "out of scope")


@dataclass(frozen=True)
class Coverage:
    item: str       # "Fig. 2", "Table 7", ...
    content: str    # what it shows, in a few words
    status: str     # one of COVERAGE_STATUSES
    note: str = ""  # where it is in the notebook; which part (partly), why (not reproduced, out of scope)

    def __post_init__(self):
        if self.status not in COVERAGE_STATUSES:
            raise ValueError(f"unknown coverage status {self.status!r}; choose from "
                             f"{', '.join(COVERAGE_STATUSES)}")
        if self.status in _NEEDS_NOTE and not self.note:
            raise ValueError(f"{self.item} is {self.status} but gives no reason")


def coverage_table(rows: list[Coverage]) -> pd.DataFrame:
    return pd.DataFrame([{"figure / table": r.item, "shows": r.content, "status": r.status,
                          "note": r.note} for r in rows],
                        columns=["figure / table", "shows", "status", "note"])


def show_coverage(rows: list[Coverage], folder) -> None:
    """Save coverage.csv/.md and display the table."""
    _save_and_display(coverage_table(rows), folder, "coverage")


# ---------------------------------------------------------------------------- budget per claim

#: Where a claim is decided: the quick profile (at most 10 minutes per notebook on two cores), the
#: extended profile (long CPU runs, stored under figures/extended/), the full profile (the paper's
#: setting, a GPU), or nowhere this companion can reach (the reason in `needs`).
BUDGET_PLACES = ("quick", "extended", "full", "not decidable here")
#: Two cores for ten minutes: what one notebook's quick profile may spend.
QUICK_CORE_MINUTES = 20.0


@dataclass(frozen=True)
class Budget:
    """What deciding a claim costs: the runs it needs, their cost in core-minutes on this kind of CPU
    (measured per-step or per-run costs times the runs, one thread per run; `basis` says which
    measurement), where it is decided, and its cost on a GPU (estimated, or why there is none)."""

    claim: str          # the claim (or a family of claims sharing one set of runs), as in the claims table
    needs: str          # the runs that decide it: models, seeds, steps
    core_minutes: float  # their cost on this CPU, one thread per run (nan: not measurable here)
    decided_in: str     # one of BUDGET_PLACES
    basis: str          # the measurement behind core_minutes
    gpu: str = "not measured: no GPU has been lent to this project yet"

    def __post_init__(self):
        if self.decided_in not in BUDGET_PLACES:
            raise ValueError(f"unknown place {self.decided_in!r}; choose from {', '.join(BUDGET_PLACES)}")
        if not self.basis or not self.needs:
            raise ValueError(f"the budget of {self.claim!r} needs its runs and the measurement behind its cost")
        if self.decided_in == "quick" and not self.core_minutes <= QUICK_CORE_MINUTES:
            raise ValueError(f"{self.claim!r}: {self.core_minutes:.1f} core-min does not fit the quick profile's "
                             f"{QUICK_CORE_MINUTES:.0f} (ten minutes on two cores)")


BUDGET_COLUMNS = ["claim", "what deciding it needs", "cost here (core-min)", "decided in", "cost measured from",
                  "on a GPU"]


def budget_table(rows: list[Budget]) -> pd.DataFrame:
    return pd.DataFrame([{"claim": r.claim, "what deciding it needs": r.needs,
                          "cost here (core-min)": round(float(r.core_minutes), 1), "decided in": r.decided_in,
                          "cost measured from": r.basis, "on a GPU": r.gpu} for r in rows], columns=BUDGET_COLUMNS)


def uncovered_claims(claims: list[Claim], rows: list[Budget]) -> list[str]:
    """The claims (by their sentence) that no budget row names: each row's `claim` is the start of
    the sentences it covers."""
    return [c.claim for c in claims if not any(c.claim.startswith(r.claim) for r in rows)]


def show_budget(rows: list[Budget], folder, claims: list[Claim] | None = None) -> None:
    """Save budget.csv/.md and display the table; with `claims`, first check that every claim of
    this run has its row (a ValueError names those without)."""
    missing = uncovered_claims(claims or [], rows)
    if missing:
        raise ValueError(f"no budget row for the claim(s): {missing}")
    _save_and_display(budget_table(rows), folder, "budget")


# ------------------------------------------------------------------------- paired comparisons

#: The fewest seeds on which a paired interval decides anything.
MIN_SEEDS = 3


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

    @property
    def contradicts(self) -> bool:
        """The interval lies wholly on the other side of zero."""
        return self.low > 0 if self.direction == "less" else self.high < 0

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
    if len(a) < MIN_SEEDS:
        raise ValueError(f"a paired comparison needs at least {MIN_SEEDS} seeds, got {len(a)}")
    if direction not in ("less", "greater"):
        raise ValueError(f"direction must be 'less' or 'greater', got {direction!r}")
    d = a - b
    sem = d.std(ddof=1) / np.sqrt(len(d))
    half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * sem
    p = float(stats.ttest_rel(a, b, alternative=direction).pvalue) if sem > 0 else (
        0.0 if (d.mean() < 0) == (direction == "less") and d.mean() != 0 else 1.0)
    return PairedResult(len(d), float(d.mean()), float(d.mean() - half), float(d.mean() + half), p, direction)


@dataclass(frozen=True)
class Outcome:
    """A test's outcome for `decide`: passed (None: undecided), the numbers, and why undecided."""
    passed: bool | None
    text: str
    why: str = ""


def interval_outcome(a, b, direction: str = "less", name: str = "", fmt: str = "{:+.3g}") -> Outcome:
    """The one rule for seeds. Fewer than three seeds: undecided (the gap is shown). Otherwise the
    paired t-interval of a - b: clear of 0 on the claimed side -> passed, on the other side ->
    failed, straddling 0 -> undecided with the interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    label = f"{name}: " if name else ""
    if len(a) < MIN_SEEDS:
        gap = float(np.mean(a) - np.mean(b)) if len(a) else float("nan")
        return Outcome(None, f"{label}diff {fmt.format(gap)} over {len(a)} seed(s)",
                       f"{label}{len(a)} seed(s); an interval needs >= {MIN_SEEDS}")
    r = paired_comparison(a, b, direction)
    if r.supports or r.contradicts:
        return Outcome(r.supports, f"{label}{r}")
    return Outcome(None, f"{label}{r}", f"{label}the interval [{r.low:+.3g}, {r.high:+.3g}] straddles 0")


def control_passes(model_a, model_b, control_a, control_b, direction: str = "less") -> tuple[bool | None, str]:
    """Whether a claim's paired test "passes" on its control, judged so that too few seeds cannot
    hide it. The control passes when its own paired interval is clear on the claimed side (the test
    passes on it). Otherwise it fails (the test can tell the model from its control) only when the model's
    effect (a - b, per seed) differs from the control's by a paired interval clear of 0 — on the
    claimed side (a PASS can stand) or on the other (a FAIL can stand) —, or the control's own
    interval is clear on the other side. A control whose interval merely straddles 0 while the
    model does no differently passes (the test cannot tell them apart). None when fewer than three
    seeds: not evaluated. Returns (passes, text)."""
    ma, mb, ca, cb = (np.asarray(v, dtype=float) for v in (model_a, model_b, control_a, control_b))
    if len(ca) < MIN_SEEDS or len(ma) != len(ca):
        return None, f"{len(ca)} control seed(s) paired with {len(ma)}; needs >= {MIN_SEEDS}"
    own = paired_comparison(ca, cb, direction)
    if own.supports:   # the test passes on the control itself: whatever the model does, no verdict
        return True, f"control {own}"
    if own.contradicts:
        return False, f"control {own}"
    versus = paired_comparison(ma - mb, ca - cb, direction)
    # the other way lets a FAIL stand, never a PASS: a control showing more of the effect than a
    # model that shows it too means the test measures something training does not bring
    model = paired_comparison(ma, mb, direction)
    tells = versus.supports or (versus.contradicts and not model.supports)
    return not tells, f"control {own}; model minus control {versus}"


def all_outcomes(outcomes: list[Outcome]) -> Outcome:
    """Several comparisons that must all hold (one per model, dataset or pair): FAIL when one is
    contradicted, otherwise undecided when one is undecided, otherwise PASS."""
    text = "; ".join(o.text for o in outcomes)
    if any(o.passed is False for o in outcomes):
        return Outcome(False, text)
    undecided = [o.why for o in outcomes if o.passed is None]
    return Outcome(None, text, "; ".join(undecided)) if undecided else Outcome(True, text)


def per_model_verdict(pairs: dict, direction: str, fmt: str = "{:+.3g}") -> tuple[bool | None, str, str]:
    """One paired comparison per model (name -> (a seed values, b seed values)); "less" claims
    a < b. PASS when every model's interval is clear on the claimed side, FAIL when one is clear on
    the other, otherwise NOT TESTED (a straddling interval, fewer than three seeds)."""
    o = all_outcomes([interval_outcome(a, b, direction, name, fmt) for name, (a, b) in pairs.items()])
    return o.passed, o.text, o.why
