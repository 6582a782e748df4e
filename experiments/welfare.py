"""What binding is worth under noisy decisions: each actor's discounted payoff against beta.

Runs ``welfare.toml`` (kydd_reassurance, decision precision beta from 1 to
20) and draws
:func:`binding_sim.plot.welfare.welfare_figure`.
Run ``python experiments/welfare.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from binding_sim.model.payoffs import absolute_payoffs
from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)
from binding_sim.plot.welfare import welfare_figure

HERE = Path(__file__).resolve().parent
X = "actors.*.decision_precision"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Cumulative discounted payoffs (absolute and relative-gains) per actor and protocol."""
    results, _, exp = run_experiment(HERE / "welfare.toml", quick)
    names = exp.scenario.actor_names
    rows = [
        results[["protocol", X, "share_bound"]].assign(
            actor=name,
            absolute=results[f"payoff_absolute_discounted_{name}"],
            relative=results[f"payoff_relative_discounted_{name}"],
        )
        for name in names
    ]
    data = pd.concat(rows, ignore_index=True)
    sc = exp.scenario
    delta, horizon = sc.discount_factor, provenance(exp)["horizon"]
    r_formal = float(absolute_payoffs(sc.formal, sc.common_threat)[0, 0])
    first_best = r_formal * (1 - delta**horizon) / (1 - delta)
    meta = {
        **provenance(exp),
        "x": X,
        "xlabel": r"decision precision $\beta$",
        "actors": list(names),
        "discount_factor": delta,
        "first_best": first_best,
    }
    return publish("welfare", data, welfare_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
