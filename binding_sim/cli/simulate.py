"""``binding-sim simulate SCENARIO``: Monte Carlo of formal versus piecemeal binding (docs/model.md sections 5, 8).

Prints a summary table, or with ``--json`` one object::

    {"scenario": NAME, "reps": N, "horizon": H, "seed": S,
     "results": {"formal": {...}, "piecemeal": {...}}, "note": "..."}

(``note`` only when something was left out). Without ``--seed`` a root seed
is drawn from the operating system, printed on stderr and recorded, so any
run can be repeated (docs/model.md section 11).
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.schema import PROTOCOL_NAMES
from ..errors import BindingSimError
from ..limits import check_memory
from ..rng import BLOCK_SIZE
from ._common import add_scenario_arguments, fmt_num, load_scenario, print_json, root_seed

if TYPE_CHECKING:
    from ..dynamics.outcomes import Outcome

ORDER = 30

PLOT_REPS = BLOCK_SIZE
"""Most replicates recorded for ``--plot``: the run's first block (same seed, same draws)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="Monte Carlo of formal versus piecemeal binding (docs/model.md sections 5, 8)",
        description=(
            "Simulate the repeated binding game and summarise the outcomes of each protocol. "
            "Without --seed a root seed is drawn, printed on stderr and recorded."
        ),
    )
    add_scenario_arguments(p)
    p.add_argument(
        "--protocol",
        choices=(*PROTOCOL_NAMES, "both"),
        default="both",
        help="protocol to run (default: both; a scenario without a ladder runs formal only)",
    )
    p.add_argument("--reps", type=int, default=2000, metavar="N", help="replicates (default 2000)")
    p.add_argument(
        "--horizon", type=int, default=None, metavar="H", help="rounds (default: the scenario's)"
    )
    p.add_argument("--seed", type=int, default=None, metavar="S", help="root seed (>= 0)")
    p.add_argument(
        "--plot",
        default=None,
        metavar="FILE",
        help=(
            "write a fan chart of trust over time (median and 10-90%% band per actor and "
            f"protocol, over the run's first min(N, {PLOT_REPS}) replicates) to FILE, whose "
            "extension gives the format (.pdf, .png, .svg, ...); FILE's folder must exist "
            "and FILE must not be a folder"
        ),
    )
    p.set_defaults(func=run)


def _rows(out: Outcome) -> list[tuple[str, str]]:
    a, b = out.actor_names
    ttb = (
        "-"
        if out.time_to_bind_median is None
        else f"{out.time_to_bind_median:g} [{out.time_to_bind_q25:g}, {out.time_to_bind_q75:g}]"
    )
    lo, hi = out.share_bound_ci
    return [
        ("share bound", fmt_num(out.share_bound)),
        ("  Wilson 95% interval", f"[{lo:.3f}, {hi:.3f}]"),
        ("binding round median [q25, q75]", ttb),
        ("share ever bound", fmt_num(out.share_ever_bound)),
        ("mean treaties broken", fmt_num(out.mean_broken_treaties, 2)),
        ("share trapped", fmt_num(out.share_trapped)),
        (f"mean final trust {a}", fmt_num(out.mean_final_trust[0])),
        (f"mean final trust {b}", fmt_num(out.mean_final_trust[1])),
        ("mean incidents (both actors)", fmt_num(out.mean_incidents, 2)),
        (f"  seen by {a}", fmt_num(out.mean_incidents_by_actor[0], 2)),
        (f"  seen by {b}", fmt_num(out.mean_incidents_by_actor[1], 2)),
        ("mean rungs implemented", fmt_num(out.mean_rungs, 2)),
        ("mean rounds of mutual defection", fmt_num(out.mean_mutual_defection, 1)),
        ("mean idle rounds", fmt_num(out.mean_idle, 1)),
        (f"payoff {a} absolute", fmt_num(out.mean_payoff_absolute[0], 1)),
        (f"payoff {b} absolute", fmt_num(out.mean_payoff_absolute[1], 1)),
        (f"payoff {a} relative-gains", fmt_num(out.mean_payoff_relative[0], 1)),
        (f"payoff {b} relative-gains", fmt_num(out.mean_payoff_relative[1], 1)),
        (f"payoff {a} absolute, discounted", fmt_num(out.mean_payoff_absolute_discounted[0], 1)),
        (f"payoff {b} absolute, discounted", fmt_num(out.mean_payoff_absolute_discounted[1], 1)),
    ]


def format_table(results: dict[str, Outcome], header: str) -> str:
    """The summary table: one row per aggregate, one column per protocol."""
    names = list(results)
    rows = {name: _rows(out) for name, out in results.items()}
    labels = [label for label, _ in rows[names[0]]]
    w0 = max(len(s) for s in labels) + 2
    widths = [max(14, len(n), *(len(v) for _, v in rows[n])) + 2 for n in names]
    lines = [header, ""]
    lines.append(" " * w0 + "".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)))
    lines.append("-" * (w0 + sum(widths)))
    for r, label in enumerate(labels):
        cells = "".join(f"{rows[n][r][1]:>{w}}" for n, w in zip(names, widths, strict=True))
        lines.append(f"{label:<{w0}}{cells}")
    return "\n".join(lines)


# Bytes the engine allocates, by what they scale with (measured on the numpy and
# numba back ends; see memory_needed).
_BYTES_PER_ROUND_TABLE = 6 * 8  # discount tables and per-round statistics, per round
_BYTES_FIXED = 1024**2  # tables of the cells, thread pool, results: independent of sizes
_BYTES_PER_REPLICATE_IN_FLIGHT = 128 + 32 * 4 * 8 + 128  # state, uniform draws, temporaries
_BYTES_PER_BLOCK = 2048  # block list entry and its queued task
_BYTES_PER_RECORDED_ROUND = 100  # trajectories (trust, rung, bound), copies and quantiles
_BLOCKS_IN_FLIGHT = 2  # threads computing blocks at once (engine default)


def memory_needed(reps: int, horizon: int, plot_reps: int = 0) -> int:
    """Upper estimate of the bytes one protocol of ``simulate`` allocates.

    Parameters
    ----------
    reps : int
        Replicates (``--reps``).
    horizon : int
        Rounds per replicate (``--horizon`` or the scenario's).
    plot_reps : int
        Replicates whose trajectories are recorded for ``--plot`` (0 without).

    Returns
    -------
    int
        Bytes: a fixed overhead, per-round tables, the blocks computed at once, one entry (and,
        at worst, one result with a per-round histogram) per block of
        :data:`~binding_sim.rng.BLOCK_SIZE` replicates, and the recorded
        trajectories with their copies and quantiles. Protocols run one after
        the other, so the largest protocol's need is the command's.
    """
    rounds = int(horizon) + 1
    blocks = math.ceil(int(reps) / BLOCK_SIZE)
    in_flight = min(blocks, _BLOCKS_IN_FLIGHT) * min(int(reps), BLOCK_SIZE)
    return (
        _BYTES_FIXED
        + _BYTES_PER_ROUND_TABLE * rounds
        + _BYTES_PER_REPLICATE_IN_FLIGHT * in_flight
        + blocks * (_BYTES_PER_BLOCK + 8 * rounds)
        + _BYTES_PER_RECORDED_ROUND * int(plot_reps) * rounds
    )


def plot_path(text: str) -> Path:
    """Check ``--plot FILE`` before any work: a file name with a known format in an existing folder.

    A folder (or a name ending in ``/``), a name without a known extension
    (matplotlib would add ``.png`` and write a file other than the one named)
    and a missing parent folder (never created silently) are one-line errors.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    path = Path(text)
    if not text or text.endswith(("/", os.sep)) or path.is_dir():
        raise BindingSimError(
            f"--plot {text!r}: is a folder; give a file name, e.g. --plot "
            f"{str(path / 'trust.pdf')!r}"
        )
    formats = FigureCanvasBase.get_supported_filetypes()
    ext = path.suffix[1:].lower()
    if ext not in formats:
        raise BindingSimError(
            f"--plot {text!r}: unknown figure format {path.suffix or '(no extension)'!r}; "
            f"end the file name in one of {', '.join('.' + f for f in sorted(formats))}"
        )
    parent = path.parent
    if not parent.is_dir():
        raise BindingSimError(
            f"--plot {text!r}: folder {str(parent)!r} does not exist (create it first; "
            "binding-sim does not create folders for --plot)"
        )
    return path


def _plot(
    path: Path, scenario: Any, protocols: list[str], reps: int, horizon: int | None, seed: int
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from ..dynamics.engine import simulate
    from ..plot import style
    from ..plot.fan import fan_chart

    # Draw and save inside the journal style, so a PDF embeds Type 42 (TrueType) fonts.
    with style.use():
        fig, ax = style.figure("single")
        try:
            for protocol in protocols:
                n = min(reps, PLOT_REPS)  # whole first block: the same replicates as the run's
                out = simulate(scenario, protocol, n, seed, horizon=horizon, record=True)
                assert out.trajectories is not None
                fan_chart(
                    out.trajectories, ax=ax, actor_names=scenario.actor_names, protocol=protocol
                )
            ax.set_title(f"{scenario.name}: trust over time", fontsize=style.rc["font.size"])
            ax.legend(loc="best", fontsize=style.rc["legend.fontsize"])
            fig.savefig(path, dpi=style.DPI, format=path.suffix[1:].lower())
        except (OSError, ValueError) as exc:
            raise BindingSimError(f"--plot {path}: cannot write the figure: {exc}") from None
        finally:
            import matplotlib.pyplot as plt

            plt.close(fig)


def run(args: argparse.Namespace) -> int:
    from ..dynamics.engine import simulate

    scenario = load_scenario(args)
    if args.reps < 1:
        raise BindingSimError(f"--reps = {args.reps}: must be an integer >= 1")
    if args.horizon is not None and args.horizon < 1:
        raise BindingSimError(f"--horizon = {args.horizon}: must be an integer >= 1")
    if args.seed is not None and args.seed < 0:
        raise BindingSimError(f"--seed = {args.seed}: must be an integer >= 0")
    plot = plot_path(args.plot) if args.plot is not None else None
    note = None
    if args.protocol == "both":
        protocols = list(PROTOCOL_NAMES)
        if scenario.ladder is None:
            protocols = ["formal"]
            note = (
                f"scenario {scenario.name!r} has no piecemeal ladder "
                "([protocols.piecemeal]); only the formal protocol was run"
            )
    else:
        protocols = [args.protocol]
    if args.protocol == "piecemeal" and scenario.ladder is None:
        raise BindingSimError(
            f"--protocol piecemeal: scenario {scenario.name!r} has no piecemeal ladder "
            "([protocols.piecemeal] ladder = [...]); use --protocol formal"
        )
    horizon = args.horizon if args.horizon is not None else scenario.horizon
    plot_reps = min(args.reps, PLOT_REPS) if plot is not None else 0
    check_memory(
        f"simulate --reps {args.reps} --horizon {horizon}"
        + (f" --plot (trajectories of {plot_reps} replicates)" if plot is not None else ""),
        memory_needed(args.reps, horizon, plot_reps),
        "run fewer replicates (or rounds) per call, with different --seed values, and pool "
        "the results" + (", or plot a shorter --horizon" if plot is not None else ""),
    )
    seed = root_seed(args.seed)
    results = {p: simulate(scenario, p, args.reps, seed, horizon=args.horizon) for p in protocols}
    if plot is not None:
        _plot(plot, scenario, protocols, args.reps, args.horizon, seed)
    if args.json:
        obj: dict[str, Any] = {
            "scenario": scenario.name,
            "reps": args.reps,
            "horizon": horizon,
            "seed": seed,
            "results": {p: out.to_dict() for p, out in results.items()},
        }
        if note is not None:
            obj["note"] = note
        if plot is not None:
            obj["plot"] = str(plot)
        print_json(obj)
    else:
        a, b = scenario.actor_names
        header = (
            f"{scenario.name}: {a} vs {b}, {args.reps} replicates x {horizon} rounds, seed {seed}"
        )
        print(format_table(results, header))
        if note is not None:
            print(f"\nnote: {note}")
        if plot is not None:
            print(f"\nwrote {plot}")
    return 0
