"""binding_sim: game-theoretic simulation of alliance binding under relative gains.

A thin front door over pure functions. Load a scenario (a preset name or a
TOML path) and analyse it::

    >>> from binding_sim import Scenario
    >>> s = Scenario.load("krickovic2016")
    >>> s.actor_names
    ('NATO', 'Russia')
    >>> round(s.analyze()["arrangements"]["formal"]["tau_star"]["NATO"], 3)
    0.6

Modules, one per concept: :mod:`~binding_sim.scenario` (scenario files),
:mod:`~binding_sim.schema` (every key), :mod:`~binding_sim.stage_game`
(payoff matrices, nashpy convention), :mod:`~binding_sim.analysis`
(thresholds and the Catch-22), :mod:`~binding_sim.rng` (random streams),
:mod:`~binding_sim.engine` and :mod:`~binding_sim.outcomes` (the Monte
Carlo), :mod:`~binding_sim.experiment`, :mod:`~binding_sim.design` and
:mod:`~binding_sim.sweep` (parameter sweeps), :mod:`~binding_sim.strategies`,
:mod:`~binding_sim.match`, :mod:`~binding_sim.tournament` and
:mod:`~binding_sim.evolution` (classic repeated-game strategies),
:mod:`~binding_sim.figures` and :mod:`~binding_sim.plot` (paper figures).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .errors import BindingSimError, ConfigError
from .scenario import Scenario, preset_names

try:
    __version__ = version("binding_sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

# The front door re-exports the main entry points; modules that pull in scipy,
# nashpy, numba or pandas are imported on first use, so the command line starts fast.
_LAZY = {
    "StageGame": "stage_game",
    "analyze": "analysis",
    "simulate": "engine",
    "simulate_cells": "engine",
    "Outcome": "outcomes",
    "Experiment": "experiment",
    "run_sweep": "sweep",
    "read_results": "sweep",
    "Match": "match",
    "strategy": "strategies",
    "tournament": "tournament",
}

if TYPE_CHECKING:
    from .analysis import analyze
    from .engine import simulate, simulate_cells
    from .experiment import Experiment
    from .match import Match
    from .outcomes import Outcome
    from .stage_game import StageGame
    from .strategies import strategy
    from .sweep import read_results, run_sweep
    from .tournament import tournament


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
    "simulate",
    "simulate_cells",
    "strategy",
    "tournament",
]
