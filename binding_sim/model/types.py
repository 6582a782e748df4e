r"""Actor types: the trustworthy security seeker and the greedy state (docs/model.md section 12.1).

Kydd (2000, 2005): each actor is, for a whole replicate, trustworthy (its
utilities are those of sections 2-3) or greedy. A greedy actor values
exploiting a complier: its utility of ``(D, C)`` gains ``g s_X`` (greed
``g`` times the arrangement's scope). Greed is a private value, not a
payment, so only the margin changes::

    Delta_G(tau) = Delta(tau) - tau g s

that is, the margin polynomial's linear coefficient falls by ``g s``. With
symmetric payoffs ``Delta = tau a - (1 - tau) b`` (section 3), so the
greedy type's margin is section 3's with ``a`` replaced by ``a - g s``:
``tau*_G = b / (a - g s + b)``, and above ``g* = a / s`` it never accepts.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .margins import tau_star_closed_form
from .quadratic import polynomial_threshold

__all__ = [
    "greed_star",
    "greedy_coefficients",
    "greedy_margin",
    "greedy_threshold",
    "greedy_threshold_symmetric",
]


def greedy_coefficients(coefficients: npt.ArrayLike, greed: float, scope: float) -> np.ndarray:
    """Margin coefficients ``(c2, c1, c0)`` of the greedy type: ``c1 - g s``.

    ``coefficients`` are the trustworthy type's, as returned by
    :func:`binding_sim.model.margins.margin_coefficients`.
    """
    out = np.array(coefficients, dtype=float)
    out[1] = out[1] - greed * scope
    return out


def greedy_margin(margin: float, tau: float, greed: float, scope: float) -> float:
    """The greedy type's margin ``Delta_G = Delta - tau g s`` from the trustworthy type's ``Delta``.

    ``tau`` is the belief that the other complies, ``greed * scope`` the
    greedy type's private value of exploiting a complier (docs/model.md
    section 12.1). Plain arithmetic on floats: the engine's round kernel
    compiles the same source with numba. With ``greed = 0`` it returns
    ``margin`` exactly.
    """
    return margin - tau * greed * scope


def greedy_threshold(coefficients: npt.ArrayLike, greed: float, scope: float) -> float | None:
    """``tau*_G``: section 3's threshold applied to the greedy type's margin (any payoffs)."""
    c2, c1, c0 = (float(c) for c in greedy_coefficients(coefficients, greed, scope))
    return polynomial_threshold(c2, c1, c0)


def greedy_threshold_symmetric(a: float, b: float, greed: float, scope: float) -> float | None:
    """Closed-form ``tau*_G = b / (a - g s + b)`` for symmetric payoffs (``a``, ``b`` of section 3).

    Examples
    --------
    The 2016 treaty (``a = 4``, ``b = 6`` at ``k = 1``, scope 1) with greed 2
    (docs/model.md section 12.5, check 6):

    >>> greedy_threshold_symmetric(4.0, 6.0, 2.0, 1.0)
    0.75
    """
    return tau_star_closed_form(a - greed * scope, b)


def greed_star(a: float, scope: float) -> float:
    """``g* = a / s``: above it the greedy type never accepts (at ``g*`` only at full trust)."""
    return a / scope
