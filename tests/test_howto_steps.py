"""How-to pages whose steps can run verbatim run here, step by step, as a user would.

- ``docs/howto/piecemeal-arrangement.md``: copy the preset, add the
  ``[arrangements.hotline]`` table of step 1 at the end, replace the ladder
  line of the existing ``[protocols.piecemeal]`` table with the one of step 2;
  the file must load and ``binding-sim analyze`` must give the hotline
  ``tau* = b / (a + b)`` computed by hand from its payoffs (docs/model.md section 3).
- ``docs/howto/resume-sweep.md``: every ``binding-sim sweep my_sweep.toml`` and
  ``python -c`` command of the page, in order, on a small experiment; the
  comparison must print ``True`` (its ``sweeps/check`` folder is made by the page).
- ``docs/howto/plot-a-sweep.md``: its sweep command (at 10 replicates) and every
  ``binding-sim plot`` command, as written; the error line the page shows is the
  command's own, character for character.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
HOWTO = ROOT / "docs" / "howto"


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_piecemeal_howto_steps_work_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (HOWTO / "piecemeal-arrangement.md").read_text(encoding="utf-8")
    table, ladder = _blocks(text, "toml")[:2]
    assert table.startswith("[arrangements.hotline]")
    assert "[" not in ladder.split("=", 1)[0]  # step 2 is one line, not a second table
    monkeypatch.chdir(tmp_path)
    # the page's copy command: binding-sim show krickovic2016 > my_scenario.toml
    assert "binding-sim show krickovic2016 > my_scenario.toml" in text
    assert main(["show", "krickovic2016"]) == 0
    copy = capsys.readouterr().out
    # step 1: add the table at the end; step 2: replace the existing ladder line
    lines = copy.splitlines()
    start = lines.index("[protocols.piecemeal]")
    at = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("ladder ="))
    lines[at] = ladder.strip()
    Path("my_scenario.toml").write_text("\n".join(lines) + "\n\n" + table, encoding="utf-8")
    scenario = Scenario.load("my_scenario.toml")
    assert scenario.ladder == ("hotline", "md_transparency", "interceptor_caps", "buffer_zone")
    # by hand: R = 0.5, S = -0.1, T = 0.1, P = 0, theta = 0, k = 1 in the preset
    a = 0.5 - 0.1
    b = (0.0 - -0.1) + 1.0 * (0.1 - -0.1)
    tau = b / (a + b)
    report = scenario.analyze()["arrangements"]["hotline"]
    for actor in ("NATO", "Russia"):
        assert float(report["tau_star"][actor]) == pytest.approx(tau)
    assert report["accepted_at_start"] is True
    # step 3's analyze command prints the hotline at that threshold
    assert main(["analyze", "my_scenario.toml"]) == 0
    row = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("hotline"))
    assert f"{tau:.3f}" in row and row.rstrip().endswith("yes")


SMALL_SWEEP = """
[experiment]
name = "my_sweep"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 40
horizon = 20
seed = 7

[design]
kind = "grid"
grid = { "trust.building_rate" = [0.05, 0.2], "actors.*.incident_rate" = [0.02, 0.1] }
"""


def test_resume_howto_commands_run_and_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyarrow")
    text = (HOWTO / "resume-sweep.md").read_text(encoding="utf-8")
    commands = []
    for block in _blocks(text, "sh"):
        for line in block.splitlines():
            tokens = shlex.split(line, comments=True)
            if tokens[:3] == ["binding-sim", "sweep", "my_sweep.toml"] or tokens[:2] == [
                "python",
                "-c",
            ]:
                commands.append(tokens)
    assert [c[0] for c in commands] == ["binding-sim"] * 3 + ["python"]
    monkeypatch.chdir(tmp_path)
    Path("my_sweep.toml").write_text(SMALL_SWEEP, encoding="utf-8")
    for tokens in commands[:-1]:
        assert main([*tokens[1:], "--workers", "1", "--quiet"]) == 0
    assert Path("sweeps/check/results.parquet").is_file()
    compare = subprocess.run(
        [sys.executable, *commands[-1][1:]], capture_output=True, text=True, check=True
    )
    assert compare.stdout.strip() == "True"


def test_set_with_a_star_is_quoted_in_every_doc() -> None:
    """zsh expands an unquoted ``actors.*.KEY=VALUE`` (and fails: "no matches found")."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    bare = re.compile(r"--set[ =]+[^'\"\s`]*\*")
    hits = [
        f"{page.relative_to(ROOT)}:{n}: {line.strip()}"
        for page in pages
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert not hits, "quote --set values holding '*':\n" + "\n".join(hits)
    assert bare.search("--set actors.*.k=1") and not bare.search("--set 'actors.*.k=1'")


def test_plot_howto_commands_run_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``docs/howto/plot-a-sweep.md``: its sweep (at 10 replicates, not 200, for time) and
    every ``plot`` command run as written; the error it shows is the command's own line."""
    text = (HOWTO / "plot-a-sweep.md").read_text(encoding="utf-8")
    lines = [ln for block in _blocks(text, "sh") for ln in block.splitlines() if ln.strip()]
    commands = [shlex.split(line) for line in lines]
    assert [c[:2] for c in commands] == [["binding-sim", "sweep"]] + [["binding-sim", "plot"]] * 3
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs" / "examples").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "examples" / "example_sweep.toml", tmp_path / "docs" / "examples")
    sweep = commands[0][1:]
    sweep[sweep.index("--reps") + 1] = "10"
    assert main([*sweep, "--workers", "1"]) == 0
    capsys.readouterr()
    for tokens in commands[1:]:
        assert main(tokens[1:]) == 0, tokens
        printed = capsys.readouterr().out.split()
        assert [Path(p).suffix for p in printed] == [".pdf", ".png", ".csv"]
        assert all(Path(p).is_file() for p in printed)
    shown = Path(
        "sweeps/example/plots/"
        "share_bound_vs_trust.building_rate_by_protocol_per_actors._.incident_rate.pdf"
    )
    assert f"`{shown}`" in text and shown.is_file()
    assert Path("sweeps/example/plots/trust.csv").is_file()
    (error_block,) = re.findall(r"^```text\n\$ (.*?)\n(.*?)\n^```", text, re.M | re.S)
    command, message = error_block
    assert main(shlex.split(command)[1:]) == 2
    assert capsys.readouterr().err.strip() == message.strip()
