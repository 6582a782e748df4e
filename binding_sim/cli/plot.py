"""``binding-sim plot SWEEP_DIR --y METRIC --x KEY``: draw any sweep's results table.

Writes ``STEM.pdf`` (Type 42 fonts), ``STEM.png`` (300 dpi) and ``STEM.csv``
(the tidy table drawn), by default into ``SWEEP_DIR/plots/``; see
:mod:`binding_sim.plot.sweep_figure` for the mapping rule (every parameter
that varies must be mapped to --x, --hue or --col) and the bands.
"""

from __future__ import annotations

import argparse

ORDER = 45


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot",
        help="draw a metric of a finished sweep against a parameter (PDF, PNG and tidy CSV)",
        description=(
            "Draw METRIC of the sweep in SWEEP_DIR against KEY in the journal style, with its "
            "interval as a band where the table has one (share_bound: Wilson 95%; "
            "time_to_bind_median: quartiles). Every design parameter that varies in the sweep "
            "must be mapped to --x, --hue or --col. With several protocols, the protocol "
            "takes --hue unless --hue is given (then map it with --col protocol or pick one "
            "with --protocol). Writes STEM.pdf, STEM.png and STEM.csv (the points drawn)."
        ),
    )
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="output folder of a finished sweep")
    p.add_argument(
        "--y",
        required=True,
        metavar="METRIC",
        help="metric column of the results table, e.g. share_bound, time_to_bind_median, "
        "mean_final_trust_NATO",
    )
    p.add_argument(
        "--x",
        required=True,
        metavar="KEY",
        help="horizontal axis: a design parameter as written in the experiment file "
        "(quote keys holding *) or 'protocol'",
    )
    p.add_argument("--hue", default=None, metavar="KEY", help="one line per value of KEY")
    p.add_argument("--col", default=None, metavar="KEY", help="one panel per value of KEY")
    p.add_argument(
        "--protocol", default=None, metavar="P", help="draw only the rows of protocol P"
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="STEM",
        help="file stem of the PDF, PNG and CSV (default SWEEP_DIR/plots/METRIC_vs_KEY...)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plot.sweep_figure import sweep_plot

    drawn = sweep_plot(
        args.sweep_dir,
        y=args.y,
        x=args.x,
        hue=args.hue,
        col=args.col,
        protocol=args.protocol,
        out=args.out,
    )
    plt.close(drawn.figure)
    for path in drawn.paths:
        print(path)
    return 0
