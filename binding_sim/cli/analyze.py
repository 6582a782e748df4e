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


def _eq(eq: list[list[list[float]]] | None) -> str:
    if eq is None:  # a unilateral arrangement (docs/model.md section 15.1)
        return "none (sequential move)"
    parts = []
    for sa, sb in eq:
        parts.append(f"({sa[0]:.3g}, {sb[0]:.3g})")
    return " ".join(parts) if parts else "none"


def format_table(result: dict[str, Any], scenario_line: str, power_lines: bool = False) -> str:
    """Human-readable tables of an :func:`~binding_sim.analysis.analyze` result.

    ``power_lines``: also the power block (docs/model.md section 14.4), shown
    when the scenario has a section-14 feature on.
    """
    actors = result["actors"]
    lines = [scenario_line, ""]
    head = f"{'arrangement':<18} {'actor':<10} {'class':<18} {'tau*':>6} {'delta*':>7} {'self-enf.':>9} {'accepted at start':>18}"
    lines += [head, "-" * len(head)]
    for name, a in result["arrangements"].items():
        for i, actor in enumerate(actors):
            enforced = a["self_enforcing"][actor]
            lines.append(
                f"{name if i == 0 else '':<18} {actor:<10} {a['class'][actor] or a['note']:<18} "
                f"{_f(a['tau_star'][actor]):>6} {_f(a['delta_star'][actor]):>7} "
                f"{'-' if enforced is None else 'yes' if enforced else 'no':>9} "
                f"{('yes' if a['accepted_at_start'] else 'no') if i == 0 else '':>18}"
            )
    lines += ["", "Nash equilibria at initial trust, as (P[A complies], P[B complies]):"]
    for name, a in result["arrangements"].items():
        lines.append(f"  {name:<18} {_eq(a['equilibria'])}")
    unilateral = {name: a for name, a in result["arrangements"].items() if "mover" in a}
    if unilateral:
        lines += [
            "",
            "Unilateral arrangements (the mover extends, the responder sees it; section 15.1):",
        ]
        for name, a in unilateral.items():
            reciprocates = "yes" if a["responder_reciprocates_at_start"] else "no"
            lines.append(
                f"  {name:<18} mover {a['mover']}, responder kappa_hat "
                f"{_f(a['responder_kappa_hat'])}, reciprocates at start {reciprocates}"
            )
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
    power = result.get("power")
    if power and power_lines:
        lines += [
            "",
            f"Power (docs/model.md section 14; the first actor's share p_0 = "
            f"{power['initial_share']:g}, eta = {power['conversion_rate']:g}):",
            f"  k derived at p_0                {_f(power['k_derived'])}",
            f"  war live factor ell             {_f(power['war_live_factor'])}",
            f"  critical war cost C*            {_f(power['critical_war_cost'])}",
            "  shift threshold D*              "
            + ", ".join(f"{a} {_f(power['shift_threshold'][a], 6)}" for a in actors),
            "  loss of share when exploited once:",
        ]
        for name, row in power["exploitation_shift"].items():
            lines.append(f"    {name:<18} " + ", ".join(f"{a} {_f(row[a], 6)}" for a in actors))
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
        for name, row in fwd["protocols"].get("piecemeal", {}).get("rungs", {}).items():
            lines.append(
                f"  rung {name:<20} tau*_delta "
                + ", ".join(f"{actor} {_f(row[actor], 6)}" for actor in actors)
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
        print(format_table(result, line, power_lines=scenario.power.active))
    return 0
