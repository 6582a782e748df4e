"""A tiny real sweep for tests of what reads sweeps (``binding-sim plot``, the fuzz harness).

Two design parameters that vary (3 x 2 cells), both protocols, 20 replicates
of 20 rounds: a second or two, serially.
"""

from __future__ import annotations

from pathlib import Path

TINY_EXPERIMENT = """\
[experiment]
name = "tiny"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 20
horizon = 20
seed = 7

[design]
kind = "grid"
grid = { "trust.building_rate" = [0.1, 0.2, 0.3], "actors.*.incident_rate" = [0.02, 0.1] }
"""

PARAMS = ("trust.building_rate", "actors.*.incident_rate")
"""The design parameters of :data:`TINY_EXPERIMENT`, in order."""
VALUES = {"trust.building_rate": [0.1, 0.2, 0.3], "actors.*.incident_rate": [0.02, 0.1]}
PROTOCOLS = ("formal", "piecemeal")
REPS = 20


def run_tiny_sweep(folder: Path) -> Path:
    """Write the experiment into ``folder``, run it into ``folder/sweep``; return that folder."""
    from binding_sim.sweep import run_sweep

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.toml"
    path.write_text(TINY_EXPERIMENT, encoding="utf-8")
    out = folder / "sweep"
    run_sweep(path, out=out, workers=1, quiet=True)
    return out
