"""Errors of a sweep: it cannot start or continue, or some of its cells failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import BindingSimError

__all__ = ["SweepError", "SweepFailed"]


class SweepError(BindingSimError):
    """The sweep cannot start or continue (output folder, scheduler, memory, ...); exit status 2."""


class SweepFailed(BindingSimError):
    """Some cells raised; the others finished (the tables hold them); exit status 1.

    Attributes
    ----------
    failures : list of dict
        One ``{"cell", "protocol", "error"}`` per failed cell and protocol
        (``protocol`` is ``None`` when the whole cell failed).
    """

    exit_status = 1

    def __init__(self, message: str, failures: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.failures = list(failures)
