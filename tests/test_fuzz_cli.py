"""Fuzzing every ``binding-sim`` command: exit 0, or one line on stderr and exit 2.

The commands are discovered from the argument parser, so a command added
later is fuzzed without touching this file. For each command hypothesis draws
an argument list from the command's own options: positional scenario or
experiment files (written from :mod:`fuzz_strategies` documents: valid,
mutated, raw text), preset names and garbage, ``--set`` strings, and option
values that are valid but small, or invalid (negative, zero, NaN, inf, huge,
text, empty). Commands that start work always receive small work first
(``--reps``, ``--horizon``, ``--turns`` ...) and random options can only
replace those with small or invalid values, so every case is cheap; the
``figures`` command always names an unknown figure (it would otherwise build
them all) and ``--scheduler`` is never given (connecting to a cluster is
outside a unit test).

Each case runs in-process through :func:`binding_sim.cli.main`; a handful run
through real subprocesses. The property: ``main`` returns (no exception of
any kind escapes), with 0 or a non-zero status; on a non-zero status stderr
is exactly one line starting ``binding-sim: error:`` (or ``binding-sim:``
for a sweep's failed-cells summary) and holds no traceback.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from fuzz_strategies import experiment_texts, override_strings, scenario_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binding_sim.cli import build_parser, main
from binding_sim.config.scenario import preset_names

_PARSER = build_parser()
_SUB = next(a for a in _PARSER._actions if a.__class__.__name__ == "_SubParsersAction")
COMMANDS: dict[str, Any] = dict(_SUB.choices)

CI_EXAMPLES = {"strategies": 25, "figures": 30, "replot": 30, "scenarios": 10, "show": 30}
DEFAULT_EXAMPLES = 110
"""Examples per command in CI; every other command gets :data:`DEFAULT_EXAMPLES`."""

# Small work given first to commands that would otherwise run for long.
SAFE_PREFIX: dict[str, list[str]] = {
    "simulate": ["--reps", "20", "--horizon", "8", "--seed", "1"],
    "match": ["--turns", "8", "--reps", "4", "--seed", "1"],
    "strategies": ["--turns", "8", "--reps", "4", "--population", "4", "--seed", "1"],
    "sweep": ["--reps", "4", "--workers", "1", "--quiet"],
    "figures": ["--experiments", str(Path(__file__).resolve().parent.parent / "experiments")],
}
NEVER = {"-h", "--help", "--version", "--scheduler"}

_SMALL_INT_OPTS = {"reps", "horizon", "turns", "population", "batch_size", "workers"}
_FLOAT_OPTS = {"trust", "noise", "relative_gains", "selection"}

_BAD_NUMBERS = [
    "0",
    "-1",
    "-0",
    "1.5",
    "nan",
    "inf",
    "-inf",
    "1e999",
    "99999999999999999999999999",
    "abc",
    "",
    " ",
    "0x10",
    "１",
]
_FLOATS = ["0", "0.5", "1", "-0.1", "1.1", "2", "1e-300", "nan", "inf", "x", "", "0.3,0.7", "0.2,"]
_PAYOFFS = ["3,0,5,1", "6,-2,2,0", "1,2", "a,b,c,d", "nan,0,0,0", "inf,0,0,0", "", "1,2,3,4,5"]
_NAMES = st.one_of(
    st.sampled_from(
        [
            "formal",
            "md_transparency",
            "buffer_zone",
            "tft",
            "alld",
            "allc",
            "grim",
            "gtft",
            "random",
            "linear",
            "exponential",
            "both",
            "piecemeal",
            "krickovic2016",
            "catch22_map",
        ]
    ),
    st.text(max_size=10),
)


def _option_values(dest: str, small: int) -> st.SearchStrategy[str]:
    if dest in _SMALL_INT_OPTS:
        valid = st.integers(1, 1 if dest == "workers" else small).map(str)
        return st.one_of(valid, st.sampled_from(_BAD_NUMBERS))
    if dest == "seed":
        return st.one_of(st.integers(0, 2**70).map(str), st.sampled_from(_BAD_NUMBERS))
    if dest in _FLOAT_OPTS:
        return st.one_of(st.sampled_from(_FLOATS), st.floats().map(repr))
    if dest == "payoffs":
        return st.sampled_from(_PAYOFFS)
    if dest == "overrides":
        return override_strings()
    if dest in ("players", "arrangement"):
        real = STRATEGY_NAMES if dest == "players" else ARRANGEMENT_NAMES
        return st.one_of(st.sampled_from(real), st.sampled_from(real), _NAMES)
    return _NAMES


STRATEGY_NAMES = ["allc", "alld", "tft", "stft", "grim", "wsls", "gtft", "random", "alternator"]
ARRANGEMENT_NAMES = ["formal", "md_transparency", "interceptor_caps", "buffer_zone"]
PATH_KINDS = ("new_dir", "missing_parent", "existing_file", "empty", "dev_null")


@st.composite
def command_cases(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """An abstract command line: files are written by the test, paths filled in then."""
    parser = COMMANDS[name]
    small = 6
    args: list[tuple[str, Any]] = []
    positional: list[tuple[str, Any]] = []
    for action in parser._actions:
        if not action.option_strings:
            meta = (action.metavar or action.dest).lower()
            if "experiment" in meta:
                positional.append(("file", draw(experiment_texts())))
            elif "scenario" in meta:
                positional.append(
                    draw(
                        st.one_of(
                            st.tuples(st.just("file"), scenario_texts()),
                            st.tuples(st.just("word"), st.sampled_from(preset_names())),
                            st.tuples(st.just("word"), st.sampled_from(preset_names())),
                            st.tuples(st.just("word"), st.text(max_size=12)),
                            st.tuples(st.just("path"), st.sampled_from(PATH_KINDS)),
                        )
                    )
                )
            else:
                positional.append(("word", draw(_NAMES)))
            continue
        if set(action.option_strings) & NEVER:
            continue
        if not action.required and draw(st.integers(0, 2)) != 0:
            continue
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            args.append(("flag", flag))
        elif action.dest in ("out", "plot", "experiments", "figures"):
            args.append(("path_opt", (flag, draw(st.sampled_from(PATH_KINDS)))))
        else:
            n = 1
            if action.nargs in ("+", "*"):
                n = draw(st.integers(1, 3))
            elif isinstance(action.nargs, int):
                n = action.nargs
            values = [draw(_option_values(action.dest, small)) for _ in range(n)]
            if action.choices is not None and draw(st.booleans()):
                values = [draw(st.sampled_from(list(action.choices))) for _ in range(n)]
            args.append(("opt", (flag, values)))
    if name == "figures":  # never build the real figures
        args.append(("opt", ("--only", [draw(st.sampled_from(["nope", "", "ü", "../x"]))])))
    return {"name": name, "positional": positional, "args": args}


def _path(kind: str, folder: Path, stem: str) -> str:
    if kind == "new_dir":
        return str(folder / f"{stem}_out")
    if kind == "missing_parent":
        return str(folder / "no" / "such" / f"{stem}.toml")
    if kind == "existing_file":
        p = folder / f"{stem}_file.txt"
        p.write_text("not a directory")
        return str(p)
    if kind == "dev_null":
        return "/dev/null"
    return ""


def materialize(case: dict[str, Any], folder: Path) -> list[str]:
    argv = [case["name"]]
    for i, (kind, value) in enumerate(case["positional"]):
        if kind == "file":
            path = folder / f"input{i}.toml"
            path.write_text(value, encoding="utf-8")
            argv.append(str(path))
        elif kind == "path":
            argv.append(_path(value, folder, f"pos{i}"))
        else:
            argv.append(value)
    argv += SAFE_PREFIX.get(case["name"], [])
    if case["name"] in ("sweep", "figures"):
        argv += ["--out", str(folder / "out")]
    for i, (kind, value) in enumerate(case["args"]):
        if kind == "flag":
            argv.append(value)
        elif kind == "path_opt":
            flag, pk = value
            argv.append(f"{flag}={_path(pk, folder, f'opt{i}')}")
        else:
            flag, values = value
            if len(values) == 1:
                argv.append(f"{flag}={values[0]}")  # '=' keeps values like '-1' attached
            else:
                argv += [flag, *values]
    return argv


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


def check_case(case: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cwd = os.getcwd()
        os.chdir(folder)  # default outputs (sweeps/NAME, figures/) land in the temporary folder
        try:
            argv = materialize(case, folder)
            status, _, err = run_in_process(argv)
        finally:
            os.chdir(cwd)
    assert_clean(argv, status, err)


def _settings(name: str) -> Any:
    return settings(
        max_examples=CI_EXAMPLES.get(name, DEFAULT_EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def ci_total() -> int:
    """Cases this module generates in CI (reported in docs/reliability.md)."""
    return sum(CI_EXAMPLES.get(n, DEFAULT_EXAMPLES) for n in COMMANDS) + GLOBAL_EXAMPLES


EXECUTED: dict[str, int] = {}
"""Cases run per command in this session (hypothesis stops early on a small input space)."""


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_never_escapes(name: str) -> None:
    EXECUTED[name] = 0

    @_settings(name)
    @given(command_cases(name))
    def prop(case: dict[str, Any]) -> None:
        EXECUTED[name] += 1
        check_case(case)

    prop()
    print(f"\n{name}: {EXECUTED[name]} generated command lines")
    assert EXECUTED[name] >= 1  # "scenarios" takes no input: one case covers it


GLOBAL_EXAMPLES = 100


@settings(
    max_examples=GLOBAL_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [*COMMANDS, "--json", "--set", "-x", "--", "=", "--reps", "simulat", "analyse"]
            ),
            st.text(max_size=8),
        ),
        max_size=4,
    ).filter(lambda xs: not set(xs) & {"-h", "--help", "--version"})
)
def test_any_command_line_never_escapes(argv: list[str]) -> None:
    """Random words as a command line: usage errors are one line, exit 2."""
    if set(argv) & (set(COMMANDS) - {"scenarios", "show", "analyze"}):
        argv = ["show", *argv]  # keep random words (e.g. "-- figures") from starting real work
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            status, _, err = run_in_process(argv)
        finally:
            os.chdir(cwd)
    assert_clean(argv, status, err)


_SLOW_N = int(os.environ.get("BINDING_SIM_FUZZ_EXAMPLES", "0") or 0)


@pytest.mark.slow
@pytest.mark.skipif(_SLOW_N <= 0, reason="set BINDING_SIM_FUZZ_EXAMPLES=N to run")
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_never_escapes_slow(name: str) -> None:
    count = [0]

    @settings(max_examples=max(_SLOW_N, 1), deadline=None, database=None)
    @given(command_cases(name))
    def prop(case: dict[str, Any]) -> None:
        count[0] += 1
        check_case(case)

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
