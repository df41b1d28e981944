"""Claims tables: each claim of a paper that a notebook tests, the paper's value, this run's
value, and PASS/FAIL. A claim that the current profile cannot test says so ("not tested")
instead of passing silently."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Claim:
    claim: str          # the paper's statement, in a sentence
    paper: str          # the paper's number or figure
    run: str            # this run's number(s), formatted
    passed: bool | None  # None: not tested in this profile
    test: str = ""      # how this run decides

    @property
    def verdict(self) -> str:
        return "not tested" if self.passed is None else ("PASS" if self.passed else "FAIL")


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    """One row per claim: claim, paper, this run, test, verdict."""
    return pd.DataFrame([{"claim": c.claim, "paper": c.paper, "this run": c.run, "test": c.test,
                          "verdict": c.verdict} for c in claims])


def show_claims(claims: list[Claim], folder) -> None:
    """What every notebook's claims section does: save the table as claims.csv/.md under
    `folder`, display it, and print one verdict line per claim (the lines nbval compares)."""
    from IPython.display import display

    from .plots import save_table

    table = claims_table(claims)
    save_table(table, folder, "claims")
    display(table)
    for c in claims:
        print(f"{c.verdict:10s} {c.claim}")
