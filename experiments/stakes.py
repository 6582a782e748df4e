"""Starting small with finite precision: what one compliance says as the first rung's stakes grow.

Runs ``stakes.toml`` (kydd_reassurance; md_transparency's payoffs and scope
scaled by ``x``), adds for each cell the analysis's one-round posteriors
(docs/model.md section 12.4) and draws
:func:`binding_sim.plot.reassurance.stakes_figure`.
Run ``python experiments/stakes.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.analysis import analyze
from binding_sim.config.cells import CellBuilder
from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.reassurance import stakes_figure

HERE = Path(__file__).resolve().parent
RUNG = "md_transparency"
R = f"arrangements.{RUNG}.payoffs.R"  # the preset's R is 1, so R is the scale x


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """One-round posteriors of the first rung and the piecemeal share bound against its scale."""
    results, _, exp = run_experiment(HERE / "stakes.toml", quick)
    base = exp.scenario
    scale0 = base.arrangements[RUNG].payoffs[0].R
    builder = CellBuilder(base)
    after_c, after_d = [], []
    for point in exp.design.points:
        arr = analyze(builder.build(point))["arrangements"][RUNG]
        who = base.actor_names[0]
        after_c.append(arr["posterior_after_compliance"][who])
        after_d.append(arr["posterior_after_defection"][who])
    data = results[["share_bound", "share_bound_trustworthy_pair", "share_bound_with_greedy"]]
    data.insert(0, "scale", (results[R] / scale0).round(12))
    data.insert(1, "posterior_after_compliance", [after_c[c] for c in results["cell"]])
    data.insert(2, "posterior_after_defection", [after_d[c] for c in results["cell"]])
    meta = {**provenance(exp), "rung": RUNG, "prior": base.actors[0].initial_trust}
    return publish("stakes", data, stakes_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
