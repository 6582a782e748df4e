"""Strategy evolution under relative gains: reciprocating share against k, and two rankings.

Round-robin tournaments of the classic memory-one strategies on each
arrangement's relative-gains stage game, then replicator dynamics (see
``strategy_evolution.toml``, :mod:`binding_sim.games.tournament` and
:mod:`binding_sim.plot.strategy_evolution`). Run
``python experiments/strategy_evolution.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from binding_sim.errors import ConfigError
from binding_sim.games.tournament import DEFAULT_PLAYERS
from binding_sim.plot.figures import (
    analysis_axis,
    load_analysis_experiment,
    publish,
    script_main,
)
from binding_sim.plot.strategy_evolution import strategy_evolution_figure, strategy_evolution_table

HERE = Path(__file__).resolve().parent
TOML = HERE / "strategy_evolution.toml"
KEY = "actors.*.relative_gains"


def axis(spec: object, quick: bool) -> np.ndarray:
    """Grid of k (num <= 9 when quick)."""
    return analysis_axis(spec, quick=quick, quick_num=9, source=TOML, key=KEY)


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Reciprocating share after replicator dynamics against k; rankings at a low and a high k."""
    exp, scenario = load_analysis_experiment(TOML)
    head = exp["experiment"]
    grid = exp["design"]["grid"]
    if set(grid) != {KEY}:
        raise ConfigError(str(TOML), "design.grid", sorted(grid), f"must sweep only {KEY}")
    ranking = exp["ranking"]
    ranking_k = [float(v) for v in ranking["relative_gains"]]
    ks = np.unique(np.concatenate([axis(grid[KEY], quick), ranking_k]))
    arrangements = list(head["arrangements"])
    if ranking["arrangement"] not in arrangements:
        arrangements.append(ranking["arrangement"])
    data = strategy_evolution_table(
        scenario,
        arrangements,
        ks,
        players=tuple(head.get("players", DEFAULT_PLAYERS)),
        turns=int(head.get("turns", 200)),
        noise=float(head.get("noise", 0.05)),
        trust=head.get("trust"),
    )
    meta = {
        "scenario": scenario.name,
        "actors": list(scenario.actor_names),
        "arrangements": arrangements,
        "ranking_arrangement": ranking["arrangement"],
        "ranking_k": ranking_k,
        "turns": int(head.get("turns", 200)),
        "noise": float(head.get("noise", 0.05)),
        "trust": head.get("trust"),
        "quick": quick,
    }
    return publish("strategy_evolution", data, strategy_evolution_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
