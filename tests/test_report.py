"""The reproduction report: equations become MathML (code is left alone), the index shows each
notebook's claims, diagnostics and coverage, full-profile results only under their own heading with
their provenance, and — in a real headless Chromium — the index and a notebook page load with the
claims table present and no equation left as raw $...$."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from companion import report
from companion.paths import project_root


def test_math_becomes_mathml_and_code_is_left_alone():
    text = "A $x^2$ and $$\\mathcal N(\\mu, \\Sigma)$$ but `$COMPANION_DATA` and a price of 5 $ stay."
    out = report.math_to_mathml(text)
    assert out.count("<math") == 2 and 'display="block"' in out
    assert "`$COMPANION_DATA`" in out and "5 $ stay" in out
    assert report.raw_math(out) == [] and report.raw_math(text) == ["\\mathcal N(\\mu, \\Sigma)", "x^2"]


def test_a_formula_latex2mathml_cannot_read_is_shown_as_code(monkeypatch):
    import latex2mathml.converter as converter

    def unreadable(*args, **kwargs):
        raise ValueError("unknown macro")

    monkeypatch.setattr(converter, "convert", unreadable)
    assert report.latex_to_mathml("x<y") == '<code class="tex">x&lt;y</code>'


def _project(root: Path, full: bool) -> Path:
    """A project with one notebook, its quick tables and (optionally) a stored full-profile run."""
    (root / "notebooks").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A toy paper\n\n*Someone, \"A toy\", arXiv 0000.00000*\n\n"
                                              "The bound $\\log p(x) \\ge \\mathrm{ELBO}$ holds."),
                nbformat.v4.new_code_cell("print(1)")]
    nbformat.write(nb, str(root / "notebooks" / "01_toy.ipynb"))
    claims = pd.DataFrame([{"claim": "the bound holds", "paper": "Eq. 1", "this run": "0.1 < 0.2",
                            "test": "paired", "verdict": "PASS", "why not tested": ""},
                           {"claim": "it is fast", "paper": "Table 9", "this run": "", "test": "",
                            "verdict": "NOT TESTED", "why not tested": "the model has not learned"}])
    for folder, frame in (("figures/01_toy", claims), ("figures/full/01_toy", claims.assign(verdict="FAIL"))):
        if "full" in folder and not full:
            continue
        (root / folder).mkdir(parents=True)
        frame.to_csv(root / folder / "claims.csv", index=False)
        pd.DataFrame([{"figure / table": "Fig. 1", "shows": "x", "status": "reproduced (quick)", "note": ""}]).to_csv(
            root / folder / "coverage.csv", index=False)
    if full:
        (root / "figures/full/01_toy/run.json").write_text(json.dumps(
            {"commit": "abc1234", "hardware": "NVIDIA H200", "date": "2026-12-01"}))
    return root


def test_the_index_keeps_full_profile_results_apart_with_their_provenance(tmp_path):
    index = report.build_site(_project(tmp_path / "p", full=True), tmp_path / "site")
    page = index.read_text()
    quick, full = page.split("Full profile (stored results")
    assert "1 PASS, 0 FAIL, 1 NOT TESTED" in quick and "the model has not learned" in quick
    assert "FAIL" in full and "abc1234" in full and "NVIDIA H200" in full and "2026-12-01" in full
    assert "FAIL</td>" not in quick                                  # the full run's verdicts stay in its part
    nb_page = (tmp_path / "site/notebooks/01_toy.html").read_text()
    assert "<math" in nb_page and report.raw_math(visible_text(nb_page)) == []
    assert "mathjax" not in nb_page.lower() and 'src="http' not in nb_page    # nothing to fetch from the internet


def test_without_a_stored_full_run_the_index_says_so(tmp_path):
    page = report.build_site(_project(tmp_path / "p", full=False), tmp_path / "site").read_text()
    assert "Full profile: no stored results yet" in page and "Full profile (stored" not in page


# ------------------------------------------------------------------------------ a real browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for the browser test (.ci/run does)")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    return found


def rendered_dom(browser: str, page: Path) -> str:
    """The page's DOM after Chromium loaded and laid it out (scripts run, if any)."""
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=3000",
                              "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style|math)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", dom)


def test_chromium_opens_the_index_and_a_notebook_page_of_the_real_project(tmp_path):
    browser = chromium()
    index = report.build_site(project_root(), tmp_path / "site", notebooks=["01", "06"])
    dom = rendered_dom(browser, index)
    assert '<table class="claims">' in dom and "PASS" in dom and "Coverage" in dom
    assert report.raw_math(visible_text(dom)) == []
    nb_dom = rendered_dom(browser, tmp_path / "site/notebooks/06_sos_vae.html")
    assert "<math" in nb_dom and "<img" in nb_dom                    # equations as MathML, figures inline
    markdown = " ".join(re.findall(r'<div class="[^"]*jp-MarkdownOutput[^"]*"[^>]*>(.*?)</div>', nb_dom, flags=re.S))
    assert markdown and report.raw_math(visible_text(markdown)) == []


def test_a_full_run_stores_its_provenance_for_the_report(tmp_path):
    from companion.runner import write_provenance

    path = write_provenance(tmp_path / "figures/full/01_toy", "01_toy", "full", 12.4, project_root())
    record = json.loads(path.read_text())
    assert record["profile"] == "full" and record["seconds"] == 12 and record["commit"] != "unknown"
    assert record["hardware"] and re.fullmatch(r"\d{4}-\d\d-\d\d", record["date"])
    meta, tables = report.full_results(tmp_path, "01_toy")
    assert meta == record and tables == {}


def test_companion_report_writes_the_site(tmp_path, capsys):
    from companion import cli

    assert cli.main(["report", "--output", str(tmp_path / "site"), "--only", "06"]) == 0
    assert "report ->" in capsys.readouterr().out
    assert (tmp_path / "site/index.html").exists() and (tmp_path / "site/notebooks/06_sos_vae.html").exists()
