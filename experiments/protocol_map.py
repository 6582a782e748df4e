"""The comparative protocol map: which protocol binds, how soon and at what welfare.

Runs ``protocol_map.toml`` (krickovic2016 over both actors' relative-gains
sensitivity and initial trust) and ``protocol_map_2010.toml``
(exporting_security2010 with the 2016 ladder added, over the common threat
and Russia's sensitivity), both under the formal and the piecemeal protocol,
and draws :func:`binding_sim.plot.protocol_map.protocol_map_figure` with each
preset marked. Run ``python experiments/protocol_map.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from binding_sim.config.scenario import Scenario
from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.protocol_map import protocol_map_figure

HERE = Path(__file__).resolve().parent
MAPS = (
    # experiment file, preset marked, its (x, y) keys
    ("protocol_map.toml", "krickovic2016"),
    ("protocol_map_2010.toml", "exporting_security2010"),
)
COLUMNS = [
    "map",
    "protocol",
    "x_key",
    "x",
    "y_key",
    "y",
    "share_bound",
    "share_bound_lo",
    "share_bound_hi",
    "time_to_bind_median",
    "time_to_bind_q25",
    "time_to_bind_q75",
    "welfare",
]


def preset_value(scenario: Scenario, key: str) -> float:
    """The value of a grid key (``scenario.common_threat`` or ``actors.A.KEY``) in a scenario."""
    if key == "scenario.common_threat":
        return float(scenario.common_threat)
    _, who, attr = key.split(".")
    actor = scenario.actors[0] if who == "*" else scenario.actors[scenario.actor_names.index(who)]
    return float(getattr(actor, attr))


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound, median binding round and welfare per protocol over two grids."""
    tables: list[pd.DataFrame] = []
    meta_maps: list[str] = []
    points: dict[str, float] = {}
    seeds: dict[str, float] = {}
    for file, preset in MAPS:
        results, _, exp = run_experiment(HERE / file, quick)
        x_key, y_key = exp.design.params
        names = exp.scenario.actor_names
        welfare = sum(results[f"payoff_relative_discounted_{n}"] for n in names) / len(names)
        table = results.assign(
            map=exp.scenario.name,
            x_key=x_key,
            x=results[x_key],
            y_key=y_key,
            y=results[y_key],
            welfare=welfare,
            **{f"welfare_{n}": results[f"payoff_relative_discounted_{n}"] for n in names},
        )
        tables.append(table[COLUMNS + [f"welfare_{n}" for n in names]])
        sc = Scenario.load(preset)
        meta_maps.append(exp.scenario.name)
        points[f"{exp.scenario.name}:x"] = preset_value(sc, x_key)
        points[f"{exp.scenario.name}:y"] = preset_value(sc, y_key)
        seeds[exp.scenario.name] = float(exp.seed)
        if len(tables) == 1:
            first = exp
    data = pd.concat(tables, ignore_index=True)
    meta = {
        **provenance(first),
        "experiments": [f.removesuffix(".toml") for f, _ in MAPS],
        "seeds": seeds,
        "maps": meta_maps,
        "presets": [p for _, p in MAPS],
        "points": points,
    }
    return publish("protocol_map", data, protocol_map_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
