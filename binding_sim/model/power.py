r"""Power that shifts with relative gains, the sensitivity it implies, and breakdown into war.

docs/model.md section 14 (Powell 1991, 2006; Fearon 1995). The first
actor's share of power ``p`` in (0, 1) moves with the round's absolute
payments (law of motion, section 14.1)::

    logit p' = logit p + eta (pi_A - pi_B)

that is, capabilities growing as ``M_i <- M_i exp(eta pi_i)`` with
``p = M_A / (M_A + M_B)``. With ``G`` the per-round value of what war would
redistribute (the stake), ``C_i`` the one-time cost of war and ``delta`` the
discount factor, the relative-gains sensitivity derived from the
possibility of force is (section 14.2, this model's reduced form)::

    k = ell eta G delta / (1 - delta) p (1 - p),   ell = max(0, 1 - (1 - delta) min C / G)

and the declining actor prefers war now (section 14.3, a one-round version
of Powell's commitment problem, this model's reduced form) iff its expected
loss of share this round exceeds::

    D*_i = (1 - delta) [(1 - delta) C_i + (1 - p_i) G] / (delta G)

The expected shift that the declining actor fears is the law of motion
applied to the expected payment difference under both actors' decision
probabilities (:func:`expected_payment_difference`); :func:`war_initiator`
applies the war rule of section 14.3 to it.

Scalar functions of floats built from arithmetic and :func:`math.exp`, so
the engine's round kernel compiles the same source.
"""

from __future__ import annotations

import math
from typing import Any

from .decisions import logistic

__all__ = [
    "critical_war_cost",
    "derived_sensitivity",
    "expected_payment_difference",
    "logit",
    "shift_power",
    "shift_threshold",
    "war_initiator",
    "war_live_factor",
    "war_payment",
]


def logit(p: float) -> float:
    """``ln(p / (1 - p))`` for ``p`` in (0, 1); ``-inf`` at 0 and ``inf`` at 1.

    In floating point the law of motion can round a share to exactly 0 or 1
    (after shifts of hundreds of logit units); such a share then stays put.
    """
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p) - math.log1p(-p)


def shift_power(p: float, eta: float, payment_difference: float) -> float:
    """The first actor's share after one round: ``sigma(logit p + eta (pi_A - pi_B))`` (section 14.1).

    Examples
    --------
    From parity, the first actor exploited once on the 2016 treaty
    (``pi_A - pi_B = -2 - 2``) at ``eta = 0.25`` (docs/model.md section 14.5, check 2):

    >>> round(shift_power(0.5, 0.25, -4.0), 6)
    0.268941
    """
    if eta == 0.0 or payment_difference == 0.0:
        return p
    return logistic(logit(p) + eta * payment_difference)


def war_live_factor(delta: float, min_war_cost: float, stake: float) -> float:
    """``ell = max(0, 1 - (1 - delta) min(C_A, C_B) / G)``: how much of the stake war can still take."""
    return max(0.0, 1.0 - (1.0 - delta) * min_war_cost / stake)


def derived_sensitivity(
    p: float, eta: float, stake: float, delta: float, min_war_cost: float
) -> float:
    """Relative-gains sensitivity implied by the balance of power (docs/model.md section 14.2).

    ``k = ell eta G delta / (1 - delta) p (1 - p)``: zero when force cannot pay
    (``min C >= G / (1 - delta)``), largest at parity.
    """
    ell = war_live_factor(delta, min_war_cost, stake)
    return ell * eta * stake * delta / (1.0 - delta) * p * (1.0 - p)


def critical_war_cost(k_star: float, p0: float, eta: float, stake: float, delta: float) -> float:
    """``C*``: the smallest ``min C`` at which the treaty is accepted in round 1 (section 14.2).

    With ``K0 = eta G delta / (1 - delta) p0 (1 - p0)`` the derived sensitivity
    at full war value, ``C* = G / (1 - delta) (1 - k*_F / K0)``, and 0 when
    ``K0 <= k*_F`` (the treaty is accepted even when war is free).
    """
    k0 = eta * stake * delta / (1.0 - delta) * p0 * (1.0 - p0)
    if k0 <= k_star:
        return 0.0
    return stake / (1.0 - delta) * (1.0 - k_star / k0)


def shift_threshold(p_own: float, war_cost: float, stake: float, delta: float) -> float:
    """``D*_i``: the loss of share this round above which actor ``i`` prefers war now (section 14.3).

    ``inf`` at ``delta = 0``: with no future, no shift of power is worth a war.
    """
    if delta <= 0.0:
        return math.inf
    return (1.0 - delta) * ((1.0 - delta) * war_cost + (1.0 - p_own) * stake) / (delta * stake)


def war_payment(p_own: float, war_cost: float, stake: float, delta: float) -> float:
    """Per-round payment at war, ``p_i G - (1 - delta) C_i`` (the per-round equivalent of ``W_i``)."""
    return p_own * stake - (1.0 - delta) * war_cost


def expected_payment_difference(
    prob_a: float, prob_b: float, pay_a: Any, pay_b: Any, extra_a: float, extra_b: float
) -> float:
    """``E[pi_A - pi_B]`` when A complies with ``prob_a`` and B with ``prob_b``, independently.

    ``pay_a`` and ``pay_b`` are each actor's absolute ``(R, S, T, P)`` on the
    arrangement on the table (threat and caps applied), ``extra_a`` and
    ``extra_b`` what each is paid on top whatever happens (the background
    of implemented rungs, docs/model.md section 5). A complies and B
    defects: A gets ``S``, B gets ``T`` (docs/model.md section 14.3).
    """
    qa = 1.0 - prob_a
    qb = 1.0 - prob_b
    return (
        prob_a * prob_b * (pay_a[0] - pay_b[0])
        + prob_a * qb * (pay_a[1] - pay_b[2])
        + qa * prob_b * (pay_a[2] - pay_b[1])
        + qa * qb * (pay_a[3] - pay_b[3])
        + (extra_a - extra_b)
    )


def war_initiator(
    p: float, p_expected: float, cost_a: float, cost_b: float, stake: float, delta: float
) -> int:
    """Who wages war this round (docs/model.md section 14.3): 0 (A), 1 (B) or -1 (nobody).

    ``p`` is A's share now and ``p_expected`` its expected share next round;
    actor ``i`` expects to lose ``D_i`` (``D_A = p - p^e``, ``D_B = p^e - p``)
    and prefers war iff ``D_i > D*_i`` (:func:`shift_threshold`). If both
    do, the one with the larger ``D_i - D*_i`` starts it; ties go to A.
    """
    excess_a = (p - p_expected) - shift_threshold(p, cost_a, stake, delta)
    excess_b = (p_expected - p) - shift_threshold(1.0 - p, cost_b, stake, delta)
    if excess_a > 0.0 and excess_a >= excess_b:
        return 0
    if excess_b > 0.0:
        return 1
    return -1
