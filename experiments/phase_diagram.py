"""Phase diagram: piecemeal share bound over (lambda, epsilon), mean-field lambda* overlaid.

Runs ``phase_diagram.toml`` (the mean-field regime of docs/model.md section 9
item 4, ``scenarios/mean_field.toml``) and draws
:func:`binding_sim.plot.phase.phase_diagram_figure`.
Run ``python experiments/phase_diagram.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from binding_sim.config.scenario import FORMAL
from binding_sim.model.margins import tau_star
from binding_sim.model.payoffs import absolute_payoffs
from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)
from binding_sim.plot.phase import phase_diagram_figure

HERE = Path(__file__).resolve().parent
X, Y = "trust.building_rate", "actors.*.incident_rate"


def lambda_star(eps: np.ndarray, mu: float, w: float, tau_f: float) -> np.ndarray:
    """Mean-field critical rate: ``tau_eq = (1-e) lambda w / ((1-e) lambda w + e mu) = tau*_F``.

    Solved for ``lambda``: ``e mu tau*_F / ((1 - e) w (1 - tau*_F))`` (docs/model.md section 9 item 4).
    """
    return eps * mu * tau_f / ((1 - eps) * w * (1 - tau_f))


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Piecemeal share bound over trust-building and incident rates in the mean-field regime."""
    results, _, exp = run_experiment(HERE / "phase_diagram.toml", quick)
    sc = exp.scenario
    pay = absolute_payoffs(sc.arrangements[FORMAL], sc.common_threat)
    tau_f = tau_star(sc.effective_relative_gains[0], pay[0], pay[1])
    assert tau_f is not None, "the regime needs a formal treaty acceptable at some trust"
    w = sc.arrangements[sc.ladder[0]].trust_weight if sc.ladder else 1.0
    data = results[["protocol", Y, X, "share_bound", "share_bound_lo", "share_bound_hi"]]
    data = data.assign(lambda_star=lambda_star(data[Y].to_numpy(), sc.erosion_rate, w, tau_f))
    meta = {
        **provenance(exp),
        "x": X,
        "y": Y,
        "erosion_rate": sc.erosion_rate,
        "tau_star_formal": tau_f,
        "trust_weight": w,
    }
    return publish("phase_diagram", data, phase_diagram_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
