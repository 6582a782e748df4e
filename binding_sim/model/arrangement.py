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
    """

    name: str
    scope: float
    trust_weight: float
    payoffs: tuple[Payoffs, Payoffs]
    transparency_gain: float = 0.0
    cap_factor: float = 1.0

    @property
    def symmetric(self) -> bool:
        """Whether both actors have the same absolute payoffs."""
        return self.payoffs[0] == self.payoffs[1]
