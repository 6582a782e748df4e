"""Running an experiment over all its cells: batches, executors, the store, resume.

:func:`run_sweep` runs every cell x protocol of an
:class:`~binding_sim.config.experiment.Experiment` with
:func:`binding_sim.dynamics.engine.simulate_cells`, writes tidy tables and
returns a :class:`SweepResult` (both tables as plain DataFrames, the output
folder and the run record). :func:`read_results` reads a finished folder back.

Modules, one concept each (imports go down this list, never up):

- :mod:`~binding_sim.sweep.errors`: :class:`SweepError`, :class:`SweepFailed`;
- :mod:`~binding_sim.sweep.result`: :class:`SweepResult`;
- :mod:`~binding_sim.sweep.record`: the run record ``run.json``;
- :mod:`~binding_sim.sweep.memory`: memory available and needed, one-line refusals;
- :mod:`~binding_sim.sweep.lock`: one writer per output folder (``sweep.lock``);
- :mod:`~binding_sim.sweep.batching`: batches of consecutive cells and their part tables;
- :mod:`~binding_sim.sweep.store`: parts, final tables and the commit point;
- :mod:`~binding_sim.sweep.executors`: serial, local processes, Dask;
- :mod:`~binding_sim.sweep.run`: the front door :func:`run_sweep`;
- :mod:`~binding_sim.sweep.sensitivity`: Morris and Sobol indices over an
  experiment's ranges (SALib), the sampled points run by :func:`run_sweep`.

The random streams follow docs/model.md section 11 (fixed blocks of
replicates from the root seed, shared by every cell), so a cell's result
does not depend on its batch, the batch size, the order or the executor:
the tables are bit-identical in every mode and after any interruption.
"""

from __future__ import annotations

from .batching import (
    MAX_BATCH_CELLS,
    MAX_BATCH_WORK,
    MIN_BATCH_CELLS,
    BatchTask,
    auto_batch_size,
    batch_tasks,
    run_batch,
)
from .errors import SweepError, SweepFailed
from .executors import MAX_ATTEMPTS
from .lock import LOCK, OutputLock
from .memory import MemoryLimitError
from .record import run_record
from .result import SweepResult
from .run import MAX_WORKERS, run_sweep
from .sensitivity import Parameter, SensitivityResult, sensitivity, sensitivity_indices
from .store import Store, read_results

__all__ = [
    "LOCK",
    "MAX_ATTEMPTS",
    "MAX_BATCH_CELLS",
    "MAX_BATCH_WORK",
    "MAX_WORKERS",
    "MIN_BATCH_CELLS",
    "BatchTask",
    "MemoryLimitError",
    "OutputLock",
    "Parameter",
    "SensitivityResult",
    "Store",
    "SweepError",
    "SweepFailed",
    "SweepResult",
    "auto_batch_size",
    "batch_tasks",
    "read_results",
    "run_batch",
    "run_record",
    "run_sweep",
    "sensitivity",
    "sensitivity_indices",
]
