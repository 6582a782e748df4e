r"""Payoffs: the threat term, caps and the one relative-gains transform (docs/model.md sections 2 and 6).

Every formula that turns an arrangement's absolute payoffs into what an
actor values is defined here once and called by the analysis, the engine
and the plots alike.

Payoff convention (nashpy's, the only one in this package): a stage game is a
pair of 2x2 arrays ``(A, B)`` of the same shape; rows are actor A's actions,
columns actor B's, and index 0 is ``C`` (comply/bind), index 1 is ``D``.

Relative gains (Grieco 1988; Snidal 1991). Actor ``i`` with sensitivity
``k_i`` and trust ``tau_i`` values an outcome as

.. math:: U_i = (1 + \kappa_i)\,\pi_i - \kappa_i\,\pi_j, \qquad \kappa_i = k_i (1 - \tau_i).

The common external threat ``theta`` (2010 essay) adds ``theta * s_X`` to
both actors' ``R``; interceptor caps shrink the formal treaty's ``T`` and
``S`` toward ``P`` by the cap factor.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .arrangement import Arrangement

__all__ = [
    "absolute_payoffs",
    "kappa",
    "matrices",
    "own_payoffs",
    "relative_gains_transform",
]

FloatArray = npt.NDArray[np.float64]


def absolute_payoffs(
    arrangement: Arrangement, common_threat: float = 0.0, cap_factor: float = 1.0
) -> np.ndarray:
    """Absolute payoffs ``(R, S, T, P)`` of each actor, shape ``(2, 4)``.

    Parameters
    ----------
    arrangement : Arrangement
        The arrangement ``X``.
    common_threat : float
        ``theta``: both actors' ``R`` rise by ``theta * s_X`` (docs/model.md section 2).
    cap_factor : float
        ``c``, product of the cap factors in force; applied as
        ``T <- P + c (T - P)``, ``S <- P + c (S - P)`` (docs/model.md section 6).
        Pass 1 for every arrangement but the formal treaty.
    """
    out = np.array([p.as_tuple() for p in arrangement.payoffs], dtype=float)
    out[:, 0] += common_threat * arrangement.scope
    if cap_factor != 1.0:
        P = out[:, 3]
        out[:, 1] = P + cap_factor * (out[:, 1] - P)
        out[:, 2] = P + cap_factor * (out[:, 2] - P)
    return out


def matrices(rstp: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """nashpy matrices ``(A, B)`` from per-actor ``(R, S, T, P)`` of shape ``(2, 4)``."""
    p = np.asarray(rstp, dtype=float)
    (ra, sa, ta, pa), (rb, sb, tb, pb) = p
    A = np.array([[ra, sa], [ta, pa]])
    B = np.array([[rb, tb], [sb, pb]])
    return A, B


def own_payoffs(
    A: npt.ArrayLike, B: npt.ArrayLike, actor: int
) -> tuple[float, float, float, float]:
    """Actor ``actor``'s ``(R, S, T, P)`` from its own point of view."""
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if actor == 0:
        return (A[0, 0], A[0, 1], A[1, 0], A[1, 1])
    return (B[0, 0], B[1, 0], B[0, 1], B[1, 1])


def kappa(k: npt.ArrayLike, tau: npt.ArrayLike) -> np.ndarray:
    """Effective relative-gains weight ``kappa = k (1 - tau)`` (docs/model.md section 2)."""
    return np.asarray(k, dtype=float) * (1.0 - np.asarray(tau, dtype=float))


def relative_gains_transform(
    A: npt.ArrayLike, B: npt.ArrayLike, kappa_a: float, kappa_b: float
) -> tuple[FloatArray, FloatArray]:
    r"""Relative-gains payoffs ``U_A, U_B`` (Grieco 1988; Snidal 1991, eq. 1).

    .. math:: U_A = (1 + \kappa_A) A - \kappa_A B,\quad U_B = (1 + \kappa_B) B - \kappa_B A
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    return (1.0 + kappa_a) * A - kappa_a * B, (1.0 + kappa_b) * B - kappa_b * A
