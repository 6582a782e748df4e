"""``binding-sim figures`` and ``binding-sim replot NAME``: the paper figures.

``figures`` runs every experiment script ``experiments/NAME.py`` and writes
``figures/NAME.pdf``, ``.png`` (300 dpi) and ``.csv`` (the tidy data); with
``--quick`` the low-resolution figures go to the git-ignored
``build/figures-quick/`` unless ``--out`` says otherwise;
``replot`` redraws one figure from its CSV alone (see :mod:`binding_sim.plot.figures`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import BindingSimError
from ..plot.figures import DEFAULT_EXPERIMENTS, DEFAULT_OUT, DEFAULT_QUICK_OUT

ORDER = 60


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "figures",
        help="run every experiment in experiments/ and write figures/NAME.pdf, .png, .csv",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"low resolution (few replicates, coarse grids), written by default to "
        f"{DEFAULT_QUICK_OUT}/ (git-ignored), never over the committed figures/",
    )
    p.add_argument(
        "--experiments",
        default=None,
        metavar="DIR",
        help="directory of experiment scripts NAME.py (default ./experiments, which must exist: "
        "outside a binding_sim checkout pass the checkout's experiments/ folder)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"output directory (default ./{DEFAULT_OUT}, or ./{DEFAULT_QUICK_OUT} with --quick)",
    )
    p.add_argument(
        "--only", nargs="+", default=None, metavar="NAME", help="run only these figures"
    )
    p.set_defaults(func=run)

    q = sub.add_parser("replot", help="redraw a figure from its CSV alone (figures/NAME.csv)")
    q.add_argument("name", metavar="NAME", help="figure name (or a path to its CSV)")
    q.add_argument(
        "--figures",
        default=str(DEFAULT_OUT),
        metavar="DIR",
        help="directory holding NAME.csv (default ./figures)",
    )
    q.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="existing folder where to write the PDF and PNG (default: the CSV's folder)",
    )
    q.add_argument(
        "--experiments",
        default=None,
        metavar="DIR",
        help="folder of your own experiment scripts: a figure whose CSV names a draw function "
        "of DIR/NAME.py is redrawn with it (DIR/NAME.py is loaded and runs); without it only "
        "binding_sim's own draw functions are used",
    )
    q.set_defaults(func=run_replot)


def experiments_folder(given: str | None) -> Path:
    """The experiments folder: ``--experiments DIR``, else ``./experiments`` if it exists.

    Outside a checkout there is no ``./experiments``; that is a one-line error
    asking for ``--experiments DIR`` rather than a search in the wrong place.
    """
    if given is not None:
        return Path(given)
    if not DEFAULT_EXPERIMENTS.is_dir():
        raise BindingSimError(
            f"figures: no ./{DEFAULT_EXPERIMENTS} folder in {Path.cwd()}; pass --experiments DIR "
            "(the experiments/ folder of a binding_sim checkout, or your own)"
        )
    return DEFAULT_EXPERIMENTS


def run(args: argparse.Namespace) -> int:
    from ..plot.figures import run_figures

    run_figures(experiments_folder(args.experiments), args.out, quick=args.quick, only=args.only)
    return 0


def run_replot(args: argparse.Namespace) -> int:
    from ..plot.figures import replot

    for path in replot(args.name, args.figures, args.out, args.experiments):
        print(path)
    return 0
