"""``binding-sim simulate``: JSON shape, seeds, scenarios without a ladder, --plot."""

from __future__ import annotations

import json

import matplotlib
import pytest

from binding_sim.cli import main

matplotlib.use("Agg")

KEYS = {
    "share_bound",
    "share_bound_ci",
    "time_to_bind",
    "mean_final_trust",
    "mean_incidents",
    "mean_incidents_by_actor",
    "mean_rungs",
    "mean_mutual_defection",
    "mean_idle",
    "share_trapped",
    "bound_by_round",
    "payoffs",
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[dict, str]:
    status = main(["simulate", *argv, "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out), captured.err


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    obj, _ = run_json(capsys, "krickovic2016", "--reps", "300", "--horizon", "40", "--seed", "7")
    assert obj["reps"] == 300 and obj["horizon"] == 40 and obj["seed"] == 7
    assert set(obj["results"]) == {"formal", "piecemeal"} and "note" not in obj
    for res in obj["results"].values():
        assert KEYS <= set(res)
        lo, hi = res["share_bound_ci"]
        assert 0.0 <= lo <= res["share_bound"] <= hi <= 1.0
        assert set(res["time_to_bind"]) == {"median", "q25", "q75"}
        assert set(res["mean_final_trust"]) == {"NATO", "Russia"}
        assert set(res["mean_incidents_by_actor"]) == {"NATO", "Russia"}
        assert res["mean_incidents"] == pytest.approx(sum(res["mean_incidents_by_actor"].values()))
        assert len(res["bound_by_round"]) == 40
        assert res["bound_by_round"][-1] == pytest.approx(res["share_bound"])
        assert set(res["payoffs"]) == {
            "absolute",
            "relative",
            "absolute_discounted",
            "relative_discounted",
        }
    formal = obj["results"]["formal"]
    assert formal["share_bound"] == 0.0 and formal["time_to_bind"]["median"] is None
    assert obj["results"]["piecemeal"]["time_to_bind"]["median"] >= 1


def test_seed_is_drawn_printed_and_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    obj, err = run_json(capsys, "krickovic2016", "--reps", "200", "--horizon", "20")
    seed = obj["seed"]
    assert isinstance(seed, int) and seed >= 0 and str(seed) in err
    again, _ = run_json(
        capsys, "krickovic2016", "--reps", "200", "--horizon", "20", "--seed", str(seed)
    )
    assert again["results"] == obj["results"]


def test_no_ladder_piecemeal_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["simulate", "exporting_security2010", "--protocol", "piecemeal"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "exporting_security2010" in err and "ladder" in err
    assert "Traceback" not in err


def test_no_ladder_both_runs_formal_with_note(capsys: pytest.CaptureFixture[str]) -> None:
    obj, _ = run_json(capsys, "exporting_security2010", "--reps", "100", "--seed", "1")
    assert list(obj["results"]) == ["formal"]
    assert "ladder" in obj["note"]
    assert obj["results"]["formal"]["share_bound"] == 1.0


@pytest.mark.parametrize("argv", [["--reps", "0"], ["--horizon", "0"], ["--seed", "-3"]])
def test_bad_numbers_are_one_line_errors(capsys, argv) -> None:
    assert main(["simulate", "krickovic2016", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and argv[0] in err


def test_table_and_plot(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    out = tmp_path / "fan.png"
    status = main(
        ["simulate", "krickovic2016", "--reps", "200", "--horizon", "30", "--seed", "3",
         "--plot", str(out)]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert status == 0
    assert "share bound" in text and "piecemeal" in text and "formal" in text
    assert out.exists() and out.stat().st_size > 1000
