r"""Effects of implemented rungs, as a registry folded into the protocol tables (docs/model.md section 6).

A rung's effects act while it is implemented. They change the round's
*environment*, what every arrangement on the table is played under:

- ``transparency_gain`` adds to the monitoring level ``m`` (capped at 1), so
  a compliance is misread with probability ``epsilon_i (1 - m)`` (section 4);
- ``cap_factor`` (interceptor caps) multiplies the caps in force on the
  formal treaty, which shrink its temptation and exposure toward ``P``:
  ``T_F <- P_F + c (T_F - P_F)``, ``S_F <- P_F + c (S_F - P_F)`` (the formula
  lives once, in :func:`binding_sim.model.payoffs.absolute_payoffs`).

Effects are folded at compile time: a protocol asks :func:`environment` for
the environment of each of its states (the rungs implemented in it) and
writes the result into the per-state tables (``m`` and the formal treaty's
payoffs with the caps applied), so the kernel never sees an effect.

Adding an effect: one :class:`Effect` registered in :data:`EFFECTS` (its
value read from the arrangement, its neutral value and how it folds into
:class:`Environment`), a field of :class:`Environment` if it changes
something new, the scenario key ``arrangements.*.effects.NAME`` in
:mod:`binding_sim.config.schema` and the arrangement's attribute
(:class:`binding_sim.model.arrangement.Arrangement`, read by the loader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ..model.arrangement import Arrangement

__all__ = ["EFFECTS", "Effect", "Environment", "environment"]


@dataclass(frozen=True)
class Environment:
    """What the implemented rungs' effects have done to the game of a protocol state.

    Attributes
    ----------
    transparency : float
        Monitoring level ``m`` in [0, 1] (docs/model.md section 4).
    cap_factor : float
        Product ``c`` of the cap factors in force on the formal treaty (section 6).
    """

    transparency: float = 0.0
    cap_factor: float = 1.0


@dataclass(frozen=True)
class Effect:
    """One effect of an implemented rung.

    Attributes
    ----------
    name : str
        Scenario key ``arrangements.*.effects.NAME``.
    doc : str
        What it does, in one line.
    value : callable
        ``value(arrangement) -> float``: the arrangement's value of the effect.
    neutral : float
        The value at which it does nothing (folding it is skipped).
    fold : callable
        ``fold(environment, value) -> Environment``: the environment after one
        more rung with this value is implemented (rungs fold in ladder order).
    """

    name: str
    doc: str
    value: Callable[[Arrangement], float]
    neutral: float
    fold: Callable[[Environment, float], Environment]


def _transparency_gain(env: Environment, gain: float) -> Environment:
    # additive on m, capped at 1: min(1, min(1, a) + b) == min(1, a + b) for gains >= 0
    return replace(env, transparency=min(1.0, env.transparency + gain))


def _cap_factor(env: Environment, c: float) -> Environment:
    return replace(env, cap_factor=env.cap_factor * c)


EFFECTS: dict[str, Effect] = {
    "transparency_gain": Effect(
        "transparency_gain",
        "added to the monitoring level m while implemented (capped at 1)",
        lambda arr: arr.transparency_gain,
        0.0,
        _transparency_gain,
    ),
    "cap_factor": Effect(
        "cap_factor",
        "multiplies the caps on the formal treaty's T and S (toward P) while implemented",
        lambda arr: arr.cap_factor,
        1.0,
        _cap_factor,
    ),
}
"""Registered effects by scenario key name, in the order they fold."""


def environment(implemented: Iterable[Arrangement]) -> Environment:
    """The environment with ``implemented`` rungs in force (folded in the order given)."""
    env = Environment()
    for arr in implemented:
        for effect in EFFECTS.values():
            v = effect.value(arr)
            if v != effect.neutral:
                env = effect.fold(env, v)
    return env
