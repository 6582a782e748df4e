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

from binding_sim.config.analysis_file import load_analysis_file
from binding_sim.errors import ConfigError
from binding_sim.games.tournament import DEFAULT_PLAYERS
from binding_sim.plot.figures import publish, script_main
from binding_sim.plot.strategy_evolution import strategy_evolution_figure, strategy_evolution_table

HERE = Path(__file__).resolve().parent
TOML = HERE / "strategy_evolution.toml"
KEY = "actors.*.relative_gains"
KEYS = (  # the keys of binding_sim.config.schema.ANALYSIS_KEYS this figure reads
    "experiment.arrangements",
    "experiment.players",
    "experiment.turns",
    "experiment.noise",
    "experiment.trust",
    "ranking.arrangement",
    "ranking.relative_gains",
)
REQUIRED = ("experiment.arrangements", "ranking.arrangement", "ranking.relative_gains")


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Reciprocating share after replicator dynamics against k; rankings at a low and a high k."""
    exp = load_analysis_file(TOML, keys=KEYS, required=REQUIRED)  # validated
    scenario, values = exp.scenario, exp.values
    if set(exp.grid) != {KEY}:
        raise ConfigError(str(TOML), "design.grid", sorted(exp.grid), f"must sweep only {KEY}")
    ranking_k = [float(v) for v in values["ranking.relative_gains"]]
    grid_k = np.asarray(exp.axis(KEY, 9 if quick else None), dtype=float)  # num <= 9 when quick
    ks = np.unique(np.concatenate([grid_k, ranking_k]))
    arrangements = list(values["experiment.arrangements"])
    if values["ranking.arrangement"] not in arrangements:
        arrangements.append(values["ranking.arrangement"])
    players = values["experiment.players"]
    turns = int(values["experiment.turns"])
    noise = float(values["experiment.noise"])
    trust = values["experiment.trust"]
    data = strategy_evolution_table(
        scenario,
        arrangements,
        ks,
        players=tuple(players if players is not None else DEFAULT_PLAYERS),
        turns=turns,
        noise=noise,
        trust=trust,
    )
    meta = {
        "scenario": scenario.name,
        "actors": list(scenario.actor_names),
        "arrangements": arrangements,
        "ranking_arrangement": values["ranking.arrangement"],
        "ranking_k": ranking_k,
        "turns": turns,
        "noise": noise,
        "trust": trust,
        "quick": quick,
    }
    return publish("strategy_evolution", data, strategy_evolution_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
