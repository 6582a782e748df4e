"""Tests of binding_sim.games.strategies: memory-one data, lookup, Generous TFT's forgiveness."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.errors import BindingSimError
from binding_sim.games.strategies import (
    NAMES,
    GenerosityClippedWarning,
    MemoryOne,
    canonical_name,
    gtft,
    gtft_forgiveness,
    memory_one,
    resolve,
    strategy,
)
from binding_sim.model.stage_game import StageGame

# Definitions written out by hand from the strategies' descriptions
# (first move, P(C | CC, CD, DC, DD) from the strategy's own point of view).
DEFINITIONS = {
    "allc": (1, (1, 1, 1, 1)),  # always C
    "alld": (0, (0, 0, 0, 0)),  # always D
    "tft": (1, (1, 0, 1, 0)),  # copy the other's last move
    "stft": (0, (1, 0, 1, 0)),  # TFT that opens with D
    "grim": (1, (1, 0, 0, 0)),  # C only while everything was C
    "wsls": (1, (1, 0, 0, 1)),  # stay after R or T, shift after S or P
    "random": (0.5, (0.5, 0.5, 0.5, 0.5)),
    "alternator": (1, (0, 0, 1, 1)),  # C after own D, D after own C
}


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_named_strategies_match_their_definitions(name):
    first, probs = DEFINITIONS[name]
    s = strategy(name)
    assert s.name == name
    assert s.first == first
    assert s.probs == probs
    np.testing.assert_array_equal(s.vector, probs)


@pytest.mark.parametrize("spelling", ["TFT", "Tft", " tft ", "tFt"])
def test_lookup_is_case_insensitive(spelling):
    assert strategy(spelling) == strategy("tft")


def test_names_cover_every_strategy():
    assert set(NAMES) == set(DEFINITIONS) | {"gtft"}
    for name in NAMES:
        assert strategy(name, (3, 0, 5, 1)).name == name


def test_unknown_name_is_one_line_error_with_hint():
    with pytest.raises(BindingSimError) as exc:
        strategy("wlss")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "'wlss'" in msg and "did you mean 'wsls'" in msg and "alternator" in msg


def test_gtft_needs_payoffs():
    with pytest.raises(BindingSimError, match="payoffs"):
        strategy("gtft")


def test_gtft_forgiveness_values_from_the_issue():
    # 3,0,5,1: min(1 - 2/3, 2/4) = 1/3 ; 3,0,4,2: min(1 - 1/3, 1/2) = 1/2
    assert gtft_forgiveness((3, 0, 5, 1)) == pytest.approx(1 / 3, abs=1e-15)
    assert gtft_forgiveness((3, 0, 4, 2)) == pytest.approx(1 / 2, abs=1e-15)
    g = strategy("GTFT", (3, 0, 5, 1))
    assert g.first == 1.0
    assert g.probs == pytest.approx((1, 1 / 3, 1, 1 / 3))


def test_gtft_clipped_with_warning():
    # Stag hunt 6,-4,4,0: 1 - (4-6)/(6+4) = 1.2, (6-0)/(4-0) = 1.5 -> 1.2 -> clipped to 1
    with pytest.warns(GenerosityClippedWarning, match="1.2"):
        assert gtft_forgiveness((6, -4, 4, 0)) == 1.0
    assert gtft_forgiveness((6, -4, 4, 0), clip=False) == pytest.approx(1.2)
    # R=1, S=0, T=5, P=0.9: 1 - 4/1 = -3 -> clipped to 0 (TFT)
    with pytest.warns(GenerosityClippedWarning):
        g = gtft((1, 0, 5, 0.9))
    assert g.probs == (1.0, 0.0, 1.0, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gtft_forgiveness((3, 0, 5, 1))  # inside [0, 1]: no warning


def test_gtft_degenerate_payoffs_raise():
    with pytest.raises(BindingSimError, match="R != S"):
        gtft_forgiveness((3, 3, 5, 1))
    with pytest.raises(BindingSimError, match="R != S"):
        gtft_forgiveness((3, 0, 1, 1))
    with pytest.raises(BindingSimError, match="four finite"):
        gtft_forgiveness((3, 0, float("nan"), 1))


def _hand_forgiveness(R, S, T, P, kappa):
    # Symmetric relative-gains transform, by hand: U = (1+kappa) pi_i - kappa pi_j
    Rp, Pp = R, P
    Sp = (1 + kappa) * S - kappa * T
    Tp = (1 + kappa) * T - kappa * S
    return min(1 - (Tp - Rp) / (Rp - Sp), (Rp - Pp) / (Tp - Pp))


@settings(max_examples=60, deadline=None)
@given(
    k=st.floats(0.0, 3.0),
    tau=st.floats(0.0, 1.0),
)
def test_gtft_follows_relative_gains_transformed_payoffs(k, tau):
    R, S, T, P = 3.0, 0.0, 5.0, 1.0
    game = StageGame.from_payoffs((R, S, T, P)).relative((k, k), (tau, tau))
    kappa = k * (1 - tau)
    expected = float(np.clip(_hand_forgiveness(R, S, T, P, kappa), 0, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GenerosityClippedWarning)
        for seat in (0, 1):
            g = strategy("gtft", game.payoffs(seat))
            assert g.probs[1] == pytest.approx(expected, abs=1e-12)
            assert g.probs[3] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(k1=st.floats(0.0, 3.0), k2=st.floats(0.0, 3.0))
def test_gtft_forgiveness_falls_as_relative_gains_rise(k1, k2):
    lo, hi = sorted((k1, k2))
    base = StageGame.from_payoffs((3, 0, 5, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GenerosityClippedWarning)
        g_lo = gtft_forgiveness(base.relative((lo, lo), (0.2, 0.2)).payoffs(0))
        g_hi = gtft_forgiveness(base.relative((hi, hi), (0.2, 0.2)).payoffs(0))
    assert g_hi <= g_lo + 1e-12


def test_custom_memory_one_and_validation():
    s = memory_one(0.9, 1, 0.1, 0.8, 0.2, name="mine")
    assert isinstance(s, MemoryOne)
    assert s.first == 0.9 and s.probs == (1.0, 0.1, 0.8, 0.2)
    assert not s.is_deterministic
    assert strategy("tft").is_deterministic
    for bad in ((1.2, 1, 0, 1, 0), (0, -0.1, 0, 1, 0), (0, 1, float("nan"), 1, 0)):
        with pytest.raises(BindingSimError, match=r"\[0, 1\]"):
            memory_one(*bad)


def test_resolve_names_and_objects():
    s = memory_one(1, 1, 0, 1, 0)
    assert resolve(s, (3, 0, 5, 1)) is s
    assert resolve("Grim") == strategy("grim")
    assert resolve("gtft", (3, 0, 4, 2)).probs == (1.0, 0.5, 1.0, 0.5)


def test_canonical_name():
    assert canonical_name(" WSLS ") == "wsls"
    with pytest.raises(BindingSimError, match="did you mean 'grim'"):
        canonical_name("grimm")
