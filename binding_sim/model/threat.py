r"""Two channels of a common threat: the liberal and the realist (docs/model.md sections 2, 7, 15.2).

The liberal channel (section 2): every arrangement's mutual-compliance
payoff ``R`` rises by ``theta s_X``. The realist channel (section 15.2; Walt
1987's balance of threat): a third-party threat dilutes bilateral concern
for relative gains, ``kappa_i = k_i (1 - tau_i) / (1 + rho theta)``
(``rho``, ``scenario.threat_dilution``; ``rho = 0`` is section 2 exactly).

At an actor's initial state its margin is ``m(theta) = A0 + a1 theta -
K / (1 + rho theta)``: ``A0`` the margin at ``theta = 0`` with ``k = 0``,
``a1 = tau_0 s`` for a bilateral arrangement or a mover and ``a1 = s`` for a
responder, ``K = -c1 k`` with ``c1`` the margin's slope in ``k``
(section 7), for a responder ``K = kappa_0 L`` (section 15.1). Multiplying
by ``1 + rho theta`` gives the quadratic
``Q(theta) = a1 rho theta^2 + (a1 + rho A0) theta + (A0 - K)``.
"""

from __future__ import annotations

import math

from .margins import TOL

__all__ = ["diluted_kappa", "threshold_threat"]


def diluted_kappa(k: float, tau: float, rho: float, theta: float) -> float:
    """``kappa = k (1 - tau) / (1 + rho theta)`` (section 15.2; ``rho = 0``: section 2's ``k (1 - tau)``)."""
    if rho == 0.0 or theta == 0.0:
        return k * (1.0 - tau)
    return k * (1.0 - tau) / (1.0 + rho * theta)


def threshold_threat(A0: float, a1: float, K: float, rho: float) -> float | None:
    """The smallest ``theta >= 0`` at which ``A0 + a1 theta - K / (1 + rho theta) >= -1e-9``.

    ``0`` if ``A0 - K >= -1e-9``; else, if ``a1 > 0``, the positive root of
    ``Q`` (``(K - A0) / a1`` when ``rho = 0``); if ``a1 = 0``,
    ``(K / A0 - 1) / rho`` when ``A0 > 0`` and ``rho > 0``; else ``None`` (no
    finite threat moves the actor).

    Examples
    --------
    Russia under the 2010 treaty at ``k = 1``, ``tau_0 = 0.5``: ``A0 = 1``,
    ``a1 = 0.5``, ``K = 2`` (docs/model.md section 15.5, check 3):

    >>> threshold_threat(1.0, 0.5, 2.0, 0.0), round(threshold_threat(1.0, 0.5, 2.0, 0.5), 6)
    (2.0, 0.828427)
    """
    if A0 - K >= -TOL:
        return 0.0
    if a1 > 0.0:
        if rho == 0.0:
            return (K - A0) / a1
        qa, qb, qc = a1 * rho, a1 + rho * A0, A0 - K
        disc = qb * qb - 4.0 * qa * qc  # qa > 0 > qc: two real roots of opposite sign
        # the positive root, written to avoid cancellation when qb > 0
        if qb >= 0.0:
            return (2.0 * -qc) / (qb + math.sqrt(disc))
        return (-qb + math.sqrt(disc)) / (2.0 * qa)
    if A0 > 0.0 and rho > 0.0:
        return (K / A0 - 1.0) / rho
    return None
