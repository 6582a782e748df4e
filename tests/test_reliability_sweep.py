"""Sweeps survive SIGKILL, failing cells, dead workers and disk problems.

Kill points are hit exactly, not by timing: a forked child process (a copy
of this test process, so nothing is re-imported) installs one hook in the
sweep's own code path and sends itself ``SIGKILL`` when the hook fires:

========================  ==========================================================
``during_cell``           inside :func:`binding_sim.dynamics.engine.simulate_cells`, after the
                          cell's first protocol finished and before its second
``between_cells``         previous cell stored, the next cell's simulation starting
``mid_part_write``        half of a part's bytes written to its temporary file
``before_rename``         part fully written and fsynced, before ``os.replace``
``after_part``            part renamed into place, before the ``log.jsonl`` line
``final_tables``          ``results.parquet`` staged, ``results.csv`` being staged (the
                          finished record, the commit point, not yet written)
``after_commit``          finished record written, the staged tables not yet renamed
``group_mid_write``       two worker processes busy; the whole process group is
                          killed while the parent writes a part
========================  ==========================================================

After each kill the sweep is resumed; at the end its tables must equal an
uninterrupted run's, byte for byte (CSV and parquet files), and
no cell whose part was on disk may be simulated again. Every simulation
(in any process) is appended to a log file, which is how recomputation is
detected.
"""

from __future__ import annotations

import errno
import io
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import binding_sim.dynamics.engine as engine
import binding_sim.sweep.store as store
from binding_sim.cli import main
from binding_sim.config.experiment import Experiment
from binding_sim.sweep import read_results, run_sweep

EXPERIMENT = """
[experiment]
name = "reliability"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 200
horizon = 40
seed = 8
set = { "actors.*.incident_rate" = 0.1 }

[design]
kind = "grid"
grid = { "trust.building_rate" = { start = 0.05, stop = 0.4, num = 8 } }
"""
N_CELLS = 8

needs_fork = pytest.mark.skipif(
    not hasattr(os, "fork") or multiprocessing.get_start_method() != "fork",
    reason="kill points are installed in forked children",
)


@pytest.fixture(scope="module")
def exp_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reliability") / "reliability.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rates(exp_path: Path) -> list[float]:
    """``trust.building_rate`` of each cell (the grid's only key), cell order."""
    exp = Experiment.load(exp_path)
    return [float(p["trust.building_rate"]) for p in exp.design.points]


@pytest.fixture(scope="module")
def reference(exp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted serial run."""
    out = tmp_path_factory.mktemp("reference") / "out"
    run_sweep(exp_path, out=out, workers=1, batch_size=1)
    return out


def tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables of a finished sweep folder."""
    result = read_results(out)
    return result.results, result.binding_time


FINAL_TABLES = ("results.csv", "binding_time.csv", "results.parquet", "binding_time.parquet")


def assert_identical(ref: Path, out: Path) -> None:
    """Same tables: all four files byte for byte, and the parquet values read back."""
    for name in ("results.csv", "binding_time.csv", "results.parquet", "binding_time.parquet"):
        assert (ref / name).read_bytes() == (out / name).read_bytes(), name
    ra, ba = tables(ref)
    rb, bb = tables(out)
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    pd.testing.assert_frame_equal(ba, bb, check_exact=True)


def persisted_cells(out: Path) -> set[int]:
    """Cells with rows for both protocols in a part on disk (read from the parts)."""
    seen: dict[int, set[str]] = {}
    for part in sorted((out / "parts").glob("part-*.parquet")):
        t = pq.read_table(part, columns=["cell", "protocol"])
        for c, p in zip(
            t.column("cell").to_pylist(), t.column("protocol").to_pylist(), strict=True
        ):
            seen.setdefault(c, set()).add(p)
    return {c for c, ps in seen.items() if ps == {"formal", "piecemeal"}}


def simulated(log: Path, rates: list[float]) -> list[tuple[int, str]]:
    """(cell, protocol) of every simulation logged by :func:`logging_simulate`."""
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        rec = json.loads(line)
        out.extend((rates.index(r), rec["protocol"]) for r in rec["rates"])
    return out


def logging_simulate(log: Path, before: Callable[[int], None] | None = None) -> Callable:
    """Wrap ``engine.simulate_cells``: append each call's cells to ``log`` (any process)."""
    real = engine.simulate_cells
    calls = [0]

    def wrapper(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if before is not None:
            before(calls[0])
        result = real(cells, protocol, reps, seed, **kw)
        line = json.dumps(
            {"pid": os.getpid(), "protocol": protocol, "rates": [c.building_rate for c in cells]}
        )
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        return result

    return wrapper


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _nth(n: int) -> Callable[[], bool]:
    count = [0]

    def hit() -> bool:
        count[0] += 1
        return count[0] == n

    return hit


def install_kill(point: str, n: int, log: Path) -> None:
    """Install the kill hook ``point`` (fires at its ``n``-th occurrence) in this process."""
    kill: Callable[[], None] = _die
    if point in ("during_cell", "between_cells"):
        # calls alternate formal / piecemeal per cell (batches of one cell): an even call
        # is a cell's second protocol, so its first protocol is done but not stored; an
        # odd call is a cell's first, so the previous cell is stored and nothing else
        assert n % 2 == (0 if point == "during_cell" else 1)
        engine.simulate_cells = logging_simulate(log, lambda k: kill() if k == n else None)
        return
    engine.simulate_cells = logging_simulate(log)
    if point == "group_mid_write":
        os.setpgid(0, 0)

        def kill() -> None:
            os.killpg(0, signal.SIGKILL)

        point = "mid_part_write"
    hit = _nth(n)
    if point == "mid_part_write":
        real_write = pq.write_table

        def write_table(table, where, *a, **kw):  # type: ignore[no-untyped-def]
            # the sweep writes through an open temporary file: find its name
            name = (
                os.readlink(f"/proc/self/fd/{where.fileno()}") if hasattr(where, "fileno") else ""
            )
            if "/.part-" in name and hit():
                buf = io.BytesIO()
                real_write(table, buf, *a, **kw)
                data = buf.getvalue()
                where.write(data[: len(data) // 2])
                where.flush()
                os.fsync(where.fileno())
                kill()
            return real_write(table, where, *a, **kw)

        pq.write_table = write_table
    elif point in ("before_rename", "final_tables", "after_commit"):
        real_replace = os.replace
        target = {
            "before_rename": "part-",
            "final_tables": ".results.csv.staged",
            "after_commit": "results.parquet",
        }[point]

        def replace(src, dst, *a, **kw):  # type: ignore[no-untyped-def]
            if Path(dst).name.startswith(target) and hit():
                kill()
            return real_replace(src, dst, *a, **kw)

        os.replace = replace
    elif point == "after_part":
        real_log = store.Store.log

        def log_event(self, event, **fields):  # type: ignore[no-untyped-def]
            if event == "batch" and hit():
                kill()
            return real_log(self, event, **fields)

        store.Store.log = log_event  # type: ignore[method-assign]
    elif point != "none":
        raise ValueError(point)


def run_child(point: str, n: int, log: Path, **kwargs: Any) -> int:
    """Fork; the child installs the kill hook and runs the sweep. Returns the wait status."""
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 70
        try:
            install_kill(point, n, log)
            run_sweep(**kwargs)
            code = 0
        except BaseException:
            code = 71
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


def killed(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


# ---------------------------------------------------------------- item 2: kill points
CHAIN = [
    # (kill point, occurrence, cells on disk afterwards)
    ("during_cell", 6, {0, 1}),  # killed in cell 2's piecemeal run
    ("between_cells", 3, {0, 1, 2}),  # cell 2 stored, killed as cell 3 starts
    ("mid_part_write", 1, {0, 1, 2}),  # cell 3's part half written
    ("before_rename", 1, {0, 1, 2}),  # cell 3's part complete, not renamed
    ("after_part", 2, {0, 1, 2, 3, 4}),  # cell 4's part renamed, log line missing
    ("final_tables", 1, set(range(N_CELLS))),  # results.parquet staged, CSV being staged
]


@needs_fork
def test_sigkill_at_every_point_then_resume_is_bit_identical(
    exp_path: Path, reference: Path, rates: list[float], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    kwargs = {"experiment": exp_path, "out": out, "workers": 1, "batch_size": 1, "quiet": True}
    for step, (point, n, on_disk) in enumerate(CHAIN):
        log = tmp_path / f"sim-{step}.jsonl"
        before = persisted_cells(out) if out.exists() else set()
        status = run_child(point, n, log, resume=step > 0, **kwargs)
        assert killed(status), (point, status)
        assert persisted_cells(out) == on_disk, point
        # no cell whose part was on disk was simulated again
        assert not before & {c for c, _ in simulated(log, rates)}, point
        record = json.loads((out / "run.json").read_text())
        assert record["status"] == "running"  # a killed run never claims to be complete
        if point == "mid_part_write":
            stale = list((out / "parts").glob(".part-*.tmp"))
            assert len(stale) == 1 and 0 < stale[0].stat().st_size
        # run.json is the commit point: no final table beside a running record
        assert not [n for n in FINAL_TABLES if (out / n).exists()], point

    log = tmp_path / "sim-final.jsonl"
    status = run_child("none", 0, log, resume=True, **kwargs)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert simulated(log, rates) == []  # everything was on disk: nothing recomputed
    assert_identical(reference, out)
    assert not list((out / "parts").glob(".*.tmp"))  # stale temporaries cleaned up
    assert not list(out.glob(".*.staged"))  # staged tables of the killed commit too
    assert json.loads((out / "run.json").read_text())["status"] == "complete"


@needs_fork
def test_sigkill_after_the_commit_then_resume_rebuilds_the_tables(
    exp_path: Path, reference: Path, rates: list[float], tmp_path: Path
) -> None:
    """Killed between the finished record and the renames: no half set of tables is read."""
    out = tmp_path / "out"
    kwargs = {"experiment": exp_path, "out": out, "workers": 1, "batch_size": 1, "quiet": True}
    status = run_child("after_commit", 1, tmp_path / "sim.jsonl", **kwargs)
    assert killed(status)
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    assert not [n for n in FINAL_TABLES if (out / n).exists()]
    assert sorted(p.name for p in out.glob(".*.staged")) == [
        f".{n}.staged" for n in sorted(FINAL_TABLES)
    ]
    log = tmp_path / "sim-resume.jsonl"
    status = run_child("none", 0, log, resume=True, **kwargs)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert simulated(log, rates) == []  # only assembled again from the parts
    assert_identical(reference, out)
    assert not list(out.glob(".*.staged"))


@needs_fork
def test_sigkill_process_group_with_two_workers_then_resume(
    exp_path: Path,
    reference: Path,
    rates: list[float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    log = tmp_path / "sim-killed.jsonl"
    status = run_child(
        "group_mid_write",
        3,
        log,
        experiment=exp_path,
        out=out,
        workers=2,
        batch_size=1,
        quiet=True,
    )
    assert killed(status)
    on_disk = persisted_cells(out)
    # the parent wrote two parts (whichever batches finished first) and died writing a third
    assert len(on_disk) == 2 and on_disk < set(range(N_CELLS))
    # the worker processes were in the killed group: none is still running
    workers = {json.loads(line)["pid"] for line in log.read_text().splitlines()}
    assert workers
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers):
        assert time.monotonic() < deadline, "worker processes outlived the SIGKILL"
        time.sleep(0.05)

    resume_log = tmp_path / "sim-resume.jsonl"
    monkeypatch.setattr(engine, "simulate_cells", logging_simulate(resume_log))
    run_sweep(exp_path, out=out, workers=1, batch_size=1, resume=True)
    again = {c for c, _ in simulated(resume_log, rates)}
    assert again == set(range(N_CELLS)) - on_disk
    assert_identical(reference, out)


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive (a zombie waiting to be reaped counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


# ------------------------------------------------------- item 3: failing cells, dead workers
def test_failing_cell_recorded_others_finish_cli_exit_and_resume_retries_only_it(
    exp_path: Path,
    reference: Path,
    rates: list[float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = rates[5]
    log = tmp_path / "sim.jsonl"
    logged = logging_simulate(log)

    def failing(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        if protocol == "piecemeal" and any(c.building_rate == bad for c in cells):
            raise FloatingPointError("injected: payoff is NaN")
        return logged(cells, protocol, reps, seed, **kw)

    monkeypatch.setattr(engine, "simulate_cells", failing)
    out = tmp_path / "out"
    argv = ["sweep", str(exp_path), "--out", str(out), "--workers", "1", "--quiet"]
    status = main([*argv, "--batch-size", "3"])
    err = capsys.readouterr().err
    assert status == 1
    assert len(err.strip().splitlines()) == 1  # a one-line summary, no traceback
    assert "1 of 8 cells failed" in err and "FloatingPointError: injected: payoff is NaN" in err
    assert "--resume" in err
    failed = pd.read_csv(out / "failed.csv")
    assert failed["cell"].tolist() == [5] and failed["protocol"].tolist() == ["piecemeal"]
    results = read_results(out).results
    assert len(results) == 2 * N_CELLS - 1  # every row but cell 5's piecemeal
    # the rows that finished equal the reference's
    ref = read_results(reference).results
    keep = ~((ref["cell"] == 5) & (ref["protocol"] == "piecemeal"))
    pd.testing.assert_frame_equal(
        ref[keep].reset_index(drop=True), results.reset_index(drop=True), check_exact=True
    )

    log.unlink()
    monkeypatch.setattr(engine, "simulate_cells", logged)
    assert main([*argv, "--batch-size", "3", "--resume"]) == 0
    assert {c for c, _ in simulated(log, rates)} == {5}  # only the failed cell reran
    assert not (out / "failed.csv").exists()
    assert_identical(reference, out)


def test_nan_design_value_is_rejected_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nan.toml"
    path.write_text(
        EXPERIMENT.replace(
            'grid = { "trust.building_rate" = { start = 0.05, stop = 0.4, num = 8 } }',
            'grid = { "arrangements.formal.payoffs.R" = [6.0, nan] }',
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "arrangements.formal.payoffs.R" in err and "nan" in err.lower()
    assert not out.exists()


def _must_not_run(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("work started although validation should have failed")


@needs_fork
def test_dead_worker_is_reported_and_only_its_cells_rerun(
    exp_path: Path,
    reference: Path,
    rates: list[float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "sim.jsonl"
    marker = tmp_path / "died"
    doomed = rates[3]

    logged = logging_simulate(log)

    def dying(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        if any(c.building_rate == doomed for c in cells) and not marker.exists():
            marker.touch()
            os._exit(9)  # the worker process dies without a word
        return logged(cells, protocol, reps, seed, **kw)

    monkeypatch.setattr(engine, "simulate_cells", dying)
    out = tmp_path / "out"
    status = main(
        ["sweep", str(exp_path), "--out", str(out), "--workers", "2", "--batch-size", "1"]
    )
    err = capsys.readouterr().err
    assert status == 0
    assert "a worker process died" in err
    counts = pd.Series([c for c, p in simulated(log, rates) if p == "formal"]).value_counts()
    assert set(counts.index) == set(range(N_CELLS))
    # a cell is simulated twice only if its batch was in flight when the worker died
    # (at most the two batches on the two workers, plus the doomed one)
    assert (counts > 1).sum() <= 2
    assert_identical(reference, out)


# ---------------------------------------------------------------- item 5: disk problems
def _enospc(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_is_a_clear_error_and_resume_finishes(
    exp_path: Path,
    reference: Path,
    rates: list[float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    real = store.Store.write_part
    hit = _nth(4)

    def write_part(self, task, table):  # type: ignore[no-untyped-def]
        if hit():
            # what the real writer does on a full disk: the temporary file fails
            monkeypatch.setattr(store.pq, "write_table", _enospc)
        return real(self, task, table)

    monkeypatch.setattr(store.Store, "write_part", write_part)
    argv = ["sweep", str(exp_path), "--out", str(out), "--workers", "1", "--batch-size", "1"]
    status = main([*argv, "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "No space left on device" in err and str(out) in err and "--resume" in err
    assert persisted_cells(out) == {0, 1, 2}
    assert not list((out / "parts").glob(".*.tmp"))  # the failed temporary was removed

    monkeypatch.undo()
    log = tmp_path / "sim.jsonl"
    monkeypatch.setattr(engine, "simulate_cells", logging_simulate(log))
    assert main([*argv, "--quiet", "--resume"]) == 0
    assert {c for c, _ in simulated(log, rates)} == set(range(3, N_CELLS))
    assert_identical(reference, out)


def test_unwritable_output_directory_is_a_clear_error(
    exp_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "readonly"
    out.mkdir()
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self == out / "parts":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        real_mkdir(self, *args, **kwargs)

    # root ignores permission bits, so the refusal is simulated where the sweep meets it
    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(engine, "simulate_cells", _must_not_run)
    status = main(["sweep", str(exp_path), "--out", str(out), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert str(out) in err and "cannot write" in err and "Permission denied" in err


def test_output_path_is_a_file(
    exp_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("precious")
    status = main(["sweep", str(exp_path), "--out", str(blocker), "--workers", "1", "--quiet"])
    assert status == 2
    assert "not a directory" in capsys.readouterr().err
    assert blocker.read_text() == "precious"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_results_of_a_different_scenario_are_never_overwritten_without_force(
    exp_path: Path,
    reference: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        EXPERIMENT.replace('scenario = "krickovic2016"', 'scenario = "exporting_security2010"')
        .replace('name = "reliability"', 'name = "other"')
        # the 2010 preset has no ladder: formal only
        .replace('protocols = ["formal", "piecemeal"]', 'protocols = ["formal"]'),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(exp_path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    before = _snapshot(out)
    for extra in ([], ["--resume"]):
        status = main(
            ["sweep", str(other), "--out", str(out), "--workers", "1", "--quiet", *extra]
        )
        err = capsys.readouterr().err
        assert status == 2
        assert len(err.strip().splitlines()) == 1
        assert "results of another experiment (reliability)" in err and "--force" in err
        assert _snapshot(out) == before  # not one byte changed
    # a folder holding the user's own files is refused too, and --force keeps them
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("keep me")
    assert main(["sweep", str(exp_path), "--out", str(notes), "--workers", "1", "--quiet"]) == 2
    assert "files that are not a sweep" in capsys.readouterr().err
    assert (
        main(["sweep", str(exp_path), "--out", str(notes), "--workers", "1", "--quiet", "--force"])
        == 0
    )
    assert (notes / "thesis.tex").read_text() == "keep me"
    # --force replaces the other experiment's results with this one's
    assert (
        main(["sweep", str(other), "--out", str(out), "--workers", "1", "--quiet", "--force"]) == 0
    )
    results = read_results(out).results
    assert (
        json.loads((out / "run.json").read_text())["scenario"]["scenario"]["name"]
        == "exporting_security2010"
    )
    assert len(results) == N_CELLS
