"""``binding-sim design-ladder`` and :mod:`binding_sim.design.ladder` (docs/model.md section 13.8).

The derivable case: myopic decisions at ``beta = inf`` with no incidents.
Acceptance does not depend on scale (scaling a stage game scales its margin),
so the path is fixed and the joint payoff is linear in each rung's scale.
The test walks the path by hand from the scenario's payoffs (section 3's
margin from the relative-gains transform of section 2.3, the linear trust
rule of section 4, the piecemeal protocol of section 5) and gets each
rung's slope from the rounds the rung is on the table or paid in the
background and their discount weights; the optimum must sit at the bound
the slope's sign picks, and the objective must equal the hand-computed
linear function.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario
from binding_sim.design.ladder import (
    design_ladder,
    evaluate,
    rung_margins,
    scale_ladder,
    start_points,
)
from binding_sim.dynamics.engine import simulate
from binding_sim.errors import BindingSimError
from binding_sim.model.payoffs import absolute_payoffs

# krickovic2016 with the first rung made a costly step (R < 0, still accepted at the
# start, so its slope is negative), no incidents, 20 rounds
DERIVABLE = [
    "actors.*.incident_rate=0",
    "scenario.horizon=20",
    "arrangements.md_transparency.payoffs.R=-0.1",
    "arrangements.md_transparency.payoffs.S=-0.2",
    "arrangements.md_transparency.payoffs.T=-1.0",
]


def _margin(tau: float, k: float, R: float, S: float, T: float, P: float) -> float:
    """Section 3's margin from the relative-gains cells of section 2.3 (symmetric payoffs)."""
    kap = k * (1 - tau)
    u_cc, u_cd = R, S - kap * (T - S)
    u_dc, u_dd = T + kap * (T - S), P
    return tau * (u_cc - u_dc) + (1 - tau) * (u_cd - u_dd)


def _hand_linear(sc: Scenario) -> tuple[float, np.ndarray]:
    """``(constant, slopes)`` of the joint discounted payoff in the rung scales, by hand.

    Symmetric payoffs, so each actor's relative-gains utility equals its payoff;
    the joint payoff is twice one actor's.
    """
    ladder = list(sc.ladder or ())
    L = len(ladder)
    k = sc.actors[0].relative_gains
    lam, delta, H = sc.building_rate, sc.discount_factor, sc.horizon
    F = sc.arrangements["formal"].payoffs[0]
    rungs = [sc.arrangements[n] for n in ladder]
    tau, r = sc.actors[0].initial_trust, 0
    const, slope = 0.0, np.zeros(L)

    def background(n: int) -> np.ndarray:
        v = np.zeros(L)
        for j in range(n):
            v[j] = rungs[j].payoffs[0].R
        return v

    for t in range(1, H + 1):
        w = delta ** (t - 1)
        c = math.prod(x.cap_factor for x in rungs[:r])
        T_F, S_F = F.P + c * (F.T - F.P), F.P + c * (F.S - F.P)
        if _margin(tau, k, F.R, S_F, T_F, F.P) >= -1e-9:  # the treaty binds
            const += w * F.R
            slope += w * background(r)
            const += F.R * sum(delta ** (s - 1) for s in range(t + 1, H + 1))
            break
        nxt = rungs[r].payoffs[0] if r < L else None
        if nxt is not None and _margin(tau, k, *nxt.as_tuple()) >= -1e-9:
            slope += w * background(r)
            slope[r] += w * nxt.R
            tau += lam * rungs[r].trust_weight * (1 - tau)
            r += 1
        elif r > 0:  # maintenance of the highest rung: both must still comply here
            cur = rungs[r - 1].payoffs[0]
            assert _margin(tau, k, *cur.as_tuple()) >= -1e-9
            slope += w * background(r)
            tau += lam * rungs[r - 1].trust_weight * (1 - tau)
        else:  # idle round: the treaty's P and no background
            const += w * F.P
    return 2 * const, 2 * slope


@pytest.fixture(scope="module")
def derivable() -> Scenario:
    return Scenario.load("krickovic2016", DERIVABLE)


def test_derivable_objective_is_the_hand_linear_function(derivable: Scenario) -> None:
    const, slope = _hand_linear(derivable)
    assert slope[0] < 0 < slope[1] and slope[2] == 0  # the path: costly rung, rung 2, treaty
    for xs in [(1.0, 1.0, 1.0), (0.2, 3.0, 1.0), (5.0, 0.1, 2.5), (0.7, 4.2, 0.1)]:
        value, se, details = evaluate(derivable, xs, 200, 5)
        assert value == pytest.approx(const + slope @ np.array(xs), rel=1e-12, abs=1e-12)
        assert se == pytest.approx(0.0, abs=1e-9)  # a deterministic path
        assert details["share_bound"] == 1.0


def test_derivable_optimum_sits_at_the_bound_the_slope_picks(derivable: Scenario) -> None:
    _, slope = _hand_linear(derivable)
    lo, hi = derivable.ladder_design.scale_bounds
    result = design_ladder(derivable, 200, 5, starts_per_rung=2)
    for x, s in zip(result.scales, slope, strict=True):
        if s > 0:
            assert x == hi
        elif s < 0:
            assert x == lo
    const, _ = _hand_linear(derivable)
    best = const + sum(s * (hi if s > 0 else lo) for s in slope)
    assert result.value == pytest.approx(best, rel=1e-12)
    assert result.unit_value == pytest.approx(const + slope.sum(), rel=1e-12)
    # a common scale: the sign of the summed slope picks the bound
    assert result.uniform_scale == (hi if slope.sum() > 0 else lo)


def test_bind_probability_is_flat_and_joint_payoff_affine_with_incidents() -> None:
    """With incidents the paths are random but do not depend on scale (same draws)."""
    sc = Scenario.load("krickovic2016", ["scenario.horizon=20"])
    points = [(1.0, 1.0, 1.0), (3.0, 2.0, 5.0), (2.0, 0.5, 4.0), (2.0, 2.5, 2.0)]
    probs = [evaluate(sc, xs, 200, 11, objective="bind_probability") for xs in points]
    assert len({p[0] for p in probs}) == 1 and 0 < probs[0][0] < 1
    assert probs[0][1] == pytest.approx(math.sqrt(probs[0][0] * (1 - probs[0][0]) / 200))
    f = [evaluate(sc, xs, 200, 11)[0] for xs in points]
    # points[0] + points[1] == points[2] + points[3]: an affine function agrees
    assert f[0] + f[1] == pytest.approx(f[2] + f[3], rel=1e-12)


def test_common_random_numbers_make_evaluations_repeatable() -> None:
    sc = Scenario.load("kydd_reassurance", ["scenario.horizon=20"])
    xs = (0.5, 2.0, 1.5)
    first = evaluate(sc, xs, 200, 3)
    assert evaluate(sc, xs, 200, 3) == first
    assert evaluate(sc, xs, 200, 4)[0] != first[0]
    a = design_ladder(sc, 200, 3, starts_per_rung=1)
    b = design_ladder(sc, 200, 3, starts_per_rung=1)
    assert a.to_dict() == b.to_dict()
    value, se, _ = evaluate(sc, a.scales, 200, 3)
    assert (a.value, a.standard_error) == (value, se)


def test_scale_one_simulates_identically() -> None:
    for name in ("krickovic2016", "kydd_reassurance"):
        sc = Scenario.load(name, ["scenario.horizon=30"])
        same = scale_ladder(sc, [1.0] * len(sc.ladder or ()))
        for protocol in ("formal", "piecemeal"):
            assert simulate(same, protocol, 300, 9) == simulate(sc, protocol, 300, 9)


def test_scaling_multiplies_the_rung_as_played() -> None:
    sc = Scenario.load("kydd_reassurance", ["scenario.common_threat=0.7"])
    x = 2.5
    scaled = scale_ladder(sc, [1.0, x, 1.0])
    for name in sc.arrangements:
        before, after = sc.arrangements[name], scaled.arrangements[name]
        factor = x if name == "interceptor_caps" else 1.0
        # the threat term theta * s scales with the payoffs
        np.testing.assert_allclose(
            absolute_payoffs(after, 0.7), factor * absolute_payoffs(before, 0.7), rtol=1e-15
        )
        assert after.scope == factor * before.scope  # greed term g * s
        assert after.trust_weight == before.trust_weight
        assert (after.transparency_gain, after.cap_factor) == (
            before.transparency_gain,
            before.cap_factor,
        )


def test_scale_ladder_refuses_bad_input() -> None:
    sc = Scenario.load("krickovic2016")
    with pytest.raises(BindingSimError, match="one per rung"):
        scale_ladder(sc, [1.0, 2.0])
    with pytest.raises(BindingSimError, match="> 0"):
        scale_ladder(sc, [1.0, 0.0, 1.0])
    with pytest.raises(BindingSimError, match="no piecemeal ladder"):
        scale_ladder(Scenario.load("exporting_security2010"), [1.0])
    with pytest.raises(BindingSimError, match="objective"):
        evaluate(sc, [1.0] * 3, 10, 1, objective="welfare")
    with pytest.raises(BindingSimError, match="reps"):
        evaluate(sc, [1.0] * 3, 1, 1)


def test_margins_on_the_no_incident_path_by_hand() -> None:
    sc = Scenario.load("krickovic2016")
    m = rung_margins(sc, [2.0, 3.0, 1.0])
    # round 1 at trust 0.5: md_transparency (a = 0.8, b = 0.6) accepted, implemented
    assert (m[0].offered_round, m[0].implemented_round, m[0].accepted) == (1, 1, True)
    assert m[0].margins == pytest.approx((2 * _margin(0.5, 1, 1, -0.2, 0.2, 0),) * 2)
    # round 2 at trust 0.55: interceptor_caps refused (tau* = 0.5625), implemented in round 3
    assert m[1].trust == pytest.approx((0.55, 0.55))
    assert (m[1].offered_round, m[1].implemented_round, m[1].accepted) == (2, 3, False)
    assert m[1].margins == pytest.approx((3 * _margin(0.55, 1, 1, -0.3, 0.3, 0),) * 2)
    # the treaty (caps halve T and S: tau* = 0.375) binds in round 4: buffer_zone never offered
    assert (m[2].offered_round, m[2].margins, m[2].accepted) == (None, None, None)


def test_start_points_geometric_grid_and_thinning() -> None:
    pts = start_points(0.1, 10.0, 2, 2)
    assert [tuple(round(v, 6) for v in p) for p in pts] == [
        (0.316228, 0.316228),
        (0.316228, 3.162278),
        (3.162278, 0.316228),
        (3.162278, 3.162278),
    ]
    many = start_points(0.1, 5.0, 3, 5)
    assert len(many) == 27 and many[0] == (many[0][0],) * 5 and many[-1] == (many[-1][0],) * 5
    assert start_points(0.1, 5.0, 3, 5) == many  # deterministic


# ------------------------------------------------------------------------ CLI
def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


SMALL = ["--reps", "20", "--starts", "1", "--seed", "3", "--set", "scenario.horizon=10"]


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["design-ladder", "krickovic2016", *SMALL, "--json"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert obj["objective"] == "joint_payoff" and obj["reps"] == 20 and obj["seed"] == 3
    scales = obj["optimum"]["scales"]
    assert list(scales) == ["md_transparency", "interceptor_caps", "buffer_zone"]
    assert all(0.1 <= x <= 5.0 for x in scales.values())
    sc = Scenario.load("krickovic2016", ["scenario.horizon=10"])
    value, se, _ = evaluate(sc, list(scales.values()), 20, 3)
    assert (obj["optimum"]["value"], obj["optimum"]["standard_error"]) == (value, se)
    assert obj["as_written"]["value"] == evaluate(sc, [1.0] * 3, 20, 3)[0]
    assert [m["name"] for m in obj["margins"]] == list(scales)
    assert set(obj["margins"][0]["margins"]) == {"NATO", "Russia"}


def test_cli_table_and_objective(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["design-ladder", "krickovic2016", *SMALL, "--objective", "bind_probability"], capsys
    )
    assert code == 0
    assert "objective: bind_probability" in out
    for word in ("md_transparency", "buffer_zone", "optimal scales", "as written (scale 1)"):
        assert word in out


def test_cli_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["design-ladder", "exporting_security2010", *SMALL], capsys)
    assert code == 2 and out == ""
    assert (
        err.count("\n") == 1 and "no piecemeal ladder" in err and "exporting_security2010" in err
    )
    code, _, err = _run(["design-ladder", "krickovic2016", "--objective", "welfare"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--objective" in err
    code, _, err = _run(["design-ladder", "krickovic2016", "--reps", "1"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--reps" in err
