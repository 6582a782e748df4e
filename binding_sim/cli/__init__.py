"""The ``binding-sim`` command line: a thin front door over the package.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)`` (which sets ``func`` on its parser) and an integer
``ORDER`` for its place in ``--help``; modules are discovered, so adding a
command means adding one module. Every user error prints one line on stderr
and exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import BindingSimError

__all__ = ["UsageError", "build_parser", "main"]


class UsageError(BindingSimError):
    """A malformed command line (unknown option, missing argument, ...)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse parser whose errors are one line (raised, not printed with usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse drops a "--" given as an option's value (``--seed=--``) and hands the
        # option an empty list instead of calling its type: refuse it here.
        if action.option_strings and action.nargs in (None, "?") and arg_strings == ["--"]:
            self.error(f"argument {'/'.join(action.option_strings)}: expected a value, got '--'")
        return super()._get_values(action, arg_strings)


def _command_modules() -> list:
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "register"):
            mods.append(mod)
    mods.sort(key=lambda m: (getattr(m, "ORDER", 100), m.__name__))
    return mods


def build_parser() -> ArgumentParser:
    """The full argument parser with every discovered subcommand."""
    from binding_sim import __version__

    parser = ArgumentParser(
        prog="binding-sim",
        description="Game-theoretic simulation of alliance binding (NATO-Russia) under relative gains.",
    )
    parser.add_argument("--version", action="version", version=f"binding-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    sub.required = True
    for mod in _command_modules():
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``binding-sim``; returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(list(argv) if argv is not None else None)
        return int(args.func(args) or 0)
    except BindingSimError as exc:
        msg = " ".join(str(exc).splitlines())
        print(f"binding-sim: error: {msg}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("binding-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. piping into `head`
        return 0
