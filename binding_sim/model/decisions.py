r"""Decisions: the logit choice rule (docs/model.md section 3).

Actor ``i`` complies with probability ``1 / (1 + exp(-beta_i Delta_i))``
(McKelvey and Palfrey 1995's logit response), ``Delta_i`` its acceptance
margin; at infinite precision it complies iff ``Delta_i >= -1e-9`` (the one
tolerance for floating-point ties, :data:`binding_sim.model.margins.TOL`).

Scalar functions of floats built from arithmetic and :func:`math.exp`, so
the engine's round kernel compiles the same source with numba.
"""

from __future__ import annotations

import math

from .margins import TOL

__all__ = ["logistic", "logit_choice"]


def logistic(x: float) -> float:
    """``1 / (1 + exp(-x))``; 0 below ``x = -709``, where the exponential overflows a float.

    The cut-off gives what ``1 / (1 + inf)`` gives in compiled code, so plain
    Python and numba agree bit for bit.
    """
    if x < -709.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def logit_choice(beta: float, margin: float, infinite: bool) -> float:
    """Probability of complying given the margin ``Delta`` of the deciding actor or type.

    Parameters
    ----------
    beta : float
        Decision precision ``beta_i`` (ignored when ``infinite``).
    margin : float
        The acceptance margin ``Delta``.
    infinite : bool
        ``beta = inf``: comply (probability 1) iff ``Delta >= -1e-9``, else 0.
    """
    if infinite:
        return 1.0 if margin >= -TOL else 0.0
    return logistic(beta * margin)
