"""The store: an output folder's parts, its final tables and its commit point.

Layout of ``DIR``:

``run.json``
    The run record (:mod:`binding_sim.sweep.record`), written atomically at
    the start (``"status": "running"``) and at the end. The record written
    at the end is the *commit point*: the final tables are staged first,
    then the record is written, then the staged tables are renamed into
    place. So final tables never stand beside a ``running`` record: a run
    that dies before the commit leaves only parts (and staged files, removed
    by the next run); one that dies after it leaves a finished record, and
    ``--resume`` assembles the tables again from the parts.
``parts/part-*.parquet``
    One file per finished batch, written to a temporary file, flushed to
    disk and moved into place with :func:`os.replace` (a part exists
    completely or not at all). Rows: cell, protocol, design parameters,
    cell_seed, every outcome column and ``bound_by_round`` (a list); cells
    that failed are listed in the file's metadata with their error.
``log.jsonl``
    Append-only run log (one line per start, finished batch, end).
``solutions/<key>.npz``
    With forward-looking decisions (docs/model.md section 13.5) only: the
    solver's disk cache, one solved value function per distinct cell, named
    by a hash of its content and written atomically by the solver. Workers
    read each other's solutions, and ``--resume`` does not solve again;
    ``--force`` removes the folder with the rest.
``results.parquet`` / ``.csv``, ``binding_time.parquet`` / ``.csv``
    The finished tables, assembled from the parts and sorted by cell then
    protocol (then round), so they are identical however cells were
    scheduled or interrupted.
``failed.csv``
    Cells that raised (cell, protocol, error), if any.
``sweep.lock``
    While a sweep writes: who (:mod:`binding_sim.sweep.lock`).

Files are created with the user's umask (temporary files are created
private by :func:`tempfile.mkstemp`; their mode is set before they are moved
into place).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..serialize import dumps
from .batching import BatchTask, part_failures
from .errors import SweepError
from .lock import LOCK
from .record import now
from .result import SweepResult

__all__ = [
    "BINDING_TIME",
    "FAILED",
    "LOG",
    "PARTS",
    "RESULTS",
    "RUN_RECORD",
    "SOLUTIONS",
    "Store",
    "read_results",
    "write_csv",
]

RESULTS = "results"
BINDING_TIME = "binding_time"
PARTS = "parts"
RUN_RECORD = "run.json"
LOG = "log.jsonl"
SOLUTIONS = "solutions"
"""Folder of the forward solver's disk cache (docs/model.md section 13.5): one file
per distinct forward-looking cell, read again by every worker and by ``--resume``."""
FAILED = "failed.csv"
_TABLE_FILES = (
    f"{RESULTS}.parquet",
    f"{RESULTS}.csv",
    f"{BINDING_TIME}.parquet",
    f"{BINDING_TIME}.csv",
)
_OUR_FILES = (*_TABLE_FILES, RUN_RECORD, LOG, FAILED)
_STAGED = ".staged"
_CSV_ROWS = 65_536  # rows formatted at a time when writing a CSV


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # no other way: set and restore at once
    os.umask(mask)
    return mask


def _atomic_write(
    path: Path, write: Callable[[IO[bytes]], object], mode: int, sync: bool = True
) -> None:
    """Write ``path`` through a temporary file in the same folder, fsync, then os.replace.

    ``sync=False`` skips the fsync (a file that may be lost with the machine,
    not with the process: the ``running`` record).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if hasattr(os, "fchmod"):  # POSIX: mkstemp made it private; give it the umask's mode
                os.fchmod(fh.fileno(), mode)
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _column_text(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """A column as Python values for :mod:`csv` (NaN and null as empty fields, as pandas writes)."""
    values = column.to_pylist()
    if pa.types.is_floating(column.type):
        return [None if v is None or v != v else v for v in values]
    return values


_SPECIAL = re.compile('[,"\r\n]')  # characters that make the csv module quote a field


def _dictionary_text(column: pa.ChunkedArray | pa.Array, fmt: Callable[[Any], str]) -> pa.Array:
    """``column`` as text, each distinct value formatted once by ``fmt`` (NaN and null: null).

    Arrow's dictionary encoding keeps ``0.0`` and ``-0.0`` apart and merges NaNs.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    texts = [None if v is None or v != v else fmt(v) for v in encoded.dictionary.to_pylist()]
    return pa.array(texts, type=pa.string()).take(encoded.indices)


def _text(column: pa.ChunkedArray | pa.Array) -> pa.Array | pa.ChunkedArray | None:
    """``column`` as the text :mod:`csv` would write, or ``None`` if it needs the slow path."""
    kind = column.type
    if pa.types.is_floating(kind):
        return _dictionary_text(column, repr)
    if pa.types.is_integer(kind):
        return _dictionary_text(column, str)
    if pa.types.is_null(kind):
        return column
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if any(_SPECIAL.search(v) for v in pc.unique(column).to_pylist() if v is not None):
            return None  # quoting needed: let the csv module do it
        return column
    return None


def write_csv(fh: IO[bytes], table: pa.Table) -> None:
    """Write ``table`` as CSV, byte for byte what ``table.to_pandas().to_csv(index=False)`` gives.

    pandas writes through Python's :mod:`csv` writer: minimal quoting,
    ``"\\n"`` line ends, floats as ``repr`` (the shortest text that reads back
    the same number), NaN as an empty field. The same text is made here
    column by column (each distinct float formatted once) and written by
    Arrow's CSV writer without quoting; a chunk holding a value that needs
    quotes (a comma, a quote, a line break: a ladder given as JSON) or a
    column of another type goes through :mod:`csv` itself. Rows are written
    in chunks, so memory holds one chunk of text, not the table.
    """
    import pyarrow.csv as pa_csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    fh.write(buf.getvalue().encode("utf-8"))
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    for start in range(0, table.num_rows, _CSV_ROWS):
        chunk = table.slice(start, _CSV_ROWS)
        texts = [_text(c) for c in chunk.columns]
        if all(t is not None for t in texts):
            names = [f"c{i}" for i in range(len(texts))]
            pa_csv.write_csv(pa.table(texts, names=names), fh, options)
            continue
        buf.seek(0)
        buf.truncate()
        writer.writerows(zip(*(_column_text(c) for c in chunk.columns), strict=True))
        fh.write(buf.getvalue().encode("utf-8"))


def _binding_table(results: pa.Table) -> pa.Table:
    """The long binding-time table (cell, protocol, round, share_bound) from the list column."""
    if "bound_by_round" not in results.column_names or results.num_rows == 0:
        return pa.table(
            {
                "cell": pa.array([], pa.int64()),
                "protocol": pa.array([], pa.string()),
                "round": pa.array([], pa.int64()),
                "share_bound": pa.array([], pa.float64()),
            }
        )
    curves = results.column("bound_by_round").combine_chunks()
    parents = pc.list_parent_indices(curves)
    lengths = np.asarray(pc.list_value_length(curves).fill_null(0).to_numpy(), dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rounds = np.arange(int(lengths.sum()), dtype=np.int64) - starts + 1
    return pa.table(
        {
            "cell": results.column("cell").take(parents),
            "protocol": results.column("protocol").take(parents),
            "round": pa.array(rounds, pa.int64()),
            "share_bound": pc.list_flatten(curves),
        }
    )


class Store:
    """The output folder of one sweep (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parts = root / PARTS
        self.mode = 0o666 & ~_umask()

    # ---- folder state
    def record(self) -> dict[str, Any] | None:
        """The run record on disk, or ``None``."""
        try:
            return dict(json.loads((self.root / RUN_RECORD).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def is_empty(self) -> bool:
        """Whether the folder holds nothing but a lock (or does not exist)."""
        return not self.root.exists() or all(p.name == LOCK for p in self.root.iterdir())

    def clear(self) -> None:
        """Remove this package's artefacts (never other files, never the lock)."""
        for name in _OUR_FILES:
            with contextlib.suppress(FileNotFoundError):
                (self.root / name).unlink()
        if self.parts.exists():
            shutil.rmtree(self.parts)
        if (self.root / SOLUTIONS).is_dir():
            shutil.rmtree(self.root / SOLUTIONS)

    def prepare(self) -> None:
        """Create ``parts/``, remove what a killed run left half-written, check we can write."""
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            stale = list(self.parts.glob(".*.tmp"))  # from a run killed mid-write
            for name in _OUR_FILES:
                stale.extend(self.root.glob(f".{name}.*.tmp"))
                stale.extend(self.root.glob(f".{name}{_STAGED}"))
            for path in stale:
                path.unlink()
            probe = self.root / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise SweepError(
                f"{self.root}: cannot write to the output directory ({exc.strerror or exc})"
            ) from None

    def retract(self) -> None:
        """Remove the final tables and ``failed.csv`` (before a run's ``running`` record)."""
        for name in (*_TABLE_FILES, FAILED):
            with contextlib.suppress(FileNotFoundError):
                (self.root / name).unlink()

    def write_record(self, record: dict[str, Any], sync: bool = True) -> None:
        """Write ``run.json`` atomically (flushed to disk unless ``sync=False``)."""
        self.write_text(self.root / RUN_RECORD, dumps(record), sync)

    def write_text(self, path: Path, text: str, sync: bool = True) -> None:
        data = text.encode("utf-8")
        _atomic_write(path, lambda fh: fh.write(data), self.mode, sync)

    def write_parquet(self, path: Path, table: pa.Table) -> None:
        _atomic_write(path, lambda fh: pq.write_table(table, fh), self.mode)

    # ---- parts
    def part_paths(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.exists() else []

    def write_part(self, task: BatchTask, table: pa.Table) -> Path:
        path = self.parts / f"part-{task.cells[0]:09d}-{uuid.uuid4().hex[:12]}.parquet"
        self.write_parquet(path, table)
        return path

    def scan(self, protocols: Sequence[str]) -> tuple[set[int], dict[int, str]]:
        """Cells finished in every protocol, and failed cells (cell -> last error)."""
        ok: dict[int, set[str]] = {}
        failed: dict[int, str] = {}
        for path in self.part_paths():
            try:
                schema = pq.read_schema(path)
                cells = pq.read_table(path, columns=["cell", "protocol"])
            except (OSError, pa.ArrowException):
                path.unlink()  # unreadable part (cannot happen with atomic writes): redo
                continue
            for c, p in zip(
                cells.column("cell").to_pylist(), cells.column("protocol").to_pylist(), strict=True
            ):
                ok.setdefault(c, set()).add(p)
            for f in part_failures(schema):
                failed[int(f["cell"])] = f"{f['protocol'] or 'cell'}: {f['error']}"
        done = {c for c, ps in ok.items() if set(protocols) <= ps}
        return done, {c: e for c, e in failed.items() if c not in done}

    def log(self, event: str, **fields: Any) -> None:
        line = dumps({"time": now(), "event": event, "pid": os.getpid(), **fields}, indent=None)
        with open(self.root / LOG, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()

    # ---- final tables
    def assemble(
        self, protocols: Sequence[str], written: Mapping[str, pa.Table] | None = None
    ) -> tuple[pa.Table, pa.Table, list[dict]]:
        """Every part's rows: (results, binding_time, failures), sorted and de-duplicated.

        ``written`` maps the file names of parts this process has just
        written to their tables, which are then not read back from disk.
        """
        written = written or {}
        tables = []
        failures: dict[tuple[int, Any], dict[str, Any]] = {}
        for path in self.part_paths():
            t = written.get(path.name)
            if t is None:
                t = pq.read_table(path)
            for f in part_failures(t):
                failures[(int(f["cell"]), f["protocol"])] = f
            if t.num_rows:
                tables.append(t.replace_schema_metadata(None))
        if tables:
            table = pa.concat_tables(tables, promote_options="default")
            table = table.sort_by([("cell", "ascending"), ("protocol", "ascending")])
            cells = table.column("cell").to_numpy()
            protos = np.asarray(table.column("protocol").to_pylist(), dtype=object)
            repeat = np.zeros(len(cells), dtype=bool)
            repeat[1:] = (cells[1:] == cells[:-1]) & (protos[1:] == protos[:-1])
            if repeat.any():  # a cell computed twice (a retried batch): keep the first
                table = table.filter(pa.array(~repeat))
        else:
            table = pa.table(
                {"cell": pa.array([], pa.int64()), "protocol": pa.array([], pa.string())}
            )
        done: dict[int, set[str]] = {}
        if table.num_rows:
            for c, p in zip(
                table.column("cell").to_pylist(), table.column("protocol").to_pylist(), strict=True
            ):
                done.setdefault(c, set()).add(p)
        open_failures = [
            f
            for (c, p), f in sorted(failures.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
            if not (c in done and (p in done[c] if p is not None else set(protocols) <= done[c]))
        ]
        binding = _binding_table(table)
        if "bound_by_round" in table.column_names:
            table = table.drop(["bound_by_round"])
        return table, binding, open_failures

    def commit(
        self,
        results: pa.Table,
        binding: pa.Table,
        failures: list[dict],
        record: dict[str, Any],
    ) -> None:
        """Stage the final tables, write the finished record (the commit), move the tables in.

        A failure or kill before the record is written leaves no final table;
        one after it leaves a finished record whose tables ``--resume``
        assembles again from the parts.
        """
        staged: list[tuple[Path, Path]] = []

        def stage(name: str, write: Callable[[IO[bytes]], object]) -> None:
            path = self.root / f".{name}{_STAGED}"
            _atomic_write(path, write, self.mode)
            staged.append((path, self.root / name))

        stage(f"{RESULTS}.parquet", lambda fh: pq.write_table(results, fh))
        stage(f"{RESULTS}.csv", lambda fh: write_csv(fh, results))
        stage(f"{BINDING_TIME}.parquet", lambda fh: pq.write_table(binding, fh))
        stage(f"{BINDING_TIME}.csv", lambda fh: write_csv(fh, binding))
        if failures:
            text = pd.DataFrame(failures).to_csv(index=False).encode("utf-8")
            stage(FAILED, lambda fh: fh.write(text))
        self.write_record(record)  # the commit point
        for src, dst in staged:
            os.replace(src, dst)
        if not failures:
            with contextlib.suppress(FileNotFoundError):
                (self.root / FAILED).unlink()


def read_results(out_dir: str | Path) -> SweepResult:
    """Read the finished tables of a sweep in ``out_dir`` as a :class:`SweepResult`.

    Raises
    ------
    SweepError
        If ``out_dir`` holds no finished tables (the sweep is still running,
        was interrupted or never ran: ``--resume`` it).
    """
    root = Path(out_dir)
    record = Store(root).record() or {}
    try:
        results = pd.read_parquet(root / f"{RESULTS}.parquet")
        binding = pd.read_parquet(root / f"{BINDING_TIME}.parquet")
    except FileNotFoundError:
        status = record.get("status")
        why = f" (run.json says {status!r})" if status else ""
        raise SweepError(
            f"{root}: no finished sweep tables ({RESULTS}.parquet){why}; "
            "run the sweep (or --resume it)"
        ) from None
    return SweepResult(results=results, binding_time=binding, out=root, record=record)
