"""One figure style for every notebook, the panels the papers draw, and saving.

Figures are written as PNG and PDF, tables as CSV and Markdown, under
`figures/<notebook>/` and named after the paper's figure or table.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

STYLE = {"figure.dpi": 100, "savefig.dpi": 150, "axes.titlesize": 10, "axes.labelsize": 9,
         "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8}


def use_style() -> None:
    """The companion's look: seaborn's white grid with small fonts."""
    sns.set_theme(style="whitegrid", rc=STYLE)


#: No creation date or software version in the files, so an unchanged figure is an unchanged file.
FILE_METADATA = {".png": {"Software": None}, ".pdf": {"CreationDate": None, "Producer": None}}


def save_figure(fig: mpl.figure.Figure, folder: str | Path, name: str) -> list[Path]:
    """Write `fig` as folder/name.png and folder/name.pdf (byte-identical when the figure is);
    return the paths. A relative folder lies under the project root."""
    from .paths import resolve

    folder = resolve(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.pdf"]
    for p in paths:
        fig.savefig(p, bbox_inches="tight", metadata=FILE_METADATA[p.suffix])
    return paths


def save_table(df: pd.DataFrame, folder: str | Path, name: str) -> list[Path]:
    """Write `df` as folder/name.csv and folder/name.md; return the paths."""
    from .paths import resolve

    folder = resolve(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.csv", folder / f"{name}.md"]
    df.to_csv(paths[0], index=False)
    paths[1].write_text(df.to_markdown(index=False) + "\n")
    return paths


def density_panel(ax, density: np.ndarray, box, title=None) -> None:
    """exp(ELBO) on the grid, linear scale, jet colour map on a jet(0) background [C].

    `density` is indexed [i, j] = (x_i, y_j) ('ij' meshgrid), so it is transposed for imshow.
    """
    ax.imshow(density.T, origin="lower", extent=(*box, *box), cmap="jet", interpolation="nearest")
    ax.set_facecolor(plt.cm.jet(0.0))
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title)


def panel_grid(n_rows: int, n_cols: int, size: float = 2.2):
    """A figure of n_rows x n_cols square panels; returns (fig, axes[n_rows, n_cols])."""
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, size * n_rows), squeeze=False)
    return fig, axes


def list_files(folder) -> None:
    """Print the files a notebook wrote to its output folder."""
    from .paths import resolve

    print("Files written:")
    for f in sorted(resolve(folder).iterdir()):
        print(" ", f.name)
