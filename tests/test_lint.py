"""CI enforces the code standard: ruff lint, ruff format and mypy on the package.

Each tool runs in a subprocess from the project's environment (the interpreter
running the tests); mypy is skipped only when it is not installed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _report(proc: subprocess.CompletedProcess[str]) -> str:
    text = proc.stdout + proc.stderr
    return text if len(text) <= 4000 else "...\n" + text[-4000:]


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")


def test_ruff_check() -> None:
    _need("ruff")
    proc = _run("ruff", "check", "binding_sim", "tests")
    assert proc.returncode == 0, _report(proc)


def test_ruff_format() -> None:
    _need("ruff")
    proc = _run("ruff", "format", "--check", "binding_sim", "tests")
    assert proc.returncode == 0, _report(proc)


def test_mypy() -> None:
    _need("mypy")
    proc = _run("mypy", "binding_sim")
    assert proc.returncode == 0, _report(proc)
