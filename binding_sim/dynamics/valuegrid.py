r"""Value functions on the trust grid of the forward solver (docs/model.md sections 13.3 to 13.5).

A forward-looking actor's value is stored on ``n_grid`` uniform points per
trust axis on [0, 1], for every protocol state and own type
(:class:`ForwardSolution`). Between grid points it is read by bilinear
interpolation, clamped to the grid (:func:`grid_cell`,
:func:`interpolate`). Bilinear interpolation is an *averager*: its weights
are non-negative and sum to one, so the interpolated Bellman operator stays
a sup-norm ``delta``-contraction (Gordon 1995; docs/model.md section 13.5).

The same two scalar functions serve the solver (which builds its sparse
transition matrices from them) and the round kernel (which adds the
continuation term ``delta D_i`` at the exact next states, docs/model.md
section 13.4), compiled by numba or run as plain Python: the interpolation
formula is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ForwardSolution", "grid_cell", "interpolate"]


def grid_cell(x: float, n: int) -> tuple[int, float]:
    """The grid cell of trust ``x`` on ``n`` uniform points on [0, 1], and the weight of its upper node.

    ``x`` is clamped to [0, 1]; returns ``(i0, w)`` with ``0 <= i0 <= n - 2``
    and ``0 <= w <= 1``, so that ``x = (i0 + w) / (n - 1)`` inside the grid
    and linear interpolation is ``(1 - w) f[i0] + w f[i0 + 1]``.

    Examples
    --------
    >>> grid_cell(0.5, 5)
    (2, 0.0)
    >>> grid_cell(1.0, 5)
    (3, 1.0)
    >>> grid_cell(0.3, 11)[0]
    3
    """
    pos = min(max(x, 0.0), 1.0) * (n - 1)
    i0 = min(int(pos), n - 2)
    return i0, pos - i0


def interpolate(values: np.ndarray, xa: float, xb: float) -> float:
    """Bilinear interpolation of ``values[a, b]`` (an ``n x n`` grid on [0, 1]^2) at ``(xa, xb)``.

    Clamped to the grid; exact at grid points and for functions linear in
    each coordinate (docs/model.md section 13.5).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.linspace(0.0, 1.0, 5)
    >>> v = g[:, None] + 2.0 * g[None, :]
    >>> round(float(interpolate(v, 0.3, 0.7)), 12)
    1.7
    """
    n = values.shape[0]
    ia, wa = grid_cell(xa, n)
    ib, wb = grid_cell(xb, n)
    return (
        (1.0 - wa) * (1.0 - wb) * values[ia, ib]
        + wa * (1.0 - wb) * values[ia + 1, ib]
        + (1.0 - wa) * wb * values[ia, ib + 1]
        + wa * wb * values[ia + 1, ib + 1]
    )


@dataclass(frozen=True, eq=False)
class ForwardSolution:
    """A solved forward-looking decision problem of one cell (docs/model.md sections 13.4, 13.5).

    Attributes
    ----------
    values : float array (2, 2, S, N, N)
        ``values[i, x, s, a, b]``: the value ``V_i^x`` of actor ``i`` (0: the
        scenario's first actor) of type ``x`` (0: trustworthy, 1: greedy) in
        protocol state ``s`` (the states of the cell's compiled program,
        :mod:`binding_sim.dynamics.protocols`, bound states of revocable
        binding included) at ``tau_A = a / (N - 1)``, ``tau_B = b / (N - 1)``.
        A bound state of absorbing binding is not a protocol state: its value
        is ``U_F(C, C) / (1 - delta)`` at the trust after the binding round,
        computed exactly where it is needed.
    tabled : int array (S, N, N)
        The proposal map ``X(s)`` on the grid: the priority of the offer on
        the table, ``-1`` for nothing (docs/model.md section 13.3).
    delta : float
        The discount factor the problem was solved at.
    iterations : int
        Value-iteration sweeps, summed over actors, types and proposal-map rounds.
    residual : float
        The sup-norm change of the last sweep (the stopping rule bounds the
        error of ``values`` by the scenario's ``decisions.tolerance``).
    outer_rounds : int
        Rounds of the proposal-map loop (1 when no offer is gated).
    seconds : float
        Wall time of the solve (matrices included).
    key : str
        The content hash the solution is cached under.
    cycle_states : int
        Grid states whose offer flipped in a cycle of the proposal map that
        ``decisions.cycles = "union"`` resolved (0: the map settled).
    """

    values: np.ndarray
    tabled: np.ndarray
    delta: float
    iterations: int
    residual: float
    outer_rounds: int
    seconds: float
    key: str = field(default="")
    cycle_states: int = 0

    @property
    def grid_points(self) -> int:
        """``n_grid``: grid points per trust axis."""
        return int(self.values.shape[-1])

    @property
    def grid(self) -> np.ndarray:
        """The trust grid: ``n_grid`` uniform points on [0, 1]."""
        return np.linspace(0.0, 1.0, self.grid_points)
