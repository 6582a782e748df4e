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
(thresholds and the Catch-22), :mod:`~binding_sim.rng` (random streams).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .analysis import analyze
from .errors import BindingSimError, ConfigError
from .scenario import Scenario, preset_names
from .stage_game import StageGame

try:
    __version__ = version("binding_sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "BindingSimError",
    "ConfigError",
    "Scenario",
    "StageGame",
    "__version__",
    "analyze",
    "preset_names",
]
