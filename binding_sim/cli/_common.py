"""Arguments shared by several commands (scenario, overrides, JSON output, checked numbers).

The ``*_arg`` factories build argparse ``type`` functions that check a
number's range while the command line is parsed, before any work starts; a
value outside the range is a one-line usage error naming the option, the
value and the range (exit status 2).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Mapping

import numpy as np

from ..config.scenario import Scenario
from ..config.schema import _K_BOUND, _PAYOFF_BOUND
from ..serialize import dumps

__all__ = [
    "PAYOFF_BOUND",
    "RELATIVE_GAINS_BOUND",
    "add_scenario_arguments",
    "check_finite_results",
    "float_arg",
    "int_arg",
    "load_scenario",
    "print_json",
]

PAYOFF_BOUND = _PAYOFF_BOUND
"""Largest absolute stage-game payoff accepted on the command line (the bound of
``arrangements.*.payoffs`` in scenario files)."""
RELATIVE_GAINS_BOUND = _K_BOUND
"""Largest relative-gains sensitivity accepted on the command line (as in scenario files)."""


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
        help="override a scenario key, e.g. trust.building_rate=0.2 or "
        "'actors.*.incident_rate=0.1' (quoted: zsh expands an unquoted *)",
    )
    if json:
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def load_scenario(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line with its overrides."""
    return Scenario.load(args.scenario, args.overrides)


def print_json(obj: object) -> None:
    """Print ``obj`` as strict JSON (``inf`` as the string ``"inf"``)."""
    print(dumps(obj))


def int_arg(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """argparse ``type``: an integer in ``[lo, hi]`` (``hi`` None: no upper bound)."""
    allowed = f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


def float_arg(lo: float, hi: float) -> Callable[[str], float]:
    """argparse ``type``: a finite number in ``[lo, hi]``."""
    allowed = f"a finite number in [{lo:g}, {hi:g}]"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def check_finite_results(results: Mapping[str, object], cause: str) -> None:
    """Raise :class:`~binding_sim.dynamics.outcomes.NonFiniteResultError` if a result is NaN or inf.

    ``results`` maps a name to a number or array (``None`` entries are
    skipped); ``cause`` names the inputs that produced them, for the message.
    The engine checks its aggregates the same way
    (:func:`binding_sim.dynamics.outcomes.summarize`).
    """
    from ..dynamics.outcomes import NonFiniteResultError

    bad = []
    for name, value in results.items():
        if value is None:
            continue
        arr = np.asarray(value, dtype=float)
        if not np.isfinite(arr).all():
            bad.append(name)
    if bad:
        raise NonFiniteResultError(
            f"non-finite result(s) {', '.join(bad)} from {cause}; bring the payoffs (or the "
            "relative-gains sensitivity, or --selection) closer to 0"
        )


def root_seed(seed: int | None) -> int:
    """``seed``, or one drawn from the operating system and printed on stderr so the run can be repeated.

    The root seed of docs/model.md section 11.
    """
    if seed is not None:
        return seed
    from ..rng import draw_root_seed

    drawn = draw_root_seed()
    print(f"binding-sim: seed = {drawn} (pass --seed {drawn} to repeat this run)", file=sys.stderr)
    return drawn


def fmt_num(x: float | None, digits: int = 3) -> str:
    """A number for a text table: ``digits`` decimals, ``-`` for none."""
    return "-" if x is None else f"{x:.{digits}f}"
