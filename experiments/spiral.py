"""The mistrust spiral: piecemeal share trapped over (incident rate, erosion rate), +/- recovery.

Runs ``spiral.toml`` (krickovic2016) and draws
:func:`binding_sim.plot.phase.spiral_figure`; the preset's own point is marked.
Run ``python experiments/spiral.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)
from binding_sim.plot.phase import spiral_figure

HERE = Path(__file__).resolve().parent
X, Y, PANEL = "actors.*.incident_rate", "trust.erosion_rate", "trust.recovery_rate"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share trapped over incident and erosion rates, without and with trust recovery."""
    results, _, exp = run_experiment(HERE / "spiral.toml", quick)
    data = results[["protocol", PANEL, Y, X, "share_trapped", "share_bound", "mean_incidents"]]
    sc = exp.scenario
    meta = {
        **provenance(exp),
        "x": X,
        "y": Y,
        "panel": PANEL,
        "point": [sc.actors[0].incident_rate, sc.erosion_rate],
    }
    return publish("spiral", data, spiral_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
