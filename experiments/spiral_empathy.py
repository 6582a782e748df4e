"""Trustworthy pairs caught in a spiral over empathy and incident rate (Bayesian trust).

Runs ``spiral_empathy.toml`` (kydd_reassurance) and draws
:func:`binding_sim.plot.reassurance.spiral_empathy_figure`; the preset's own
point is marked. Run ``python experiments/spiral_empathy.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.reassurance import spiral_empathy_figure, spiral_rate

HERE = Path(__file__).resolve().parent
X, Y = "actors.*.incident_rate", "actors.*.empathy"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Spiral rate of trustworthy pairs over incident rate and empathy, per protocol."""
    results, _, exp = run_experiment(HERE / "spiral_empathy.toml", quick)
    data = results[["protocol", Y, X, "share_spiral", "share_both_trustworthy", "share_bound"]]
    data = data.assign(spiral_rate=spiral_rate(data))
    actor = exp.scenario.actors[0]
    meta = {**provenance(exp), "x": X, "y": Y, "point": [actor.incident_rate, actor.empathy]}
    return publish("spiral_empathy", data, spiral_empathy_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
