"""Does binding screen? Share bound with a trustworthy and with a greedy partner.

Runs ``screening.toml`` (kydd_reassurance) and draws
:func:`binding_sim.plot.reassurance.screening_figure` against the share of
greedy types ``1 - trustworthy_prob``.
Run ``python experiments/screening.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.reassurance import screening_figure

HERE = Path(__file__).resolve().parent
P, PANEL = "actors.*.trustworthy_prob", "actors.*.greed"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound among trustworthy pairs and among pairs with a greedy side, per protocol."""
    results, _, exp = run_experiment(HERE / "screening.toml", quick)
    data = results[
        ["protocol", PANEL, P, "share_both_trustworthy", "share_bound",
         "share_bound_trustworthy_pair", "share_bound_with_greedy"]
    ]  # fmt: skip
    data.insert(3, "greedy_share", (1.0 - data[P]).round(12))
    meta = {**provenance(exp), "panel": PANEL}
    return publish("screening", data, screening_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
