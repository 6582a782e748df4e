r"""Classic repeated-game strategies as memory-one data.

A *memory-one* strategy (Nowak and Sigmund 1990, 1992) is a first move and
four probabilities of complying (``C``) after each outcome of the previous
round, seen from the strategy's **own** point of view::

    (p_CC, p_CD, p_DC, p_DD) = P(C | own last move, other's last move)

so ``p_CD`` is the probability of complying after the strategy itself
complied and the other defected. The first move is also a probability of
complying (1 for "starts with C", 0 for "starts with D"). Holding strategies
as plain numbers lets :mod:`binding_sim.games.match` play millions of matches as
array operations and compute exact values from a 4-state Markov chain.

Named strategies (lookup by case-insensitive name with :func:`strategy`):

============  =====  ==========================  =====================================
name          first  (p_CC, p_CD, p_DC, p_DD)    definition
============  =====  ==========================  =====================================
allc          1      (1, 1, 1, 1)                always comply (Axelrod's Cooperator)
alld          0      (0, 0, 0, 0)                always defect (Defector)
tft           1      (1, 0, 1, 0)                Tit For Tat: copy the other's last move
                                                 (Rapoport; Axelrod 1984)
stft          0      (1, 0, 1, 0)                Suspicious Tit For Tat: TFT opening with D
grim          1      (1, 0, 0, 0)                Grim trigger: comply only after (C, C)
wsls          1      (1, 0, 0, 1)                Win-Stay Lose-Shift / Pavlov
                                                 (Nowak and Sigmund 1993)
gtft          1      (1, g, 1, g)                Generous TFT, forgiveness ``g`` below
random        1/2    (1/2, 1/2, 1/2, 1/2)        comply with probability 1/2
alternator    1      (0, 0, 1, 1)                alternate, on its own last move
============  =====  ==========================  =====================================

Generous Tit For Tat forgives a defection with probability

.. math:: g = \min\left(1 - \frac{T - R}{R - S},\; \frac{R - P}{T - P}\right)

(Molander 1985; Nowak and Sigmund 1992; the value the Axelrod library uses),
computed from the payoffs ``(R, S, T, P)`` of the stage game the strategy
plays, from its own point of view. On relative-gains transformed games
(:meth:`binding_sim.model.stage_game.StageGame.relative`) it therefore follows the
transformed payoffs as the relative-gains sensitivity or trust change. Where
the formula leaves ``[0, 1]`` (games that are not Prisoner's Dilemmas) the
value is clipped with a :class:`GenerosityClippedWarning`.

Grim is the memory-one trigger ``(1, 0, 0, 0)``: without noise it plays
exactly as Axelrod's ``Grudger`` (comply until the other defects, then defect
for ever); with noise it also punishes its own mistaken defection, which
``Grudger`` (who only watches the other) does not.

Public API
----------
``MemoryOne``
    Frozen dataclass ``(name, first, probs)``; ``.vector`` (ndarray (4,)),
    ``.is_deterministic``.
``memory_one(first, p_cc, p_cd, p_dc, p_dd, name="custom")``
    A validated custom strategy.
``NAMES``
    The lookup names, in the order of the table above.
``strategy(name, payoffs=None)``
    Named strategy; ``payoffs = (R, S, T, P)`` (own view) is needed for ``gtft``.
``canonical_name(name)``
    The lower-case lookup name, or a one-line error with a "did you mean" hint.
``gtft(payoffs)`` / ``gtft_forgiveness(payoffs, clip=True)``
    Generous TFT and its forgiveness.
``resolve(player, payoffs)``
    A name or a :class:`MemoryOne` -> a concrete :class:`MemoryOne` for a seat
    whose own payoffs are ``payoffs``.

Examples
--------
>>> strategy("TFT")
MemoryOne(name='tft', first=1.0, probs=(1.0, 0.0, 1.0, 0.0))
>>> round(gtft_forgiveness((3, 0, 5, 1)), 12)
0.333333333333
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import BindingSimError, did_you_mean

__all__ = [
    "GTFT_NAME",
    "NAMES",
    "GenerosityClippedWarning",
    "MemoryOne",
    "canonical_name",
    "gtft",
    "gtft_forgiveness",
    "memory_one",
    "resolve",
    "strategy",
]

GTFT_NAME = "gtft"
"""Name of Generous Tit For Tat, the one strategy that depends on the game's payoffs."""

_FIXED: dict[str, tuple[float, tuple[float, float, float, float]]] = {
    "allc": (1.0, (1.0, 1.0, 1.0, 1.0)),
    "alld": (0.0, (0.0, 0.0, 0.0, 0.0)),
    "tft": (1.0, (1.0, 0.0, 1.0, 0.0)),
    "stft": (0.0, (1.0, 0.0, 1.0, 0.0)),
    "grim": (1.0, (1.0, 0.0, 0.0, 0.0)),
    "wsls": (1.0, (1.0, 0.0, 0.0, 1.0)),
    "random": (0.5, (0.5, 0.5, 0.5, 0.5)),
    "alternator": (1.0, (0.0, 0.0, 1.0, 1.0)),
}

NAMES: tuple[str, ...] = (
    "allc",
    "alld",
    "tft",
    "stft",
    "grim",
    "wsls",
    GTFT_NAME,
    "random",
    "alternator",
)
"""Every named strategy, lower case (lookup is case-insensitive)."""


class GenerosityClippedWarning(UserWarning):
    """GTFT's forgiveness formula left ``[0, 1]`` for this game and was clipped."""


@dataclass(frozen=True)
class MemoryOne:
    """A memory-one strategy: first move and four conditional compliance probabilities.

    Attributes
    ----------
    name : str
        Display name (lower case for the named strategies).
    first : float
        Probability of complying in the first round.
    probs : tuple of 4 floats
        ``(p_CC, p_CD, p_DC, p_DD)``: probability of complying after the
        previous round's (own move, other's move), own point of view.
    """

    name: str
    first: float
    probs: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        values = (self.first, *self.probs)
        if len(self.probs) != 4 or not all(
            isinstance(v, (int, float, np.floating, np.integer))
            and math.isfinite(v)
            and 0.0 <= v <= 1.0
            for v in values
        ):
            raise BindingSimError(
                f"strategy {self.name!r}: first = {self.first!r}, probs = {self.probs!r}: "
                "first move and the four probabilities must be numbers in [0, 1]"
            )
        object.__setattr__(self, "first", float(self.first))
        object.__setattr__(self, "probs", tuple(float(p) for p in self.probs))

    @property
    def vector(self) -> np.ndarray:
        """``(p_CC, p_CD, p_DC, p_DD)`` as a float array of shape ``(4,)``."""
        return np.array(self.probs, dtype=float)

    @property
    def is_deterministic(self) -> bool:
        """True when the first move and every probability are 0 or 1."""
        return all(v in (0.0, 1.0) for v in (self.first, *self.probs))


def memory_one(
    first: float,
    p_cc: float,
    p_cd: float,
    p_dc: float,
    p_dd: float,
    name: str = "custom",
) -> MemoryOne:
    """A custom memory-one strategy (Nowak and Sigmund 1990), validated.

    Parameters
    ----------
    first : float
        Probability of complying in round 1.
    p_cc, p_cd, p_dc, p_dd : float
        Probability of complying after (own, other) = (C,C), (C,D), (D,C), (D,D).
    name : str
        Display name.
    """
    return MemoryOne(name, first, (p_cc, p_cd, p_dc, p_dd))


def _check_payoffs(payoffs: Sequence[float]) -> tuple[float, float, float, float]:
    vals = tuple(float(x) for x in payoffs)
    if len(vals) != 4 or not all(math.isfinite(x) for x in vals):
        raise BindingSimError(f"payoffs = {tuple(payoffs)!r}: need four finite numbers R, S, T, P")
    return vals  # type: ignore[return-value]


def gtft_forgiveness(payoffs: Sequence[float], clip: bool = True) -> float:
    r"""Generous TFT's forgiveness ``min(1 - (T-R)/(R-S), (R-P)/(T-P))``.

    Molander (1985), Nowak and Sigmund (1992); the formula of the Axelrod
    library's ``GTFT``. It is the largest generosity with which TFT still
    makes defection unprofitable against it in the noisy Prisoner's Dilemma.

    Parameters
    ----------
    payoffs : (R, S, T, P)
        The strategy's own payoffs (for a relative-gains game, the transformed ones).
    clip : bool
        Clip to ``[0, 1]`` with a :class:`GenerosityClippedWarning` when the
        formula leaves it (default). With ``clip=False`` the raw value is returned.

    Raises
    ------
    BindingSimError
        If ``R = S`` or ``T = P`` (the formula divides by zero).

    Examples
    --------
    >>> round(gtft_forgiveness((3, 0, 5, 1)), 12)   # Axelrod's default game
    0.333333333333
    >>> gtft_forgiveness((3, 0, 4, 2))
    0.5
    """
    R, S, T, P = _check_payoffs(payoffs)
    if R == S or T == P:
        raise BindingSimError(
            f"payoffs R, S, T, P = {R:g}, {S:g}, {T:g}, {P:g}: Generous TFT needs R != S "
            "and T != P (its forgiveness min(1 - (T-R)/(R-S), (R-P)/(T-P)) divides by them)"
        )
    g = min(1.0 - (T - R) / (R - S), (R - P) / (T - P))
    if not clip:
        return g
    if g < 0.0 or g > 1.0:
        clipped = min(1.0, max(0.0, g))
        warnings.warn(
            f"Generous TFT forgiveness {g:.6g} for R, S, T, P = {R:g}, {S:g}, {T:g}, {P:g} "
            f"lies outside [0, 1]; clipped to {clipped:g}",
            GenerosityClippedWarning,
            stacklevel=2,
        )
        return clipped
    return g


def gtft(payoffs: Sequence[float]) -> MemoryOne:
    """Generous Tit For Tat ``(1, g, 1, g)``, first move C, ``g`` from :func:`gtft_forgiveness`."""
    g = gtft_forgiveness(payoffs)
    return MemoryOne(GTFT_NAME, 1.0, (1.0, g, 1.0, g))


def canonical_name(name: str) -> str:
    """The lookup name of a strategy (lower case), or a one-line error with a hint.

    Raises
    ------
    BindingSimError
        Unknown name (with a "did you mean" hint and the allowed names).
    """
    key = str(name).strip().lower()
    if key not in NAMES:
        raise BindingSimError(
            f"strategy = {name!r}: unknown{did_you_mean(key, NAMES)}; allowed: {', '.join(NAMES)}"
        )
    return key


def strategy(name: str, payoffs: Sequence[float] | None = None) -> MemoryOne:
    """The named strategy (case-insensitive; see the module table).

    Parameters
    ----------
    name : str
        One of :data:`NAMES`, any case.
    payoffs : (R, S, T, P), optional
        The strategy's own stage-game payoffs; required for ``gtft``.

    Raises
    ------
    BindingSimError
        Unknown name (with a "did you mean" hint), or ``gtft`` without payoffs.
    """
    key = canonical_name(name)
    if key == GTFT_NAME:
        if payoffs is None:
            raise BindingSimError(
                "strategy = 'gtft': Generous TFT needs the stage game's payoffs R, S, T, P"
            )
        return gtft(payoffs)
    first, probs = _FIXED[key]
    return MemoryOne(key, first, probs)


def resolve(player: str | MemoryOne, payoffs: Sequence[float] | None = None) -> MemoryOne:
    """A concrete :class:`MemoryOne` from a name or a strategy, for a seat with own ``payoffs``."""
    if isinstance(player, MemoryOne):
        return player
    return strategy(player, payoffs)
