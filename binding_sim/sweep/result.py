"""The result of a sweep: both tables as plain DataFrames, the output folder and the run record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SweepResult"]


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What :func:`~binding_sim.sweep.run_sweep` and :func:`~binding_sim.sweep.read_results` return.

    Attributes
    ----------
    results : pandas.DataFrame
        One row per cell x protocol, sorted by (cell, protocol): ``cell``,
        ``protocol``, every design parameter (dotted key as written),
        ``cell_seed`` (the root seed; every cell shares the block streams of
        docs/model.md section 11), then every
        :meth:`binding_sim.dynamics.outcomes.Outcome.columns` value.
    binding_time : pandas.DataFrame
        The binding-time distribution, long: ``cell, protocol, round,
        share_bound`` (share of replicates bound by the end of each round),
        sorted by cell, protocol, round.
    out : Path or None
        The output folder; ``None`` when the sweep ran in a temporary folder
        (``out=None``) that is gone.
    record : dict
        The run record (the content of ``run.json``: versions, seed,
        fingerprint, resolved experiment and scenario, timing, status).

    Both tables are plain DataFrames (nothing is kept in ``DataFrame.attrs``),
    so the tables of several results concatenate with :func:`pandas.concat`.
    """

    results: pd.DataFrame
    binding_time: pd.DataFrame
    out: Path | None = None
    record: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        """The run's status from the record: ``complete`` or ``failed`` (``None`` if unknown)."""
        status = self.record.get("status")
        return str(status) if status is not None else None

    def __repr__(self) -> str:
        cells = self.results["cell"].nunique() if len(self.results) else 0
        return (
            f"SweepResult({len(self.results)} rows, {cells} cells, "
            f"{len(self.binding_time)} binding-time rows, out={self.out}, status={self.status})"
        )
