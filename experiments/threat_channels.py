"""The two channels of a common threat: theta* against initial trust, liberal and realist.

Analysis only (docs/model.md sections 15.1 and 15.2): see ``threat_channels.toml`` and
:mod:`binding_sim.plot.threat`. One panel per scenario (``experiment.scenario``, then
``experiment.compare``): the bilateral treaty and the unilateral guarantee.
Run ``python experiments/threat_channels.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from binding_sim.config.analysis_file import load_analysis_file
from binding_sim.config.experiment import load_scenario_ref
from binding_sim.config.scenario import Scenario
from binding_sim.errors import ConfigError
from binding_sim.plot.figures import publish, script_main
from binding_sim.plot.threat import threat_channels_figure, threat_channels_table

HERE = Path(__file__).resolve().parent
TOML = HERE / "threat_channels.toml"
SERIES = "scenario.threat_dilution"
PANEL = "scenario"
QUICK_AXIS = 21  # analysis only and cheap: a quick run keeps 21 values per axis
Y_MAX = 12.0  # top of the theta axis: the presets' theta = 3 and theta* = 2 and 1 sit low on it


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """theta* against initial trust, the liberal channel alone and with the realist channel."""
    exp = load_analysis_file(TOML, keys=("experiment.compare",))  # validated: keys, types, ranges
    scenarios = [exp.scenario] + [
        load_scenario_ref(ref, HERE, str(TOML), "experiment.compare")
        for ref in exp.values["experiment.compare"]
    ]
    keys = list(exp.grid)
    if len(keys) != 2 or keys[0] != SERIES:
        raise ConfigError(
            str(TOML),
            "design.grid",
            keys,
            f"{SERIES}, then the x axis (an initial trust), in this order",
        )
    cap = QUICK_AXIS if quick else None
    grid = {k: np.asarray(exp.axis(k, cap), dtype=float).tolist() for k in keys}
    x = keys[-1]
    tables = []
    for sc in scenarios:
        part = threat_channels_table(sc, grid)
        part.insert(0, PANEL, sc.name)
        tables.append(part)
    data = pd.concat(tables, ignore_index=True)
    meta = {
        "scenario": scenarios[0].name,
        "actors": list(scenarios[0].actor_names),
        "x": x,
        "series": SERIES,
        "panel": PANEL,
        "points": [
            {"panel": sc.name, "x": _value(sc, x), "theta": sc.common_threat} for sc in scenarios
        ],
        "panel_titles": {sc.name: _title(sc) for sc in scenarios},
        "y_max": Y_MAX,
        "quick": quick,
    }
    return publish("threat_channels", data, threat_channels_figure, out_dir, meta)


def _value(scenario: Scenario, key: str) -> float:
    """The scenario's own value of a grid key (actor A's for ``actors.*``)."""
    parts = key.split(".")
    if parts[0] == "actors":
        who = parts[1]
        actor = (
            scenario.actors[0] if who == "*" else scenario.actors[scenario.actor_names.index(who)]
        )
        return float(getattr(actor, parts[-1]))
    return float(getattr(scenario, parts[-1]))


def _title(scenario: Scenario) -> str:
    """A panel's title: the formal treaty, bilateral or moved by one actor (section 15.1)."""
    mover = scenario.formal.mover
    if mover:
        return f"{mover}'s unilateral guarantee"
    return "the bilateral treaty"


if __name__ == "__main__":
    raise SystemExit(script_main(main))
