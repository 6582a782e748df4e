"""Shared fixtures of the test suite.

Hypothesis generators of valid games and scenarios live in
``tests/strategies_hypothesis.py`` (importable as ``strategies_hypothesis``
because pytest puts this folder on ``sys.path``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from binding_sim.config.scenario import Scenario, preset_path

os.environ.setdefault("MPLBACKEND", "Agg")  # figures in tests never open a window

# No per-example deadline: the 2-core CI machine is shared by two xdist workers,
# so wall-clock deadlines would make property tests flaky, not stricter.
settings.register_profile("binding_sim", deadline=None)
# CI and `make test` run a fixed, reproducible set of examples (no example database,
# fixed seed); a plain `pytest` explores with fresh random examples.
settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
_FIXED = os.environ.get("CI") or os.environ.get("BINDING_SIM_DERANDOMIZE")
settings.load_profile("ci" if _FIXED else "binding_sim")


@pytest.fixture(scope="session")
def krickovic() -> Scenario:
    """The 2016 preset (the Catch-22 with its three piecemeal rungs)."""
    return Scenario.load("krickovic2016")


@pytest.fixture(scope="session")
def exporting() -> Scenario:
    """The 2010 preset (common threat, asymmetric actors, no ladder)."""
    return Scenario.load("exporting_security2010")


@pytest.fixture(scope="session")
def krickovic_text() -> str:
    """The TOML text of the 2016 preset, a valid base for edited bad inputs."""
    return preset_path("krickovic2016").read_text(encoding="utf-8")


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write TOML text to ``tmp_path / NAME.toml`` and return the path."""

    def write(text: str, name: str = "scenario") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
