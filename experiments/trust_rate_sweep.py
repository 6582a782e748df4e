"""Share bound and median binding round against the trust-building rate, formal vs piecemeal.

Runs ``trust_rate_sweep.toml`` (krickovic2016) and draws
:func:`binding_sim.plot.binding.trust_rate_sweep_figure`.
Run ``python experiments/trust_rate_sweep.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.plot.binding import trust_rate_sweep_figure
from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)

HERE = Path(__file__).resolve().parent
X = "trust.building_rate"
COLUMNS = [
    "protocol",
    X,
    "share_bound",
    "share_bound_lo",
    "share_bound_hi",
    "time_to_bind_median",
    "time_to_bind_q25",
    "time_to_bind_q75",
]


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound and binding round against lambda (formal vs piecemeal)."""
    results, _, exp = run_experiment(HERE / "trust_rate_sweep.toml", quick)
    data = results[COLUMNS]
    return publish(
        "trust_rate_sweep", data, trust_rate_sweep_figure, out_dir, {**provenance(exp), "x": X}
    )


if __name__ == "__main__":
    raise SystemExit(script_main(main))
