"""``binding-sim sensitivity EXPERIMENT.toml --method morris|sobol``: which parameters matter.

Samples the ranges of the experiment's design (``lhs`` ranges, or each
varied ``grid`` key's min and max) with SALib, runs the points as a sweep
(:func:`binding_sim.sweep.sensitivity.sensitivity`: resume, workers, Dask
and seeds as for ``binding-sim sweep``) and writes, beside the sweep's own
files, ``DIR/indices.csv``, ``DIR/sensitivity.json`` and one figure per
metric, ``DIR/indices_METRIC.pdf`` / ``.png`` (see
``docs/howto/sensitivity.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import int_arg

ORDER = 45


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sensitivity",
        help="Morris or Sobol sensitivity indices over an experiment's parameter ranges (SALib)",
        description=(
            "Sample the ranges of EXPERIMENT.toml's design (lhs ranges, or each varied grid "
            "key's min and max), run the points as a sweep into DIR, and write DIR/indices.csv "
            "(Morris: mu_star, mu_star_conf, sigma; Sobol: S1, S1_conf, ST, ST_conf, per "
            "metric, protocol and parameter) and a figure per metric. Integer keys are rounded "
            "down. Rerunning into the same DIR keeps the finished cells."
        ),
    )
    p.add_argument("experiment", metavar="EXPERIMENT.toml", help="experiment file")
    p.add_argument(
        "--method",
        required=True,
        choices=("morris", "sobol"),
        help="morris: elementary effects (screening); sobol: first-order and total Sobol indices",
    )
    p.add_argument(
        "--samples",
        type=int_arg(1),
        default=None,
        metavar="N",
        help="Morris trajectories (default 20, at least 2; N x (D + 1) cells) or Sobol base "
        "points, a power of two (default 64, at least 4; N x (D + 2) cells), for D parameters",
    )
    p.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        default=None,
        metavar="M",
        help="outcome metric or column to analyse (repeatable; default share_bound and "
        "mean_final_trust, one output per actor)",
    )
    p.add_argument(
        "--reps", type=int_arg(1), default=None, metavar="N", help="override the replicates"
    )
    p.add_argument(
        "--seed", type=int_arg(0), default=None, metavar="S", help="override the root seed"
    )
    p.add_argument(
        "--workers",
        type=int_arg(1),
        default=None,
        metavar="N",
        help="local worker processes, 1 = serial (default: all cores)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler address (tcp://host:8786), or 'local' for a LocalCluster",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output directory (default ./sensitivity/<experiment name>-<method>)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="recompute every cell, and overwrite a DIR holding another sweep",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no notices on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config.experiment import Experiment

    exp = Experiment.load(args.experiment, reps=args.reps, seed=args.seed)
    out = (
        Path(args.out)
        if args.out is not None
        else Path("sensitivity") / f"{exp.name}-{args.method}"
    )

    import matplotlib

    matplotlib.use("Agg")  # files only, as `binding-sim plot` and `simulate --plot` draw

    from ..plot.sensitivity import save_sensitivity_figures
    from ..sweep.sensitivity import sensitivity

    result = sensitivity(
        exp,
        method=args.method,
        samples=args.samples,
        metrics=args.metrics,
        out=out,
        workers=args.workers,
        scheduler=args.scheduler,
        force=args.force,
        quiet=args.quiet,
    )
    save_sensitivity_figures(result.indices, out)
    if not args.quiet:
        print(
            f"{exp.name}: {args.method} over {len(result.parameters)} parameters, "
            f"{result.X.shape[0]} cells x {len(exp.protocols)} protocols, "
            f"{exp.reps} replicates, seed {result.record['seed']} -> {out}",
            file=sys.stderr,
        )
    print(out / "indices.csv")
    return 0
