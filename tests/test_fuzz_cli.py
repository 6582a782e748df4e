"""Fuzzing every ``binding-sim`` command: exit 0 on valid input, one line and exit 2 on bad input.

The commands are discovered from the argument parser; how each one is fuzzed is
registered in :mod:`fuzz_commands` (budget, cheap arguments, option domains),
and :func:`test_every_command_and_option_is_registered` fails for a command or
option without a registration, so nothing added later goes unfuzzed.

Each generated command line runs in-process through :func:`binding_sim.cli.main`
in a fresh temporary folder (the working directory), with ``RuntimeWarning``
turned into an error and every network connection other than to 127.0.0.1
refused. The property, for every command line:

* ``main`` returns (no exception of any kind escapes) with status 0, 1 or 2;
* on a non-zero status stderr is exactly one line, ``binding-sim: error: ...``
  (status 2) or a sweep's failed-cells summary (status 1), with no traceback;
* if any argument was drawn invalid, the status is 2; if every argument was
  drawn valid, the status is 0 (arguments whose validity depends on the
  combination are drawn as "either" and only the first two rules apply).

A handful of cases also run as real subprocesses of the installed script.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_commands import (
    COMMANDS,
    FIXTURE_SWEEP,
    WORDS_BUDGET,
    ci_total,
    combine,
    command_line,
    domain_name,
    materialize,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tiny_sweep import run_tiny_sweep

from binding_sim.cli import build_parser, main

_PARSER = build_parser()
_SUB = next(a for a in _PARSER._actions if a.__class__.__name__ == "_SubParsersAction")
PARSERS: dict[str, Any] = dict(_SUB.choices)

STATS: dict[str, list[float]] = {}
"""Per command: [command lines run, seconds, exit 0, exit 2, exit 1]."""

_TINY = '''"""Fuzz figure: a two-row table drawn by a package draw function."""
import pandas as pd
from binding_sim.plot.figures import publish, script_main
from binding_sim.plot.welfare import welfare_figure


def main(quick=False, out_dir=None):
    data = pd.DataFrame({"protocol": ["formal", "piecemeal"], "trust.building_rate": [0.1, 0.2],
                         "actor": ["A", "A"], "absolute": [1.0, 2.0], "relative": [1.0, 2.0]})
    return publish("tiny", data, welfare_figure, out_dir, {"x": "trust.building_rate"})
'''

_OWN = '''"""Fuzz figure with a draw function of its own (declared, so it replots)."""
import pandas as pd
from binding_sim.plot import style
from binding_sim.plot.figures import publish
from binding_sim.plot.registry import Column, figure_data


@figure_data(Column("x"), Column("y"))
def draw(data, meta):
    fig, ax = style.figure("single")
    ax.plot(data["x"], data["y"])
    return fig


def main(quick=False, out_dir=None):
    return publish("own", pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 0.5, 2.0]}), draw,
                   out_dir, {})
'''


@pytest.fixture(scope="module")
def fixture_experiments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An experiments folder with two cheap figures (``tiny``, ``own``) and a finished tiny sweep."""
    folder = tmp_path_factory.mktemp("fuzz_experiments")
    (folder / "tiny.py").write_text(_TINY, encoding="utf-8")
    (folder / "own.py").write_text(_OWN, encoding="utf-8")
    sweep = run_tiny_sweep(folder / Path(FIXTURE_SWEEP).parent)  # for ``plot``
    assert sweep == folder / FIXTURE_SWEEP
    return folder


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse every connection except to 127.0.0.1 (and Unix sockets)."""
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in _LOOPBACK:
            raise AssertionError(f"the fuzzer opened a network connection to {address!r}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error", RuntimeWarning)  # numeric trouble must not pass silently
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def assert_clean(argv: list[str], status: int, err: str) -> None:
    assert isinstance(status, int)
    if status == 0:
        return
    assert status in (1, 2), (argv, status, err)
    lines = err.strip().splitlines()
    assert "Traceback" not in err, (argv, err)
    assert len(lines) == 1, (argv, err)
    assert lines[0].startswith("binding-sim:"), (argv, err)
    if status == 2:
        assert lines[0].startswith("binding-sim: error: "), (argv, err)
        assert len(lines[0]) > len("binding-sim: error: ") + 3


@contextlib.contextmanager
def case_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)  # default outputs (sweeps/NAME, figures/) land in the temporary folder
        try:
            yield Path(tmp)
        finally:
            os.chdir(cwd)


def check_case(name: str, parts: list[Any], fixture: Path) -> None:
    expected = combine(parts) if COMMANDS[name].check_validity else None
    t0 = time.perf_counter()
    with case_folder() as folder:
        argv = materialize(name, parts, folder, fixture)
        status, _, err = run_in_process(argv)
    stats = STATS.setdefault(name, [0, 0.0, 0, 0, 0])
    stats[0] += 1
    stats[1] += time.perf_counter() - t0
    stats[{0: 2, 2: 3}.get(status, 4)] += 1
    assert_clean(argv, status, err)
    if expected is False:
        assert status == 2, ("invalid input accepted", argv, status, err)
    elif expected is True:
        assert status == 0, ("valid input refused", argv, status, err)


def _settings(budget: int) -> Any:
    # No shrinking in CI: one command line can take a second, so shrinking a failure could
    # take many minutes; the failing command line is reported as generated.
    return settings(
        max_examples=budget,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def test_every_command_and_option_is_registered() -> None:
    """A command or option added later must be registered in fuzz_commands to be fuzzed."""
    assert set(COMMANDS) == set(PARSERS), "register new commands in tests/fuzz_commands.py"
    for name, parser in PARSERS.items():
        reg = COMMANDS[name]
        dests = {a.dest for a in parser._actions}
        assert reg.structural <= dests, (name, reg.structural - dests)
        assert set(reg.skip) <= dests, (name, set(reg.skip) - dests)
        assert set(reg.domains) <= dests, (name, set(reg.domains) - dests)
        for action in parser._actions:
            if action.dest in ("help",) or action.dest in reg.skip:
                continue
            if action.dest in reg.structural:
                assert reg.base is not None or name == "replot", (name, action.dest)
                continue
            assert domain_name(name, action) is not None, (
                f"{name} {action.option_strings or action.dest}: no fuzz domain; add one to "
                "DEST_DOMAINS or the command's domains in tests/fuzz_commands.py"
            )
        assert reg.budget >= 1
    assert ci_total() >= 2000


@pytest.mark.slow  # the CI run (make test) fuzzes every command; make check skips it
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_never_escapes(name: str, fixture_experiments: Path) -> None:
    parser = PARSERS[name]
    with tempfile.TemporaryDirectory() as tmp:
        templates = Path(tmp)

        @_settings(COMMANDS[name].budget)
        @given(command_line(parser, name, templates))
        def prop(parts: list[Any]) -> None:
            check_case(name, parts, fixture_experiments)

        prop()
    n, seconds, ok, two, other = STATS.get(name, [0, 0.0, 0, 0, 0])
    print(
        f"\n{name}: {int(n)} command lines in {seconds:.1f} s "
        f"(exit 0: {int(ok)}, exit 2: {int(two)}, other: {int(other)})"
    )
    assert n >= 1  # "scenarios" takes no input: one case covers it


@_settings(WORDS_BUDGET)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [*PARSERS, "--json", "--set", "-x", "--", "=", "--reps", "simulat", "analyse"]
            ),
            st.text(max_size=8),
        ),
        max_size=4,
    ).filter(lambda xs: not set(xs) & {"-h", "--help", "--version"})
)
def test_any_command_line_never_escapes(argv: list[str]) -> None:
    """Random words as a command line: usage errors are one line, exit 2."""
    if set(argv) & (set(PARSERS) - {"scenarios", "show", "analyze"}):
        argv = ["show", *argv]  # keep random words (e.g. "-- figures") from starting real work
    with case_folder():
        status, _, err = run_in_process(argv)
    assert_clean(argv, status, err)


_SLOW_N = int(os.environ.get("BINDING_SIM_FUZZ_EXAMPLES", "0") or 0)


@pytest.mark.slow
@pytest.mark.skipif(_SLOW_N <= 0, reason="set BINDING_SIM_FUZZ_EXAMPLES=N to run")
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_never_escapes_slow(name: str, fixture_experiments: Path) -> None:
    parser = PARSERS[name]
    count = [0]
    with tempfile.TemporaryDirectory() as tmp:

        @settings(max_examples=max(_SLOW_N, 1), deadline=None, database=None)
        @given(command_line(parser, name, Path(tmp)))
        def prop(parts: list[Any]) -> None:
            count[0] += 1
            check_case(name, parts, fixture_experiments)

        prop()
    print(f"\n{name}: {count[0]} generated command lines (slow profile)")


# ------------------------------------------------------------------ real subprocesses
SUBPROCESS_CASES = [
    # (argv after the program name, file contents for {file}, text the message must hold)
    (["analyze", "{file}"], "[actors.NATO]\n[actors.NATO]\n", "[actors.NATO]"),
    (
        ["simulate", "krickovic2016", "--set", "trust.building_rate=nan", "--reps", "5"],
        None,
        "trust.building_rate",
    ),
    (["simulate", "krickovic2016", "--reps", "-3"], None, "--reps"),
    (
        ["sweep", "{file}", "--workers", "1"],
        "[experiment]\nscenario = 'nope'\n",
        "experiment.scenario",
    ),
    (["analyze", "{file}", "--set", "actors.*.relative_gains=1e999"], "", "actors"),
    (["frobnicate"], None, "frobnicate"),
    (["simulate", "krickovic2016", "--reps", "1000000000000"], None, "--reps 1000000000000"),
    (["figures"], None, "--experiments DIR"),
]


def _program() -> list[str]:
    script = Path(sys.executable).with_name("binding-sim")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from binding_sim.cli import main; sys.exit(main())"]


def test_real_subprocesses_exit_2_with_one_line(tmp_path: Path) -> None:
    procs = []
    for i, (argv, text, needle) in enumerate(SUBPROCESS_CASES):
        if text is not None:
            path = tmp_path / f"case{i}.toml"
            path.write_text(text, encoding="utf-8")
            argv = [a.replace("{file}", str(path)) for a in argv]
        env = dict(os.environ, MPLBACKEND="Agg")
        proc = subprocess.Popen(
            [*_program(), *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=env,
        )
        procs.append((argv, needle, proc))
    for argv, needle, proc in procs:  # started together: the imports overlap
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 2, (argv, proc.returncode, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("binding-sim: error: "), (argv, err)
        assert needle in lines[0], (argv, err)
        assert "Traceback" not in err
