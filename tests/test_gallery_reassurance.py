"""The gallery sentences of the four figures of Bayesian reassurance say what their CSVs show.

Each number the README states about ``learning_models``, ``spiral_empathy``,
``screening`` and ``stakes`` is recomputed here from the committed
``figures/NAME.csv`` (shares as percentages rounded to whole numbers, or
rounded to two decimals, as the sentence writes them), and the sentence is
checked to be in the README. The spiral rate is recomputed from its parts
(``share_spiral / share_both_trustworthy``, docs/model.md section 12.4), and
the one-compliance posteriors of ``stakes`` by Bayes' rule from the logit
choice (docs/model.md sections 3 and 12.2), independently of the analysis.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from binding_sim.plot.figures import read_figure_csv

ROOT = Path(__file__).resolve().parents[1]
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
EPS, EMP = "actors.*.incident_rate", "actors.*.empathy"
GREED, P = "actors.*.greed", "actors.*.trustworthy_prob"


def _read(name: str, draw: str) -> pd.DataFrame:
    data, meta, got = read_figure_csv(ROOT / "figures" / f"{name}.csv")
    assert got == f"binding_sim.plot.reassurance:{draw}"
    assert meta["quick"] is False and meta["scenario"] == "kydd_reassurance"
    return data


def _pct(x: float) -> int:
    return round(100 * float(x))


def _sentence(text: str) -> None:
    assert " ".join(text.split()) in README


def _one(rows: pd.DataFrame, column: str) -> float:
    assert len(rows) == 1
    return float(rows[column].iloc[0])


def _spiral_ok(data: pd.DataFrame) -> None:
    both = data["share_both_trustworthy"].to_numpy(float)
    expected = data["share_spiral"].to_numpy(float) / both
    assert np.allclose(data["spiral_rate"].to_numpy(float), expected, atol=1e-7)


def test_learning_models_sentence() -> None:
    d = _read("learning_models", "learning_models_figure")
    _spiral_ok(d)
    _sentence(
        "On `kydd_reassurance` at its incident rate 0.05, Bayesian trust binds 20% of "
        "piecemeal runs and 8% of formal runs with the treaty offered every round, "
        "against 3% and 0 under the linear index, a treaty offered only when both "
        "accept it never binds under either model, and from an incident rate of 0.275 "
        "the Bayesian piecemeal share jumps to 37% while the linear one falls to 1%."
    )

    def at(model: str, variant: str, eps: float | None = None) -> pd.DataFrame:
        rows = d[(d["model"] == model) & (d["variant"] == variant)]
        return rows if eps is None else rows[np.isclose(rows[EPS], eps)]

    bound = "share_bound"
    assert _pct(_one(at("bayesian", "piecemeal", 0.05), bound)) == 20
    assert _pct(_one(at("bayesian", "formal, offered every round", 0.05), bound)) == 8
    assert _pct(_one(at("linear", "piecemeal", 0.05), bound)) == 3
    assert _one(at("linear", "formal, offered every round", 0.05), bound) == 0.0
    for model in ("linear", "bayesian"):
        assert (at(model, "formal, offered when accepted")[bound] == 0.0).all()
    pm = at("bayesian", "piecemeal")
    high = pm[pm[EPS] >= 0.275 - 1e-9]
    assert {_pct(v) for v in high[bound]} == {37}
    assert (pm[pm[EPS] < 0.275 - 1e-9][bound] < 0.21).all()  # the jump is there, not before
    assert _pct(_one(at("linear", "piecemeal", 0.3), bound)) == 1


def test_spiral_empathy_sentence() -> None:
    d = _read("spiral_empathy", "spiral_empathy_figure")
    _spiral_ok(d)
    _sentence(
        "Among pairs of two trustworthy actors, the share still unbound at the horizon "
        "under piecemeal falls from 0.97 without empathy to 0.60 with full empathy "
        "(incident rate 0.05), and to 0.34 with full empathy and incident rates from "
        "0.275, while the formal treaty leaves at least 0.99 of them in a spiral unless "
        "empathy is full (0.89 to 0.90)."
    )
    pm, fo = d[d["protocol"] == "piecemeal"], d[d["protocol"] == "formal"]

    def rate(rows: pd.DataFrame, e: float, eps: float) -> float:
        return _one(rows[np.isclose(rows[EMP], e) & np.isclose(rows[EPS], eps)], "spiral_rate")

    assert round(rate(pm, 0.0, 0.05), 2) == 0.97
    assert round(rate(pm, 1.0, 0.05), 2) == 0.60
    full = pm[np.isclose(pm[EMP], 1.0) & (pm[EPS] >= 0.275 - 1e-9)]
    assert set(full["spiral_rate"].round(2)) == {0.34}
    assert fo[fo[EMP] < 1.0 - 1e-9]["spiral_rate"].round(2).min() == 0.99
    top = fo[np.isclose(fo[EMP], 1.0)]["spiral_rate"].round(2)
    assert (top.min(), top.max()) == (0.89, 0.90)


def test_screening_sentence() -> None:
    d = _read("screening", "screening_figure")
    assert np.allclose(d["greedy_share"], 1.0 - d[P])
    _sentence(
        "Whatever the share of greedy types (0.05 to 0.6), piecemeal binding screens: "
        "with greed 3 it binds 39% to 41% of trustworthy pairs and at most 1% of pairs "
        "with a greedy side, where the formal treaty binds 19% to 20% against 5% to 9% "
        "(with greed 1, piecemeal binds 64% to 66% against 17% to 23%)."
    )
    assert round(d["greedy_share"].min(), 9) == 0.05 and round(d["greedy_share"].max(), 9) == 0.6

    def span(protocol: str, greed: float, column: str) -> tuple[int, int]:
        rows = d[(d["protocol"] == protocol) & np.isclose(d[GREED], greed)][column]
        return _pct(rows.min()), _pct(rows.max())

    assert span("piecemeal", 3.0, "share_bound_trustworthy_pair") == (39, 41)
    assert span("piecemeal", 3.0, "share_bound_with_greedy")[1] <= 1
    assert span("formal", 3.0, "share_bound_trustworthy_pair") == (19, 20)
    assert span("formal", 3.0, "share_bound_with_greedy") == (5, 9)
    assert span("piecemeal", 1.0, "share_bound_trustworthy_pair") == (64, 66)
    assert span("piecemeal", 1.0, "share_bound_with_greedy") == (17, 23)


def _posterior_after_compliance(x: float) -> float:
    """Bayes' rule after one perceived compliance with md_transparency scaled by ``x``.

    kydd_reassurance at the start: both priors tau = 0.5, k = 1, greed 2,
    beta = 5, q = epsilon = 0.05, empathy 1 (so the other's compliance is
    computed at its own trust, 0.5). Relative gains (docs/model.md section 2):
    kappa = k (1 - tau) and U = (1 + kappa) own - kappa other; the greedy type
    adds g s to U(D, C) (section 12.1). A type complies with probability
    logistic(beta * margin) (section 3); Bayes' rule as in section 12.2.
    """
    r, s_, t, p, scope = 1.0 * x, -0.2 * x, 0.2 * x, 0.0, 0.2 * x
    k, tau, g, beta, q = 1.0, 0.5, 2.0, 5.0, 0.05
    kap = k * (1 - tau)
    ucc, udd = r, p  # equal payoffs: no relative-gains term
    ucd, udc = (1 + kap) * s_ - kap * t, (1 + kap) * t - kap * s_

    def comply(greed: float) -> float:
        margin = tau * (ucc - (udc + greed * scope)) + (1 - tau) * (ucd - udd)
        return 1.0 / (1.0 + math.exp(-beta * margin))

    ls, lg = comply(0.0) * (1 - q), comply(g) * (1 - q)
    return tau * ls / (tau * ls + (1 - tau) * lg)


def test_stakes_sentence() -> None:
    d = _read("stakes", "stakes_figure").sort_values("scale")
    _sentence(
        "Scaling the first rung's payoffs and scope from 0.25 to 4 raises the belief "
        "after one perceived compliance from 0.53 to 0.88 (prior 0.5), yet the "
        "piecemeal share bound is U-shaped, 0.37 at 0.25, 0.21 at the preset's 1 and "
        "0.39 at 4, and pairs with a greedy side bind in 14% of runs at 0.25 against "
        "4% at 1."
    )
    for x, post in zip(d["scale"], d["posterior_after_compliance"], strict=True):
        assert post == pytest.approx(_posterior_after_compliance(float(x)), abs=1e-7)

    def at(x: float, column: str) -> float:
        return _one(d[np.isclose(d["scale"], x)], column)

    assert round(at(0.25, "posterior_after_compliance"), 2) == 0.53
    assert round(at(4.0, "posterior_after_compliance"), 2) == 0.88
    assert d["posterior_after_compliance"].is_monotonic_increasing
    assert [round(at(x, "share_bound"), 2) for x in (0.25, 1.0, 4.0)] == [0.37, 0.21, 0.39]
    assert d["share_bound"].min() < min(at(0.25, "share_bound"), at(4.0, "share_bound"))
    assert (
        _pct(at(0.25, "share_bound_with_greedy")),
        _pct(at(1.0, "share_bound_with_greedy")),
    ) == (
        14,
        4,
    )
