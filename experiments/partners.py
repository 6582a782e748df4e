"""Partners: the formal treaty's tau*_N and k*_N against the number of actors N.

Analysis only (docs/model.md section 15.3): see ``partners.toml`` and
:mod:`binding_sim.plot.partners`. Run ``python experiments/partners.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.config.analysis_file import load_analysis_file
from binding_sim.errors import ConfigError
from binding_sim.plot.figures import publish, script_main
from binding_sim.plot.partners import partners_figure, partners_table

HERE = Path(__file__).resolve().parent
TOML = HERE / "partners.toml"
KEYS = ("experiment.max_actors",)  # the keys of binding_sim.config.schema.ANALYSIS_KEYS it reads


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """tau*_N and k*_N of each actor against N, the scenario's partners marked."""
    exp = load_analysis_file(TOML, keys=KEYS)  # validated: unknown keys, types, ranges
    scenario = exp.scenario
    if exp.grid:
        raise ConfigError(str(TOML), "design.grid", sorted(exp.grid), "this figure has no grid")
    n_max = int(exp.values["experiment.max_actors"])
    data = partners_table(scenario, n_max)  # cheap: the same in quick mode
    meta = {
        "scenario": scenario.name,
        "actors": list(scenario.actor_names),
        "partners": list(scenario.partners),
        "n_partners": len(scenario.partners),
        "theta": scenario.common_threat,
        "threat_dilution": scenario.threat_dilution,
        "quick": quick,
    }
    return publish("partners", data, partners_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
