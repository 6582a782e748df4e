"""``binding-sim sensitivity``: Morris and Sobol indices over an experiment's ranges.

Checked three ways:

* against SALib itself on the Ishigami function (Ishigami and Homma 1990),
  through the same code path as the command (:func:`sensitivity_indices`
  with an injected model): the indices equal SALib's own result for the same
  samples and seed streams, bit for bit; and Sobol ``S1`` / ``ST`` contain
  the analytic Ishigami values within their confidence intervals;
* on a real scenario where two parameters provably do nothing: the formal
  treaty of krickovic2016 with best-responding actors and no incidents is
  decided in round 1 (``tau_0 >= tau* = 0.6``, docs/model.md sections 3 and
  9.2), so neither the horizon nor the recovery rate (which lifts trust
  toward ``tau_0`` only from below, docs/model.md section 4) can change the
  share bound: their total-order indices are 0 within the interval, that of
  initial trust is not;
* the command: indices.csv and the figures, one-line errors, and a rerun
  (after completion or an interruption) that recomputes no finished cell.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from SALib.analyze import morris as salib_morris_analyze
from SALib.analyze import sobol as salib_sobol_analyze
from SALib.sample import morris as salib_morris_sample
from SALib.sample import sobol as salib_sobol_sample
from SALib.test_functions import Ishigami
from test_pdf_fonts import assert_truetype

from binding_sim.cli import main
from binding_sim.config.experiment import Experiment
from binding_sim.errors import ConfigError
from binding_sim.sweep import SweepError
from binding_sim.sweep import run as sweep_run
from binding_sim.sweep.sensitivity import (
    Parameter,
    design_parameters,
    metric_columns,
    sensitivity,
    sensitivity_indices,
)

PI = math.pi
ISHIGAMI = [Parameter(f"x{i}", -PI, PI) for i in (1, 2, 3)]
PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def stream(seed: int, key: tuple[int, ...]) -> np.random.Generator:
    """The documented streams: SeedSequence(seed, spawn_key=(2**32 - 1, 1, 0 or 1))."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


SAMPLER = (2**32 - 1, 1, 0)
ANALYZER = (2**32 - 1, 1, 1)


def ishigami_analytic(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """S1 and ST of f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3 (Ishigami and Homma 1990).

    V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V13 = 8 b^2 pi^8 / 225,
    V = V1 + V2 + V13 (no other term is non-zero).
    """
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * PI**8 / 225
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_analytic_ishigami_values_are_the_published_ones() -> None:
    s1, st_ = ishigami_analytic()
    assert np.allclose(s1, [0.3139, 0.4424, 0.0], atol=5e-5)
    assert np.allclose(st_, [0.5576, 0.4424, 0.2437], atol=5e-5)


@pytest.mark.parametrize("seed", [0, 12345])
def test_sobol_equals_salib_on_ishigami(seed: int) -> None:
    """The same samples and bootstrap as SALib called directly (seed 0 included)."""
    X, ind = sensitivity_indices("sobol", ISHIGAMI, Ishigami.evaluate, samples=256, seed=seed)
    X_ref = salib_sobol_sample.sample(
        PROBLEM, 256, calc_second_order=False, seed=stream(seed, SAMPLER)
    )
    np.testing.assert_array_equal(X, X_ref)
    si = salib_sobol_analyze.analyze(
        PROBLEM,
        Ishigami.evaluate(X_ref),
        calc_second_order=False,
        num_resamples=1000,
        conf_level=0.95,
        seed=stream(seed, ANALYZER),
    )
    for name in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(ind[name].to_numpy(), si[name])
    assert list(ind["parameter"]) == ["x1", "x2", "x3"]


def test_morris_equals_salib_on_ishigami() -> None:
    X, ind = sensitivity_indices("morris", ISHIGAMI, Ishigami.evaluate, samples=50, seed=7)
    X_ref = salib_morris_sample.sample(PROBLEM, 50, num_levels=4, seed=stream(7, SAMPLER))
    np.testing.assert_array_equal(X, X_ref)
    si = salib_morris_analyze.analyze(
        PROBLEM,
        X_ref,
        Ishigami.evaluate(X_ref),
        num_resamples=1000,
        conf_level=0.95,
        num_levels=4,
        seed=stream(7, ANALYZER),
    )
    for name in ("mu_star", "mu_star_conf", "sigma"):
        np.testing.assert_array_equal(ind[name].to_numpy(), np.asarray(si[name], dtype=float))


def test_sobol_intervals_contain_the_analytic_ishigami_indices() -> None:
    _, ind = sensitivity_indices("sobol", ISHIGAMI, Ishigami.evaluate, samples=2048, seed=3)
    s1, st_ = ishigami_analytic()
    for j in range(3):
        row = ind.iloc[j]
        assert abs(row["S1"] - s1[j]) <= row["S1_conf"], (j, row["S1"], row["S1_conf"])
        assert abs(row["ST"] - st_[j]) <= row["ST_conf"], (j, row["ST"], row["ST_conf"])
        assert row["ST_conf"] < 0.1  # an interval that says something


def test_indices_do_not_depend_on_the_other_outputs() -> None:
    """Each output's bootstrap has its own fresh stream: adding an output changes nothing."""

    def one(X: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        return {("f", ""): Ishigami.evaluate(X)}

    def two(X: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        return {("g", ""): X[:, 0], ("f", ""): Ishigami.evaluate(X)}

    _, a = sensitivity_indices("sobol", ISHIGAMI, one, samples=64, seed=5)
    _, b = sensitivity_indices("sobol", ISHIGAMI, two, samples=64, seed=5)
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b[b["metric"] == "f"].reset_index(drop=True)
    )


@given(lo=st.integers(-50, 50), width=st.integers(0, 60), u=st.floats(0.0, 1.0))
def test_integer_parameter_rounds_down_with_equal_shares(lo: int, width: int, u: float) -> None:
    """x = lo + u (hi - lo + 1) in [lo, hi + 1] maps to floor(x), and hi + 1 to hi."""
    hi = lo + width
    p = Parameter("scenario.horizon", lo, hi, integer=True)
    assert p.bounds == (lo, hi + 1)
    x = lo + u * (hi - lo + 1)
    v = p.value(x)
    assert isinstance(v, int) and lo <= v <= hi
    assert v == min(math.floor(x), hi)


def test_morris_levels_of_an_integer_key() -> None:
    """Four Morris levels of horizon in [10, 40]: 10 + floor(k/3 * 31) = 10, 20, 30, 40."""
    p = Parameter("scenario.horizon", 10, 40, integer=True)
    lo, hi = p.bounds
    assert [p.value(lo + k / 3 * (hi - lo)) for k in range(4)] == [10, 20, 30, 40]


# ------------------------------------------------------------ a real scenario
INERT = """
[experiment]
name = "inert"
scenario = "krickovic2016"
protocols = ["formal"]
reps = 2
seed = 11
set = { "actors.*.incident_rate" = 0.0 }

[design]
kind = "lhs"
samples = 10
ranges = { "actors.*.initial_trust" = [0.3, 0.9], "scenario.horizon" = [5, 50], "trust.recovery_rate" = [0.0, 0.5] }
"""


@pytest.fixture(scope="module")
def inert_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inert") / "inert.toml"
    path.write_text(INERT, encoding="utf-8")
    return path


def _rows(ind: pd.DataFrame) -> dict[str, pd.Series]:
    sb = ind[ind["metric"] == "share_bound"]
    return {r["parameter"]: r for _, r in sb.iterrows()}


def test_inert_parameters_have_zero_total_order_index(inert_path: Path) -> None:
    res = sensitivity(inert_path, "sobol", samples=32, metrics=["share_bound"], workers=1)
    table = res.sweep.results
    # a second method: round 1 decides, share bound = 1{tau_0 >= tau* = 0.6}
    expected = (table["actors.*.initial_trust"] >= 0.6).astype(float)
    np.testing.assert_array_equal(table["share_bound"].to_numpy(), expected.to_numpy())
    assert 0 < expected.mean() < 1  # both sides of tau* are sampled
    rows = _rows(res.indices)
    for inert in ("scenario.horizon", "trust.recovery_rate"):
        assert abs(rows[inert]["ST"]) <= rows[inert]["ST_conf"], rows[inert]
        assert abs(rows[inert]["S1"]) <= rows[inert]["S1_conf"], rows[inert]
    active = rows["actors.*.initial_trust"]
    assert active["ST"] - active["ST_conf"] > 0
    # the output depends on initial trust alone: S1 = ST = 1 within the intervals
    assert abs(active["S1"] - 1) <= active["S1_conf"]
    assert abs(active["ST"] - 1) <= active["ST_conf"]


def test_inert_parameters_have_zero_morris_effect(inert_path: Path) -> None:
    """Morris levels of tau_0 on [0.3, 0.9]: 0.3, 0.5, 0.7, 0.9; each step of Delta = 2/3 of
    the range (0.3 -> 0.7 or 0.5 -> 0.9) crosses tau* = 0.6, so every elementary effect of
    tau_0 is (1 - 0) / (2/3) = 1.5 and those of the inert keys are 0."""
    res = sensitivity(inert_path, "morris", samples=8, metrics=["share_bound"], workers=1)
    rows = _rows(res.indices)
    for inert in ("scenario.horizon", "trust.recovery_rate"):
        assert rows[inert]["mu_star"] == 0.0 and rows[inert]["mu_star_conf"] == 0.0
    active = rows["actors.*.initial_trust"]
    assert active["mu_star"] == pytest.approx(1.5, abs=1e-12)
    assert active["sigma"] == pytest.approx(0.0, abs=1e-12)
    assert sorted(set(res.sweep.results["actors.*.initial_trust"].round(12))) == [
        0.3,
        0.5,
        0.7,
        0.9,
    ]


# ------------------------------------------------------------------- ranges
def _experiment(tmp_path: Path, design: str, extra: str = "") -> Experiment:
    text = (
        '[experiment]\nname = "e"\nscenario = "krickovic2016"\nprotocols = ["formal"]\n'
        f"reps = 2\nseed = 1\n{extra}\n[design]\n{design}\n"
    )
    path = tmp_path / "e.toml"
    path.write_text(text, encoding="utf-8")
    return Experiment.load(path)


def test_grid_ranges_are_each_keys_min_and_max(tmp_path: Path) -> None:
    exp = _experiment(
        tmp_path,
        'kind = "grid"\ngrid = { "trust.building_rate" = { start = 0.3, stop = 0.05, num = 6 }, '
        '"scenario.horizon" = [30, 10, 20], "trust.erosion_rate" = [0.4] }',
    )
    params, fixed = design_parameters(exp)
    assert params == (
        Parameter("trust.building_rate", 0.05, 0.3, False),
        Parameter("scenario.horizon", 10.0, 30.0, True),
    )
    assert fixed == {"trust.erosion_rate": 0.4}


def test_a_one_value_grid_key_is_applied_to_every_point(tmp_path: Path) -> None:
    exp = _experiment(
        tmp_path,
        'kind = "grid"\ngrid = { "trust.building_rate" = [0.05, 0.3], "trust.erosion_rate" = [0.4] }',
    )
    res = sensitivity(exp, "morris", samples=2, metrics=["share_bound"], workers=1)
    assert set(res.sweep.results["trust.erosion_rate"]) == {0.4}
    assert res.sweep.results["trust.building_rate"].between(0.05, 0.3).all()


@pytest.mark.parametrize(
    ("design", "key", "message"),
    [
        (
            'kind = "list"\npoints = [{ "trust.building_rate" = 0.1 }]',
            "design.kind",
            "kind = 'lhs'",
        ),
        (
            'kind = "grid"\ngrid = { "protocols.formal.offer" = ["every_round", "when_accepted"] }',
            "design.grid.protocols.formal.offer",
            "numeric keys",
        ),
        (
            'kind = "grid"\ngrid = { "trust.building_rate" = [0.1] }',
            "design",
            "no parameter varies",
        ),
        (
            'kind = "grid"\ngrid = { "actors.*.decision_precision" = [1.0, inf] }',
            "design.grid.actors.*.decision_precision",
            "finite",
        ),
    ],
)
def test_designs_without_ranges_are_refused(
    tmp_path: Path, design: str, key: str, message: str
) -> None:
    exp = _experiment(tmp_path, design)
    with pytest.raises(ConfigError) as info:
        design_parameters(exp)
    assert info.value.key == key and message in info.value.allowed
    assert str(exp.source) in str(info.value) and "\n" not in str(info.value)


def test_a_sampled_point_breaking_a_rule_between_keys_names_the_range(tmp_path: Path) -> None:
    """lambda * w <= 1 (docs/model.md section 4) holds at the hypercube's one point (seed 1) but
    not in the whole box [0.1, 0.9] x [0.5, 1.9] that Sobol samples."""
    exp = _experiment(
        tmp_path,
        'kind = "lhs"\nsamples = 1\nranges = { "trust.building_rate" = [0.1, 0.9], '
        '"arrangements.formal.trust_weight" = [0.5, 1.9] }',
    )
    with pytest.raises(ConfigError) as info:
        sensitivity(exp, "sobol", samples=16, workers=1)
    assert info.value.key.startswith("design.ranges.")
    assert "sobol sample point" in info.value.allowed and "narrow the ranges" in info.value.allowed
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("method", "samples", "message"),
    [
        ("sobl", None, "unknown sensitivity method"),
        ("morris", 1, "too few for morris"),
        ("sobol", 2, "too few for sobol"),
        ("sobol", 48, "give 32 or 64"),
        ("morris", 10**7, "more than the 10000000"),
    ],
)
def test_bad_method_or_samples_are_one_line_errors(
    inert_path: Path, method: str, samples: int | None, message: str
) -> None:
    with pytest.raises(SweepError, match=message) as info:
        sensitivity(inert_path, method, samples=samples, workers=1)
    assert "\n" not in str(info.value)


def test_metric_names_expand_per_actor() -> None:
    actors = ("NATO", "Russia")
    assert metric_columns(None, actors) == [
        "share_bound",
        "mean_final_trust_NATO",
        "mean_final_trust_Russia",
    ]
    assert metric_columns(["mean_final_trust_Russia", "share_bound_hi"], actors) == [
        "mean_final_trust_Russia",
        "share_bound_hi",
    ]
    with pytest.raises(SweepError, match="did you mean 'share_bound'"):
        metric_columns(["share_bund"], actors)
    with pytest.raises(SweepError, match="not an outcome column"):
        metric_columns(["bound_by_round"], actors)  # a curve, not a column


def test_a_metric_undefined_in_some_cells_is_refused(inert_path: Path) -> None:
    with pytest.raises(SweepError, match=r"undefined .* in [0-9]+ of 16 cells"):
        sensitivity(inert_path, "morris", samples=4, metrics=["time_to_bind_median"], workers=1)


def test_a_constant_metric_has_undefined_sobol_indices(inert_path: Path) -> None:
    """With no incidents and no ladder, no replicate ever perceives an incident."""
    res = sensitivity(inert_path, "sobol", samples=4, metrics=["mean_incidents"], workers=1)
    assert res.indices[["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()


# --------------------------------------------------------------------- command
def _argv(path: Path, out: Path, *extra: str) -> list[str]:
    return [
        "sensitivity",
        str(path),
        "--method",
        "morris",
        "--samples",
        "4",
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        *extra,
    ]


def _starts(out: Path) -> list[dict]:
    events = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    return [e for e in events if e["event"] == "start"]


def test_command_writes_indices_and_figures_and_a_rerun_redoes_nothing(
    inert_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sens"
    assert main(_argv(inert_path, out)) == 0
    ind = pd.read_csv(out / "indices.csv")
    assert list(ind.columns) == [
        "metric",
        "protocol",
        "parameter",
        "mu_star",
        "mu_star_conf",
        "sigma",
    ]
    assert sorted(set(ind["metric"])) == [
        "mean_final_trust_NATO",
        "mean_final_trust_Russia",
        "share_bound",
    ]
    assert len(ind) == 3 * 3 and set(ind["protocol"]) == {"formal"}
    for metric in ind["metric"].unique():
        assert_truetype(out / f"indices_{metric}.pdf")
        assert (out / f"indices_{metric}.png").stat().st_size > 0
    record = json.loads((out / "sensitivity.json").read_text())
    assert record["method"] == "morris" and record["evaluations"] == 4 * (3 + 1) == 16
    assert record["seed"] == 11
    parts = {p.name: p.read_bytes() for p in (out / "parts").glob("part-*.parquet")}
    mtimes = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("part-*.parquet")}

    # the same analysis, another metric: every cell is reused, only the indices change
    assert main(_argv(inert_path, out, "--metric", "share_bound")) == 0
    assert _starts(out)[-1]["cells"] == 0 and _starts(out)[-1]["reused"] == 16
    assert {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("part-*.parquet")} == mtimes
    assert {p.name: p.read_bytes() for p in (out / "parts").glob("part-*.parquet")} == parts
    again = pd.read_csv(out / "indices.csv")
    pd.testing.assert_frame_equal(
        again, ind[ind["metric"] == "share_bound"].reset_index(drop=True)
    )
    assert sorted(p.name for p in out.glob("indices_*")) == [
        "indices_share_bound.pdf",
        "indices_share_bound.png",
    ]

    # --force recomputes every cell, to the same indices
    assert main(_argv(inert_path, out, "--force", "--metric", "share_bound")) == 0
    assert _starts(out)[-1]["cells"] == 16
    pd.testing.assert_frame_equal(pd.read_csv(out / "indices.csv"), again)


def test_an_interrupted_analysis_resumes_without_redoing_cells(
    inert_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "sens"
    real = sweep_run.run_serial

    def two_batches_then_ctrl_c(tasks: Iterable[Any], done: Callable[..., None]) -> None:
        def first_two() -> Iterator[Any]:
            for i, task in enumerate(tasks):
                if i == 2:
                    raise KeyboardInterrupt
                yield task

        real(first_two(), done)

    monkeypatch.setattr(sweep_run, "run_serial", two_batches_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        sensitivity(inert_path, "sobol", samples=4, out=out, workers=1, batch_size=4)
    err = capsys.readouterr().err
    assert "resume with: binding-sim sensitivity" in err and "--method sobol" in err
    assert not (out / "indices.csv").exists()
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("part-*.parquet")}
    assert len(kept) == 2
    monkeypatch.setattr(sweep_run, "run_serial", real)

    res = sensitivity(inert_path, "sobol", samples=4, out=out, workers=1, batch_size=4)
    assert _starts(out)[-1]["reused"] == 8 and _starts(out)[-1]["cells"] == 12
    now = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("part-*.parquet")}
    assert {k: now[k] for k in kept} == kept  # the finished parts were not rewritten
    fresh = sensitivity(inert_path, "sobol", samples=4, workers=1)
    pd.testing.assert_frame_equal(res.indices, fresh.indices)
    pd.testing.assert_frame_equal(res.sweep.results, fresh.sweep.results)


def test_a_drawn_seed_is_recorded_and_reused_by_a_rerun(tmp_path: Path) -> None:
    path = tmp_path / "drawn.toml"
    path.write_text(INERT.replace("seed = 11\n", ""), encoding="utf-8")
    out = tmp_path / "sens"
    first = sensitivity(path, "morris", samples=2, out=out, workers=1)
    seed = first.record["seed"]
    assert json.loads((out / "run.json").read_text())["seed"] == seed
    second = sensitivity(path, "morris", samples=2, out=out, workers=1)
    assert second.record["seed"] == seed and _starts(out)[-1]["cells"] == 0
    np.testing.assert_array_equal(first.X, second.X)


def test_command_errors_are_one_line(
    inert_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["sensitivity", str(tmp_path / "missing.toml"), "--method", "sobol"], "not found"),
        (["sensitivity", str(inert_path), "--method", "sobl"], "invalid choice"),
        (["sensitivity", str(inert_path)], "--method"),
        (["sensitivity", str(inert_path), "--method", "sobol", "--samples", "12"], "give 8 or 16"),
        (["sensitivity", str(inert_path), "--method", "morris", "--metric", "nope"], "--metric"),
    ]
    for argv, message in cases:
        assert main([*argv, "--out", str(tmp_path / "o"), "--quiet"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("binding-sim: error: "), err
        assert message in err[0], err
    assert not (tmp_path / "o").exists()  # refused before anything was written


@pytest.mark.slow
def test_indices_are_identical_serial_on_processes_and_on_dask(
    inert_path: Path, tmp_path: Path
) -> None:
    """The sweep's seeding makes the executor irrelevant: the same table and intervals."""
    serial = sensitivity(inert_path, "sobol", samples=8, workers=1)
    procs = sensitivity(inert_path, "sobol", samples=8, workers=2, batch_size=7)
    dask = sensitivity(
        inert_path, "sobol", samples=8, out=tmp_path / "d", workers=2, scheduler="local"
    )
    for other in (procs, dask):
        pd.testing.assert_frame_equal(serial.indices, other.indices, check_exact=True)
        pd.testing.assert_frame_equal(serial.sweep.results, other.sweep.results, check_exact=True)
