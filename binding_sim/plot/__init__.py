"""Plotting: one journal style and one module per kind of figure.

Data preparation lives apart from drawing. Every plot function takes
``ax=None`` (a new figure in the journal style is made only when no axes is
given), returns the artist it drew, and never resizes a figure it did not
create. :func:`sweep_plot` (:mod:`binding_sim.plot.sweep_figure`) draws any
sweep's results table; it is imported on first use, so ``import
binding_sim.plot`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sweep_figure import sweep_plot

__all__ = ["sweep_plot"]


def __getattr__(name: str) -> Any:
    if name == "sweep_plot":
        from .sweep_figure import sweep_plot

        globals()[name] = sweep_plot
        return sweep_plot
    raise AttributeError(f"module 'binding_sim.plot' has no attribute {name!r}")
