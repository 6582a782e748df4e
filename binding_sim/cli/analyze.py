"""``binding-sim analyze SCENARIO [--set ...] [--json]``: stage-game and Catch-22 analysis."""

from __future__ import annotations

import argparse
from typing import Any

from ..analysis import analyze
from ._common import add_scenario_arguments, load_scenario, print_json

ORDER = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="stage-game and repeated-game analysis of every arrangement (docs/model.md sections 3, 7)",
    )
    add_scenario_arguments(p)
    p.set_defaults(func=run)


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _eq(eq: list[list[list[float]]]) -> str:
    parts = []
    for sa, sb in eq:
        parts.append(f"({sa[0]:.3g}, {sb[0]:.3g})")
    return " ".join(parts) if parts else "none"


def format_table(result: dict[str, Any], scenario_line: str) -> str:
    """Human-readable tables of an :func:`~binding_sim.analysis.analyze` result."""
    actors = result["actors"]
    lines = [scenario_line, ""]
    head = f"{'arrangement':<18} {'actor':<10} {'class':<18} {'tau*':>6} {'delta*':>7} {'self-enf.':>9} {'accepted at start':>18}"
    lines += [head, "-" * len(head)]
    for name, a in result["arrangements"].items():
        for i, actor in enumerate(actors):
            lines.append(
                f"{name if i == 0 else '':<18} {actor:<10} {a['class'][actor]:<18} "
                f"{_f(a['tau_star'][actor]):>6} {_f(a['delta_star'][actor]):>7} "
                f"{'yes' if a['self_enforcing'][actor] else 'no':>9} "
                f"{('yes' if a['accepted_at_start'] else 'no') if i == 0 else '':>18}"
            )
    lines += ["", "Nash equilibria at initial trust, as (P[A complies], P[B complies]):"]
    for name, a in result["arrangements"].items():
        lines.append(f"  {name:<18} {_eq(a['equilibria'])}")
    c = result["catch22"]
    lines += ["", "Catch-22 (formal treaty at initial trust):"]
    for actor in actors:
        lines.append(f"  k* {actor:<10} {_f(c['k_star'][actor])}   ({c['k_star_note'][actor]})")
    lines.append(f"  theta* (minimal common threat)  {_f(c['theta_star'])}")
    lines.append(f"  theta*, liberal channel only    {_f(c['theta_star_liberal_only'])}")
    lines.append(
        f"  formal accepted at start        {'yes' if c['formal_accepted_at_start'] else 'no'}"
    )
    caps = c["tau_star_formal_with_caps"]
    lines.append(
        "  formal tau* with ladder caps    "
        + ", ".join(f"{actor} {_f(caps[actor])}" for actor in actors)
    )
    n_actor = result.get("n_actor")
    if n_actor:
        lines += [
            "",
            "Formal treaty among N actors (partners do not vote; docs/model.md section 15.3):",
            f"  {'N':>3} {'actor':<10} {'tau*_N':>7} {'k*_N':>7} {'margin':>8} {'accepted at start':>18}",
        ]
        for n, row in n_actor.items():
            for actor in actors:
                a = row[actor]
                lines.append(
                    f"  {n:>3} {actor:<10} {_f(a['tau_star']):>7} {_f(a['k_star']):>7} "
                    f"{_f(a['margin_at_start']):>8} "
                    f"{'yes' if a['accepted_at_start'] else 'no':>18}"
                )
    fwd = result.get("forward")
    if fwd:
        lines += [
            "",
            f"Forward-looking actors (delta = {fwd['delta']:g}, {fwd['grid_points']} grid points; "
            "docs/model.md section 13.6):",
            f"  {'protocol':<10} {'actor':<10} {'tau*_delta':>10} {'accepted at start':>18} "
            f"{'sweeps':>7} {'seconds':>8}",
        ]
        for protocol, row in fwd["protocols"].items():
            for i, actor in enumerate(actors):
                first = i == 0
                lines.append(
                    f"  {protocol if first else '':<10} {actor:<10} {_f(row['tau_star'][actor], 6):>10} "
                    f"{('yes' if row['accepted_at_start'] else 'no') if first else '':>18} "
                    f"{row['solver']['iterations'] if first else '':>7} "
                    f"{(format(row['solver']['seconds'], '.2f')) if first else '':>8}"
                )
        lines.append(
            "  k*_delta (formal)  "
            + ", ".join(f"{actor} {_f(fwd['k_star'][actor], 5)}" for actor in actors)
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args)
    result = analyze(scenario)
    if args.json:
        print_json(result)
    else:
        line = (
            f"{scenario.name}: {scenario.actor_names[0]} vs {scenario.actor_names[1]} "
            f"(theta = {scenario.common_threat:g}, rho = {scenario.threat_dilution:g}, "
            f"delta = {scenario.discount_factor:g})"
        )
        print(format_table(result, line))
    return 0
