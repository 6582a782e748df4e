"""``--quick`` never writes over the committed figures: its default folder is git-ignored.

``make quick`` and the tutorial's first step run ``binding-sim figures --quick``;
the committed full-resolution figures in ``figures/`` change only with
``make figures``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from binding_sim.cli import main
from binding_sim.plot.figures import DEFAULT_OUT, DEFAULT_QUICK_OUT, default_out, script_main

ROOT = Path(__file__).resolve().parent.parent

RECORDER = """
from pathlib import Path


def main(quick=False, out_dir=None):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "probe.csv"
    path.write_text(f"quick={quick}\\n")
    return [path]
"""


def test_quick_default_is_not_figures_and_is_git_ignored() -> None:
    assert default_out(quick=False) == DEFAULT_OUT == Path("figures")
    quick = default_out(quick=True)
    assert quick == DEFAULT_QUICK_OUT
    assert Path("figures") not in (quick, *quick.parents)
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    probe = (quick / "catch22_map.csv").as_posix()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", probe], cwd=ROOT, check=False, capture_output=True
    )
    assert ignored.returncode == 0, f"{probe} is not git-ignored"
    committed = subprocess.run(
        ["git", "check-ignore", "-q", "figures/catch22_map.csv"],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )
    assert committed.returncode == 1  # the committed figures are tracked, not ignored


def test_command_and_script_write_quick_figures_to_the_ignored_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = tmp_path / "experiments"
    exp.mkdir()
    (exp / "probe.py").write_text(RECORDER)
    monkeypatch.chdir(tmp_path)
    assert main(["figures", "--quick"]) == 0
    assert (tmp_path / "build" / "figures-quick" / "probe.csv").read_text() == "quick=True\n"
    assert not (tmp_path / "figures").exists()
    assert main(["figures"]) == 0
    assert (tmp_path / "figures" / "probe.csv").read_text() == "quick=False\n"
    (tmp_path / "figures" / "probe.csv").unlink()
    (tmp_path / "build" / "figures-quick" / "probe.csv").unlink()
    from importlib import util

    spec = util.spec_from_file_location("probe_script", exp / "probe.py")
    assert spec is not None and spec.loader is not None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert script_main(module.main, ["--quick"]) == 0
    assert (tmp_path / "build" / "figures-quick" / "probe.csv").is_file()
    assert not (tmp_path / "figures" / "probe.csv").exists()


def test_make_quick_is_the_quick_command() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = text.split("\nquick:", 1)[1].split("\n\n", 1)[0]
    assert "figures --quick" in recipe and "--out" not in recipe
