"""``binding-sim scenarios`` and ``binding-sim show NAME``: the shipped presets."""

from __future__ import annotations

import argparse

from ..config.scenario import Scenario, preset_names, preset_path

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenarios", help="list the scenario presets shipped with the package")
    p.set_defaults(func=run_list)
    q = sub.add_parser("show", help="print a preset's TOML (copy it and tweak it)")
    q.add_argument("name", metavar="NAME", help="preset name")
    q.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    for name in preset_names():
        sc = Scenario.load(name)
        print(f"{name:<26} {sc.description}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    print(preset_path(args.name).read_text(encoding="utf-8"), end="")
    return 0
