"""User-facing errors of ``binding_sim``.

Every error a user can cause (a typo in a scenario file, a negative rate, a
missing file, a bad ``--set`` override) is raised as a :class:`BindingSimError`
whose message is one line naming the source, the dotted key, the value given
and what is allowed. The command line prints that line on stderr and exits
with status 2; Python callers can catch the exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["MISSING", "BindingSimError", "ConfigError", "did_you_mean", "one_line"]


class BindingSimError(Exception):
    """Base class for every error caused by user input (exit status 2)."""

    exit_status = 2


class ConfigError(BindingSimError, ValueError):
    """A configuration value (scenario or experiment file, override) is invalid.

    Parameters
    ----------
    source : str
        Where the value came from: a file path, a preset name or an override
        such as ``--set trust.building_rate=-1``.
    key : str
        The dotted key, e.g. ``actors.NATO.relative_gains``.
    value : object
        The value given (``None`` when the key is missing).
    allowed : str
        What is allowed, in words.
    """

    def __init__(self, source: str, key: str, value: object, allowed: str) -> None:
        self.source = source
        self.key = key
        self.value = value
        self.allowed = allowed
        shown = "(missing)" if value is MISSING else _short_repr(value)
        where = f"{source}: " if source else ""
        super().__init__(one_line(f"{where}{key} = {shown}: {allowed}"))


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover - trivial
        return "(missing)"


MISSING: object = _Missing()
"""Sentinel for a key that is absent (shown as ``(missing)`` in messages)."""


def _short_repr(value: object, limit: int = 80) -> str:
    text = repr(value).replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    """Escape every character that ``str.splitlines`` breaks on (names may hold any)."""
    return text.translate(_LINE_BREAKS)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
