"""Executors: where batches run (this process, local worker processes, a Dask cluster).

Every executor takes the batches to run and calls ``done(task, part)`` in the
calling process as each batch finishes, in any order; the store writes the
part at once. The tables never depend on the executor (docs/model.md
section 11).

- :func:`run_serial`: one batch after another in this process.
- :func:`run_processes`: a :class:`~concurrent.futures.ProcessPoolExecutor`
  with at most two batches per worker in flight. A worker that dies is
  replaced; its batches are rerun one at a time, and a batch whose worker
  dies on each of :data:`MAX_ATTEMPTS` starts is recorded as failed. Worker
  processes ignore Ctrl-C (the parent stops them) and exit on their own
  within about a second when the parent dies by any signal
  (``prctl(PR_SET_PDEATHSIG)`` on Linux, and a watchdog thread on the
  parent's process id everywhere).
- :func:`run_dask`: a Dask distributed cluster: ``"local"`` starts a
  :class:`distributed.LocalCluster`; an address is first checked to answer
  like a Dask scheduler (:func:`probe_scheduler`), so that a wrong address
  is a one-line error rather than a hang or an allocation of whatever size
  a stranger's bytes claim.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pyarrow as pa

from .batching import BatchTask, error_text, failure_table, run_batch
from .errors import SweepError

__all__ = [
    "MAX_ATTEMPTS",
    "PROBE_TIMEOUT",
    "Done",
    "probe_scheduler",
    "run_dask",
    "run_processes",
    "run_serial",
]

MAX_ATTEMPTS = 3
"""Times a batch is started before the cells of a batch that kills its worker count as failed."""

PROBE_TIMEOUT = 10.0
"""Seconds to wait for a scheduler's greeting (:func:`probe_scheduler`)."""

_WATCH_INTERVAL = 0.5
"""Seconds between two looks of a worker's watchdog at its parent."""

_PR_SET_PDEATHSIG = 1
_MAX_GREETING = 1 << 20  # a Dask handshake is a few hundred bytes

Done = Callable[[BatchTask, pa.Table], None]
Warn = Callable[[str], None]


# ---------------------------------------------------------------------- serial
def run_serial(tasks: Iterable[BatchTask], done: Done) -> None:
    """Run the batches one after another in this process."""
    for task in tasks:
        done(task, run_batch(task))


# ------------------------------------------------------------------- processes
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _watch_parent(parent: int, ppid: int) -> None:
    """Exit this worker as soon as its parent is gone (reparented, or the pid vanished)."""
    while True:
        time.sleep(_WATCH_INTERVAL)
        if os.getppid() != ppid or not _alive(parent):
            os._exit(1)


def init_worker(parent: int) -> None:
    """Worker initializer: ignore Ctrl-C, and die with the sweep's process ``parent``.

    Ctrl-C reaches the whole foreground process group; the parent handles it
    and stops the workers. On Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` has
    the kernel kill the worker when its parent dies; a daemon thread checks
    every :data:`_WATCH_INTERVAL` seconds as well (other systems, or a worker
    started through a fork server).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ppid = os.getppid()
    if sys.platform.startswith("linux") and ppid == parent:
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if not _alive(parent):
        os._exit(1)  # the parent died before we could watch it
    threading.Thread(
        target=_watch_parent, args=(parent, ppid), name="binding-sim-watchdog", daemon=True
    ).start()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued batches and terminate the worker processes (after Ctrl-C or an error)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown clears it
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()


def run_processes(tasks: Iterable[BatchTask], workers: int, done: Done, warn: Warn) -> None:
    """Local processes with a bounded number of batches in flight; dead workers are replaced.

    When a worker process dies (``BrokenProcessPool``), a fresh pool is
    started and the batches that were in flight are rerun one at a time, so
    a second death pins the batch that causes it; a batch whose worker dies
    on each of :data:`MAX_ATTEMPTS` starts is recorded as failed.
    """
    pending = iter(tasks)
    retry: list[BatchTask] = []
    limit = 2 * workers
    while True:
        lost: list[BatchTask] = []
        inflight: dict[Future, BatchTask] = {}
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=init_worker, initargs=(os.getpid(),)
        )
        try:
            while True:
                while len(inflight) < limit and not lost:
                    if inflight and (retry or any(t.attempt > 1 for t in inflight.values())):
                        break  # a rerun batch runs alone
                    task = retry.pop(0) if retry else next(pending, None)
                    if task is None:
                        break
                    try:
                        inflight[pool.submit(run_batch, task)] = task
                    except BrokenProcessPool:
                        lost.append(task)
                    if task.attempt > 1:
                        break
                if not inflight:
                    break
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = inflight.pop(fut)
                    try:
                        table = fut.result()
                    except BrokenProcessPool:
                        lost.append(task)
                        continue
                    except Exception as exc:
                        table = failure_table(task, error_text(exc))
                    done(task, table)
                if lost:
                    lost.extend(inflight.values())
                    inflight.clear()
                    break
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        if not lost:
            return
        again = []
        for task in sorted(lost, key=lambda t: t.cells[0]):
            if task.attempt >= MAX_ATTEMPTS:
                span = (
                    f"{task.cells[0]}-{task.cells[-1]}" if len(task.cells) > 1 else task.cells[0]
                )
                done(
                    task,
                    failure_table(
                        task,
                        f"worker process died running cells {span} ({task.attempt} attempts)",
                    ),
                )
            else:
                again.append(dataclasses.replace(task, attempt=task.attempt + 1))
        retry[:0] = again
        warn(
            f"a worker process died; restarting the pool and rerunning {len(again)} "
            "unfinished batch(es) one at a time"
        )


# ------------------------------------------------------------------------ dask
@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes are started (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _dask_logs_silenced(quiet: bool) -> Iterator[None]:
    """Keep Dask's and Tornado's log records (shutdown tracebacks included) off stderr when quiet."""
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio", "bokeh")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _split_address(address: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a scheduler address; ``None`` if it is not TCP."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme != "tcp":
        return None
    rest = rest.split("/", 1)[0]
    if rest.startswith("["):  # [IPv6]:port
        host, _, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    elif rest.count(":") == 1:
        host, port_text = rest.split(":")
    else:
        host, port_text = rest, ""
    try:
        port = int(port_text) if port_text else 8786
    except ValueError:
        raise SweepError(
            f"--scheduler {address}: the port must be a number (tcp://HOST:PORT)"
        ) from None
    if not host or not 0 < port < 65536:
        raise SweepError(f"--scheduler {address}: expected tcp://HOST:PORT or 'local'")
    return scheme, host, port


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def probe_scheduler(address: str, timeout: float | None = None) -> None:
    """Check that the TCP service at ``address`` greets like a Dask scheduler.

    A Dask server writes its handshake as soon as a connection opens: an
    8-byte little-endian length, then that many bytes starting with a frame
    count and the frame lengths. Anything else (silence, a closed
    connection, an HTTP banner, a length over 1 MiB) is a one-line
    :class:`SweepError` before Dask reads a byte. Addresses of other
    protocols (``tls://``, ``ucx://``) are left to Dask.
    """
    timeout = PROBE_TIMEOUT if timeout is None else timeout
    parsed = _split_address(address)
    if parsed is None:
        return
    _, host, port = parsed

    def refuse(why: str) -> SweepError:
        return SweepError(
            f"--scheduler {address}: {why}; check the address "
            "(the scheduler's, tcp://HOST:8786) or use --scheduler local"
        )

    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise refuse(f"cannot connect to the Dask scheduler ({why or 'timed out'})") from None
    with sock:
        try:
            head = _recv_exactly(sock, 8)
            if len(head) < 8:
                raise refuse("not a Dask scheduler: it closed the connection without a greeting")
            (size,) = struct.unpack("<Q", head)
            if not 16 <= size <= _MAX_GREETING:
                raise refuse(
                    f"not a Dask scheduler: its first bytes {head!r} are no Dask message header"
                )
            body = _recv_exactly(sock, size)
        except TimeoutError:
            raise refuse(f"not a Dask scheduler: no greeting within {timeout:g} s") from None
        except OSError as exc:
            raise refuse(f"not a Dask scheduler ({exc.strerror or exc})") from None
    if len(body) < size:
        raise refuse("not a Dask scheduler: its message was cut short")
    (frames,) = struct.unpack_from("<Q", body)
    if not 1 <= frames <= 64 or 8 * (1 + frames) > size:
        raise refuse("not a Dask scheduler: its message has no Dask frames")
    lengths = struct.unpack_from(f"<{frames}Q", body, 8)
    if any(n > _MAX_GREETING for n in lengths):
        raise refuse("not a Dask scheduler: its message has no Dask frames")


def run_dask(
    make_tasks: Callable[[int], Iterable[BatchTask]],
    scheduler: str,
    workers: int,
    done: Done,
    warn: Warn,
    quiet: bool = False,
) -> None:
    """A Dask distributed cluster (``"local"``: a LocalCluster of ``workers`` processes).

    ``make_tasks(slots)`` gives the batches once the cluster's number of
    threads is known (the batch size depends on it). An address is checked
    with :func:`probe_scheduler` first (by :func:`~binding_sim.sweep.run_sweep`,
    before the output folder is touched).
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise SweepError(f"--scheduler needs dask.distributed: {exc}") from None

    with _dask_logs_silenced(quiet), contextlib.ExitStack() as stack:
        if scheduler == "local":
            # the cluster's processes start with Ctrl-C ignored (an ignored signal is
            # inherited): Ctrl-C reaches this process, which shuts the cluster down
            with _sigint_ignored():
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.CRITICAL + 1 if quiet else logging.ERROR,
                    )
                )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="30s"))
            except Exception as exc:  # whatever Dask raises for a bad address: one line
                raise SweepError(
                    f"--scheduler {scheduler}: cannot connect to the Dask scheduler "
                    f"({error_text(exc)})"
                ) from None
        slots = max(1, sum(client.nthreads().values()))
        pending = iter(make_tasks(slots))  # batch size from the cluster's size
        futures: dict[Any, BatchTask] = {}
        stream = as_completed()
        for task in pending:
            fut = client.submit(run_batch, task, pure=False)
            futures[fut] = task
            stream.add(fut)
            if len(futures) >= 2 * slots:
                break
        for fut in stream:
            task = futures.pop(fut)
            try:
                table = fut.result()
            except Exception as exc:
                warn(f"batch starting at cell {task.cells[0]} was lost: {error_text(exc)}")
                table = failure_table(task, f"worker lost: {error_text(exc)}")
            done(task, table)
            nxt = next(pending, None)
            if nxt is not None:
                f2 = client.submit(run_batch, nxt, pure=False)
                futures[f2] = nxt
                stream.add(f2)
