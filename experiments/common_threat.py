"""Formal treaty: share bound and binding round against the common threat, theta* marked.

Runs ``common_threat.toml`` (exporting_security2010) and draws
:func:`binding_sim.plot.binding.common_threat_figure`; ``theta*`` of each
series comes from the analysis (:func:`binding_sim.analysis.theta_star`).
Run ``python experiments/common_threat.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.analysis import theta_star
from binding_sim.plot.binding import common_threat_figure
from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)

HERE = Path(__file__).resolve().parent
X = "scenario.common_threat"
SERIES = "actors.Russia.relative_gains"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound and binding round of the formal treaty against theta."""
    results, _, exp = run_experiment(HERE / "common_threat.toml", quick)
    stars = {
        k: theta_star(exp.scenario.with_values({SERIES: k})) for k in results[SERIES].unique()
    }
    data = results.assign(series=results[SERIES], theta_star=results[SERIES].map(stars))
    data = data[
        [
            "protocol",
            "series",
            X,
            "theta_star",
            "share_bound",
            "share_bound_lo",
            "share_bound_hi",
            "time_to_bind_median",
            "time_to_bind_q25",
            "time_to_bind_q75",
        ]
    ]
    meta = {**provenance(exp), "series": SERIES, "series_label": "Russia's $k$"}
    return publish("common_threat", data, common_threat_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
