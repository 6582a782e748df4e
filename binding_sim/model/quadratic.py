r"""The acceptance threshold of a margin that is a quadratic in trust (docs/model.md section 3).

Section 3 defines the threshold ``tau*`` as the smallest ``tau`` in [0, 1]
such that the actor accepts (margin ``>= -1e-9``) at every trust level from
``tau`` to 1, and none when it rejects at ``tau = 1``. Every margin of the
model is a polynomial of degree at most 2 in ``tau``: the bilateral margin
with asymmetric payoffs (section 3), the greedy type's margin (section 12.1),
the unilateral mover's (section 15.1) and the N-actor margin (section 15.3).
This module applies the definition to any such polynomial, once.
"""

from __future__ import annotations

from .margins import TOL

__all__ = ["polynomial_threshold"]


def _value(c2: float, c1: float, c0: float, x: float) -> float:
    return (c2 * x + c1) * x + c0


def _root(c2: float, c1: float, c0: float, lo: float, hi: float) -> float:
    """A root of ``margin + TOL`` in ``[lo, hi]``, where it is monotone and changes sign."""
    from scipy.optimize import brentq

    return float(brentq(lambda x: _value(c2, c1, c0, x) + TOL, lo, hi, xtol=1e-15, rtol=8.9e-16))


def polynomial_threshold(c2: float, c1: float, c0: float) -> float | None:
    """``tau*`` of the margin ``c2 tau^2 + c1 tau + c0`` by section 3's definition.

    The margin is monotone between its turning point and the ends of [0, 1],
    so those points bracket every root; walking left from ``tau = 1``, the
    first bracket where the margin is below ``-TOL`` holds the threshold,
    found with :func:`scipy.optimize.brentq` (the root of ``margin + TOL``, so a
    value computed exactly at the threshold counts as accepted).

    Examples
    --------
    The symmetric 2016 treaty at ``k = 1``: ``Delta = 10 tau - 6``:

    >>> round(polynomial_threshold(0.0, 10.0, -6.0), 9)
    0.6
    """
    if _value(c2, c1, c0, 1.0) + TOL < 0:
        return None
    points = [0.0, 1.0]
    if c2 != 0.0:
        vertex = -c1 / (2 * c2)
        if 0.0 < vertex < 1.0:
            points.append(vertex)
    points.sort()
    for lo, hi in zip(reversed(points[:-1]), reversed(points[1:]), strict=True):
        if _value(c2, c1, c0, lo) + TOL < 0:
            return _root(c2, c1, c0, lo, hi)
    return 0.0
