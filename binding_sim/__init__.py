"""binding_sim: game-theoretic simulation of alliance binding under relative gains.

A thin front door over pure functions. Load a scenario (a preset name or a
TOML path) and analyse it::

    >>> from binding_sim import Scenario
    >>> s = Scenario.load("krickovic2016")
    >>> s.actor_names
    ('NATO', 'Russia')
    >>> round(s.analyze()["arrangements"]["formal"]["tau_star"]["NATO"], 3)
    0.6

Modules, one per concept: :mod:`~binding_sim.config.scenario` (scenario files),
:mod:`~binding_sim.config.schema` (every key), :mod:`~binding_sim.model.stage_game`
(payoff matrices, nashpy convention), :mod:`~binding_sim.analysis`
(thresholds and the Catch-22), :mod:`~binding_sim.rng` (random streams),
:mod:`~binding_sim.dynamics.engine` and :mod:`~binding_sim.dynamics.outcomes` (the Monte
Carlo), :mod:`~binding_sim.config.experiment`, :mod:`~binding_sim.config.design` and
:mod:`~binding_sim.sweep` (parameter sweeps and sensitivity analysis), :mod:`~binding_sim.games.strategies`,
:mod:`~binding_sim.games.match`, :mod:`~binding_sim.games.tournament` and
:mod:`~binding_sim.games.evolution` (classic repeated-game strategies),
:mod:`~binding_sim.plot.figures` and :mod:`~binding_sim.plot` (paper figures),
:mod:`~binding_sim.plot.sweep_figure` (:func:`sweep_plot`: any sweep's table as a figure).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .config.scenario import Scenario, preset_names
from .errors import BindingSimError, ConfigError

try:
    __version__ = version("binding_sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

# The front door re-exports the main entry points; modules that pull in scipy,
# nashpy, numba or pandas are imported on first use, so the command line starts fast.
_LAZY = {
    "StageGame": "model.stage_game",
    "analyze": "analysis",
    "simulate": "dynamics.engine",
    "simulate_cells": "dynamics.engine",
    "Outcome": "dynamics.outcomes",
    "Experiment": "config.experiment",
    "run_sweep": "sweep",
    "read_results": "sweep",
    "sweep_plot": "plot.sweep_figure",
    "sensitivity": "sweep.sensitivity",
    "Match": "games.match",
    "strategy": "games.strategies",
    "tournament": "games.tournament",
}

if TYPE_CHECKING:
    from .analysis import analyze
    from .config.experiment import Experiment
    from .dynamics.engine import simulate, simulate_cells
    from .dynamics.outcomes import Outcome
    from .games.match import Match
    from .games.strategies import strategy
    from .games.tournament import tournament
    from .model.stage_game import StageGame
    from .plot.sweep_figure import sweep_plot
    from .sweep import read_results, run_sweep
    from .sweep.sensitivity import sensitivity


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'binding_sim' has no attribute {name!r}")


__all__ = [
    "BindingSimError",
    "ConfigError",
    "Experiment",
    "Match",
    "Outcome",
    "Scenario",
    "StageGame",
    "__version__",
    "analyze",
    "preset_names",
    "read_results",
    "run_sweep",
    "sensitivity",
    "simulate",
    "simulate_cells",
    "strategy",
    "sweep_plot",
    "tournament",
]
