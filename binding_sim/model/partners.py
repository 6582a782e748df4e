r"""Partners: the treaty's margin among N actors, and Snidal's dilution of relative gains.

docs/model.md section 15.3 (Snidal 1991). Analysis only: the engine stays
two-actor. Symmetric, bilateral payoffs ``(R, S, T, P)`` (``R`` with the
threat term included); each actor plays the 2x2 game with every other and
averages, values an outcome as
``U_i = (1 + kappa_i) pi_i - kappa_i mean_{j != i} pi_j`` (section 2 at
``N = 2``) and believes each other actor complies independently with
probability ``tau``. With::

    A(tau) = tau (R - T) + (1 - tau)(S - P)     D(tau) = tau (R - S) + (1 - tau)(T - P)

the margin of complying is ``Delta_N(tau) = (1 + kappa) A(tau) - kappa D(tau) / (N - 1)``,
``kappa = k (1 - tau)``: a quadratic in ``tau`` (linear at ``N = 2``).
As ``N`` grows the relative-gains term fades and ``tau*_N`` falls to
``(P - S) / (R - T + P - S)``. The mean over the others is unweighted
(Snidal weighs by size; this model does not).
"""

from __future__ import annotations

from .payoffs import kappa, relative_utility
from .quadratic import polynomial_threshold

__all__ = [
    "all_comply_kappa_bound",
    "n_actor_k_star",
    "n_actor_margin",
    "n_actor_margin_coefficients",
    "n_actor_threshold",
]


def _a_d(R: float, S: float, T: float, P: float, tau: float) -> tuple[float, float]:
    return tau * (R - T) + (1 - tau) * (S - P), tau * (R - S) + (1 - tau) * (T - P)


def n_actor_margin(tau: float, k: float, n: int, R: float, S: float, T: float, P: float) -> float:
    """``Delta_N(tau)``: the expected gain of complying among ``n`` actors.

    ``kappa = k (1 - tau)`` (:func:`~binding_sim.model.payoffs.kappa`); pass the
    effective sensitivity ``k / (1 + rho theta)`` for the realist channel
    (docs/model.md section 15.2).
    """
    a, d = _a_d(R, S, T, P, tau)
    # the transform of section 2 on the change in own and in each other's mean payoff
    return relative_utility(kappa(k, tau), a, d / (n - 1))


def n_actor_margin_coefficients(
    k: float, n: int, R: float, S: float, T: float, P: float
) -> tuple[float, float, float]:
    """``(c2, c1, c0)`` with ``Delta_N(tau) = c2 tau^2 + c1 tau + c0``.

    With ``E(tau) = A(tau) - D(tau) / (N - 1) = e0 + e1 tau`` and
    ``A = a0 + a1 tau``: ``Delta_N = A + k (1 - tau) E``.
    """
    a0, a1 = S - P, (R - T) - (S - P)
    d0, d1 = T - P, (R - S) - (T - P)
    e0, e1 = a0 - d0 / (n - 1), a1 - d1 / (n - 1)
    return -k * e1, a1 + k * e1 - k * e0, a0 + k * e0


def n_actor_threshold(k: float, n: int, R: float, S: float, T: float, P: float) -> float | None:
    """``tau*_N``: section 3's threshold applied to ``Delta_N``.

    Examples
    --------
    The 2016 treaty at ``k = 1`` with three actors (docs/model.md section 15.5, check 5):

    >>> round(n_actor_threshold(1.0, 3, 6.0, -2.0, 2.0, 0.0), 6)
    0.472475
    """
    return polynomial_threshold(*n_actor_margin_coefficients(k, n, R, S, T, P))


def n_actor_k_star(tau0: float, n: int, R: float, S: float, T: float, P: float) -> float | None:
    """``k*_N = A / [(1 - tau_0)(D / (N - 1) - A)]`` at ``tau_0`` when ``D / (N - 1) > A``, else ``None``."""
    a, d = _a_d(R, S, T, P, tau0)
    gap = d / (n - 1) - a
    if gap <= 0.0 or tau0 >= 1.0 or a < 0.0:
        return None
    return a / ((1.0 - tau0) * gap)


def all_comply_kappa_bound(n: int, R: float, S: float, T: float) -> float | None:
    """The largest ``kappa`` at which everyone complying is an equilibrium; ``None``: every ``kappa``.

    ``(N - 1)(R - T) / [(R - S) - (N - 1)(R - T)]`` when the denominator is
    positive; every ``kappa`` when it is ``<= 0``.
    """
    den = (R - S) - (n - 1) * (R - T)
    if den <= 0.0:
        return None
    return (n - 1) * (R - T) / den
