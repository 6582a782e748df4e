"""``binding-sim design-ladder SCENARIO``: the stakes of each rung of the ladder (docs/model.md section 13.8).

Prints a table, or with ``--json`` one object::

    {"scenario": NAME, "objective": ..., "reps": N, "seed": S, "scale_bounds": [lo, hi],
     "optimum": {"scales": {RUNG: x}, "value": v, "standard_error": se, "details": {...}},
     "uniform": {"scale": x, "value": v, "standard_error": se},
     "as_written": {"value": v, "standard_error": se},
     "margins": [{"name": RUNG, "scale": x, "offered_round": t, "trust": {...},
                  "margins": {...}, "accepted": bool, "implemented_round": t}, ...],
     "starts": K, "evaluations": E}

Without ``--seed`` a root seed is drawn from the operating system, printed
on stderr and recorded, so any run can be repeated (docs/model.md section 11).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..config.schema import LADDER_OBJECTIVES
from ..errors import BindingSimError
from ..limits import check_memory
from ._common import (
    add_scenario_arguments,
    fmt_num,
    int_arg,
    load_scenario,
    print_json,
    root_seed,
)
from .simulate import memory_needed

if TYPE_CHECKING:
    from ..design.ladder import LadderDesignResult

ORDER = 35

MAX_STARTS_PER_RUNG = 100
"""Largest ``--starts``: grid points per rung (the grid is thinned to 27 starting points)."""

_BYTES_PER_KEPT_REPLICATE = 9 * 8 + 8 * 8
"""Per-replicate payoffs and binding round kept for the standard error, and their sums."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "design-ladder",
        help="choose the stakes of each rung of the piecemeal ladder (docs/model.md section 13.8)",
        description=(
            "Scale each rung of the scenario's piecemeal ladder (payoffs, threat and greed "
            "terms) within [ladder_design] scale_bounds to maximise the expected joint "
            "discounted relative-gains payoff or the share bound, by simulation on common "
            "random numbers and multi-start bounded Powell. Reports the optimal scales, the "
            "objective with its standard error, uniform stakes for comparison and each "
            "rung's margins when first offered on the no-incident path. Without --seed a root "
            "seed is drawn, printed on stderr and recorded."
        ),
    )
    add_scenario_arguments(p)
    p.add_argument(
        "--objective",
        choices=LADDER_OBJECTIVES,
        default=None,
        help="what to maximise (default: the scenario's ladder_design.objective)",
    )
    p.add_argument(
        "--reps",
        type=int_arg(2),
        default=1000,
        metavar="N",
        help="replicates per evaluation, >= 2 (default 1000)",
    )
    p.add_argument("--seed", type=int_arg(0), default=None, metavar="S", help="root seed (>= 0)")
    p.add_argument(
        "--starts",
        type=int_arg(1, MAX_STARTS_PER_RUNG),
        default=3,
        metavar="K",
        help=(
            "starting points per rung of the geometric grid of the multi-start search "
            "(default 3; at most 27 starting points in all)"
        ),
    )
    p.set_defaults(func=run)


def format_table(result: LadderDesignResult, header: str) -> str:
    """The human-readable report of a :class:`~binding_sim.design.ladder.LadderDesignResult`."""
    a, b = result.actor_names
    lo, hi = result.scale_bounds
    lines = [header, ""]
    lines.append(
        f"objective: {result.objective}; scale bounds [{lo:g}, {hi:g}]; "
        f"{result.starts} starting points, {result.evaluations} evaluations"
    )
    lines.append("")
    w = max(len("rung"), *(len(m.name) for m in result.margins)) + 2
    head = (
        f"{'rung':<{w}}{'scale':>8}{'offered':>9}{'trust ' + a:>14}{'trust ' + b:>14}"
        f"{'margin ' + a:>15}{'margin ' + b:>15}{'accepted':>10}{'implemented':>13}"
    )
    lines += [head, "-" * len(head)]
    for m in result.margins:
        trust = m.trust or (None, None)
        marg = m.margins or (None, None)
        acc = "-" if m.accepted is None else ("yes" if m.accepted else "no")
        lines.append(
            f"{m.name:<{w}}{m.scale:>8.3f}{m.offered_round or '-':>9}"
            f"{fmt_num(trust[0]):>14}{fmt_num(trust[1]):>14}{fmt_num(marg[0]):>15}{fmt_num(marg[1]):>15}"
            f"{acc:>10}{m.implemented_round or '-':>13}"
        )
    lines.append("")
    rows = [
        ("optimal scales", result.value, result.standard_error),
        (
            f"uniform scale {result.uniform_scale:.3f}",
            result.uniform_value,
            result.uniform_standard_error,
        ),
        ("as written (scale 1)", result.unit_value, result.unit_standard_error),
    ]
    wl = max(len(r[0]) for r in rows) + 2
    lines.append(f"{'':<{wl}}{result.objective:>16}{'std. error':>12}")
    for label, v, se in rows:
        lines.append(f"{label:<{wl}}{v:>16.4f}{se:>12.4f}")
    d = result.details
    lines += [
        "",
        f"at the optimum: share bound {d['share_bound']:.3f} (se {d['share_bound_se']:.3f}), "
        f"joint payoff {d['joint_payoff']:.3f} (se {d['joint_payoff_se']:.3f}), "
        f"mean rungs {d['mean_rungs']:.2f}",
        "margins: Delta of each scaled rung at the trust of the no-incident path in the first "
        "round it is next on offer (docs/model.md section 13.8); the optimum is chosen on the "
        "draws it is reported on",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..design.ladder import design_ladder

    scenario = load_scenario(args)
    if scenario.ladder is None:
        raise BindingSimError(
            f"SCENARIO {args.scenario!r}: scenario {scenario.name!r} has no piecemeal ladder "
            "([protocols.piecemeal] ladder = [...]); design-ladder scales the rungs of a ladder"
        )
    check_memory(
        f"design-ladder --reps {args.reps} (horizon {scenario.horizon})",
        memory_needed(args.reps, scenario.horizon) + _BYTES_PER_KEPT_REPLICATE * args.reps,
        "use fewer replicates (or a shorter scenario.horizon)",
    )
    seed = root_seed(args.seed)
    result = design_ladder(
        scenario, args.reps, seed, args.starts, objective=args.objective, progress=True
    )
    if args.json:
        print_json(result.to_dict())
    else:
        a, b = scenario.actor_names
        print(
            format_table(
                result,
                f"{scenario.name}: {a} vs {b}, {args.reps} replicates x {scenario.horizon} "
                f"rounds per evaluation, seed {seed}",
            )
        )
    return 0
