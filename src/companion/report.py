"""The reproduction report: one static HTML site with every paper's verdicts, readable without Jupyter.

`build_site()` (`companion report`, `make report`) writes under `site/`:

* `index.html` — per notebook: the paper, its claims (the paper's value, this run's value, the
  verdict, the test), its diagnostics and its coverage table, for the quick profile from
  `figures/<notebook>/`; and, only where a full-profile run was stored as data
  (`figures/full/<notebook>/run.json`: the commit, the hardware, the date), the full profile's
  tables beside them under their own heading — never mixed into the quick ones;
* `notebooks/<notebook>.html` — each committed notebook rendered with its figures (nbconvert).

Equations are converted to MathML when the site is built (`latex2mathml`), so they render in any
current browser with no script and no internet; a formula that cannot be converted is left as
code, visibly, rather than as raw `$...$`.
"""

from __future__ import annotations

import datetime
import html
import json
import re
import shutil
from pathlib import Path

import pandas as pd

from .paths import project_root

#: the tables each notebook writes into its figure folder, in the order the index shows them
TABLES = (("claims", "Claims"), ("diagnostics", "Diagnostics (training health, not claims)"),
          ("coverage", "Coverage: every figure and table of the paper"))
#: the file a full-profile run stores its provenance in (commit, hardware, date)
PROVENANCE = "run.json"

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")
_FENCE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)

CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.PASS { background: #e3f5e1; font-weight: 600; } td.FAIL { background: #fbe2e2; font-weight: 600; }
td.NOT-TESTED { background: #f4f0dc; font-weight: 600; } td.WARN { background: #fbe2e2; }
td.passes { background: #fbe2e2; } td.fails { background: #eef3f8; }
.summary { color: #555; } .full { border-left: 4px solid #6a5acd; padding-left: 1rem; }
nav a { margin-right: 1rem; }
"""


# ----------------------------------------------------------------------------------- equations

def latex_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for one formula; on a formula latex2mathml cannot read, the LaTeX as code."""
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # an unsupported macro: show the source, not a broken page
        return f"<code class=\"tex\">{html.escape(latex.strip())}</code>"


def math_to_mathml(markdown: str) -> str:
    """Replace `$$...$$` and `$...$` in Markdown by MathML, leaving code spans and fences alone."""
    def convert(text: str) -> str:
        text = _DISPLAY.sub(lambda m: latex_to_mathml(m.group(1), True), text)
        return _INLINE.sub(lambda m: latex_to_mathml(m.group(1)), text)

    parts = _FENCE.split(markdown)
    return "".join(p if _FENCE.fullmatch(p) else convert(p) for p in parts)


def raw_math(text: str) -> list[str]:
    """Formulas still written as `$...$` in rendered text (what the tests look for)."""
    return _DISPLAY.findall(text) + _INLINE.findall(text)


# ----------------------------------------------------------------------------------- tables

def _cell(column: str, value) -> str:
    text = "" if pd.isna(value) else str(value)
    css = f' class="{text.replace(" ", "-")}"' if column in ("verdict", "status", "on the control") and text else ""
    return f"<td{css}>{html.escape(text)}</td>"


def html_table(frame: pd.DataFrame, css: str) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(_cell(c, v) for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def verdict_summary(claims: pd.DataFrame) -> str:
    counts = claims["verdict"].value_counts() if "verdict" in claims else pd.Series(dtype=int)
    return ", ".join(f"{counts.get(v, 0)} {v}" for v in ("PASS", "FAIL", "NOT TESTED"))


def _tables(folder: Path) -> dict:
    return {name: pd.read_csv(folder / f"{name}.csv") for name, _ in TABLES if (folder / f"{name}.csv").exists()}


def full_results(root: Path, notebook: str, profile: str = "full") -> tuple[dict, dict] | None:
    """(provenance, tables) of a stored run of `profile` (extended or full), or None when there is none."""
    folder = root / "figures" / profile / notebook
    if not (folder / PROVENANCE).exists():
        return None
    return json.loads((folder / PROVENANCE).read_text()), _tables(folder)


# ----------------------------------------------------------------------------------- pages

def notebook_heading(path: Path) -> tuple[str, str]:
    """(title, the paper's citation line) from the notebook's first Markdown cell."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    lines = [ln.strip() for ln in first.splitlines() if ln.strip()]
    title = next((ln.lstrip("# ") for ln in lines if ln.startswith("#")), path.stem)
    paragraphs = [" ".join(p.split()) for p in first.split("\n\n")]
    cite = next((p for p in paragraphs if p.startswith("*")), "")
    return title, cite.replace("*", "")


def render_notebook(path: Path) -> str:
    """The notebook as one HTML page, its figures inline and its equations as MathML."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    # no script from the internet: MathML needs none, and the site must work offline
    body = re.sub(r"<script[^>]*mathjax[^>]*>.*?</script>", "", body, flags=re.S | re.I)
    body = re.sub(r"<script[^>]*>\s*init_mathjax.*?</script>", "", body, flags=re.S)
    body = re.sub(r"<!--[^>]*?mathjax[^>]*?-->", "", body, flags=re.I)
    body = re.sub(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>", "", body)   # require.js from a CDN
    title = html.escape(notebook_heading(path)[0])
    body = re.sub(r"<title>.*?</title>", lambda m: f"<title>{title}</title>", body, count=1, flags=re.S)
    back = '<p style="margin:1rem 2rem"><a href="../index.html">← all papers</a></p>'
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + back, body, count=1)


#: per stored profile: (section title, summary column, what makes one)
STORED_HEADINGS = {"extended": ("Extended profile", "extended profile (long CPU runs)", "a long CPU run"),
                   "full": ("Full profile", "full profile (GPU)", "a GPU run")}


def _stored_text(root: Path, name: str, profile: str) -> str:
    stored = full_results(root, name, profile)
    if stored is None:
        return "none stored"
    meta, tables = stored
    stale = " — stale" if _is_stale(name, meta) else ""
    counts = verdict_summary(tables["claims"]) if "claims" in tables else "stored, without claims"
    return f"{counts} ({meta.get('hardware', '?')}, {meta.get('date', '?')}{stale})"


def _is_stale(name: str, meta: dict) -> bool:
    from .stored import training_code_hash

    return meta.get("code") != training_code_hash(name)


def summary_table(root: Path, chosen: dict) -> str:
    """One row per notebook: its title (a link to its section), the quick profile's verdict counts
    and those of each stored long-profile run (extended, full)."""
    rows = []
    for name, path in chosen.items():
        claims = _tables(root / "figures" / name).get("claims")
        stored = "".join(f"<td>{html.escape(_stored_text(root, name, p))}</td>" for p in STORED_HEADINGS)
        rows.append(f'<tr><td><a href="#{name}">{html.escape(notebook_heading(path)[0])}</a></td>'
                    f"<td>{verdict_summary(claims) if claims is not None else 'not run'}</td>{stored}</tr>")
    heads = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in STORED_HEADINGS.values())
    return ('<table class="overview"><thead><tr><th>notebook</th><th>quick profile (CPU)</th>' + heads +
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _stored_section(root: Path, name: str, profile: str) -> list[str]:
    heading, _, what = STORED_HEADINGS[profile]
    stored = full_results(root, name, profile)
    if stored is None:
        return [f'<p class="summary">{heading}: no stored results yet ({what}; '
                f'`companion run {name[:2]} --profile {profile}` stores them with their provenance).</p>']
    meta, tables = stored
    about = ", ".join(f"{k} {html.escape(str(meta[k]))}" for k in ("commit", "hardware", "date") if k in meta)
    if isinstance(meta.get("seconds"), (int, float)):
        about += f", {meta['seconds'] / 60:.0f} min"
    parts = [f'<div class="full"><h3>{heading} (stored results: {about})</h3>']
    if _is_stale(name, meta):
        parts.append('<p class="summary"><strong>Stale:</strong> the code that trains these models has changed '
                     "since this run; its numbers are of the older code until it is re-run.</p>")
    if "claims" in tables:
        parts.append(f'<p class="summary">{verdict_summary(tables["claims"])}.</p>')
    for table, title in TABLES:
        if table in tables:
            parts += [f"<h4>{title} — {profile} profile</h4>", html_table(tables[table], table)]
    parts.append("</div>")
    return parts


def _section(root: Path, name: str, path: Path) -> str:
    title, cite = notebook_heading(path)
    quick = _tables(root / "figures" / name)
    parts = [f'<h2 id="{name}">{html.escape(title)}</h2>', f"<p><em>{html.escape(cite)}</em></p>",
             f'<p><a href="notebooks/{name}.html">the notebook, with its figures</a></p>']
    if "claims" in quick:
        parts.append(f'<p class="summary">Quick profile (CPU): {verdict_summary(quick["claims"])}.</p>')
    else:
        parts.append('<p class="summary">Quick profile: no tables yet (run the notebook).</p>')
    for table, heading in TABLES:
        if table in quick:
            parts += [f"<h3>{heading} — quick profile</h3>", html_table(quick[table], table)]
    for profile in STORED_HEADINGS:
        parts += _stored_section(root, name, profile)
    return "\n".join(parts)


def build_site(root: Path | None = None, out: Path | None = None, notebooks: list[str] | None = None) -> Path:
    """Write the site; returns the index page's path."""
    from .runner import notebook_paths, select

    root = Path(root or project_root())
    out = Path(out or root / "site")
    chosen = select(notebooks, notebook_paths(root)) if notebooks else notebook_paths(root)
    if not chosen:
        raise ValueError(f"no notebooks found under {root / 'notebooks'}")
    if (out / "notebooks").exists():
        shutil.rmtree(out / "notebooks")
    (out / "notebooks").mkdir(parents=True)
    for name, path in chosen.items():
        (out / "notebooks" / f"{name}.html").write_text(render_notebook(path), encoding="utf-8")
    nav = summary_table(root, chosen)
    sections = "\n".join(_section(root, n, p) for n, p in chosen.items())
    built = datetime.date.today().isoformat()
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>VAE paper companion — "
            f"reproduction report</title><style>{CSS}</style></head><body>"
            f"<h1>VAE paper companion — reproduction report</h1>"
            f"<p class=\"summary\">Every claim of every paper in the paper's own words, with this run's value, "
            f"the same test on a negative control (on which the paper's effect should be absent: a test that "
            f"passes there decides nothing) and the verdict (PASS, FAIL, or NOT TESTED with the measured "
            f"reason), and what each notebook covers. Quick-profile results are "
            f"the committed notebooks' (CPU); full-profile results appear only where a GPU run was stored. "
            f"Built {built}.</p>{nav}{sections}</body></html>")
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def verdict_counts(root: Path | None = None) -> pd.DataFrame:
    """Per notebook, the quick profile's stored verdicts: PASS, FAIL, NOT TESTED (from
    figures/<notebook>/claims.csv); the README's "Verdicts at a glance" table quotes these."""
    from .runner import notebook_paths

    root = Path(root or project_root())
    rows = []
    for name in notebook_paths(root):
        path = root / "figures" / name / "claims.csv"
        verdicts = pd.read_csv(path)["verdict"] if path.exists() else pd.Series(dtype=str)
        rows.append({"notebook": name, **{v: int((verdicts == v).sum()) for v in ("PASS", "FAIL", "NOT TESTED")}})
    return pd.DataFrame(rows, columns=["notebook", "PASS", "FAIL", "NOT TESTED"])
