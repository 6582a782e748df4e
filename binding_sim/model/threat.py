r"""Two channels of a common threat: the liberal and the realist (docs/model.md sections 2, 7, 15.2).

The liberal channel (section 2): every arrangement's mutual-compliance
payoff ``R`` rises by ``theta s_X``. The realist channel (section 15.2; Walt
1987's balance of threat): a third-party threat dilutes bilateral concern
for relative gains, ``kappa_i = k_i (1 - tau_i) / (1 + rho theta)``
(``rho``, ``scenario.threat_dilution``; ``rho = 0`` is section 2 exactly).
The dilution factor ``d = 1 / (1 + rho theta)`` is :func:`dilution`; the one
``kappa`` function (:func:`binding_sim.model.payoffs.kappa`) takes it, and
:func:`effective_sensitivity` is ``k d``, what the engine compiles per cell
(every margin coefficient and every relative-gains payment is linear in
``k``).

At an actor's initial state its margin is ``m(theta) = A0 + a1 theta -
K / (1 + rho theta)``: ``A0`` the margin at ``theta = 0`` with ``k = 0``,
``a1 = tau_0 s`` for a bilateral arrangement or a mover and ``a1 = s`` for a
responder, ``K = -c1 k`` with ``c1`` the margin's slope in ``k``
(section 7), for a responder ``K = kappa_0 L`` (section 15.1). Multiplying
by ``1 + rho theta`` gives the quadratic
``Q(theta) = a1 rho theta^2 + (a1 + rho A0) theta + (A0 - K)``
(:func:`threshold_threat`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .margins import TOL
from .payoffs import kappa

__all__ = [
    "dilution",
    "effective_sensitivity",
    "joint_threshold_threat",
    "threat_margin",
    "threshold_threat",
]


def dilution(rho: Any, theta: Any) -> Any:
    """The realist channel's factor ``d = 1 / (1 + rho theta)`` on ``kappa`` (docs/model.md section 15.2).

    ``rho = 0`` (the default ``scenario.threat_dilution``) gives exactly 1.
    Plain arithmetic on floats or numpy arrays (broadcast).

    Examples
    --------
    >>> dilution(0.0, 3.0), dilution(1.0, 3.0)
    (1.0, 0.25)
    """
    return 1.0 / (1.0 + rho * theta)


def effective_sensitivity(k: Any, rho: Any, theta: Any) -> Any:
    """``k_eff = k / (1 + rho theta)``: the sensitivity with the realist channel folded in.

    Computed as :func:`~binding_sim.model.payoffs.kappa` at zero trust with
    the :func:`dilution` of ``rho`` and ``theta``, so that
    ``kappa(k_eff, tau) == kappa(k, tau, dilution(rho, theta))`` bit for bit
    and ``rho = 0`` gives ``k`` itself (docs/model.md section 15.2). The
    analysis and the engine pass ``k_eff`` wherever section 3 has ``k``:
    ``kappa``, the margin and its coefficients are linear in ``k``.

    Examples
    --------
    >>> effective_sensitivity(1.0, 0.0, 3.0), effective_sensitivity(1.0, 1.0, 3.0)
    (1.0, 0.25)
    """
    return kappa(k, 0.0, dilution(rho, theta))


def threshold_threat(A0: float, a1: float, K: float, rho: float) -> float | None:
    """The smallest ``theta >= 0`` at which ``A0 + a1 theta - K / (1 + rho theta) >= -1e-9``.

    ``0`` if ``A0 - K >= -1e-9``; else, if ``a1 > 0``, the positive root of
    ``Q`` (``(K - A0) / a1`` when ``rho = 0``); if ``a1 = 0``,
    ``(K / A0 - 1) / rho`` when ``A0 > 0`` and ``rho > 0``; else ``None`` (no
    finite threat moves the actor, or the value would overflow).

    Examples
    --------
    Russia under the 2010 treaty at ``k = 1``, ``tau_0 = 0.5``: ``A0 = 1``,
    ``a1 = 0.5``, ``K = 2`` (docs/model.md section 15.5, check 3):

    >>> threshold_threat(1.0, 0.5, 2.0, 0.0), round(threshold_threat(1.0, 0.5, 2.0, 0.5), 6)
    (2.0, 0.828427)
    """
    if A0 - K >= -TOL:
        return 0.0
    out: float | None = None
    if a1 > 0.0:
        if rho == 0.0:
            out = (K - A0) / a1
        else:
            qa, qb, qc = a1 * rho, a1 + rho * A0, A0 - K
            disc = qb * qb - 4.0 * qa * qc  # qa > 0 > qc: two real roots of opposite sign
            # the positive root, written to avoid cancellation when qb > 0
            if qb >= 0.0:
                out = (2.0 * -qc) / (qb + math.sqrt(disc))
            else:
                out = (-qb + math.sqrt(disc)) / (2.0 * qa)
    elif A0 > 0.0 and rho > 0.0:
        out = (K / A0 - 1.0) / rho
    # a (sub)normal a1 or A0 can push a quotient past the largest float: no finite
    # threat works then (never return inf silently)
    return out if out is not None and math.isfinite(out) else None


def threat_margin(A0: float, a1: float, K: float, rho: float, theta: float) -> float:
    """``m(theta) = A0 + a1 theta - K / (1 + rho theta)``: an actor's margin at its initial state."""
    return A0 + a1 * theta - K / (1.0 + rho * theta)


def _accepts_again(A0: float, a1: float, K: float, rho: float) -> float | None:
    """The larger root of ``Q``: where an actor that rejects inside ``(r1, r2)`` accepts again.

    Only an actor whom relative gains help (``K < 0``) can reject inside a
    window: the threat dilutes that help faster than the liberal term adds.
    ``None`` if its acceptance never resumes (``a1 rho = 0``).
    """
    qa, qb, qc = a1 * rho, a1 + rho * A0, A0 - K
    if qa <= 0.0:
        return None
    disc = qb * qb - 4.0 * qa * qc
    if disc < 0.0:
        return None
    r2 = (-qb + math.sqrt(disc)) / (2.0 * qa)  # qb < 0 inside a window: no cancellation
    return r2 if math.isfinite(r2) else None


def joint_threshold_threat(
    terms: Sequence[tuple[float, float, float]], rho: float
) -> float | None:
    """The smallest ``theta >= 0`` at which every actor accepts (``theta*``, docs/model.md section 15.2).

    ``terms`` holds each actor's ``(A0, a1, K)``. Usually
    ``theta* = max_i theta*_i`` (:func:`threshold_threat`): an actor's margin
    rises with ``theta`` when relative gains hurt it (``K >= 0``). An actor
    whom they help (``K < 0``, possible with asymmetric payoffs) loses that
    help as the realist channel dilutes ``kappa``, so with ``rho > 0`` it can
    reject inside a window ``(r1, r2)`` of ``Q``'s roots after accepting at
    ``theta = 0``; then ``theta*`` moves to the window's end ``r2``, and is
    ``None`` if some actor never accepts again. With ``rho = 0`` every
    margin is affine and non-decreasing in ``theta`` and this is the
    maximum of section 7.3.

    Examples
    --------
    >>> joint_threshold_threat([(1.0, 0.5, 2.0), (1.6, 0.6, 1.6)], 0.0)  # the 2010 preset
    2.0
    """
    out = 0.0
    for A0, a1, K in terms:
        t = threshold_threat(A0, a1, K, rho)
        if t is None:
            return None
        out = max(out, t)
    for _ in range(len(terms) + 1):
        late: list[float] = []
        for A0, a1, K in terms:
            if threat_margin(A0, a1, K, rho, out) < -TOL:
                r2 = _accepts_again(A0, a1, K, rho)
                if r2 is None or r2 <= out:
                    return None
                late.append(r2)
        if not late:
            return out
        out = max(late)
    return None  # unreachable: each actor's window is passed at most once
