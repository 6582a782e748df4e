"""Linear against Bayesian trust on one game: share bound and spiral against the incident rate.

Runs ``learning_models.toml`` (kydd_reassurance) once per trust model, the
model given by the experiment's ``set`` table and everything else (seed
included) the same, and draws
:func:`binding_sim.plot.reassurance.learning_models_figure`.
Run ``python experiments/learning_models.py [--quick]``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from binding_sim.config.experiment import Experiment
from binding_sim.plot.figures import provenance, publish, script_main, thin_design
from binding_sim.plot.reassurance import learning_models_figure, spiral_rate
from binding_sim.sweep import run_sweep

HERE = Path(__file__).resolve().parent
TOML = HERE / "learning_models.toml"
X, OFFER = "actors.*.incident_rate", "protocols.formal.offer"
MODELS = ("linear", "bayesian")  # docs/model.md sections 4 and 12.2
VARIANTS = {
    ("formal", "every_round"): "formal, offered every round",
    ("formal", "when_accepted"): "formal, offered when accepted",
    ("piecemeal", "every_round"): "piecemeal",  # piecemeal ignores the offer rule: kept once
}


def run(model: str, quick: bool) -> tuple[pd.DataFrame, Experiment]:
    """The experiment with ``trust.model = model`` in its ``set`` table."""
    raw = tomllib.loads(TOML.read_text(encoding="utf-8"))
    exp_table = raw["experiment"]
    exp_table["set"] = {**exp_table.get("set", {}), "trust.model": model}
    if quick:
        raw = thin_design(raw)
    exp = Experiment.from_dict(
        raw, source=str(TOML), base_dir=HERE, default_name=TOML.stem, quick=quick
    )
    result = run_sweep(exp, workers=1 if quick else None, quiet=True)
    return result.results, exp


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound and spiral rate against the incident rate, linear and bayesian trust."""
    tables = []
    for model in MODELS:
        results, exp = run(model, quick)
        keep = [
            (p, o) in VARIANTS for p, o in zip(results["protocol"], results[OFFER], strict=True)
        ]
        rows = results[keep].copy()
        rows.insert(
            0,
            "variant",
            [VARIANTS[(p, o)] for p, o in zip(rows["protocol"], rows[OFFER], strict=True)],
        )
        rows.insert(0, "model", model)
        rows["spiral_rate"] = spiral_rate(rows)
        tables.append(rows)
    data = pd.concat(tables, ignore_index=True)[
        ["model", "variant", X, "share_bound", "spiral_rate", "share_spiral",
         "share_both_trustworthy", "share_bound_trustworthy_pair", "share_bound_with_greedy"]
    ]  # fmt: skip
    meta = {**provenance(exp), "x": X, "models": list(MODELS)}
    return publish("learning_models", data, learning_models_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
