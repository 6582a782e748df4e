r"""Stage games of the binding model: absolute and relative-gains payoffs (docs/model.md sections 2, 7).

Payoff convention (nashpy's, the only one in this package): a stage game is a
pair of 2x2 arrays ``(A, B)`` of the same shape; rows are actor A's actions,
columns actor B's, and index 0 is ``C`` (comply/bind), index 1 is ``D``
(defect/compete). ``A[r, c]`` is actor A's payoff and ``B[r, c]`` actor B's.
With actor payoffs ``R, S, T, P`` (from each actor's own point of view)::

    A = [[R_A, S_A],        B = [[R_B, T_B],
         [T_A, P_A]]             [S_B, P_B]]

Relative gains (Grieco 1988; Snidal 1991). Actor ``i`` with sensitivity
``k_i`` and trust ``tau_i`` values an outcome as

.. math:: U_i = (1 + \kappa_i)\,\pi_i - \kappa_i\,\pi_j, \qquad \kappa_i = k_i (1 - \tau_i),

the "relative-gains transform". Dividing by ``1 + kappa`` gives Snidal's
``pi_i - r pi_j`` with ``r = kappa / (1 + kappa)``: the same best responses.
The common external threat ``theta`` (2010 essay) adds ``theta * s_X`` to
both actors' ``R``; interceptor caps shrink the formal treaty's ``T`` and
``S`` toward ``P`` by the cap factor (docs/model.md section 6).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .arrangement import Arrangement
from .payoffs import absolute_payoffs, kappa, matrices, own_payoffs, relative_gains_transform

if TYPE_CHECKING:  # nashpy (and scipy under it) is imported when first needed
    import nashpy as nash

__all__ = [
    "ACTIONS",
    "CLASSES",
    "StageGame",
    "classify",
    "equilibria",
]

ACTIONS = ("C", "D")
"""Action labels; index 0 is comply (C), index 1 defect (D)."""

CLASSES = ("harmony", "stag_hunt", "chicken", "prisoners_dilemma", "deadlock", "other")
"""Stage-game classes of docs/model.md section 7."""

FloatArray = npt.NDArray[np.float64]


def _gt(x: float, y: float) -> bool:
    return x - y > 1e-12 * (1.0 + max(abs(x), abs(y)))


def classify(R: float, S: float, T: float, P: float) -> str:
    """Class of a 2x2 game from one actor's own payoffs (docs/model.md section 7).

    Strict inequalities; any tie among the pairs compared gives ``"other"``:
    ``harmony`` (R>T, S>P), ``stag_hunt`` (R>T, P>S), ``chicken`` (T>R, S>P),
    ``prisoners_dilemma`` (T>R>P>S), ``deadlock`` (T>R, P>S, P>R).
    """
    if _gt(R, T):
        if _gt(S, P):
            return "harmony"
        if _gt(P, S):
            return "stag_hunt"
        return "other"
    if _gt(T, R):
        if _gt(S, P):
            return "chicken"
        if _gt(P, S):
            if _gt(R, P):
                return "prisoners_dilemma"
            if _gt(P, R):
                return "deadlock"
        return "other"
    return "other"


def equilibria(
    A: npt.ArrayLike, B: npt.ArrayLike, method: str = "support"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Nash equilibria of the bimatrix game ``(A, B)`` with nashpy.

    Parameters
    ----------
    method : {"support", "vertex"}
        Support enumeration (the default) or vertex enumeration (the cross-check).

    Returns
    -------
    list of (sigma_A, sigma_B)
        Mixed strategies (probabilities of C and D), sorted by actor A's
        probability of C (descending), then actor B's.
    """
    import nashpy as nash

    game = nash.Game(np.asarray(A, dtype=float), np.asarray(B, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "support":
            found = list(game.support_enumeration())
        elif method == "vertex":
            found = list(game.vertex_enumeration())
        else:
            raise ValueError(f"unknown method {method!r}; use 'support' or 'vertex'")
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for sa, sb in found:
        sa = np.clip(np.asarray(sa, dtype=float), 0.0, 1.0)
        sb = np.clip(np.asarray(sb, dtype=float), 0.0, 1.0)
        if not any(np.allclose(sa, x) and np.allclose(sb, y) for x, y in out):
            out.append((sa, sb))
    out.sort(key=lambda e: (-e[0][0], -e[1][0]))
    return out


@dataclass(frozen=True)
class StageGame:
    """A 2x2 stage game in nashpy's convention (see the module docstring).

    Attributes
    ----------
    A, B : ndarray, shape (2, 2)
        Payoffs of actor A (rows) and actor B (columns); index 0 is ``C``.
    """

    A: np.ndarray
    B: np.ndarray

    @classmethod
    def from_payoffs(cls, rstp: npt.ArrayLike) -> StageGame:
        """Build from per-actor ``(R, S, T, P)``, shape ``(2, 4)`` (or ``(4,)`` for both)."""
        p = np.asarray(rstp, dtype=float)
        if p.shape == (4,):
            p = np.stack([p, p])
        A, B = matrices(p)
        return cls(A, B)

    @classmethod
    def of(
        cls, arrangement: Arrangement, common_threat: float = 0.0, cap_factor: float = 1.0
    ) -> StageGame:
        """Absolute stage game of an arrangement, with common threat and caps applied."""
        return cls.from_payoffs(absolute_payoffs(arrangement, common_threat, cap_factor))

    @classmethod
    def from_nashpy(cls, game: nash.Game) -> StageGame:
        """Inverse of :meth:`to_nashpy`."""
        A, B = game.payoff_matrices
        return cls(np.asarray(A, dtype=float), np.asarray(B, dtype=float))

    def to_nashpy(self) -> nash.Game:
        """The same game as a ``nashpy.Game`` (identical matrices)."""
        import nashpy as nash

        return nash.Game(self.A, self.B)

    def relative(self, k: Sequence[float], trust: Sequence[float]) -> StageGame:
        """The relative-gains transformed game at sensitivities ``k`` and trust levels ``trust``."""
        ka = float(kappa(k[0], trust[0]))
        kb = float(kappa(k[1], trust[1]))
        return StageGame(*relative_gains_transform(self.A, self.B, ka, kb))

    def payoffs(self, actor: int) -> tuple[float, float, float, float]:
        """Actor ``actor``'s ``(R, S, T, P)`` from its own point of view."""
        return own_payoffs(self.A, self.B, actor)

    def classes(self) -> tuple[str, str]:
        """Each actor's class from its own payoffs (docs/model.md section 7)."""
        return (classify(*self.payoffs(0)), classify(*self.payoffs(1)))

    def equilibria(self, method: str = "support") -> list[tuple[np.ndarray, np.ndarray]]:
        """Nash equilibria (nashpy); see :func:`equilibria`."""
        return equilibria(self.A, self.B, method)
