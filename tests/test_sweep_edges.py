"""The edges of a sweep: its result object, the scheduler, workers, lock, files, memory, Ctrl-C.

Every server these tests start listens on 127.0.0.1 only.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_reliability_sweep import persisted_cells

import binding_sim.dynamics.engine as engine
import binding_sim.limits as limits
import binding_sim.sweep.executors as executors
import binding_sim.sweep.memory as memory
import binding_sim.sweep.store as store
from binding_sim.cli import main
from binding_sim.errors import BindingSimError
from binding_sim.sweep import (
    MAX_WORKERS,
    OutputLock,
    SweepError,
    SweepResult,
    read_results,
    run_sweep,
)

SMALL = """
[experiment]
name = "edges"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 100
horizon = 20
seed = 11

[design]
kind = "grid"
grid = { "trust.building_rate" = [0.05, 0.2, 0.4], "actors.*.relative_gains" = [0.5, 1.0] }
"""
N_CELLS = 6

SLOW = """
[experiment]
name = "slow"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 4096
horizon = 200
seed = 99

[design]
kind = "grid"
grid = { "trust.building_rate" = { start = 0.02, stop = 0.4, num = 12 } }
"""

CLI = "import sys; from binding_sim.cli import main; sys.exit(main(sys.argv[1:]))"


def _cli(path: Path, out: Path) -> list[str]:
    """``binding-sim sweep PATH --out OUT`` as a subprocess command of this interpreter."""
    return [sys.executable, "-c", CLI, "sweep", str(path), "--out", str(out)]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "edges.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    path = tmp_path / "slow.toml"
    path.write_text(SLOW, encoding="utf-8")
    return path


def _must_not_run(*args: object, **kwargs: object) -> None:
    raise AssertionError("work started although the sweep should have been refused")


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return text.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _children(pid: int) -> list[int]:
    """Running child processes of ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            out.append(int(entry.name))
    return out


def _parts(out: Path) -> int:
    parts = out / "parts"
    return len(list(parts.glob("part-*.parquet"))) if parts.exists() else 0


# --------------------------------------------------------------- the result
def test_result_holds_plain_tables_that_concatenate(small: Path, tmp_path: Path) -> None:
    a = run_sweep(small, out=tmp_path / "a", workers=1)
    b = run_sweep(small, out=tmp_path / "b", workers=1, seed=12)
    assert isinstance(a, SweepResult)
    assert a.results.attrs == {} and a.binding_time.attrs == {}
    results = pd.concat([a.results, b.results], ignore_index=True)
    binding = pd.concat([a.binding_time, b.binding_time], ignore_index=True)
    assert len(results) == 2 * N_CELLS * 2
    assert sorted(set(results["cell_seed"])) == [11, 12]
    assert len(binding) == 2 * N_CELLS * 2 * 20  # cells x protocols x rounds, twice
    assert a.out == tmp_path / "a" and a.status == "complete"
    assert a.record["seed"] == 11 and b.record["seed"] == 12
    back = read_results(tmp_path / "b")
    pd.testing.assert_frame_equal(back.results, b.results, check_exact=True)
    assert back.record == b.record


# --------------------------------------------------------------- scheduler
@pytest.fixture
def fake_server() -> Iterator[callable]:  # type: ignore[valid-type]
    """Start a TCP server on 127.0.0.1 that answers every connection with given bytes."""
    servers: list[socket.socket] = []

    def start(payload: bytes | None, close: bool = True) -> int:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        servers.append(srv)

        def serve() -> None:
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                if payload:
                    conn.sendall(payload)
                if close:
                    conn.close()
                else:  # keep it open and silent
                    servers.append(conn)  # type: ignore[arg-type]

        threading.Thread(target=serve, daemon=True).start()
        return int(srv.getsockname()[1])

    yield start
    for s in servers:
        s.close()


@pytest.mark.parametrize(
    ("payload", "close", "needle"),
    [
        # a length header claiming 2**64 - 1 bytes: refused before anything is read
        (b"\xff" * 64, True, "no Dask message header"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", True, "no Dask message header"),
        (b"", True, "closed the connection without a greeting"),
        (None, False, "no greeting within 0.5 s"),
        # a plausible length, then frames that do not add up
        (b"\x20" + b"\x00" * 7 + b"\xff" * 32, True, "no Dask frames"),
    ],
)
def test_scheduler_that_is_not_dask_is_one_line_error(
    small: Path,
    tmp_path: Path,
    fake_server,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    payload: bytes | None,
    close: bool,
    needle: str,
) -> None:
    monkeypatch.setattr(executors, "PROBE_TIMEOUT", 0.5)
    monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
    port = fake_server(payload, close)
    out = tmp_path / "out"
    t0 = time.monotonic()
    status = main(
        ["sweep", str(small), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"]
    )
    line = _one_line(capsys.readouterr().err)
    assert status == 2
    assert time.monotonic() - t0 < 10
    assert line.startswith(f"binding-sim: error: --scheduler tcp://127.0.0.1:{port}: ")
    assert needle in line
    assert not out.exists()  # refused before the output folder was touched


def test_scheduler_nobody_listens_on(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    status = main(
        ["sweep", str(small), "--out", str(tmp_path / "o"), "--scheduler", f"127.0.0.1:{port}"]
    )
    line = _one_line(capsys.readouterr().err)
    assert status == 2 and "cannot connect to the Dask scheduler" in line


@pytest.mark.slow
def test_real_dask_scheduler_passes_the_probe_and_gives_identical_tables(
    small: Path, tmp_path: Path
) -> None:
    from distributed import LocalCluster

    serial = run_sweep(small, out=tmp_path / "serial", workers=1)
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        protocol="tcp://",
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        executors.probe_scheduler(cluster.scheduler_address)  # no error
        dask = run_sweep(small, out=tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(serial.results, dask.results, check_exact=True)
    assert dask.record["execution"]["mode"] == f"dask:{cluster.scheduler_address}"


@pytest.mark.slow
def test_local_cluster_quiet_prints_nothing(small: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [*_cli(small, tmp_path / "o"), "--scheduler", "local", "--workers", "2", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no Dask log lines or tracebacks, at start or shutdown
    assert proc.stdout.strip() == str(tmp_path / "o" / "results.parquet")


# ----------------------------------------------------------------- workers
@pytest.mark.slow
def test_worker_processes_exit_when_the_parent_is_killed(slow: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*_cli(slow, out), "--workers", "2", "--batch-size", "1", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2 and _parts(out) >= 1:
                break
            time.sleep(0.02)
        assert proc.poll() is None and len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, not its process group
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "worker processes outlived their parent"
    finally:
        for pid in [proc.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_worker_watchdog_exits_when_the_watched_process_ends() -> None:
    """The fallback of PR_SET_PDEATHSIG: a worker watching a process that is not its parent."""
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"])
    pid = os.fork()
    if pid == 0:  # the "worker": watch `watched`, then idle
        try:
            executors.init_worker(watched.pid)
            time.sleep(20)
        finally:
            os._exit(0)  # reached only if the watchdog did not fire
    try:
        watched.wait()
        t0 = time.monotonic()
        _, status = os.waitpid(pid, 0)
        assert time.monotonic() - t0 < 5
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1  # the watchdog's exit
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_workers_capped_at_the_cells_once_and_warned_above_the_cores(
    small: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    result = run_sweep(small, out=tmp_path / "o", workers=8, quiet=False)
    err = capsys.readouterr().err
    assert err.count("--workers 8 capped at 6, the number of cells to run") == 1
    assert err.count("--workers 6 is more than the 1 cores of this machine") == 1
    assert result.record["execution"]["workers"] == N_CELLS
    assert result.record["execution"]["mode"] == f"processes:{N_CELLS}"


@pytest.mark.parametrize("value", ["100000000000000000000", "0", "-3", str(MAX_WORKERS + 1)])
def test_absurd_workers_are_a_one_line_error(
    small: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
    status = main(["sweep", str(small), "--out", str(tmp_path / "o"), "--workers", value])
    line = _one_line(capsys.readouterr().err)
    assert status == 2 and "--workers" in line and value in line
    assert not (tmp_path / "o").exists()
    with pytest.raises(SweepError, match=r"^--workers = .*must be an integer in \[1, 1024\]"):
        run_sweep(small, out=tmp_path / "o", workers=int(value))


# -------------------------------------------------------------------- lock
def _hold_lock(out: Path) -> subprocess.Popen[str]:
    """Another process holding the lock of ``out`` (prints its pid once it holds it)."""
    code = (
        "import sys, time; from pathlib import Path; from binding_sim.sweep import OutputLock; "
        "OutputLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_is_refused_naming_the_running_one(
    small: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "o"
    run_sweep(small, out=out, workers=1)
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    holder = _hold_lock(out)
    try:
        monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
        for extra in ([], ["--resume"], ["--force"]):
            status = main(["sweep", str(small), "--out", str(out), "--workers", "1", *extra])
            line = _one_line(capsys.readouterr().err)
            assert status == 2
            assert (
                f"{out}: another sweep is writing to this folder (PID {holder.pid} on "
                f"{socket.gethostname()}, started " in line
            )
            assert "another experiment" not in line
        after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        lock = out / "sweep.lock"
        assert after.pop(lock) and after == before  # nothing but the holder's lock changed
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_lock_of_a_killed_sweep_is_stale_and_resume_proceeds(
    slow: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*_cli(slow, out), "--workers", "1", "--batch-size", "1", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and _parts(out) < 2:
            time.sleep(0.02)
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # kill -9
        proc.wait()
    record = json.loads((out / "sweep.lock").read_text())
    assert record["pid"] == proc.pid and record["host"] == socket.gethostname()
    status = main(["sweep", str(slow), "--out", str(out), "--workers", "1", "--resume"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert (
        f"{out}: taking over the lock of a sweep that is no longer running (PID {proc.pid} on "
        in err
    )
    assert not (out / "sweep.lock").exists()  # released at the end
    assert sorted(set(read_results(out).results["cell"])) == list(range(12))


def test_lock_without_flock_uses_the_recorded_process(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file system has no flock: a live PID here or another host refuses; a dead PID not."""
    monkeypatch.setattr(OutputLock, "_flock", staticmethod(lambda fd: None))
    out = tmp_path / "o"
    out.mkdir()
    lock = out / "sweep.lock"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = socket.gethostname()
        lock.write_text(json.dumps({"pid": sleeper.pid, "host": host, "start_time": "T"}))
        with pytest.raises(SweepError, match=rf"another sweep is writing .*PID {sleeper.pid} on"):
            run_sweep(small, out=out, workers=1)
        lock.write_text(json.dumps({"pid": sleeper.pid, "host": "elsewhere", "start_time": "T"}))
        with pytest.raises(
            SweepError, match=rf"on elsewhere, started T\); if that run is over, remove {lock}"
        ):
            run_sweep(small, out=out, workers=1)
    finally:
        sleeper.kill()
        sleeper.wait()
    lock.write_text(json.dumps({"pid": sleeper.pid, "host": host, "start_time": "T"}))
    assert len(run_sweep(small, out=out, workers=1).results) == 2 * N_CELLS  # dead: stale
    assert not lock.exists()


def test_refused_sweep_leaves_no_folder_behind(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "available_memory", lambda: 1)
    out = tmp_path / "new" / "folder"
    with pytest.raises(BindingSimError):
        run_sweep(small, out=out, workers=1)
    assert not out.exists()


# -------------------------------------------------------------------- files
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_files_are_written_with_the_users_umask(small: Path, tmp_path: Path, umask: int) -> None:
    out = tmp_path / "o"
    previous = os.umask(umask)
    try:
        run_sweep(small, out=out, workers=1)
    finally:
        os.umask(previous)
    expected = {0o022: 0o644, 0o027: 0o640, 0o077: 0o600}[umask]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {
        "results.parquet",
        "results.csv",
        "binding_time.parquet",
        "binding_time.csv",
        "run.json",
        "log.jsonl",
    }
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_failed_final_assembly_leaves_no_tables_beside_a_running_record(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "o"
    reference = run_sweep(small, out=tmp_path / "ref", workers=1)
    real = store.write_csv
    calls = [0]

    def fails_on_the_second_table(fh, table):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == 2:  # results.csv staged, binding_time.csv fails
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fh, table)

    monkeypatch.setattr(store, "write_csv", fails_on_the_second_table)
    with pytest.raises(SweepError, match=r"No space left on device.*--resume"):
        run_sweep(small, out=out, workers=1)
    assert json.loads((out / "run.json").read_text())["status"] == "running"
    for name in ("results.parquet", "results.csv", "binding_time.parquet", "binding_time.csv"):
        assert not (out / name).exists(), name
    with pytest.raises(SweepError, match=r"no finished sweep tables.*'running'"):
        read_results(out)
    monkeypatch.undo()
    resumed = run_sweep(small, out=out, workers=1, resume=True)
    pd.testing.assert_frame_equal(resumed.results, reference.results, check_exact=True)
    assert not list(out.glob(".*.staged"))


def test_resumed_run_retracts_old_tables_before_its_running_record(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "o"
    run_sweep(small, out=out, workers=1)
    seen: list[tuple[str, bool]] = []
    real = store.Store.write_record

    def record(self, rec, sync=True):  # type: ignore[no-untyped-def]
        seen.append((rec["status"], (out / "results.parquet").exists()))
        return real(self, rec, sync)

    monkeypatch.setattr(store.Store, "write_record", record)
    run_sweep(small, out=out, workers=1, resume=True)
    assert seen == [("running", False), ("complete", False)]  # tables moved in after commit
    assert (out / "results.parquet").exists()


# ------------------------------------------------------------------- memory
def test_sweep_beyond_the_memory_is_refused_in_one_line_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch of 10^4 cells x 8192 replicates needs tens of GB: refused, nothing written."""
    path = tmp_path / "big.toml"
    path.write_text(
        SMALL.replace("reps = 100", "reps = 8192").replace(
            'grid = { "trust.building_rate" = [0.05, 0.2, 0.4], "actors.*.relative_gains" = [0.5, 1.0] }',
            'grid = { "trust.building_rate" = { start = 0.01, stop = 0.4, num = 100 }, '
            '"actors.*.relative_gains" = { start = 0.0, stop = 2.0, num = 100 } }',
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(limits, "available_memory", lambda: 16 * 2**30)
    monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
    out = tmp_path / "o"
    status = main(
        ["sweep", str(path), "--out", str(out), "--workers", "1", "--batch-size", "10000"]
    )
    line = _one_line(capsys.readouterr().err)
    assert status == 2
    # 2 x 16 arrays x 8 bytes x 10^4 cells x 8192 replicates = 2.1e10 bytes at least
    assert line.startswith(
        "binding-sim: error: running batches of 10000 cells x 8192 replicates x 20 rounds "
        "on 1 worker(s): needs about 19."
    )
    assert (
        "GiB of memory, more than the limit of 12.8 GiB (80% of the 16 GiB available on "
        "this machine); give a smaller --batch-size" in line
    )
    assert not out.exists()


def test_tables_beyond_the_memory_are_refused_with_how_to_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """6 cells x 2 protocols x 10^6 rounds: 1.2 x 10^7 binding-time rows do not fit in 1 GiB."""
    path = tmp_path / "long.toml"
    path.write_text(SMALL.replace("horizon = 20", "horizon = 1000000"), encoding="utf-8")
    monkeypatch.setattr(limits, "available_memory", lambda: 2**30)
    monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
    with pytest.raises(memory.MemoryLimitError) as info:
        run_sweep(path, out=tmp_path / "o", workers=1)
    text = str(info.value)
    assert text.startswith(
        "assembling the tables of 6 cells x 2 protocol(s) x 1000000 rounds: needs about "
    )
    assert text.endswith(
        " GiB of memory, more than the limit of 819 MiB (80% of the 1 GiB available on this "
        "machine); split the design into several experiments "
        "with fewer cells each (or shorten the horizon), one --out folder each"
    )
    # at least 8 bytes for each of the 1.2e7 shares alone
    needed = float(text.split("needs about ")[1].split(" GiB")[0])
    assert needed * 2**30 >= 8 * 6 * 2 * 10**6
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_memory_estimate_bounds_the_measured_peak(tmp_path: Path) -> None:
    """The estimate is an upper bound of the peak resident memory a sweep adds (measured)."""
    path = tmp_path / "wide.toml"
    path.write_text(
        SMALL.replace("reps = 100", "reps = 50")
        .replace("horizon = 20", "horizon = 1000")
        .replace(
            'grid = { "trust.building_rate" = [0.05, 0.2, 0.4], "actors.*.relative_gains" = [0.5, 1.0] }',
            'grid = { "trust.building_rate" = { start = 0.01, stop = 0.4, num = 300 } }',
        ),
        encoding="utf-8",
    )
    code = f"""
import ctypes, json, os, threading, time
from binding_sim.config.experiment import Experiment
from binding_sim.sweep import auto_batch_size, run_sweep
from binding_sim.sweep.memory import batch_bytes, tables_bytes, PROCESS_BYTES
warm = Experiment.from_dict(
    {{"experiment": {{"scenario": "krickovic2016", "reps": 8, "horizon": 10, "seed": 1}}}}
)
run_sweep(warm, workers=1, quiet=True)  # imports, kernels and first-use costs
exp = Experiment.load({str(path)!r})
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * page
ctypes.CDLL("libc.so.6").malloc_trim(0)  # give freed memory back: growth is the sweep's
base = rss()
peak = [base]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.001)
sampler = threading.Thread(target=sample)
sampler.start()
run_sweep(exp, out={str(tmp_path / "o")!r}, workers=1, quiet=True)
done.set()
sampler.join()
size = auto_batch_size(300, 1, 50, 1000, 2)  # the serial batch size
estimate = batch_bytes(size, 50, 1000, 2) - PROCESS_BYTES + tables_bytes(300, 2, 1000)
print(json.dumps({{"added": peak[0] - base, "estimate": estimate}}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    numbers = json.loads(proc.stdout.strip().splitlines()[-1])
    assert numbers["added"] <= numbers["estimate"], numbers
    assert numbers["added"] > 2**20, numbers  # the sweep grew the process: not vacuous
    assert numbers["estimate"] <= 10 * numbers["added"], numbers  # and not absurdly loose


def test_format_bytes_hand_values() -> None:
    assert memory.format_bytes(512) == "512 B"
    assert memory.format_bytes(1536) == "1.5 KiB"
    assert memory.format_bytes(3 * 2**30) == "3 GiB"
    assert memory.format_bytes(2**60) == "1 EiB"


def test_available_memory_is_positive_here() -> None:
    avail = memory.available_memory()
    assert avail > 0
    with pytest.raises(memory.MemoryLimitError, match=r"^x: needs about 1 EiB"):
        memory.check_memory("x", 2**60, "split it")


# ------------------------------------------------------------------- Ctrl-C
@pytest.mark.slow
def test_ctrl_c_says_how_many_cells_are_saved_and_the_exact_resume_command(
    slow: Path, tmp_path: Path
) -> None:
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [*_cli(slow, out), "--workers", "1", "--batch-size", "1", "--reps", "2048", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and _parts(out) < 2:
            time.sleep(0.02)
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.stderr is not None
    lines = proc.stderr.read().strip().splitlines()
    assert lines[-1] == "binding-sim: interrupted"
    saved = persisted_cells(out)
    command = f"binding-sim sweep {slow} --out {out} --resume --reps 2048"
    assert lines[-2] == (
        f"binding-sim: interrupted: {len(saved)} of 12 cells saved in {out}; "
        f"resume with: {command}"
    )
    argv = shlex.split(command)
    assert argv[0] == "binding-sim"
    assert main([*argv[1:], "--workers", "1", "--quiet"]) == 0  # exactly that command
    assert sorted(set(read_results(out).results["cell"])) == list(range(12))
