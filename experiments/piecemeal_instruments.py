"""What each of the 2016 essay's piecemeal arrangements contributes to binding.

Runs ``piecemeal_instruments.toml`` (krickovic2016, a list design: ladders
with each arrangement removed, transparency gain and cap factor swept) and
draws :func:`binding_sim.plot.instruments.piecemeal_instruments_figure`.
Run ``python experiments/piecemeal_instruments.py [--quick]``.
"""

from __future__ import annotations

import json
from pathlib import Path

from binding_sim.plot.figures import (
    provenance,
    publish,
    run_experiment,
    script_main,
)
from binding_sim.plot.instruments import piecemeal_instruments_figure

HERE = Path(__file__).resolve().parent
LADDER = "protocols.piecemeal.ladder"
GROUPS = {
    LADDER: "ladder",
    "arrangements.md_transparency.effects.transparency_gain": "transparency_gain",
    "arrangements.interceptor_caps.effects.cap_factor": "cap_factor",
}


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound with each arrangement removed, and against transparency gain and cap factor."""
    results, _, exp = run_experiment(HERE / "piecemeal_instruments.toml", quick)
    full = list(exp.scenario.ladder or ())
    group, label, value = [], [], []
    for cell in results["cell"]:
        ((key, val),) = exp.design.points[cell].items()  # each point varies one key
        group.append(GROUPS[key])
        if key == LADDER:
            missing = [r for r in full if r not in val]
            label.append("full ladder" if not missing else "without " + ", ".join(missing))
            value.append(None)
        else:
            label.append(key.split(".")[-1])
            value.append(val)
    data = results.assign(group=group, label=label, value=value, ladder=results[LADDER])
    data = data[
        [
            "protocol",
            "group",
            "label",
            "value",
            "ladder",
            "share_bound",
            "share_bound_lo",
            "share_bound_hi",
            "time_to_bind_median",
            "mean_rungs",
            "share_trapped",
        ]
    ]
    arr = exp.scenario.arrangements
    meta = {
        **provenance(exp),
        "full_ladder": json.dumps(full),
        "transparency_gain": arr["md_transparency"].transparency_gain,
        "cap_factor": arr["interceptor_caps"].cap_factor,
    }
    return publish("piecemeal_instruments", data, piecemeal_instruments_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
