"""Catch-22 map over (relative-gains sensitivity k, initial trust): which binding can start.

Analysis only (docs/model.md sections 3 and 7): see ``catch22_map.toml`` and
:mod:`binding_sim.plot.catch22`. Run ``python experiments/catch22_map.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from binding_sim.config.analysis_file import load_analysis_file
from binding_sim.config.scenario import Scenario
from binding_sim.errors import ConfigError
from binding_sim.plot.catch22 import catch22_map_figure, catch22_table
from binding_sim.plot.figures import publish, script_main

HERE = Path(__file__).resolve().parent
TOML = HERE / "catch22_map.toml"
QUICK_AXIS = 21  # analysis only and cheap: a quick map keeps 21 values per axis


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Catch-22 map: formal, piecemeal-only and neither regions with class boundaries."""
    exp = load_analysis_file(TOML, keys=())  # validated: unknown keys, types, ranges
    scenario = exp.scenario
    if len(exp.grid) != 2:
        raise ConfigError(
            str(TOML), "design.grid", sorted(exp.grid), "a grid over exactly two keys (x, then y)"
        )
    x_key, y_key = exp.grid
    cap = QUICK_AXIS if quick else None
    x_values = np.asarray(exp.axis(x_key, cap), dtype=float)
    y_values = np.asarray(exp.axis(y_key, cap), dtype=float)
    data = catch22_table(scenario, x_key, x_values, y_key, y_values)
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
