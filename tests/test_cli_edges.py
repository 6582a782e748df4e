"""Edges of the command line: ``--set`` text, ``--plot`` paths, ``figures`` outside a checkout,
ranges checked at parse time, and non-finite results refused.

Each case names what a careless or hostile user typed and checks the one line
the program answers (exit status 2), and that no work was done or file written.
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario, parse_override
from binding_sim.errors import ConfigError
from binding_sim.games.evolution import fixation_probability, replicator_dynamics
from binding_sim.games.tournament import tournament

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("binding-sim: error: "), err
    return err


# ------------------------------------------------------------------------------- --set
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("scenario.horizon=5\nscenario.horizon=0", "one key=value on one line"),
        ("scenario.horizon=5\n", "one key=value on one line"),
        ("scenario.horizon=5\r", "one key=value on one line"),
        ("scenario.horizon=5\u2028x=1", "one key=value on one line"),
        ("scenario.horizon==5", "exactly one '='"),
        ("scenario.horizon=5=6", "exactly one '='"),
        ("=5", "expected dotted.key=value"),
        ("scenario..horizon=5", "expected dotted.key=value"),
        ("scenario. .horizon=5", "expected dotted.key=value"),
        ("scenario.horizon=", "a value is required"),
        ("scenario.horizon", "expected dotted.key=value"),
    ],
)
def test_set_is_exactly_one_key_value(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_override(text)
    msg = str(info.value)
    assert needle in msg and "\n" not in msg and "\r" not in msg
    assert msg.startswith("--set ")  # names the option text


def test_set_newline_no_longer_drops_what_follows(capsys) -> None:
    """Before: TOML read ``5`` and silently dropped the second line."""
    err = _error(capsys, ["analyze", "krickovic2016", "--set", "scenario.horizon=5\ntrust.x=1"])
    assert "--set scenario.horizon=5\\ntrust.x=1" in err


def test_set_keeps_quoted_equals_and_spaces() -> None:
    assert parse_override('scenario.description="a=b"') == ("scenario.description", "a=b")
    assert parse_override(" scenario.horizon = 7 ") == ("scenario.horizon", 7)
    assert parse_override("scenario.name=bare") == ("scenario.name", "bare")
    sc = Scenario.load("krickovic2016", ['scenario.description="x = y"'])
    assert sc.description == "x = y"


# ------------------------------------------------------------------------------ --plot
SMALL = ["simulate", "krickovic2016", "--reps", "20", "--horizon", "5", "--seed", "1"]


@pytest.mark.parametrize("suffix", ["", "/"])
def test_plot_into_a_folder_is_an_error(capsys, tmp_path, suffix: str) -> None:
    err = _error(capsys, [*SMALL, "--plot", f"{tmp_path}{suffix}"])
    assert "is a folder; give a file name" in err
    assert list(tmp_path.iterdir()) == []
    err = _error(capsys, [*SMALL, "--plot", f"{tmp_path / 'new'}/"])
    assert "is a folder" in err and not (tmp_path / "new").exists()


def test_plot_never_creates_folders(capsys, tmp_path) -> None:
    target = tmp_path / "no" / "such" / "fan.pdf"
    err = _error(capsys, [*SMALL, "--plot", str(target)])
    assert f"folder {str(target.parent)!r} does not exist" in err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("name", ["fan", "fan.xyz", ".pdf"])
def test_plot_needs_a_known_format(capsys, tmp_path, name: str) -> None:
    err = _error(capsys, [*SMALL, "--plot", str(tmp_path / name)])
    assert "unknown figure format" in err and ".pdf" in err
    assert list(tmp_path.iterdir()) == []  # matplotlib would have written fan.png


def test_plot_reports_exactly_what_it_wrote(capsys, tmp_path) -> None:
    target = tmp_path / "fan.svg"
    assert main([*SMALL, "--plot", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(f"wrote {target}")
    assert [p.name for p in tmp_path.iterdir()] == ["fan.svg"]
    assert target.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    target.unlink()
    assert main([*SMALL, "--plot", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plot"] == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["fan.svg"]


# --------------------------------------------------------------------- figures, replot
def test_figures_outside_a_checkout_needs_experiments(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    err = _error(capsys, ["figures"])
    assert "no ./experiments folder" in err and "pass --experiments DIR" in err
    assert list(tmp_path.iterdir()) == []  # no figures/ folder made
    err = _error(capsys, ["figures", "--experiments", str(tmp_path / "nope")])
    assert "not a directory" in err
    # inside a checkout ./experiments is found (an unknown --only proves the folder was read)
    (tmp_path / "experiments").symlink_to(EXPERIMENTS)
    err = _error(capsys, ["figures", "--only", "catch22_mapp"])
    assert "did you mean 'catch22_map'" in err


def test_figures_out_must_be_a_folder(capsys, tmp_path) -> None:
    (tmp_path / "file.txt").write_text("x")
    err = _error(
        capsys,
        ["figures", "--experiments", str(EXPERIMENTS), "--out", str(tmp_path / "file.txt")],
    )
    assert "is a file, not a folder" in err


def test_option_value_double_dash_is_an_error(capsys) -> None:
    """argparse hands ``--seed=--`` to the command as an empty list; it is refused."""
    err = _error(capsys, ["simulate", "krickovic2016", "--seed=--"])
    assert "argument --seed: expected a value, got '--'" in err


# --------------------------------------------------------------- ranges at parse time
@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("work started before the options were checked")

    monkeypatch.setattr("binding_sim.games.match.Match.play", boom)
    monkeypatch.setattr("binding_sim.games.tournament.tournament", boom)
    monkeypatch.setattr("binding_sim.config.scenario.Scenario.load", boom)


@pytest.mark.parametrize(
    ("payoffs", "needle"),
    [
        ("1e308,0,5,1", "each payoff in [-1e+12, 1e+12]"),
        ("3,0,5,-1e13", "each payoff in [-1e+12, 1e+12]"),
        ("3,0,inf,1", "four comma-separated finite numbers"),
    ],
)
def test_match_payoffs_range(capsys, no_work, payoffs: str, needle: str) -> None:
    err = _error(capsys, ["match", "--payoffs", payoffs, "--players", "tft", "alld"])
    assert f"--payoffs = {payoffs!r}" in err and needle in err


def test_match_at_the_payoff_bound_is_finite(capsys) -> None:
    """Payoffs of +-1e12 over many turns stay finite: scores below turns x 1e12."""
    argv = ["match", "--payoffs", "1e12,-1e12,1e12,-1e12", "--players", "tft", "random"]
    assert main([*argv, "--turns", "500", "--reps", "50", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(math.isfinite(v) and abs(v) <= 1e12 for v in out["mean_score_per_turn"])


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--selection", "1e308"], "argument --selection: expected a finite number in [0, 1000]"),
        (["--selection", "-1"], "argument --selection"),
        (["--selection", "nan"], "argument --selection"),
        (["--selection", "2", "--fitness", "linear"], "with --fitness linear"),
        (["--population", "1"], "argument --population: expected an integer >= 2"),
        (["--noise", "1.5"], "argument --noise"),
        (["--turns", "0"], "argument --turns"),
        (["--relative-gains", "1e7"], "actors.*.relative_gains = 10000000.0"),
    ],
)
def test_strategies_ranges_checked_before_work(capsys, no_work, argv, needle) -> None:
    err = _error(capsys, ["strategies", "krickovic2016", "--arrangement", "formal", *argv])
    assert needle in err, err


def test_strategies_selection_against_payoff_scale(capsys) -> None:
    """exp(w * payoff) must not overflow: w x largest |M_ij| <= 700, refused above."""
    res = tournament(Scenario.load("krickovic2016"), "formal", turns=10)
    top = float(np.abs(res.scores).max())  # the largest mean score per turn of the matrix
    base = ["strategies", "krickovic2016", "--arrangement", "formal", "--turns", "10"]
    base += ["--reps", "0", "--population", "10", "--json"]
    below, above = 0.999 * 700 / top, 1.001 * 700 / top
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main([*base, "--selection", repr(below)]) == 0
    fix = json.loads(capsys.readouterr().out)["blocks"][0]["moran"]["fixation"]
    assert all(0.0 <= v <= 1.0 for row in fix for v in row)
    err = _error(capsys, [*base, "--selection", repr(above)])
    assert f"--selection {above:g}" in err and "exceeds 700" in err


def test_strategies_nonfinite_result_names_its_input(capsys, monkeypatch) -> None:
    from binding_sim.games import tournament as tmod

    real = tmod.TournamentResult.replicator

    def nan_shares(self, *a, **k):
        out = real(self, *a, **k)
        return dataclasses.replace(out, shares=np.full_like(out.shares, np.nan))

    monkeypatch.setattr(tmod.TournamentResult, "replicator", nan_shares)
    err = _error(
        capsys,
        ["strategies", "krickovic2016", "--arrangement", "formal", "--relative-gains", "0.5",
         "--turns", "5", "--reps", "0"],
    )  # fmt: skip
    assert "non-finite result(s) replicator shares" in err
    assert "'formal' game of krickovic2016 at --relative-gains 0.5" in err


def test_match_nonfinite_result_names_its_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr(
        "binding_sim.games.match.Match.long_run", lambda self: np.array([np.nan, 1.0])
    )
    err = _error(
        capsys, ["match", "--payoffs", "3,0,5,1", "--players", "tft", "alld", "--seed", "1"]
    )
    assert "non-finite result(s) exact_score_per_turn" in err
    assert "R, S, T, P = 3, 0, 5, 1" in err


def test_strategies_single_replicate_has_no_interval_and_no_warning(capsys) -> None:
    argv = ["strategies", "krickovic2016", "--arrangement", "formal", "--turns", "5"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # nanmax of an all-NaN array warned
        assert main([*argv, "--reps", "1", "--seed", "2"]) == 0
    assert "no interval from a single match per pair" in capsys.readouterr().out


# -------------------------------------------------------------------- evolution edges
def test_replicator_on_a_subnormal_spread_matches_the_scaled_game() -> None:
    """The dynamics depend on payoff differences over time in units of 1/spread only."""
    tiny = np.array([[0.0, 2.2250738585072014e-308], [0.0, 0.0]])
    scaled = tiny * 1e300  # the same game in ordinary units
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        a = replicator_dynamics(tiny)
        b = replicator_dynamics(scaled)
    assert np.isfinite(a.shares).all()
    np.testing.assert_allclose(a.shares, b.shares, atol=1e-9)


def test_fixation_overflow_gives_its_limit_without_warning() -> None:
    """Strong selection against the mutant: the sum overflows, rho -> 0, silently correct."""
    payoffs = [[0.0, 0.0], [1.0, 1.0]]  # residents always fitter
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        rho = fixation_probability(payoffs, 100_000, 5.0, fitness="exponential")
    assert rho == 0.0


def test_subnormal_initial_trust_reports_no_theta_star() -> None:
    """tau_0 = 5e-324: the threat needed is theta* = (...) / tau_0, beyond any float: none."""
    from binding_sim.analysis import analyze

    sc = Scenario.load("krickovic2016").with_values({"actors.*.initial_trust": 5e-324})
    c = analyze(sc)["catch22"]
    assert c["theta_star"] is None and c["formal_accepted_at_start"] is False


def test_catch22_drawing_tolerates_missing_classes_and_plain_keys() -> None:
    """No cell where both R' < T' and S' < P': the R' - P' boundary is all NaN, not a warning."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from binding_sim.plot.catch22 import class_boundaries
    from binding_sim.plot.style import key_label as _axis_label

    grid = [(x, y) for x in (0.0, 1.0, 2.0) for y in (0.0, 0.5, 1.0)]
    data = pd.DataFrame(
        {
            "a": [x for x, _ in grid],
            "b": [y for _, y in grid],
            "class_A": "stag_hunt",
            **{f"{m}_{t}": 1.0 for m in ("rt", "sp", "rp") for t in "AB"},
        }
    )
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert class_boundaries(data, "a", "b", ax=ax) == []
    plt.close(fig)
    assert _axis_label("a") == "a"  # a key without dots (an edited meta) is its own label


def test_actor_names_with_a_dot_are_a_clear_error(tmp_path: Path) -> None:
    """Keys name actors as actors.NAME.KEY, so a name holding '.' could not be addressed:
    it is a one-line load error, with or without a wildcard override."""
    path = tmp_path / "dot.toml"
    path.write_text(
        '[actors."a.b"]\n[actors.c]\n[arrangements.formal]\npayoffs = { R = 6.0, S = -2.0, T = 2.0 }\n',
        encoding="utf-8",
    )
    for overrides in ([], ["actors.*.incident_rate=0.1"]):
        with pytest.raises(ConfigError, match=r"actor names may not contain '\.'"):
            Scenario.load(path, overrides)


def test_reliability_page_names_only_existing_tests() -> None:
    """Every test docs/reliability.md cites exists (as a module or a test function)."""
    import re

    root = Path(__file__).resolve().parent
    text = (root.parent / "docs" / "reliability.md").read_text(encoding="utf-8")
    names = set(re.findall(r"\btest_[a-z0-9_]+", text))
    defined = set()
    for path in root.glob("*.py"):
        defined.add(path.stem)
        defined |= set(
            re.findall(r"^def (test_[a-z0-9_]+)", path.read_text(encoding="utf-8"), re.M)
        )
    assert names and not names - defined, sorted(names - defined)
