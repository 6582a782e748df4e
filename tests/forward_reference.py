"""An independent one-dimensional value iteration for forward-looking acceptance of the formal treaty.

The reference the forward-looking solver is to be checked against, written from the Bellman equation alone: formal protocol,
linear trust, symmetric payoffs, absorbing binding, infinite precision.
With level-1 beliefs the actor believes the other complies with probability
``tau`` (its own trust), so its value depends on its own trust only::

    Q(C) = tau [U_CC + delta V_B] + (1 - tau) [U_CD + delta V(tau (1 - mu))]
    Q(D) = tau [U_DC + delta W(tau)] + (1 - tau) [U_DD + delta V(tau (1 - mu))]
    W(tau) = (1 - q) V(tau + lambda (1 - tau)) + q V(tau (1 - mu)),    V_B = R / (1 - delta)

``V = max(Q(C), Q(D))``, ``U`` the relative-gains utilities at
``kappa = k (1 - tau)``, iterated from ``V = 0`` on a uniform grid with
linear interpolation until the sup-norm step is below ``tol (1 - delta) / delta``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq


@dataclass(frozen=True)
class ForwardReference:
    """The solved value function on its grid and the forward threshold."""

    grid: np.ndarray
    value: np.ndarray
    delta: float
    tau_star: float
    continuation_at_tau_star: float
    iterations: int


def solve(
    delta: float,
    n_grid: int = 8001,
    payoffs: tuple[float, float, float, float] = (6.0, -2.0, 2.0, 0.0),
    k: float = 1.0,
    lam: float = 0.1,
    mu: float = 0.5,
    q: float = 0.05,
    tol: float = 1e-12,
) -> ForwardReference:
    """Value iteration and the forward threshold ``tau*_delta`` (the root of ``Q(C) - Q(D)``)."""
    R, S, T, P = payoffs
    x = np.linspace(0.0, 1.0, n_grid)

    def utilities(t: np.ndarray | float) -> tuple:
        kap = k * (1.0 - np.asarray(t))
        return (
            R + 0 * kap,
            (1 + kap) * T - kap * S,
            (1 + kap) * S - kap * T,
            (1 + kap) * P - kap * P,
        )

    u_cc, u_dc, u_cd, u_dd = utilities(x)
    v_bound = R / (1.0 - delta)
    up, down = x + lam * (1.0 - x), x * (1.0 - mu)
    V = np.zeros(n_grid)
    iterations = 0
    while iterations < 200_000:
        iterations += 1
        v_down = np.interp(down, x, V)
        W = (1 - q) * np.interp(up, x, V) + q * v_down
        qc = x * (u_cc + delta * v_bound) + (1 - x) * (u_cd + delta * v_down)
        qd = x * (u_dc + delta * W) + (1 - x) * (u_dd + delta * v_down)
        new = np.maximum(qc, qd)
        step = float(np.max(np.abs(new - V)))
        V = new
        if delta == 0.0 or step <= tol * (1 - delta) / delta:
            break

    def continuation(t: float) -> float:
        return float(
            (1 - q) * np.interp(t + lam * (1 - t), x, V) + q * np.interp(t * (1 - mu), x, V)
        )

    def margin(t: float) -> float:
        cc, dc, cd, dd = (float(u) for u in utilities(t))
        return t * (cc - dc + delta * (v_bound - continuation(t))) + (1 - t) * (cd - dd)

    t_star = float(brentq(margin, 0.0, 1.0, xtol=1e-14)) if margin(0.0) < 0 else 0.0
    return ForwardReference(x, V, delta, t_star, continuation(t_star), iterations)
