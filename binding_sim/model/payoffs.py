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

:func:`kappa` and :func:`relative_utility` are these two formulas, written
once over scalars or arrays with plain arithmetic, so that numba compiles the
same source into the engine's kernel (:mod:`binding_sim.dynamics.kernel`)
and the analysis, the stage games and the plots call it uncompiled
(:func:`relative_gains_transform`, :func:`transformed_payoffs`).

The common external threat ``theta`` (2010 essay) adds ``theta * s_X`` to
both actors' ``R`` (the liberal channel); interceptor caps shrink the formal
treaty's ``T`` and ``S`` toward ``P`` by the cap factor. Both are applied in
one place, :func:`absolute_payoffs`. The threat's realist channel divides
``kappa`` by ``1 + rho theta`` (docs/model.md section 15.2): :func:`kappa`
takes that factor (:func:`binding_sim.model.threat.dilution`), default 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .arrangement import Arrangement

__all__ = [
    "absolute_payoffs",
    "kappa",
    "matrices",
    "own_payoffs",
    "relative_gains_transform",
    "relative_utility",
    "transformed_payoffs",
]

FloatArray = npt.NDArray[np.float64]


def absolute_payoffs(
    arrangement: Arrangement, common_threat: npt.ArrayLike = 0.0, cap_factor: float = 1.0
) -> np.ndarray:
    """Absolute payoffs ``(R, S, T, P)`` of each actor, shape ``(..., 2, 4)``.

    Parameters
    ----------
    arrangement : Arrangement
        The arrangement ``X``.
    common_threat : float or array
        ``theta``: both actors' ``R`` rise by ``theta * s_X`` (docs/model.md
        section 2). An array of thetas gives one ``(2, 4)`` table per value
        (shape ``(*theta.shape, 2, 4)``); a scalar gives shape ``(2, 4)``.
    cap_factor : float
        ``c``, product of the cap factors in force; applied as
        ``T <- P + c (T - P)``, ``S <- P + c (S - P)`` (docs/model.md section 6).
        Pass 1 for every arrangement but the formal treaty.
    """
    theta = np.asarray(common_threat, dtype=float)
    base = np.array([p.as_tuple() for p in arrangement.payoffs], dtype=float)
    out = np.broadcast_to(base, (*theta.shape, 2, 4)).copy()
    out[..., 0] += theta[..., None] * arrangement.scope
    if cap_factor != 1.0:
        P = out[..., 3]
        out[..., 1] = P + cap_factor * (out[..., 1] - P)
        out[..., 2] = P + cap_factor * (out[..., 2] - P)
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


def kappa(k: Any, tau: Any, dilution: Any = 1.0) -> Any:
    r"""Effective relative-gains weight ``kappa = k d (1 - tau)`` (docs/model.md sections 2 and 15.2).

    Parameters
    ----------
    k : float or array
        Relative-gains sensitivity ``k_i`` (Grieco 1988).
    tau : float or array
        The actor's trust ``tau_i``.
    dilution : float or array
        ``d = 1 / (1 + rho theta)``, the realist channel of a common threat
        (:func:`binding_sim.model.threat.dilution`; Walt 1987). The default 1
        is section 2's ``kappa = k (1 - tau)`` exactly (``k * 1.0`` is ``k``).

    Notes
    -----
    Evaluated as ``(k * d) * (1 - tau)``, so an *effective sensitivity*
    ``k_eff = kappa(k, 0, d) = k d``
    (:func:`binding_sim.model.threat.effective_sensitivity`) gives the same
    bits: ``kappa(k_eff, tau) == kappa(k, tau, d)``. The engine compiles
    ``k_eff`` per cell and calls this function with two arguments.

    Plain arithmetic on floats or numpy arrays (broadcast); numba compiles
    the same function into the engine's kernel.
    """
    return k * dilution * (1.0 - tau)


def relative_utility(kap: Any, own: Any, other: Any) -> Any:
    r"""The relative-gains transform of one outcome (Grieco 1988; Snidal 1991, eq. 1).

    .. math:: U_i = (1 + \kappa_i)\,\pi_i - \kappa_i\,\pi_j

    Parameters
    ----------
    kap : float or array
        ``kappa_i`` (:func:`kappa`).
    own, other : float or array
        Absolute payoffs ``pi_i`` of the actor and ``pi_j`` of the other in
        the same outcome.

    Plain arithmetic on floats or numpy arrays (broadcast); numba compiles
    the same function into the engine's kernel.
    """
    return (1.0 + kap) * own - kap * other


def relative_gains_transform(
    A: npt.ArrayLike, B: npt.ArrayLike, kappa_a: float, kappa_b: float
) -> tuple[FloatArray, FloatArray]:
    r"""Relative-gains payoffs ``U_A, U_B`` of a game in nashpy's convention (:func:`relative_utility`).

    .. math:: U_A = (1 + \kappa_A) A - \kappa_A B,\quad U_B = (1 + \kappa_B) B - \kappa_B A
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    return relative_utility(kappa_a, A, B), relative_utility(kappa_b, B, A)


def transformed_payoffs(
    kap: npt.ArrayLike, own: npt.ArrayLike, other: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One actor's transformed ``R', S', T', P'`` from its own point of view (docs/model.md section 2).

    ``own`` and ``other`` are ``(..., 4)`` arrays of ``(R, S, T, P)``, each
    from its owner's point of view; in the cell where the actor gets ``S``
    the other gets ``T`` and vice versa:
    ``R' = U(R, R_j)``, ``S' = U(S, T_j)``, ``T' = U(T, S_j)``, ``P' = U(P, P_j)``
    with ``U`` = :func:`relative_utility`.
    """
    kap = np.asarray(kap, dtype=float)
    own = np.asarray(own, dtype=float)
    other = np.asarray(other, dtype=float)
    R, S, T, P = (own[..., x] for x in range(4))
    Rj, Sj, Tj, Pj = (other[..., x] for x in range(4))
    return (
        relative_utility(kap, R, Rj),
        relative_utility(kap, S, Tj),
        relative_utility(kap, T, Sj),
        relative_utility(kap, P, Pj),
    )
