"""One style for every figure: journal widths, colour-blind-safe palette, greyscale-safe lines.

- Widths: :data:`SINGLE` = 3.5 in (one journal column) and :data:`DOUBLE` = 7.2 in (full width).
- Colours: the Okabe-Ito palette (Okabe and Ito 2008), safe for the common colour-vision deficiencies.
- Each series also gets its own line style and marker (:func:`series_style`), so figures survive
  greyscale printing.
- Fonts sized for print (8 pt text, 7 pt ticks at the printed width).
- :func:`save` writes a vector PDF and a 300 dpi PNG at exactly the figure's size (layout is
  ``constrained``, so nothing needs cropping and a single-column figure stays 3.5 in wide).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = [
    "DOUBLE",
    "DPI",
    "LINESTYLES",
    "MARKERS",
    "PALETTE",
    "PROTOCOL_LABELS",
    "SINGLE",
    "figure",
    "key_label",
    "panel_labels",
    "protocol_style",
    "rc",
    "save",
    "series_style",
    "use",
]

SINGLE = 3.5
"""Single-column width in inches."""
DOUBLE = 7.2
"""Double-column (full page) width in inches."""
DPI = 300
"""Resolution of PNG output."""

PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
"""Okabe-Ito colour-blind-safe palette."""

_CYCLE = ["blue", "vermillion", "green", "orange", "purple", "sky_blue", "black", "yellow"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
"""Line styles cycled with the colours, distinct in greyscale."""
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
"""Markers cycled with the colours."""

rc: Any = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.linewidth": 0.3,
    "grid.alpha": 0.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.bbox": "standard",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "image.cmap": "cividis",
}
"""matplotlib rcParams of the journal style (cividis: perceptually uniform, colour-blind safe)."""


def series_style(i: int) -> dict[str, Any]:
    """Colour, line style and marker of series ``i`` (distinct in colour and in greyscale)."""
    return {
        "color": PALETTE[_CYCLE[i % len(_CYCLE)]],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }


PROTOCOL_LABELS = {"formal": "formal (one-off treaty)", "piecemeal": "piecemeal (ladder)"}
"""Legend labels of the two protocols of docs/model.md section 5."""

_PROTOCOL_INDEX = {"piecemeal": 0, "formal": 1}


def protocol_style(protocol: str) -> dict[str, Any]:
    """The series style of a protocol, the same in every figure (piecemeal blue solid, formal red dashed)."""
    return series_style(_PROTOCOL_INDEX.get(protocol, 2 + len(protocol) % 4))


def panel_labels(axes: Any, start: str = "a") -> None:
    """Write ``(a)``, ``(b)``, ... in bold at the top left of each axes."""
    for i, ax in enumerate(list(getattr(axes, "flat", axes))):
        ax.text(
            -0.02,
            1.02,
            f"({chr(ord(start) + i)})",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontweight="bold",
            fontsize=rc["font.size"],
        )


@contextmanager
def use() -> Iterator[None]:
    """Context manager applying the journal style (:data:`rc`)."""
    with mpl.rc_context(rc):
        yield


def figure(
    width: str | float = "single",
    height: float | None = None,
    nrows: int = 1,
    ncols: int = 1,
    **kw: Any,
) -> tuple[Figure, Any]:
    """A new figure at a journal width, with its axes (``plt.subplots`` under :data:`rc`).

    Parameters
    ----------
    width : {"single", "double"} or float
        Column width (3.5 in), full width (7.2 in), or inches.
    height : float, optional
        Inches; default ``0.75 * width`` for one row, scaled by rows.
    """
    w = SINGLE if width == "single" else DOUBLE if width == "double" else float(width)
    h = height if height is not None else min(0.75 * w * nrows / max(ncols, 1) + 0.3, 9.0)
    with mpl.rc_context(rc):
        fig, axes = plt.subplots(nrows, ncols, figsize=(w, h), layout="constrained", **kw)
    return fig, axes


def save(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.pdf`` (vector, Type 42 fonts) and ``stem.png`` (300 dpi); return the paths.

    The files are written under :data:`rc`, so the PDF embeds TrueType (Type 42) fonts, never
    Type 3, whatever the caller's matplotlib settings; to keep settings of your own for the
    drawing, draw and save inside ``with use(), matplotlib.rc_context(yours):`` instead.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    with mpl.rc_context(rc):
        for ext in ("pdf", "png"):
            path = stem.with_suffix(f".{ext}")
            fig.savefig(path, dpi=DPI, metadata={"CreationDate": None} if ext == "pdf" else None)
            out.append(path)
    return out


def key_label(key: str) -> str:
    r"""An axis label for a scenario key (its symbol where the figures know one; the actor in brackets).

    Examples
    --------
    >>> key_label("actors.*.relative_gains"), key_label("actors.Russia.initial_trust")
    ('relative-gains sensitivity $k$', 'initial trust $\\tau_0$ (Russia)')
    """
    names = {
        "relative_gains": "relative-gains sensitivity $k$",
        "initial_trust": r"initial trust $\tau_0$",
    }
    if key == "scenario.common_threat":
        return r"common threat $\theta$"
    parts = key.split(".")
    label = names.get(parts[-1], key)
    return label if len(parts) < 3 or parts[1] == "*" else f"{label} ({parts[1]})"
