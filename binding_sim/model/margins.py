r"""Acceptance, thresholds and the Catch-22 analysis (docs/model.md sections 3 and 7).

Actor ``i`` believes the other complies with probability ``tau`` (its trust)
and complies iff the expected gain of complying over defecting,

.. math::

    \Delta_i(\tau) = \tau\,[U_i(C,C) - U_i(D,C)] + (1-\tau)\,[U_i(C,D) - U_i(D,D)],
    \qquad \kappa_i = k_i (1-\tau) \text{ inside } U_i,

is at least ``-TOL`` (:data:`TOL` = 1e-9, the one tolerance for floating-point
ties). Writing ``d1 = R_i - T_i``, ``d0 = S_i - P_i``, ``e1 = R_j - S_j``,
``e0 = T_j - P_j`` and ``g = d - e``,

.. math::

    \Delta_i(\tau) = \tau d_1 + (1-\tau) d_0 + k (1-\tau)[\tau g_1 + (1-\tau) g_0],

a quadratic in ``tau`` (:func:`margin_coefficients`). With symmetric payoffs
``g1 = g0 = S - T`` and it is linear: ``Delta = tau a - (1 - tau) b`` with
``a = R + theta s - T`` and ``b = (P - S) + k (T - S)``, so the acceptance
threshold has the closed form ``tau* = b / (a + b)`` (:func:`tau_star_closed_form`).
Otherwise roots in [0, 1] are bracketed between the parabola's turning
point and the ends and found with :func:`scipy.optimize.brentq`.

The Catch-22 (Krickovic 2016): formal binding needs ``tau >= tau*_F(k)``
while trust grows only through implemented arrangements, so above the
critical ``k*_F(tau_0)`` no formal treaty is ever accepted. ``theta*`` is the
smallest common threat (2010 essay) at which both accept the treaty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .payoffs import kappa, transformed_payoffs

__all__ = [
    "TOL",
    "acceptance_margin",
    "accepts",
    "critical_k",
    "grim_delta_star",
    "is_finite_or_none",
    "k_star",
    "margin_coefficients",
    "margin_in_k",
    "margin_value",
    "tau_star",
    "tau_star_closed_form",
    "tau_star_numeric",
]

TOL = 1e-9
"""Tolerance for acceptance ties: accept iff ``Delta >= -TOL`` (docs/model.md section 3)."""


def margin_coefficients(k: npt.ArrayLike, own: npt.ArrayLike, other: npt.ArrayLike) -> np.ndarray:
    r"""Coefficients ``(c2, c1, c0)`` of ``Delta_i(tau) = c2 tau^2 + c1 tau + c0``.

    Parameters
    ----------
    k : float or array
        Relative-gains sensitivity ``k_i`` (Grieco 1988).
    own, other : array_like, shape (..., 4)
        ``(R, S, T, P)`` of actor ``i`` and of the other actor ``j``, each
        from its own point of view, common threat and caps already applied.

    Returns
    -------
    ndarray, shape (3, ...)
        ``c2 = k (g0 - g1)``, ``c1 = d1 - d0 + k (g1 - 2 g0)``, ``c0 = d0 + k g0``
        (expansion of docs/model.md section 3's ``Delta_i``; see the module docstring).
    """
    own = np.asarray(own, dtype=float)
    other = np.asarray(other, dtype=float)
    k = np.asarray(k, dtype=float)
    d1 = own[..., 0] - own[..., 2]
    d0 = own[..., 1] - own[..., 3]
    e1 = other[..., 0] - other[..., 1]
    e0 = other[..., 2] - other[..., 3]
    g1 = d1 - e1
    g0 = d0 - e0
    return np.array([k * (g0 - g1), d1 - d0 + k * (g1 - 2 * g0), d0 + k * g0])


def acceptance_margin(
    tau: npt.ArrayLike, k: npt.ArrayLike, own: npt.ArrayLike, other: npt.ArrayLike
) -> np.ndarray:
    r"""``Delta_i(tau)``: expected gain of complying over defecting (docs/model.md section 3).

    Evaluated directly from the transformed payoffs
    (:func:`binding_sim.model.payoffs.transformed_payoffs`, at
    ``kappa = k (1 - tau)``), not from the polynomial, vectorised over ``tau``
    and ``k`` by numpy broadcasting.
    """
    tau = np.asarray(tau, dtype=float)
    kap = kappa(np.asarray(k, dtype=float), tau)
    u_cc, u_cd, u_dc, u_dd = transformed_payoffs(kap, own, other)
    return np.asarray(tau * (u_cc - u_dc) + (1 - tau) * (u_cd - u_dd))


def margin_value(c2: Any, c1: Any, c0: Any, tau: Any) -> Any:
    """``Delta_i(tau) = (c2 tau + c1) tau + c0`` by Horner's rule from :func:`margin_coefficients`.

    Plain arithmetic on floats or arrays; numba compiles the same function
    into the engine's kernel, where it decides what goes on the table and
    what each actor does (docs/model.md sections 3 and 5).
    """
    return (c2 * tau + c1) * tau + c0


def accepts(
    tau: npt.ArrayLike, k: npt.ArrayLike, own: npt.ArrayLike, other: npt.ArrayLike
) -> np.ndarray:
    """Whether actor ``i`` accepts at trust ``tau``: ``Delta_i(tau) >= -TOL``."""
    return np.asarray(acceptance_margin(tau, k, own, other) >= -TOL)


def tau_star_closed_form(a: float, b: float) -> float | None:
    """Symmetric acceptance threshold from ``Delta(tau) = tau a - (1 - tau) b`` (docs/model.md section 3).

    ``b / (a + b)`` when ``a > 0`` and ``b > 0``; 0 when ``a >= 0`` and ``b <= 0``;
    1 when ``a = 0 < b``; ``None`` when ``a < 0``.
    """
    if a < -TOL:
        return None
    if b <= 0:
        return 0.0
    if a <= TOL:
        return 1.0
    return b / (a + b)


def tau_star_numeric(k: float, own: npt.ArrayLike, other: npt.ArrayLike) -> float | None:
    """Acceptance threshold by bracketed root finding (``brentq``), any payoffs.

    The smallest ``tau`` in [0, 1] such that the actor accepts at every trust
    level from ``tau`` to 1; ``None`` if it rejects at ``tau = 1``: section
    3's definition applied to the margin's coefficients by
    :func:`binding_sim.model.quadratic.polynomial_threshold`, the one
    implementation for every quadratic margin of the model.
    """
    from .quadratic import polynomial_threshold

    c2, c1, c0 = (float(c) for c in margin_coefficients(k, own, other))
    return polynomial_threshold(c2, c1, c0)


def tau_star(k: float, own: Sequence[float], other: Sequence[float]) -> float | None:
    """Acceptance threshold ``tau*_i(X)`` (docs/model.md section 3).

    Closed form when both actors' payoffs are equal (``Delta`` linear in
    ``tau``), bracketed roots and ``brentq`` otherwise.
    """
    own_a = np.asarray(own, dtype=float)
    other_a = np.asarray(other, dtype=float)
    if np.array_equal(own_a, other_a):
        R, S, T, P = (float(x) for x in own_a)
        return tau_star_closed_form(R - T, (P - S) + float(k) * (T - S))
    return tau_star_numeric(k, own_a, other_a)


def grim_delta_star(R: float, S: float, T: float, P: float) -> float | None:
    """Grim-trigger critical discount factor from an actor's (transformed) payoffs (docs/model.md section 7).

    ``(T - R) / (T - P)`` if ``T > R > P``; 0 if ``T <= R``; ``None`` otherwise
    (cooperation cannot be sustained by grim trigger). For ``k = 0`` and a
    Prisoner's Dilemma this is the textbook ``(T - R) / (T - P)`` (Axelrod 1984).
    """
    if T <= R:
        return 0.0
    if R > P:
        return float((T - R) / (T - P))  # a Python float even for numpy inputs
    return None


def margin_in_k(
    tau0: float, own: Sequence[float], other: Sequence[float], dilution: float = 1.0
) -> tuple[float, float]:
    """``(c0, c1)`` with ``Delta_i = c0 + c1 k`` at trust ``tau0`` (docs/model.md sections 7 and 15.2).

    ``c0`` is the margin without relative gains (``k = 0``) and ``c1`` its
    slope in the key ``k``: the margin at ``k = 1`` minus ``c0``, with the
    realist channel's ``dilution`` ``d = 1 / (1 + rho theta)`` in ``kappa``
    (so ``c1`` is ``d`` times the undiluted slope; ``d = 1``: section 7).
    """
    c0 = float(acceptance_margin(tau0, 0.0, own, other))
    c1 = float(acceptance_margin(tau0, kappa(1.0, 0.0, dilution), own, other)) - c0
    return c0, c1


def k_star(
    tau0: float, own: Sequence[float], other: Sequence[float], dilution: float = 1.0
) -> tuple[float | None, str]:
    """Critical relative-gains sensitivity ``k*_i`` at initial trust (docs/model.md section 7).

    ``Delta_i = c0 + c1 k`` at fixed ``tau0`` (:func:`margin_in_k`, with the
    realist channel's ``dilution`` of docs/model.md section 15.2: ``k*`` is in
    units of the key ``relative_gains``). When ``c1 < 0 <= c0 + TOL``,
    ``k* = -c0 / c1`` and the actor accepts iff ``k <= k*``.

    Returns
    -------
    (k_star, note)
        ``note`` is ``"accepts iff k <= k*"``, ``"never rejects"`` (relative
        gains cannot make it reject) or ``"rejects even at k = 0"``.
    """
    return critical_k(*margin_in_k(tau0, own, other, dilution))


def critical_k(c0: float, c1: float) -> tuple[float | None, str]:
    """``k*`` and its note from a margin ``c0 + c1 k`` affine in ``k`` (docs/model.md section 7.2).

    :func:`k_star` applies it to section 3's margin; the unilateral responder's
    margin (docs/model.md section 15.1) is affine in ``k`` too.
    """
    if c1 < 0 <= c0 + TOL and math.isfinite(-c0 / c1):
        return max(0.0, -c0 / c1), "accepts iff k <= k*"
    if c0 + TOL >= 0:
        return None, "never rejects"
    return None, "rejects even at k = 0"


def is_finite_or_none(x: float | None) -> bool:
    """Helper for tests and serialisers: ``None`` or a finite float."""
    return x is None or math.isfinite(x)
