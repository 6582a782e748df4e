"""``analyze`` on actor types (docs/model.md section 12.4): greedy thresholds, ``g*``, posteriors.

Values are docs/model.md section 12.5's checks 6 and 7 and hand algebra: the
symmetric closed forms ``tau*_G = b / (a - g s + b)`` and ``g* = a / s`` with
``a = R + theta s - T`` and ``b = (P - S) + k (T - S)``, and Bayes' rule
written out with the logit choice of section 3.
"""

from __future__ import annotations

import json
import math

import pytest

from binding_sim.analysis import analyze
from binding_sim.cli import main
from binding_sim.config.scenario import Scenario

PRESET = {  # krickovic2016: (R, S, T, P), scope
    "formal": ((6.0, -2.0, 2.0, 0.0), 1.0),
    "md_transparency": ((1.0, -0.2, 0.2, 0.0), 0.2),
    "interceptor_caps": ((1.0, -0.3, 0.3, 0.0), 0.2),
    "buffer_zone": ((1.5, -0.4, 0.4, 0.0), 0.3),
}


@pytest.mark.parametrize("greed", [0.0, 2.0, 5.0])
def test_check_6_greedy_thresholds_and_greed_star(greed: float) -> None:
    """formal: 0.6, 0.75, none; md_transparency: 0.4286, 0.6, none (k = 1); g* = 4, 4, 3.5, 3.667."""
    sc = Scenario.load("krickovic2016", [f"actors.*.greed={greed}"])
    arrs = analyze(sc)["arrangements"]
    want = {"formal": {0.0: 0.6, 2.0: 0.75, 5.0: None}, "md_transparency": {0.0: 3 / 7, 2.0: 0.6}}
    for name, by_greed in want.items():
        got = arrs[name]["tau_star_greedy"]
        expected = by_greed.get(greed)
        for actor in ("NATO", "Russia"):
            if expected is None:
                assert got[actor] is None
            else:
                assert got[actor] == pytest.approx(expected, abs=1e-12)
    for name, ((R, S, T, P), s) in PRESET.items():
        a, b = R - T, (P - S) + 1.0 * (T - S)
        for actor in ("NATO", "Russia"):
            assert arrs[name]["greed_star"][actor] == pytest.approx(a / s, rel=1e-12)
            closed = b / (a - greed * s + b) if a - greed * s > 0 else None
            got = arrs[name]["tau_star_greedy"][actor]
            assert (got is None) == (closed is None)
            if closed is not None:
                assert got == pytest.approx(closed, rel=1e-12)
    assert round(arrs["buffer_zone"]["greed_star"]["NATO"], 3) == 3.667
    # without greed the greedy type's threshold is section 3's
    if greed == 0.0:
        for arr in arrs.values():
            assert arr["tau_star_greedy"] == pytest.approx(arr["tau_star"], rel=1e-12)


@pytest.mark.parametrize(
    ("scale", "want"), [(0.5, 0.6764), (1.0, 0.8393), (2.0, 0.9760), (4.0, 0.9996)]
)
def test_check_7_informativeness_grows_with_the_stakes(scale: float, want: float) -> None:
    """md_transparency's payoffs and scope scaled by m; tau = 0.5, k = 1, g = 5, beta = 5, q = 0.05."""
    R, S, T, P = 1.0 * scale, -0.2 * scale, 0.2 * scale, 0.0
    s = 0.2 * scale
    sc = Scenario.load("krickovic2016").with_values(
        {
            "arrangements.md_transparency.payoffs.R": R,
            "arrangements.md_transparency.payoffs.S": S,
            "arrangements.md_transparency.payoffs.T": T,
            "arrangements.md_transparency.scope": s,
            "actors.*.greed": 5.0,
            "actors.*.decision_precision": 5.0,
            "actors.*.incident_rate": 0.05,
        }
    )
    got = analyze(sc)["arrangements"]["md_transparency"]
    a, b = R - T, (P - S) + (T - S)
    d_s = 0.5 * a - 0.5 * b
    d_g = d_s - 0.5 * 5.0 * s
    sig_s, sig_g = (1 / (1 + math.exp(-5.0 * d)) for d in (d_s, d_g))
    after_c = sig_s * 0.95 * 0.5 / (sig_s * 0.95 * 0.5 + sig_g * 0.95 * 0.5)
    l_s, l_g = sig_s * 0.05 + 1 - sig_s, sig_g * 0.05 + 1 - sig_g
    after_d = l_s * 0.5 / (l_s * 0.5 + l_g * 0.5)
    for actor in ("NATO", "Russia"):
        assert got["posterior_after_compliance"][actor] == pytest.approx(want, abs=5e-5)
        assert got["posterior_after_compliance"][actor] == pytest.approx(after_c, rel=1e-12)
        assert got["posterior_after_defection"][actor] == pytest.approx(after_d, rel=1e-12)


def test_posteriors_with_best_response_empathy_and_asymmetric_actors() -> None:
    """beta = inf: a compliance proves a trustworthy other unless the greedy type would comply too.

    krickovic2016 at tau_0 = 0.5 on md_transparency (Delta = 0.1 > 0): the
    trustworthy type complies. Greed 5: the greedy type's margin
    0.1 - 0.5 x 5 x 0.2 = -0.4 (defects), so one perceived compliance proves
    trustworthiness (1) and one perceived defection is an incident or greed:
    ``0.5 q / (0.5 q + 0.5)``. Greed 0.2 (margin 0.08): both types comply, a
    compliance teaches nothing. Empathy 0 reads the other at full trust
    (there ``Delta(1) = 0.8``, greedy ``0.8 - 5 x 0.2 = -0.2``): the same on
    md_transparency. On F at tau_0 = 0.5 neither of Russia's types complies
    (``Delta = -1``), so Russia, with empathy 1, learns nothing from NATO's
    refusal; NATO, with empathy 0, reads Russia at full trust, where the
    trustworthy type would comply (``Delta(1) = 4``) and the greedy would not
    (``4 - 5 < 0``): a refusal reads as greed (Jervis's spiral),
    ``0.5 q / (0.5 q + 0.5)``.
    """
    sc = Scenario.load(
        "krickovic2016",
        ["actors.NATO.greed=0.2", "actors.Russia.greed=5", "actors.NATO.empathy=0"],
    )
    arrs = analyze(sc)["arrangements"]
    md = arrs["md_transparency"]
    q = 0.05
    # NATO reads Russia (greed 5): informative
    assert md["posterior_after_compliance"]["NATO"] == 1.0
    assert md["posterior_after_defection"]["NATO"] == pytest.approx(0.5 * q / (0.5 * q + 0.5))
    # Russia reads NATO (greed 0.2): both of NATO's types comply, nothing to learn
    assert md["posterior_after_compliance"]["Russia"] == 0.5
    assert md["posterior_after_defection"]["Russia"] == 0.5
    assert arrs["formal"]["posterior_after_compliance"] == {"NATO": 1.0, "Russia": 0.5}
    after_d = arrs["formal"]["posterior_after_defection"]
    assert after_d["NATO"] == pytest.approx(0.5 * q / (0.5 * q + 0.5)) and after_d["Russia"] == 0.5


def test_analyze_json_has_the_type_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "krickovic2016", "--json", "--set", "actors.*.greed=2"]) == 0
    obj = json.loads(capsys.readouterr().out)
    for arr in obj["arrangements"].values():
        for key in (
            "tau_star_greedy",
            "greed_star",
            "posterior_after_compliance",
            "posterior_after_defection",
        ):
            assert list(arr[key]) == ["NATO", "Russia"]
    assert obj["arrangements"]["formal"]["tau_star_greedy"]["NATO"] == pytest.approx(0.75)
