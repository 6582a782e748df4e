"""Arguments shared by several commands (scenario, overrides, JSON output)."""

from __future__ import annotations

import argparse

from ..config.scenario import Scenario
from ..serialize import dumps

__all__ = ["add_scenario_arguments", "load_scenario", "print_json"]


def add_scenario_arguments(parser: argparse.ArgumentParser, json: bool = True) -> None:
    """Add ``SCENARIO``, ``--set KEY=VALUE`` (repeatable) and optionally ``--json``."""
    parser.add_argument(
        "scenario", metavar="SCENARIO", help="preset name or path to a scenario TOML file"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. trust.building_rate=0.2 or actors.*.incident_rate=0.1",
    )
    if json:
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def load_scenario(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line with its overrides."""
    return Scenario.load(args.scenario, args.overrides)


def print_json(obj: object) -> None:
    """Print ``obj`` as strict JSON (``inf`` as the string ``"inf"``)."""
    print(dumps(obj))
