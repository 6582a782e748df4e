"""Sweep execution: identical tables in every mode, resume after SIGKILL, the store."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import binding_sim.dynamics.engine as engine
from binding_sim.cli import main
from binding_sim.config.experiment import Experiment
from binding_sim.errors import BindingSimError
from binding_sim.serialize import to_jsonable
from binding_sim.sweep import (
    SweepError,
    SweepFailed,
    auto_batch_size,
    read_results,
    run_sweep,
)

SMALL = """
[experiment]
name = "small"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 300
horizon = 30
seed = 4242
set = { "actors.*.incident_rate" = 0.1 }

[design]
kind = "grid"
grid = { "trust.building_rate" = [0.05, 0.2, 0.4], "actors.*.relative_gains" = [0.5, 1.0] }
"""


@pytest.fixture(scope="module")
def small_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exp") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(small_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted serial run, one cell per batch."""
    out = tmp_path_factory.mktemp("ref") / "out"
    run_sweep(small_path, out=out, workers=1, batch_size=1)
    return out


def tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables of a finished sweep folder."""
    result = read_results(out)
    return result.results, result.binding_time


def assert_same_tables(a: Path, b: Path) -> None:
    ra, ba = tables(a)
    rb, bb = tables(b)
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    pd.testing.assert_frame_equal(ba, bb, check_exact=True)
    for name in ("results.csv", "binding_time.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_table_matches_the_engine_cell_by_cell(small_path: Path, reference: Path) -> None:
    """A second path: each row equals simulate() of that cell alone."""
    exp = Experiment.load(small_path)
    results, binding = tables(reference)
    assert len(results) == exp.n_cells * 2
    assert list(results["cell"]) == [c for c in range(exp.n_cells) for _ in range(2)]
    assert list(results["protocol"]) == ["formal", "piecemeal"] * exp.n_cells
    assert (results["cell_seed"] == 4242).all()
    for row in results.to_dict("records"):
        cell = exp.cell(row["cell"])
        assert row["trust.building_rate"] == cell.building_rate
        assert row["actors.*.relative_gains"] == cell.actors[1].relative_gains
        out = engine.simulate(cell, row["protocol"], 300, 4242)
        for key, value in out.columns().items():
            got = row[key]
            assert (np.isnan(got) and value is None) or got == value, key
        curve = binding[
            (binding["cell"] == row["cell"]) & (binding["protocol"] == row["protocol"])
        ]
        assert list(curve["round"]) == list(range(1, 31))
        assert curve["share_bound"].tolist() == out.bound_by_round.tolist()
    assert list(results.columns[:5]) == [
        "cell",
        "protocol",
        "trust.building_rate",
        "actors.*.relative_gains",
        "cell_seed",
    ]


def test_returned_frame_equals_the_files(small_path: Path, tmp_path: Path) -> None:
    result = run_sweep(small_path, out=tmp_path / "o", workers=1)
    results, binding = tables(tmp_path / "o")
    pd.testing.assert_frame_equal(result.results, results, check_exact=True)
    pd.testing.assert_frame_equal(result.binding_time, binding, check_exact=True)
    assert result.out == tmp_path / "o"
    assert result.record == json.loads((tmp_path / "o" / "run.json").read_text())
    assert result.results.attrs == {} and result.binding_time.attrs == {}
    csv = pd.read_csv(tmp_path / "o" / "results.csv")
    pd.testing.assert_frame_equal(csv, results, check_exact=True, check_dtype=False)


@pytest.mark.parametrize("batch_size", [2, 4, 100])
def test_serial_batch_sizes_identical(
    small_path: Path, reference: Path, tmp_path: Path, batch_size: int
) -> None:
    run_sweep(small_path, out=tmp_path / "o", workers=1, batch_size=batch_size)
    assert_same_tables(reference, tmp_path / "o")


def test_two_worker_processes_identical(small_path: Path, reference: Path, tmp_path: Path) -> None:
    run_sweep(small_path, out=tmp_path / "o", workers=2, batch_size=1)
    assert_same_tables(reference, tmp_path / "o")
    run_sweep(small_path, out=tmp_path / "o3", workers=2, batch_size=3)
    assert_same_tables(reference, tmp_path / "o3")


@pytest.mark.slow
def test_dask_local_cluster_identical(small_path: Path, reference: Path, tmp_path: Path) -> None:
    run_sweep(small_path, out=tmp_path / "o", workers=2, scheduler="local", batch_size=2)
    assert_same_tables(reference, tmp_path / "o")
    record = json.loads((tmp_path / "o" / "run.json").read_text())
    assert record["execution"]["mode"] == "dask:local"


def test_run_record(small_path: Path, reference: Path) -> None:
    record = json.loads((reference / "run.json").read_text())
    exp = Experiment.load(small_path)
    assert record["status"] == "complete"
    assert record["seed"] == 4242 and record["seed_drawn"] is False
    assert record["scenario"] == to_jsonable(exp.scenario.to_dict())
    assert record["scenario"]["actors"]["NATO"]["decision_precision"] == "inf"
    assert record["experiment"]["experiment"]["reps"] == 300
    assert record["fingerprint"] == exp.fingerprint()
    assert set(record["git"]) == {"commit", "dirty"}
    assert record["dependencies"]["numpy"] == np.__version__
    assert record["start_time"] <= record["end_time"]
    assert {"python", "system", "machine"} <= set(record["platform"])
    assert record["version"]


def test_other_experiment_refused_unless_force(small_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_sweep(small_path, out=out, workers=1)
    with pytest.raises(
        SweepError, match=r"holds results of another experiment \(small\); use --force"
    ):
        run_sweep(small_path, out=out, workers=1, seed=1)
    with pytest.raises(SweepError, match="files that are not a sweep"):
        (tmp_path / "junk").mkdir()
        (tmp_path / "junk" / "notes.txt").write_text("mine")
        run_sweep(small_path, out=tmp_path / "junk", workers=1)
    df = run_sweep(small_path, out=out, workers=1, seed=1, force=True).results
    assert (df["cell_seed"] == 1).all()
    assert json.loads((out / "run.json").read_text())["seed"] == 1


def test_drawn_seed_is_printed_recorded_and_reused_on_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.toml"
    path.write_text(SMALL.replace("seed = 4242\n", ""), encoding="utf-8")
    out = tmp_path / "o"
    first = run_sweep(path, out=out, workers=1, batch_size=2, quiet=True).results
    seed = json.loads((out / "run.json").read_text())["seed"]
    assert (first["cell_seed"] == seed).all()
    assert f"binding-sim: root seed {seed} (drawn; recorded in {out / 'run.json'})" in (
        capsys.readouterr().err
    )
    again = run_sweep(path, out=out, workers=1, resume=True).results
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_failed_cell_recorded_others_finish_resume_retries(
    small_path: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.simulate_cells

    def flaky(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        if protocol == "piecemeal" and any(c.building_rate == 0.2 for c in cells):
            raise RuntimeError("injected failure")
        return real(cells, protocol, reps, seed, **kw)

    monkeypatch.setattr(engine, "simulate_cells", flaky)
    out = tmp_path / "o"
    with pytest.raises(SweepFailed) as info:
        run_sweep(small_path, out=out, workers=1, batch_size=3)
    assert info.value.exit_status == 1
    assert "2 of 6 cells failed" in str(info.value)
    assert "RuntimeError: injected failure" in str(info.value)
    failed = pd.read_csv(out / "failed.csv")
    assert sorted(failed["cell"]) == [2, 3]
    partial = read_results(out).results
    assert set(partial["cell"]) == {0, 1, 4, 5} | {2, 3}  # formal rows of 2, 3 are kept
    assert len(partial) == 10
    assert json.loads((out / "run.json").read_text())["status"] == "failed"
    monkeypatch.setattr(engine, "simulate_cells", real)
    parts_before = set((out / "parts").iterdir())
    run_sweep(small_path, out=out, workers=1, batch_size=3, resume=True)
    new_parts = set((out / "parts").iterdir()) - parts_before
    assert len(new_parts) == 1  # one batch: the two failed cells, retried together
    assert not (out / "failed.csv").exists()
    assert_same_tables(reference, out)


def test_cli_default_out_and_summary(
    small_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    status = main(["sweep", str(small_path), "--workers", "1", "--reps", "50", "--seed", "3"])
    captured = capsys.readouterr()
    assert status == 0
    out = Path("sweeps") / "small"
    assert captured.out.strip() == str(out / "results.parquet")
    assert "small: 6 cells x 2 protocols, 50 replicates, seed 3" in captured.err
    results = read_results(out).results
    assert (results["cell_seed"] == 3).all()
    assert main(["sweep", str(small_path), "--workers", "0"]) == 2
    assert "--workers: expected an integer >= 1" in capsys.readouterr().err


def test_out_none_leaves_nothing(
    small_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_sweep(small_path, workers=1, reps=20)
    assert len(result.results) == 12 and result.out is None
    assert list(tmp_path.iterdir()) == []


def test_auto_batch_size() -> None:
    # four batches per worker: 10,000 cells / 8 = 1250, capped at 128 cells
    assert auto_batch_size(10_000, 2, 1000, 200, 2) == 128
    # 64 cells on 2 workers: 8 per batch would redraw the shared random numbers
    # too often; at least 16 cells
    assert auto_batch_size(64, 2, 16384, 200, 2) == 16
    # few cells: never leave a worker idle (6 cells, 2 workers: 3 each)
    assert auto_batch_size(6, 2, 300, 30, 2) == 3
    assert auto_batch_size(6, 1, 300, 30, 2) == 6
    # huge cells: at most 5e9 replicate-rounds per batch
    assert auto_batch_size(100, 1, 10**6, 10**3, 2) == 2
    assert auto_batch_size(1, 8, 10**6, 10**4, 2) == 1


KILLABLE = """
[experiment]
name = "killable"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 4096
horizon = 200
seed = 99

[design]
kind = "grid"
grid = { "trust.building_rate" = { start = 0.02, stop = 0.4, num = 48 } }
"""


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path: Path) -> None:
    """SIGKILL the process group part-way; --resume recomputes no finished cell."""
    path = tmp_path / "killable.toml"
    path.write_text(KILLABLE, encoding="utf-8")
    out = tmp_path / "killed"
    code = "import sys; from binding_sim.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, "sweep", str(path), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1", "--batch-size", "1", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    parts = out / "parts"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if parts.exists() and len(list(parts.glob("part-*.parquet"))) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (out / "results.parquet").exists()
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in parts.glob("part-*.parquet")}
    assert (
        3 <= len(before) < 48
    )  # 48 cells: enough work that the kill lands part-way, even on a busy machine

    status = main([*cmd[3:], "--workers", "2", "--resume", "--quiet"])
    assert status == 0
    after = {p.name: p for p in parts.glob("part-*.parquet")}
    for name, (mtime, data) in before.items():  # finished parts untouched
        assert after[name].stat().st_mtime_ns == mtime
        assert after[name].read_bytes() == data
    events = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    starts = [i for i, e in enumerate(events) if e["event"] == "start"]
    done_before = {
        c
        for e in events[: starts[-1]]
        if e["event"] == "batch"
        for c in range(e["first"], e["last"] + 1)
    }
    done_after = {
        c
        for e in events[starts[-1] :]
        if e["event"] == "batch"
        for c in range(e["first"], e["last"] + 1)
    }
    assert len(done_before) == len(before)
    assert events[starts[-1]]["reused"] == len(before)
    assert done_before.isdisjoint(done_after)
    assert done_before | done_after == set(range(48))

    ref = tmp_path / "ref"
    assert main([*cmd[3:5], "--out", str(ref), "--workers", "1", "--quiet"]) == 0
    assert_same_tables(ref, out)


def test_unwritable_out_is_a_clear_error(small_path: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BindingSimError, match="output path exists and is not a directory"):
        run_sweep(small_path, out=blocker, workers=1)


needs_fork = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="the injected fault reaches worker processes only when they are forked",
)


@needs_fork
def test_dead_worker_is_reported_and_its_batch_rerun(
    small_path: Path,
    reference: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = engine.simulate_cells
    marker = tmp_path / "died-once"

    def dies_once(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        if any(c.building_rate == 0.4 for c in cells) and not marker.exists():
            marker.touch()
            os._exit(3)
        return real(cells, protocol, reps, seed, **kw)

    monkeypatch.setattr(engine, "simulate_cells", dies_once)
    out = tmp_path / "o"
    run_sweep(small_path, out=out, workers=2, batch_size=1, quiet=False)
    assert "a worker process died; restarting the pool" in capsys.readouterr().err
    assert_same_tables(reference, out)


@needs_fork
def test_worker_that_always_dies_fails_only_its_cells(
    small_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.simulate_cells

    def always_dies(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        if any(c.building_rate == 0.4 and c.actors[0].relative_gains == 1.0 for c in cells):
            os._exit(3)
        return real(cells, protocol, reps, seed, **kw)

    monkeypatch.setattr(engine, "simulate_cells", always_dies)
    out = tmp_path / "o"
    with pytest.raises(
        SweepFailed,
        match=r"1 of 6 cells failed .*worker process died running cells 5 \(3 attempts\)",
    ):
        run_sweep(small_path, out=out, workers=2, batch_size=1)
    results = read_results(out).results
    assert sorted(set(results["cell"])) == [0, 1, 2, 3, 4]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_not_quiet(
    small_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    run_sweep(small_path, out=tmp_path / "a", workers=1, batch_size=2, reps=20, quiet=False)
    shown = term.getvalue()
    assert "small: 100%" in shown and "6/6" in shown and "cell/s" in shown
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    run_sweep(small_path, out=tmp_path / "b", workers=1, reps=20, quiet=True)
    assert term.getvalue() == ""
    pipe = io.StringIO()  # not a terminal: no bar even when not quiet
    monkeypatch.setattr(sys, "stderr", pipe)
    run_sweep(small_path, out=tmp_path / "c", workers=1, reps=20, quiet=False)
    assert "cell/s" not in pipe.getvalue()


def test_cli_exits_1_with_a_one_line_summary_when_cells_fail(
    small_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = engine.simulate_cells

    def flaky(cells, protocol, reps, seed, **kw):  # type: ignore[no-untyped-def]
        if any(c.building_rate == 0.05 for c in cells):
            raise FloatingPointError("injected")
        return real(cells, protocol, reps, seed, **kw)

    monkeypatch.setattr(engine, "simulate_cells", flaky)
    out = tmp_path / "o"
    status = main(["sweep", str(small_path), "--out", str(out), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert len(err) == 1
    assert err[0].startswith("binding-sim: error: 2 of 6 cells failed")
    assert "first: cell 0 formal: FloatingPointError: injected" in err[0]


def test_force_removes_only_the_sweeps_own_files(small_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    run_sweep(small_path, out=out, workers=1, reps=20, force=True)
    run_sweep(small_path, out=out, workers=1, reps=30, force=True)
    assert (out / "notes.txt").read_text() == "keep me"
    results = read_results(out).results
    assert len(results) == 12
    record = json.loads((out / "run.json").read_text())
    assert record["experiment"]["experiment"]["reps"] == 30
    counts = results["share_bound"] * 30  # no part of the 20-replicate run survived
    assert np.allclose(counts, np.round(counts))
    assert results.equals(run_sweep(small_path, workers=1, reps=30).results)


@pytest.mark.slow
def test_ctrl_c_stops_workers_records_interruption_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "killable.toml"
    path.write_text(KILLABLE, encoding="utf-8")
    out = tmp_path / "interrupted"
    code = "import sys; from binding_sim.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["sweep", str(path), "--out", str(out), "--batch-size", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args, "--workers", "2"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "parts").exists() and list((out / "parts").glob("part-*.parquet")):
                break
            time.sleep(0.02)
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.stderr is not None
    assert proc.stderr.read().decode().strip().splitlines()[-1] == "binding-sim: interrupted"
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    if shutil.which("pgrep"):  # no worker process outlives the interruption
        time.sleep(0.5)
        gone = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True)
        assert gone.stdout.strip() == ""
    assert main([*args, "--workers", "1", "--resume", "--quiet"]) == 0
    results = read_results(out).results
    assert sorted(set(results["cell"])) == list(range(48))


def test_rerun_into_same_directory_needs_resume_or_force(small_path: Path, tmp_path: Path) -> None:
    """Finished results are never overwritten without --force."""
    out = tmp_path / "o"
    run_sweep(small_path, out=out, workers=1)
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    with pytest.raises(SweepError, match="--resume to continue it or --force to recompute"):
        run_sweep(small_path, out=out, workers=1)
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before
    run_sweep(small_path, out=out, workers=1, force=True)  # --force recomputes
    run_sweep(small_path, out=out, workers=1, resume=True)  # --resume finds everything done
