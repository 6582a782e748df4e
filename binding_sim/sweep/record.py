"""The run record ``run.json``: what ran, on what, from which code, and how it ended.

Written atomically at the start of a sweep (``"status": "running"``) and at
the end; the record written at the end is the commit point of the final
tables (see :mod:`binding_sim.sweep.store`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from ..config.experiment import Experiment

__all__ = ["DEPENDENCIES", "GitProbe", "git_state", "now", "run_record"]

DEPENDENCIES = (
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "nashpy",
    "numba",
    "dask",
    "distributed",
    "tqdm",
    "matplotlib",
)
"""Packages whose versions the run record lists."""


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class GitProbe:
    """Ask git for the checkout's commit and dirty flag in the background.

    Both ``git`` processes start at once when the probe is made and run
    while the sweep prepares; :meth:`result` waits for them (at most 10 s).
    """

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        commands = (
            # --no-optional-locks: git status never writes the index, so stopping it
            # (a refused run) cannot leave an index.lock behind in the user's checkout
            ["git", "--no-optional-locks", "-C", root, "rev-parse", "HEAD"],
            [
                "git",
                "--no-optional-locks",
                "-C",
                root,
                "status",
                "--porcelain",
                "--untracked-files=no",
            ],
        )
        self._procs: list[subprocess.Popen[str]] = []
        self._state: dict[str, Any] | None = None
        try:
            for cmd in commands:
                self._procs.append(
                    subprocess.Popen(
                        cmd,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        stdin=subprocess.DEVNULL,
                        text=True,
                    )
                )
        except OSError:
            self._finish(None)

    def _finish(self, outputs: list[str] | None) -> None:
        for proc in self._procs:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                proc.wait(timeout=1)
            if proc.stdout is not None:
                proc.stdout.close()
        if outputs is None:
            self._state = {"commit": None, "dirty": None}
        else:
            commit, status = outputs
            self._state = {"commit": commit.strip() or None, "dirty": bool(status.strip())}

    def close(self) -> None:
        """Stop and reap the git processes if :meth:`result` was never asked (a refused run)."""
        if self._state is None:
            self._finish(None)

    def result(self) -> dict[str, Any]:
        """``{"commit", "dirty"}`` (``None`` values when this is not a git checkout)."""
        if self._state is None:
            outputs: list[str] | None = []
            try:
                for proc in self._procs:
                    out, _ = proc.communicate(timeout=10)
                    if proc.returncode != 0:
                        outputs = None
                        break
                    assert outputs is not None
                    outputs.append(out)
            except (OSError, subprocess.SubprocessError):
                outputs = None
            self._finish(outputs)
        assert self._state is not None
        return dict(self._state)


def git_state() -> dict[str, Any]:
    """``{"commit", "dirty"}`` of the source checkout (``None`` values when not a git checkout)."""
    return GitProbe().result()


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def run_record(
    exp: Experiment,
    git: dict[str, Any] | None = None,
    fingerprint: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The run record of ``exp`` (written to ``DIR/run.json``).

    Parameters
    ----------
    exp : Experiment
        The experiment.
    git : dict, optional
        :func:`git_state` (default: a fresh look-up).
    fingerprint : str, optional
        ``exp.fingerprint()`` if already computed.
    **extra
        Further fields (``status``, ``start_time``, ``end_time``,
        ``execution``, ``rows``, ``failed``).
    """
    from .. import __version__

    return {
        "package": "binding_sim",
        "version": __version__,
        "git": git if git is not None else git_state(),
        "fingerprint": fingerprint if fingerprint is not None else exp.fingerprint(),
        "seed": exp.seed,
        "seed_drawn": exp.seed_drawn,
        "experiment": exp.to_dict(),
        "scenario": exp.scenario.to_dict(),
        "platform": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "dependencies": dict(_versions()),
        **extra,
    }
