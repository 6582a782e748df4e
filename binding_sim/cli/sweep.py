"""``binding-sim sweep EXPERIMENT.toml``: run a parameter sweep.

Runs every cell x protocol of an experiment file (see ``docs/sweeps.md``)
serially, on local processes or on a Dask cluster, streaming results to
``DIR/parts/`` and writing ``DIR/results.parquet``/``.csv``,
``DIR/binding_time.parquet``/``.csv`` and the run record ``DIR/run.json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config.experiment import Experiment

ORDER = 40


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep from an experiment file (grid, list or Latin hypercube)",
        description=(
            "Run every cell x protocol of EXPERIMENT.toml and write DIR/results.parquet, "
            "DIR/results.csv, DIR/binding_time.parquet, DIR/binding_time.csv and DIR/run.json. "
            "Tables are identical whatever the workers, scheduler or batch size."
        ),
    )
    p.add_argument("experiment", metavar="EXPERIMENT.toml", help="experiment file")
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output directory (default ./sweeps/<experiment name>)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="local worker processes, 1 = serial, at most one per cell and 1024 "
        "(default: all cores, os.cpu_count())",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler address (tcp://host:8786), or 'local' for a LocalCluster "
        "of --workers processes",
    )
    p.add_argument(
        "--resume", action="store_true", help="keep finished cells in DIR and run the rest"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite a DIR holding results of another experiment",
    )
    p.add_argument(
        "--reps", type=_positive_int, default=None, metavar="N", help="override the replicates"
    )
    p.add_argument("--seed", type=_seed, default=None, metavar="S", help="override the root seed")
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="cells per task (default: automatic; results do not depend on it)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no notices on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..sweep import run_sweep  # pandas, dask: imported only when a sweep runs

    exp = Experiment.load(args.experiment, reps=args.reps, seed=args.seed)
    out = Path(args.out) if args.out is not None else Path("sweeps") / exp.name
    result = run_sweep(
        exp,
        out=out,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        force=args.force,
        quiet=args.quiet,
        batch_size=args.batch_size,
    )
    if not args.quiet:
        table = result.results
        cells = table["cell"].nunique() if len(table) else 0
        print(
            f"{exp.name}: {cells} cells x {len(exp.protocols)} protocols, "
            f"{exp.reps} replicates, seed {exp.seed} -> {out}",
            file=sys.stderr,
        )
    print(out / "results.parquet")
    return 0
