"""What every notebook builder shares: the cell constructors, the claims cells, the closing
"files written" cell, and writing the notebook (without outputs) to its path or to the one given on the command line."""

import sys
from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell


def claims_cells():
    """The claims table (saved as claims.csv/.md) and one verdict line per claim, which nbval compares."""
    return [code(r"""claims = report.claims(plan, runs)
ct = claims_table(claims)
save_table(ct, out, "claims")
display(ct)"""),
            code(r"""for c in claims:
    print(f"{c.verdict:10s} {c.claim}")""")]


def files_written_cell():
    """Lists the output folder; ignored by nbval (the list depends on what ran before)."""
    return code(r"""# NBVAL_IGNORE_OUTPUT
print("Files written:")
for f in sorted(out.iterdir()):
    print(" ", f.name)""")


def write_notebook(cells, default_path: str) -> Path:
    nb = nbf.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    path = Path(sys.argv[1] if len(sys.argv) > 1 else default_path)
    nbf.write(nb, path)
    print("wrote", path)
    return path
