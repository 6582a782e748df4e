"""Binding-time distribution: share bound by each round, formal vs piecemeal, at three precisions.

Runs ``binding_time.toml`` (kydd_reassurance: Bayesian trust, decision
precision beta = 2, 5, 10) and draws
:func:`binding_sim.plot.binding.binding_time_figure`, with a Wilson 95%
interval at every round. Run ``python experiments/binding_time.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from binding_sim.dynamics.outcomes import wilson_interval
from binding_sim.plot.binding import binding_time_figure
from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)

HERE = Path(__file__).resolve().parent
X = "actors.*.decision_precision"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound by each round for formal and piecemeal at a few decision precisions."""
    results, binding_time, exp = run_experiment(HERE / "binding_time.toml", quick)
    data = binding_time.merge(results[["cell", "protocol", X]], on=["cell", "protocol"])
    bound = np.rint(data["share_bound"].to_numpy() * exp.reps).astype(int)
    ci = np.array([wilson_interval(int(s), exp.reps) for s in bound])
    data = data.assign(share_bound_lo=ci[:, 0], share_bound_hi=ci[:, 1])
    data = data[["protocol", X, "round", "share_bound", "share_bound_lo", "share_bound_hi"]]
    meta = {**provenance(exp), "x": X, "symbol": r"$\beta$"}
    return publish("binding_time", data, binding_time_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
