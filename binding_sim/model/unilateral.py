r"""Unilateral arrangements: a mover extends or withholds, a responder reciprocates or hedges.

docs/model.md section 15.1 (Huth 1988 on extended deterrence; Osgood 1962's
GRIT; Kydd 2005). The mover ``M`` extends (C) or withholds (D); if it
withholds the outcome is ``(P_M, P_N)``; if it extends, the responder ``N``
reciprocates (C: ``(R_M, R_N)``) or hedges (D: ``(S_M, T_N)``). The cells
``T_M`` and ``S_N`` do not exist.

The mover decides as in section 3 on the bilateral game with ``T_M := P_M``
and ``S_N := P_N`` (withholding cannot exploit a compliance, and the
responder can never be caught out), so the bilateral margin code applies
(:func:`mover_payoffs`). With symmetric base payoffs the mover's margin is::

    Delta^U(tau) = tau (R' - P) - (1 - tau)(P - S) - k (1 - tau)^2 (T - S)

and its threshold ``tau*^U = 1 - u`` (:func:`mover_threshold_symmetric`).
The responder sees the move and, after an extension, reciprocates iff::

    r_N = (R_N - T_N) + kappa_N [(R_N - R_M) - (T_N - S_M)] >= -1e-9

that is iff ``kappa_N <= kappa_hat = (R_N - T_N) / L`` with
``L = (T_N - S_M) - (R_N - R_M) > 0``.
"""

from __future__ import annotations

import math

from .payoffs import kappa

__all__ = [
    "mover_payoffs",
    "mover_threshold_symmetric",
    "responder_coefficients",
    "responder_kappa_hat",
    "responder_margin",
    "responder_margin_in_k",
]

Cells = tuple[float, float, float, float]


def mover_payoffs(mover: Cells, responder: Cells) -> tuple[Cells, Cells]:
    """The bilateral game the mover decides on: ``T_M := P_M``, ``S_N := P_N``.

    Parameters
    ----------
    mover, responder : (R, S, T, P)
        Absolute payoffs from each actor's own point of view (the mover's
        ``T`` and the responder's ``S`` are ignored: those cells do not exist).

    Returns
    -------
    (own, other)
        Arguments for :func:`binding_sim.model.margins.acceptance_margin` and
        :func:`binding_sim.model.margins.tau_star` from the mover's side.
    """
    R_m, S_m, _T_m, P_m = mover
    R_n, _S_n, T_n, P_n = responder
    return (R_m, S_m, P_m, P_m), (R_n, P_n, T_n, P_n)


def mover_threshold_symmetric(R: float, S: float, T: float, P: float, k: float) -> float | None:
    """Closed-form ``tau*^U`` for symmetric base payoffs (``R`` with the threat term included).

    ``tau*^U = 1 - u`` with ``u = [-(R - S) + sqrt((R - S)^2 + 4 k (T - S)(R - P))] / (2 k (T - S))``;
    at ``k = 0`` (or ``T = S``), ``(P - S) / (R - S)``. ``None`` when the mover
    rejects even at full trust (``R < P``).

    Examples
    --------
    The 2016 treaty moved unilaterally at ``k = 1`` (docs/model.md section 15.5, check 1):

    >>> round(mover_threshold_symmetric(6.0, -2.0, 2.0, 0.0, 1.0), 6)
    0.418861
    """
    if R - P < 0:
        return None
    if P - S <= 0:
        return 0.0
    kd = k * (T - S)
    if kd == 0.0:
        return (P - S) / (R - S)
    u = (-(R - S) + math.sqrt((R - S) ** 2 + 4.0 * kd * (R - P))) / (2.0 * kd)
    return 1.0 - u


def responder_margin(responder: Cells, mover: Cells, kappa: float) -> float:
    """``r_N``: the responder's gain from reciprocating over hedging after an extension."""
    R_n, _S_n, T_n, _P_n = responder
    R_m, S_m, _T_m, _P_m = mover
    return (R_n - T_n) + kappa * ((R_n - R_m) - (T_n - S_m))


def responder_coefficients(k: float, responder: Cells, mover: Cells) -> tuple[float, float, float]:
    """``(c2, c1, c0)`` of ``r_N(tau) = c2 tau^2 + c1 tau + c0`` with ``kappa_N = k (1 - tau)``.

    The responder's margin after an extension (docs/model.md section 15.1) in
    the form of :func:`binding_sim.model.margins.margin_coefficients`, so that
    :func:`binding_sim.model.margins.margin_value` evaluates it at the
    responder's trust ``tau`` (which enters only through ``kappa``: the
    responder has seen the move). It is linear in ``tau``: ``c2 = 0``,
    ``c0 = r_N`` at ``kappa = k`` (:func:`responder_margin`) and
    ``c1 = (R_N - T_N) - c0``, its value at ``kappa = 0`` minus ``c0``.

    Examples
    --------
    Russia responding to NATO's guarantee at ``k = 1`` (docs/model.md section
    15.5, check 2): ``r_N = 1 - 4 kappa``, so ``-3 + 4 tau``:

    >>> responder_coefficients(1.0, (4.0, 0.0, 3.0, 0.0), (3.0, -2.0, 0.0, 0.0))
    (0.0, 4.0, -3.0)
    """
    c0 = float(responder_margin(responder, mover, k))
    return 0.0, float(responder_margin(responder, mover, 0.0)) - c0, c0


def responder_margin_in_k(
    tau0: float, responder: Cells, mover: Cells, dilution: float = 1.0
) -> tuple[float, float]:
    """``(c0, c1)`` with ``r_N = c0 + c1 k`` at trust ``tau0`` (docs/model.md sections 7.2, 15.1, 15.2).

    The responder's counterpart of :func:`binding_sim.model.margins.margin_in_k`:
    ``c0 = R_N - T_N`` and ``c1 = -(1 - tau0) d L``, with ``kappa_N = k d (1 - tau0)``
    and the realist channel's dilution ``d``; ``K = -c1 k = kappa_0 L`` of section 15.2.
    """
    c0 = float(responder_margin(responder, mover, 0.0))
    c1 = float(responder_margin(responder, mover, kappa(1.0, tau0, dilution))) - c0
    return c0, c1


def responder_kappa_hat(responder: Cells, mover: Cells) -> float | None:
    """``kappa_hat = (R_N - T_N) / L``: the largest ``kappa_N`` at which the responder reciprocates.

    ``None`` when ``L = (T_N - S_M) - (R_N - R_M) <= 0`` (relative gains
    cannot make it hedge: it reciprocates at every ``kappa`` iff ``R_N >= T_N``).
    """
    R_n, _S_n, T_n, _P_n = responder
    R_m, S_m, _T_m, _P_m = mover
    L = (T_n - S_m) - (R_n - R_m)
    if L <= 0:
        return None
    return (R_n - T_n) / L
