"""The README's "Verdicts at a glance" table says what the stored claims tables say."""

import re

from companion.paths import project_root
from companion.report import verdict_counts


def _glance_rows(text: str) -> dict:
    """notebook -> (PASS, FAIL, NOT TESTED) from the README's table under "Verdicts at a glance"."""
    section = text.split("## Verdicts at a glance", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\|.*?`notebooks/(\d\d_\w+)\.ipynb`.*?\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            rows[m.group(1)] = tuple(int(g) for g in m.groups()[1:])
    return rows


def test_the_readme_counts_are_the_stored_verdicts():
    root = project_root()
    readme = _glance_rows((root / "README.md").read_text())
    stored = {r.notebook: (r.PASS, r.FAIL, r._4) for r in verdict_counts(root).itertuples()}
    assert readme == stored
