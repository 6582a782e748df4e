"""Arrangements: a 2x2 stage game of absolute payoffs with scope, trust weight and effects.

Pure data, the model's vocabulary (docs/model.md sections 2, 6): a scenario file lists
arrangements, the maths of :mod:`binding_sim.model` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Arrangement", "Payoffs"]


@dataclass(frozen=True)
class Payoffs:
    """Absolute stage-game payoffs of one actor: ``R, S, T, P`` (docs/model.md section 2)."""

    R: float
    S: float
    T: float
    P: float = 0.0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.R, self.S, self.T, self.P)


@dataclass(frozen=True)
class Arrangement:
    """One arrangement: a 2x2 stage game with scope, trust weight and effects.

    ``payoffs`` holds one :class:`Payoffs` per actor, in actor order (A, B).
    ``mover`` names the actor that moves first in a unilateral arrangement
    (docs/model.md section 15.1; ``""``: bilateral, both move at once). The
    cells a unilateral arrangement lacks hold the values of the bilateral
    game the mover decides on: the mover's ``T`` is its ``P`` and the
    responder's ``S`` is its ``P`` (withholding cannot exploit a compliance,
    and the responder can never be caught out).
    """

    name: str
    scope: float
    trust_weight: float
    payoffs: tuple[Payoffs, Payoffs]
    transparency_gain: float = 0.0
    cap_factor: float = 1.0
    mover: str = ""

    @property
    def unilateral(self) -> bool:
        """Whether one actor moves first and the other responds (docs/model.md section 15.1)."""
        return self.mover != ""

    @property
    def symmetric(self) -> bool:
        """Whether both actors have the same absolute payoffs (never for a unilateral arrangement)."""
        return not self.unilateral and self.payoffs[0] == self.payoffs[1]
