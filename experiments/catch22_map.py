"""Catch-22 map over (relative-gains sensitivity k, initial trust): which binding can start.

Analysis only (docs/model.md sections 3 and 7): see ``catch22_map.toml`` and
:mod:`binding_sim.plot.catch22`. Run ``python experiments/catch22_map.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from binding_sim.config.scenario import Scenario
from binding_sim.errors import ConfigError
from binding_sim.plot.catch22 import catch22_map_figure, catch22_table
from binding_sim.plot.figures import (
    analysis_axis,
    load_analysis_experiment,
    publish,
    script_main,
)

HERE = Path(__file__).resolve().parent
TOML = HERE / "catch22_map.toml"
QUICK_AXIS = 21  # analysis only and cheap: a quick map keeps 21 values per axis


def axis(key: str, spec: object, quick: bool) -> np.ndarray:
    """Grid values of one key (num <= QUICK_AXIS when quick)."""
    return analysis_axis(spec, quick=quick, quick_num=QUICK_AXIS, source=TOML, key=key)


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Catch-22 map: formal, piecemeal-only and neither regions with class boundaries."""
    exp, scenario = load_analysis_experiment(TOML)
    design = exp.get("design", {})
    grid = design.get("grid", {})
    if design.get("kind", "grid") != "grid" or not isinstance(grid, dict) or len(grid) != 2:
        raise ConfigError(str(TOML), "design", design, "a grid over exactly two keys (x, then y)")
    (x_key, x_spec), (y_key, y_spec) = grid.items()
    data = catch22_table(
        scenario, x_key, axis(x_key, x_spec, quick), y_key, axis(y_key, y_spec, quick)
    )
    point = [_value(scenario, x_key), _value(scenario, y_key)]
    meta = {
        "scenario": scenario.name,
        "actors": list(scenario.actor_names),
        "x": x_key,
        "y": y_key,
        "point": point,
        "first_rung": scenario.ladder[0] if scenario.ladder else None,
        "quick": quick,
    }
    return publish("catch22_map", data, catch22_map_figure, out_dir, meta)


def _value(scenario: Scenario, key: str) -> float:
    """The scenario's own value of a grid key (actor A's for ``actors.*``)."""
    if key == "scenario.common_threat":
        return scenario.common_threat
    _, who, attr = key.split(".")
    actor = scenario.actors[0] if who == "*" else scenario.actors[scenario.actor_names.index(who)]
    return float(getattr(actor, attr))


if __name__ == "__main__":
    raise SystemExit(script_main(main))
