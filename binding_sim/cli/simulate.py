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
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.schema import PROTOCOL_NAMES
from ..errors import BindingSimError
from ..rng import BLOCK_SIZE, draw_root_seed
from ._common import add_scenario_arguments, load_scenario, print_json

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
        type=Path,
        default=None,
        metavar="FILE",
        help=(
            "write a fan chart of trust over time (median and 10-90%% band per actor and "
            f"protocol, over the run's first min(N, {PLOT_REPS}) replicates); format from the "
            "file extension"
        ),
    )
    p.set_defaults(func=run)


def _num(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _rows(out: Outcome) -> list[tuple[str, str]]:
    a, b = out.actor_names
    ttb = (
        "-"
        if out.time_to_bind_median is None
        else f"{out.time_to_bind_median:g} [{out.time_to_bind_q25:g}, {out.time_to_bind_q75:g}]"
    )
    lo, hi = out.share_bound_ci
    return [
        ("share bound", _num(out.share_bound)),
        ("  Wilson 95% interval", f"[{lo:.3f}, {hi:.3f}]"),
        ("binding round median [q25, q75]", ttb),
        ("share trapped", _num(out.share_trapped)),
        (f"mean final trust {a}", _num(out.mean_final_trust[0])),
        (f"mean final trust {b}", _num(out.mean_final_trust[1])),
        ("mean incidents (both actors)", _num(out.mean_incidents, 2)),
        (f"  seen by {a}", _num(out.mean_incidents_by_actor[0], 2)),
        (f"  seen by {b}", _num(out.mean_incidents_by_actor[1], 2)),
        ("mean rungs implemented", _num(out.mean_rungs, 2)),
        ("mean rounds of mutual defection", _num(out.mean_mutual_defection, 1)),
        ("mean idle rounds", _num(out.mean_idle, 1)),
        (f"payoff {a} absolute", _num(out.mean_payoff_absolute[0], 1)),
        (f"payoff {b} absolute", _num(out.mean_payoff_absolute[1], 1)),
        (f"payoff {a} relative-gains", _num(out.mean_payoff_relative[0], 1)),
        (f"payoff {b} relative-gains", _num(out.mean_payoff_relative[1], 1)),
        (f"payoff {a} absolute, discounted", _num(out.mean_payoff_absolute_discounted[0], 1)),
        (f"payoff {b} absolute, discounted", _num(out.mean_payoff_absolute_discounted[1], 1)),
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


def _plot(
    path: Path, scenario: Any, protocols: list[str], reps: int, horizon: int | None, seed: int
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from ..dynamics.engine import simulate
    from ..plot import style
    from ..plot.fan import fan_chart

    fig, ax = style.figure("single")
    for protocol in protocols:
        n = min(reps, PLOT_REPS)  # whole first block: the same replicates as the run's first n
        out = simulate(scenario, protocol, n, seed, horizon=horizon, record=True)
        assert out.trajectories is not None
        fan_chart(out.trajectories, ax=ax, actor_names=scenario.actor_names, protocol=protocol)
    ax.set_title(f"{scenario.name}: trust over time", fontsize=style.rc["font.size"])
    ax.legend(loc="best", fontsize=style.rc["legend.fontsize"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=style.DPI)
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
    seed = args.seed
    if seed is None:
        seed = draw_root_seed()
        print(
            f"binding-sim: seed = {seed} (pass --seed {seed} to repeat this run)", file=sys.stderr
        )
    horizon = args.horizon if args.horizon is not None else scenario.horizon
    results = {p: simulate(scenario, p, args.reps, seed, horizon=args.horizon) for p in protocols}
    if args.plot is not None:
        _plot(args.plot, scenario, protocols, args.reps, args.horizon, seed)
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
        print_json(obj)
    else:
        a, b = scenario.actor_names
        header = (
            f"{scenario.name}: {a} vs {b}, {args.reps} replicates x {horizon} rounds, seed {seed}"
        )
        print(format_table(results, header))
        if note is not None:
            print(f"\nnote: {note}")
        if args.plot is not None:
            print(f"\nwrote {args.plot}")
    return 0
