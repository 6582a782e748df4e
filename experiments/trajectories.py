"""Trust over time, formal vs piecemeal: fan charts (median and 10-90% band per actor).

Runs ``trajectories.toml`` (one cell, krickovic2016) with the engine's
recorded trajectories and draws
:func:`binding_sim.plot.trajectories.trajectories_figure`; the acceptance
thresholds ``tau*`` of the treaty and the first rung are marked.
Run ``python experiments/trajectories.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from binding_sim.analysis import analyze
from binding_sim.dynamics.engine import simulate_cells
from binding_sim.plot.fan import trust_quantiles
from binding_sim.plot.figures import (
    load_experiment,
    provenance,
    publish,
    script_main,
)
from binding_sim.plot.trajectories import tidy_quantiles, trajectories_figure

HERE = Path(__file__).resolve().parent


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Fan charts of trust over time for the formal and piecemeal protocols."""
    exp = load_experiment(HERE / "trajectories.toml", quick)
    sc, actors = exp.scenario, list(exp.scenario.actor_names)
    parts = []
    for proto in exp.protocols:
        (out,) = simulate_cells([sc], proto, exp.reps, exp.seed, record=True)
        assert out.trajectories is not None
        parts.append(tidy_quantiles(trust_quantiles(out.trajectories), proto, actors))
    data = pd.concat(parts, ignore_index=True)
    stars = analyze(sc)["arrangements"]
    first = sc.ladder[0] if sc.ladder else None
    thresholds = {r"$\tau^*_F$": stars["formal"]["tau_star"][actors[0]]}
    if first is not None:
        thresholds[rf"$\tau^*$ {first}"] = stars[first]["tau_star"][actors[0]]
    meta = {**provenance(exp), "actors": actors, "thresholds": thresholds}
    return publish("trajectories", data, trajectories_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
