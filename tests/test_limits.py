"""Memory limits (binding_sim.limits) and the commands that check them before allocating.

The limit is 80% of the available memory. The tests fake ``/proc/meminfo``
and the control-group files, so the expected limits are computed by hand from
the numbers written; the per-command estimates are checked to be upper bounds
of what the code really allocates (``tracemalloc``, which numpy reports to)
and to refuse requests before any simulation starts.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from binding_sim import limits
from binding_sim.cli import main
from binding_sim.cli.match import memory_needed as match_memory
from binding_sim.cli.simulate import memory_needed as simulate_memory
from binding_sim.cli.strategies import memory_needed as strategies_memory
from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import simulate
from binding_sim.errors import BindingSimError
from binding_sim.games.evolution import fixation_probabilities
from binding_sim.games.match import Match
from binding_sim.games.tournament import round_robin

GIB = 1024**3


def _fake_system(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    meminfo: str | None,
    cgroup: tuple[str, str] | None = None,
) -> None:
    info = tmp_path / "meminfo"
    if meminfo is not None:
        info.write_text(meminfo)
    monkeypatch.setattr(limits, "_MEMINFO", info)
    files = []
    if cgroup is not None:
        (tmp_path / "max").write_text(cgroup[0])
        (tmp_path / "current").write_text(cgroup[1])
        files.append((tmp_path / "max", tmp_path / "current"))
    monkeypatch.setattr(limits, "_CGROUP_FILES", tuple(files))


MEMINFO = "MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   4000000 kB\n"


def test_available_memory_reads_memavailable(monkeypatch, tmp_path) -> None:
    _fake_system(monkeypatch, tmp_path, MEMINFO)
    assert limits.available_memory() == 4_000_000 * 1024


def test_control_group_limit_lowers_it(monkeypatch, tmp_path) -> None:
    # 1 GiB allowed, 256 MiB used: 768 MiB left, below MemAvailable
    _fake_system(monkeypatch, tmp_path, MEMINFO, (str(GIB), str(256 * 1024**2)))
    assert limits.available_memory() == 768 * 1024**2
    _fake_system(monkeypatch, tmp_path, MEMINFO, ("max", "12345"))  # cgroup v2: no limit
    assert limits.available_memory() == 4_000_000 * 1024


def test_fallbacks_without_meminfo(monkeypatch, tmp_path) -> None:
    _fake_system(monkeypatch, tmp_path, None)
    monkeypatch.setattr(
        limits.os, "sysconf", lambda name: {"SC_AVPHYS_PAGES": 10, "SC_PAGE_SIZE": 4096}[name]
    )
    assert limits.available_memory() == 40960
    monkeypatch.setattr(limits.os, "sysconf", lambda name: -1)
    assert limits.available_memory() == limits.FALLBACK_MEMORY == 2 * GIB
    _fake_system(monkeypatch, tmp_path, "MemAvailable: garbage\n")
    assert limits.available_memory() == limits.FALLBACK_MEMORY


def test_check_memory_limit_is_80_percent(monkeypatch) -> None:
    monkeypatch.setattr(limits, "available_memory", lambda: 1000)
    limits.check_memory("--reps 1", 800, "split")  # 80% of 1000 exactly: accepted
    with pytest.raises(BindingSimError) as info:
        limits.check_memory("--reps 2", 801, "run fewer replicates")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("--reps 2: needs about 801 B of memory")
    assert "limit of 800 B" in msg and "1000 B available" in msg
    assert msg.endswith("run fewer replicates")


def test_format_bytes() -> None:
    assert limits.format_bytes(1023) == "1023 B"
    assert limits.format_bytes(1536) == "1.5 KiB"
    assert limits.format_bytes(3 * GIB) == "3 GiB"
    assert limits.format_bytes(10**18) == "888 PiB"  # 1e18 / 1024**5 = 888.18


# ------------------------------------------------------------- estimates are upper bounds
def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("reps", "horizon", "plot"), [(20000, 50, 0), (3000, 400, 3000)])
def test_simulate_estimate_bounds_the_engine(reps: int, horizon: int, plot: int) -> None:
    sc = Scenario.load("krickovic2016")
    simulate(sc, "piecemeal", 10, 1, horizon=5)  # load the compiled kernel first (not counted)

    def run() -> None:
        simulate(sc, "piecemeal", reps, 1, horizon=horizon, workers=2)
        if plot:
            out = simulate(sc, "piecemeal", plot, 1, horizon=horizon, record=True, workers=2)
            np.quantile(out.trajectories.trust, [0.1, 0.5, 0.9], axis=0)

    assert _peak(run) <= simulate_memory(reps, horizon, plot)


def test_match_estimate_bounds_the_match() -> None:
    Match("tft", "wsls", (3, 0, 5, 1), 0.05).play(2, reps=2, seed=1)  # warm up (not counted)

    def run() -> None:
        m = Match("tft", "wsls", (3, 0, 5, 1), 0.05)
        res = m.play(3000, reps=20000, seed=1, record=True, keep=1)
        res.score_per_turn_ci()
        res.action_strings(0)

    assert _peak(run) <= match_memory(3000, 20000)


def test_strategies_estimate_bounds_the_tournament() -> None:
    def run() -> None:
        res = round_robin((3, 0, 5, 1), ["tft", "alld", "wsls"], turns=20, reps=5000, seed=1)
        fixation_probabilities(res.scores, 20000, 0.1, "exponential")

    assert _peak(run) <= strategies_memory(3, 20, 5000, 20000)


# --------------------------------------------------------- commands refuse before work
@pytest.fixture
def small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with 100 MiB available (limit 80 MiB)."""
    monkeypatch.setattr(limits, "available_memory", lambda: 100 * 1024**2)


def _refused(capsys, argv: list[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("binding-sim: error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "limit of 80 MiB" in err and "100 MiB available" in err
    return err


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("work started before the memory check")

    monkeypatch.setattr("binding_sim.dynamics.engine.simulate", boom)
    monkeypatch.setattr("binding_sim.games.match.Match.play", boom)
    monkeypatch.setattr("binding_sim.games.tournament.tournament", boom)


def test_simulate_refuses_before_simulating(capsys, monkeypatch, small_machine) -> None:
    _no_work(monkeypatch)
    # 10**9 replicates: 122,071 blocks of 2 KiB + 8 x 201 bytes each (426 MiB)
    _refused(
        capsys,
        ["simulate", "krickovic2016", "--reps", "1000000000", "--seed", "1"],
        "simulate --reps 1000000000 --horizon 200",
        "pool the results",
    )
    _refused(
        capsys,
        ["simulate", "krickovic2016", "--reps", "10", "--horizon", "10000000", "--seed", "1"],
        "--horizon 10000000",
    )


def test_simulate_plot_trajectories_are_counted(
    capsys, monkeypatch, small_machine, tmp_path
) -> None:
    _no_work(monkeypatch)
    # 8192 recorded replicates x 201 rounds x 100 bytes = 157 MiB > 80 MiB
    err = _refused(
        capsys,
        [
            "simulate",
            "krickovic2016",
            "--reps",
            "8192",
            "--seed",
            "1",
            "--plot",
            str(tmp_path / "f.pdf"),
        ],
        "--plot (trajectories of 8192 replicates)",
        "shorter --horizon",
    )
    assert not (tmp_path / "f.pdf").exists() and "seed =" not in err


def test_huge_requests_refused_on_this_machine(capsys) -> None:
    """The reported attacks, on the real machine: 10**12 is beyond any test machine."""
    for argv, needle in [
        (["simulate", "krickovic2016", "--reps", "1000000000000"], "--reps 1000000000000"),
        (
            [
                "match",
                "--payoffs",
                "3,0,5,1",
                "--players",
                "tft",
                "alld",
                "--turns",
                "1000000000000",
            ],
            "--turns 1000000000000",
        ),
        (
            [
                "match",
                "--payoffs",
                "3,0,5,1",
                "--players",
                "tft",
                "alld",
                "--reps",
                "1000000000000",
            ],
            "--reps 1000000000000",
        ),
        (
            [
                "strategies",
                "krickovic2016",
                "--arrangement",
                "formal",
                "--population",
                "1000000000000",
            ],
            "--population 1000000000000",
        ),
        (
            ["strategies", "krickovic2016", "--arrangement", "formal", "--reps", "1000000000000"],
            "--reps 1000000000000",
        ),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and needle in err and "of memory" in err, err


def test_match_and_strategies_refuse_before_playing(capsys, monkeypatch, small_machine) -> None:
    _no_work(monkeypatch)
    # 10**6 turns x 160 bytes = 153 MiB
    _refused(
        capsys,
        ["match", "--payoffs", "3,0,5,1", "--players", "tft", "alld", "--turns", "1000000"],
        "match --turns 1000000 --reps 1000",
        "--turns",
    )
    # 9 players: 81 pairs x 16 bytes x 10**5 replicates = 124 MiB
    _refused(
        capsys,
        ["strategies", "krickovic2016", "--arrangement", "formal", "--reps", "100000"],
        "strategies with 9 players",
        "--reps 100000",
    )
    # 10**6 members x 128 bytes = 122 MiB
    _refused(
        capsys,
        [
            "strategies",
            "krickovic2016",
            "--arrangement",
            "formal",
            "--reps",
            "0",
            "--population",
            "1000000",
        ],
        "--population 1000000",
    )
