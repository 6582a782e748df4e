"""The two channels of a common threat: theta* against initial trust, liberal and realist.

Analysis only (docs/model.md section 15.2): see ``threat_channels.toml`` and
:mod:`binding_sim.plot.threat`. Run ``python experiments/threat_channels.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from binding_sim.config.analysis_file import load_analysis_file
from binding_sim.config.scenario import Scenario
from binding_sim.errors import ConfigError
from binding_sim.plot.figures import publish, script_main
from binding_sim.plot.threat import threat_channels_figure, threat_channels_table

HERE = Path(__file__).resolve().parent
TOML = HERE / "threat_channels.toml"
SERIES = "scenario.threat_dilution"
QUICK_AXIS = 21  # analysis only and cheap: a quick run keeps 21 values per axis
Y_MAX = 12.0  # top of the theta axis: the preset's theta = 3 and theta* = 2 sit low on it


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """theta* against initial trust, the liberal channel alone and with the realist channel."""
    exp = load_analysis_file(TOML, keys=())  # validated: unknown keys, types, ranges
    scenario = exp.scenario
    keys = list(exp.grid)
    if len(keys) not in (2, 3) or keys[-2] != SERIES:
        raise ConfigError(
            str(TOML),
            "design.grid",
            keys,
            f"[panel key,] {SERIES}, then the x axis (an initial trust), in this order",
        )
    cap = QUICK_AXIS if quick else None
    grid = {k: np.asarray(exp.axis(k, cap), dtype=float).tolist() for k in keys}
    data = threat_channels_table(scenario, grid)
    x = keys[-1]
    panel = keys[0] if len(keys) == 3 else None
    point = {"x": _value(scenario, x), "theta": scenario.common_threat}
    titles = {}
    if panel is not None:
        point["panel"] = _value(scenario, panel)
        titles = {f"{v:g}": _title(scenario, panel, v) for v in grid[panel]}
    meta = {
        "scenario": scenario.name,
        "actors": list(scenario.actor_names),
        "x": x,
        "series": SERIES,
        "panel": panel,
        "point": point,
        "panel_titles": titles,
        "y_max": Y_MAX,
        "quick": quick,
    }
    return publish("threat_channels", data, threat_channels_figure, out_dir, meta)


def _value(scenario: Scenario, key: str) -> float:
    """The scenario's own value of a grid key (actor A's for ``actors.*``; actor A's payoff)."""
    parts = key.split(".")
    if parts[0] == "actors":
        who = parts[1]
        actor = (
            scenario.actors[0] if who == "*" else scenario.actors[scenario.actor_names.index(who)]
        )
        return float(getattr(actor, parts[-1]))
    if parts[0] == "arrangements" and parts[2] == "payoffs":
        pay = scenario.arrangements[parts[1]].payoffs
        i = scenario.actor_names.index(parts[3]) if len(parts) == 5 else 0
        return float(getattr(pay[i], parts[-1]))
    return float(getattr(scenario, parts[-1]))


def _title(scenario: Scenario, key: str, value: float) -> str:
    """A panel's title: a payoff compared with the status quo ``P``, the preset's marked."""
    parts = key.split(".")
    own = _value(scenario, key)
    if parts[0] == "arrangements" and parts[2] == "payoffs" and parts[-1] in "ST":
        P = _value(scenario, ".".join([*parts[:-1], "P"]))
        rel = ">" if value > P else "<" if value < P else "="
        title = f"{parts[-1]} = {value:g} {rel} P = {P:g}"
        return title + (" (the preset)" if value == own else "")
    return f"{key} = {value:g}"


if __name__ == "__main__":
    raise SystemExit(script_main(main))
