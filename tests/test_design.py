"""Sweep designs: grids, lists, Latin hypercubes and their validation."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.cli import main
from binding_sim.config.design import (
    flatten,
    grid_points,
    lhs_points,
    linspace_values,
    parse_design,
    resolve_key,
)
from binding_sim.config.experiment import Experiment
from binding_sim.config.scenario import Scenario
from binding_sim.errors import ConfigError

HEADER = """[experiment]
scenario = "krickovic2016"
reps = 10
seed = 7
"""


@pytest.fixture(scope="module")
def base() -> Scenario:
    return Scenario.load("krickovic2016")


def write(tmp_path: Path, design: str, header: str = HEADER) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(header + "\n[design]\n" + design, encoding="utf-8")
    return path


# ----------------------------------------------------------------- point makers
def test_grid_order_first_key_slowest() -> None:
    pts = grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert pts == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 1, "b": "z"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 2, "b": "z"},
    ]


def test_linspace_values_hand() -> None:
    assert linspace_values(0.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert linspace_values(0.3, 0.3, 1) == [0.3]


def test_flatten_nested_and_quoted_agree() -> None:
    nested = {"trust": {"building_rate": {"start": 0, "stop": 1, "num": 3}}, "actors.*.k": [1]}
    assert flatten(nested, linspace=True) == {
        "trust.building_rate": {"start": 0, "stop": 1, "num": 3},
        "actors.*.k": [1],
    }


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 60),
    d=st.integers(1, 4),
    seed=st.integers(0, 2**32),
)
def test_lhs_is_a_latin_hypercube(n: int, d: int, seed: int) -> None:
    """Each coordinate puts exactly one point in each of the n equal strata (McKay et al. 1979)."""
    ranges = {f"k{i}": (float(i), float(i) + 0.5 * (i + 1)) for i in range(d)}
    pts = lhs_points(ranges, dict.fromkeys(ranges, "float"), n, np.random.default_rng(seed))
    assert len(pts) == n
    for key, (lo, hi) in ranges.items():
        x = np.array([p[key] for p in pts])
        assert np.all((x >= lo) & (x <= hi))
        strata = np.floor((x - lo) / (hi - lo) * n).astype(int)
        assert sorted(np.minimum(strata, n - 1)) == list(range(n))


def test_lhs_integer_key_equal_shares() -> None:
    pts = lhs_points({"s": (0, 2)}, {"s": "int"}, 30, np.random.default_rng(3))
    counts = np.bincount([p["s"] for p in pts], minlength=3)
    assert counts.tolist() == [10, 10, 10]


def test_lhs_design_reproducible_from_seed(base: Scenario) -> None:
    table = {"kind": "lhs", "samples": 8, "ranges": {"trust.building_rate": [0.0, 0.3]}}
    a = parse_design(table, base, "x.toml", 11)
    b = parse_design(table, base, "x.toml", 11)
    c = parse_design(table, base, "x.toml", 12)
    assert a.points == b.points
    assert a.points != c.points


# ------------------------------------------------------------------ resolve_key
def test_resolve_key_expands_both_actors(base: Scenario) -> None:
    spec, concrete = resolve_key("actors.*.incident_rate", base)
    assert spec.key == "actors.*.incident_rate"
    assert concrete == ["actors.NATO.incident_rate", "actors.Russia.incident_rate"]


def test_grid_cells_apply_to_both_actors(base: Scenario) -> None:
    d = parse_design(
        {"grid": {"actors.*.relative_gains": [0.5, 2.0], "trust.building_rate": [0.2]}},
        base,
        "x.toml",
        0,
    )
    assert len(d) == 2
    cell = d.cell(base, 1)
    assert [a.relative_gains for a in cell.actors] == [2.0, 2.0]
    assert cell.building_rate == 0.2
    assert d.row_values(base, 1) == {"actors.*.relative_gains": 2.0, "trust.building_rate": 0.2}


def test_list_design_fills_omitted_keys_with_base_values(base: Scenario) -> None:
    d = parse_design(
        {
            "kind": "list",
            "points": [
                {"trust.building_rate": 0.2},
                {"actors": {"NATO": {"relative_gains": 2.0}}},
            ],
        },
        base,
        "x.toml",
        0,
    )
    assert d.params == ("trust.building_rate", "actors.NATO.relative_gains")
    assert d.row_values(base, 0) == {
        "trust.building_rate": 0.2,
        "actors.NATO.relative_gains": base.actors[0].relative_gains,
    }
    assert d.cell(base, 1).actors[0].relative_gains == 2.0
    assert d.cell(base, 1).actors[1].relative_gains == base.actors[1].relative_gains


def test_ladder_values_are_lists_stored_as_json(base: Scenario) -> None:
    d = parse_design(
        {"grid": {"protocols.piecemeal.ladder": [["buffer_zone"], ["md_transparency"]]}},
        base,
        "x.toml",
        0,
    )
    assert d.cell(base, 0).ladder == ("buffer_zone",)
    assert d.row_values(base, 1) == {"protocols.piecemeal.ladder": '["md_transparency"]'}


# --------------------------------------------------- bad designs: one line each
BAD_DESIGNS = [
    (  # unknown key, with a hint
        'grid = { "trust.bilding_rate" = [0.1] }',
        "design.grid.trust.bilding_rate = [0.1]: unknown scenario key (did you mean 'trust.building_rate'?)",
    ),
    (  # empty range
        'grid = { "trust.building_rate" = { start = 0.0, stop = 0.3, num = 0 } }',
        "design.grid.trust.building_rate.num = 0: must be an integer >= 1 (empty range)",
    ),
    (  # empty list
        'grid = { "trust.building_rate" = [] }',
        "design.grid.trust.building_rate = []: empty list: give at least one value",
    ),
    (  # wrong type
        'grid = { "actors.*.incident_rate" = [0.1, "high"] }',
        "design.grid.actors.*.incident_rate = 'high': must be a number in [0, 1]",
    ),
    (  # outside the key's range
        'grid = { "trust.building_rate" = { start = 0.5, stop = 1.5, num = 3 } }',
        "design.grid.trust.building_rate = 1.5: must be a number in [0, 1]",
    ),
    (  # empty Latin-hypercube range
        'kind = "lhs"\nsamples = 4\nranges = { "trust.erosion_rate" = [0.5, 0.5] }',
        "design.ranges.trust.erosion_rate = [0.5, 0.5]: empty range: need lo < hi",
    ),
    (  # unknown actor
        'grid = { "actors.NAT0.relative_gains" = [1.0] }',
        "design.grid.actors.NAT0.relative_gains = [1.0]: unknown actor; the scenario's actors are NATO, Russia (did you mean 'NATO'?)",
    ),
    (  # a cross-key constraint only the full cell can check
        'grid = { "arrangements.formal.trust_weight" = [5.0, 20.0] }',
        "design.grid.arrangements.formal.trust_weight = 20.0: cell 1 gives "
        "arrangements.formal.trust_weight = 20.0: building_rate * trust_weight must be <= 1 "
        "(building_rate = 0.1)",
    ),
    (  # unknown kind
        'kind = "grd"',
        "design.kind = 'grd': must be one of 'grid', 'list', 'lhs' (did you mean 'grid'?)",
    ),
    (  # a key of another kind
        'kind = "grid"\nsamples = 4',
        "design.samples = 4: only for kind = 'lhs'",
    ),
    (  # the same scenario key twice
        'grid = { "actors.*.relative_gains" = [1.0], "actors.Russia.relative_gains" = [2.0] }',
        "design.grid.actors.Russia.relative_gains = 'actors.Russia.relative_gains': sets the same "
        "scenario key as design.grid.actors.*.relative_gains; give each key once",
    ),
    (  # integer key with a non-integer linspace
        'grid = { "protocols.piecemeal.setback" = { start = 0, stop = 1, num = 3 } }',
        "design.grid.protocols.piecemeal.setback = {'start': 0, 'stop': 1, 'num': 3}: gives "
        "non-integer values for an integer key; use a list",
    ),
    (  # a bad list point
        'kind = "list"\npoints = [ { "trust.building_rate" = 0.1 }, { "trust.erosion_rate" = -1 } ]',
        "design.points[1].trust.erosion_rate = -1: must be a number in [0, 1]",
    ),
    (  # missing lhs samples
        'kind = "lhs"\nranges = { "trust.erosion_rate" = [0.1, 0.5] }',
        "design.samples = (missing): required for kind = 'lhs'",
    ),
    (  # effects of the formal treaty do not exist
        'grid = { "arrangements.formal.effects.cap_factor" = [0.5] }',
        "design.grid.arrangements.formal.effects.cap_factor = [0.5]: the formal treaty has no effects",
    ),
]


@pytest.mark.parametrize(("design", "message"), BAD_DESIGNS)
def test_bad_design_message(tmp_path: Path, design: str, message: str) -> None:
    path = write(tmp_path, design)
    with pytest.raises(ConfigError) as info:
        Experiment.load(path)
    assert str(info.value) == f"{path}: {message}"
    assert "\n" not in str(info.value)


def test_bad_design_fails_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI exits 2 with one line on stderr; the engine is never called, nothing is written."""
    import binding_sim.dynamics.engine as engine

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine must not run for a bad design")

    monkeypatch.setattr(engine, "simulate_cells", boom)
    path = write(tmp_path, 'grid = { "trust.building_rate" = [0.1, 0.2, 7.0] }')
    out = tmp_path / "out"
    status = main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == [
        f"binding-sim: error: {path}: design.grid.trust.building_rate = 7.0: must be a number in [0, 1]"
    ]
    assert not out.exists()


def test_every_grid_cell_is_validated(base: Scenario) -> None:
    """Only the combination of two valid values is invalid (lambda * w > 1): still caught."""
    table = {
        "grid": {
            "trust.building_rate": [0.1, 0.5],
            "arrangements.buffer_zone.trust_weight": [1.0, 3.0],
        }
    }
    with pytest.raises(ConfigError, match=r"cell 3 gives arrangements\.buffer_zone\.trust_weight"):
        parse_design(table, base, "x.toml", 0)
    assert list(itertools.islice(grid_points(table["grid"]), 4))[3] == {
        "trust.building_rate": 0.5,
        "arrangements.buffer_zone.trust_weight": 3.0,
    }


_SWEEPABLE = {
    "trust.building_rate": st.floats(0.0, 1.0),
    "trust.erosion_rate": st.floats(0.0, 1.0),
    "actors.*.incident_rate": st.floats(0.0, 1.0),
    "actors.Russia.relative_gains": st.floats(0.0, 5.0),
    "scenario.common_threat": st.floats(0.0, 10.0),
    "protocols.piecemeal.setback": st.integers(0, 3),
}


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    axes=st.dictionaries(
        st.sampled_from(sorted(_SWEEPABLE)),
        st.just(None),
        min_size=1,
        max_size=3,
    ).flatmap(
        lambda keys: st.fixed_dictionaries(
            {k: st.lists(_SWEEPABLE[k], min_size=1, max_size=3) for k in keys}
        )
    )
)
def test_grid_has_every_combination_and_cells_carry_their_values(
    base: Scenario, axes: dict[str, list]
) -> None:
    design = parse_design({"grid": axes}, base, "x.toml", 0)
    assert len(design) == int(np.prod([len(v) for v in axes.values()]))
    assert design.params == tuple(axes)
    for i in (0, len(design) - 1):
        cell = design.cell(base, i)
        for key, value in design.points[i].items():
            got = {
                "trust.building_rate": cell.building_rate,
                "trust.erosion_rate": cell.erosion_rate,
                "actors.*.incident_rate": cell.actors[0].incident_rate,
                "actors.Russia.relative_gains": cell.actors[1].relative_gains,
                "scenario.common_threat": cell.common_threat,
                "protocols.piecemeal.setback": cell.setback,
            }[key]
            assert got == value
        if "actors.*.incident_rate" in design.points[i]:
            assert cell.actors[1].incident_rate == cell.actors[0].incident_rate
