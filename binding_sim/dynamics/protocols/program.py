r"""What a protocol compiles to: states, and in each the offers in priority order (docs/model.md section 5).

A protocol is a finite machine over *protocol states*. In each round the
engine looks at the replicate's state ``s`` and walks its offers in priority
order; the first offer that may be tabled goes on the table:

- a *gated* offer is tabled only if both actors accept it at their current
  trust (``Delta_i(tau_i) >= -1e-9``, docs/model.md section 3);
- an ungated offer is tabled whenever it is reached (the formal treaty under
  ``offer = "every_round"``, a maintained rung).

No offer tabled: an idle round (no play, no trust update, only recovery;
the state's idle payment). After play, mutual compliance moves to the
offer's ``on_comply`` state (or :data:`BIND`), an actual defection by either
actor to its ``on_defect`` state (the setback). A replicate is *trapped*
(docs/model.md section 8) when it ends unbound and no offer of its final
state is accepted by both: one rule for every protocol.

Binding (docs/model.md section 13.1): under ``protocols.binding =
"absorbing"`` (the default) mutual compliance on a binding offer goes to
:data:`BIND` and the replicate is bound for good. Under ``"revocable"``,
:func:`make_revocable` turns any compiled program into one in which a bound
pair is one more protocol state per binding offer (``bound=True``): its one
offer is the treaty, ungated and without background payments, staying
bound on mutual compliance and returning to the state it was offered from
on a defection (the treaty breaks; implemented rungs stay). The kernel only
reads which states are bound.

Every number the engine needs is fixed here, at compile time: an offer's
arrangement as played in that state (:class:`Slot`: absolute payoffs with
the common threat and the caps of the state applied, and its trust weight),
the payments of implemented rungs not on the table (``background``), the
state's transparency ``m``, and what an idle round pays.
:mod:`binding_sim.dynamics.tables` packs the programs of many cells into the
padded arrays the kernel reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...config.scenario import FORMAL, Scenario
from ...model.payoffs import absolute_payoffs
from ..effects import Environment

__all__ = [
    "BIND",
    "Offer",
    "Program",
    "ProtocolState",
    "Slot",
    "arrangement_slot",
    "bound_payment",
    "formal_slot",
    "make_revocable",
]

BIND = -1
"""``on_comply`` value of an offer whose mutual compliance binds (absorbing)."""


@dataclass(frozen=True, eq=False)
class Slot:
    """An arrangement as played in a protocol state.

    Attributes
    ----------
    name : str
        The arrangement's name.
    payoffs : ndarray, shape (2, 4)
        Each actor's absolute ``(R, S, T, P)`` with the common threat and the
        caps in force applied (:func:`binding_sim.model.payoffs.absolute_payoffs`).
    trust_weight : float
        ``w_X`` (docs/model.md section 4).
    scope : float
        ``s_X`` (docs/model.md section 2): a greedy type values exploiting a
        complier on it by ``g s_X`` (docs/model.md section 12.1).
    """

    name: str
    payoffs: np.ndarray
    trust_weight: float
    scope: float


@dataclass(frozen=True, eq=False)
class Offer:
    """One candidate for the table in a protocol state.

    Attributes
    ----------
    slot : Slot
        The arrangement offered.
    gated : bool
        Tabled only if both actors accept it (otherwise: whenever reached).
    on_comply : int
        Next state after mutual compliance, or :data:`BIND`.
    on_defect : int
        Next state after an actual defection by either actor.
    background : ndarray, shape (2,)
        What each actor is paid on top of the stage payoff: ``R`` of every
        implemented rung not on the table (docs/model.md section 8).
    """

    slot: Slot
    gated: bool
    on_comply: int
    on_defect: int
    background: np.ndarray


@dataclass(frozen=True, eq=False)
class ProtocolState:
    """One protocol state: its offers in priority order and what holds while in it.

    Attributes
    ----------
    offers : tuple of Offer
        Candidates in priority order.
    transparency : float
        Monitoring level ``m`` in this state (docs/model.md section 4).
    idle_payment : ndarray, shape (2,)
        What each actor is paid in a round with nothing on the table.
    rungs : int
        Number of rungs implemented in this state (the ``mean_rungs`` outcome).
    bound : bool
        A bound state of revocable binding (docs/model.md section 13.1): the
        pair is bound while in it. Entering it from an unbound state is a
        binding; leaving it for an unbound state breaks the treaty.
    """

    offers: tuple[Offer, ...]
    transparency: float
    idle_payment: np.ndarray
    rungs: int
    bound: bool = False


@dataclass(frozen=True, eq=False)
class Program:
    """A protocol compiled for one scenario: its states (state 0 first) and the bound payment.

    Attributes
    ----------
    protocol : str
        The protocol's name.
    states : tuple of ProtocolState
        Every replicate starts in state 0.
    bound_payment : ndarray, shape (2,)
        What each actor is paid in every round after binding: ``R_F``
        (docs/model.md section 8).
    """

    protocol: str
    states: tuple[ProtocolState, ...]
    bound_payment: np.ndarray


def formal_slot(scenario: Scenario, env: Environment) -> Slot:
    """The formal treaty ``F`` with the caps of ``env`` in force (docs/model.md section 6)."""
    F = scenario.arrangements[FORMAL]
    return Slot(
        FORMAL,
        absolute_payoffs(F, scenario.common_threat, env.cap_factor),
        F.trust_weight,
        F.scope,
    )


def arrangement_slot(scenario: Scenario, name: str) -> Slot:
    """Arrangement ``name`` as played (common threat applied; caps apply to ``F`` only)."""
    arr = scenario.arrangements[name]
    return Slot(name, absolute_payoffs(arr, scenario.common_threat), arr.trust_weight, arr.scope)


def bound_payment(scenario: Scenario) -> np.ndarray:
    """``R_F`` of each actor, paid every round after binding (caps change only ``T`` and ``S``)."""
    return np.asarray(
        absolute_payoffs(scenario.arrangements[FORMAL], scenario.common_threat)[:, 0]
    )


def make_revocable(program: Program) -> Program:
    """``program`` under revocable binding: one bound state per binding offer (docs/model.md section 13.1).

    For every offer whose ``on_comply`` is :data:`BIND`, in state ``s``, a
    bound state ``B`` is appended (after every state of ``program``, in the
    order of the states and their offers) and the offer's ``on_comply``
    becomes ``B``. ``B``'s one offer is the same treaty as played in ``s``
    (same slot: the caps of ``s`` stay in force), ungated, with no
    background payment (a bound round pays the treaty's stage game for the
    actions taken and nothing else); mutual compliance stays in ``B``, an
    actual defection returns to ``s`` (the treaty breaks and the protocol
    resumes where it was; implemented rungs and their effects stay). ``B``
    has the transparency and the rungs of ``s``; being ungated, it is never
    idle, so its idle payment (that of ``s``) is never paid.

    Parameters
    ----------
    program : Program
        A compiled protocol with absorbing binding (any protocol).

    Returns
    -------
    Program
        The same states in the same order (state 0 first) with every
        :data:`BIND` redirected, followed by the bound states; no offer of it
        binds absorbingly.

    Examples
    --------
    >>> from binding_sim.config.scenario import Scenario
    >>> from binding_sim.dynamics.protocols import compile_program
    >>> prog = make_revocable(compile_program(Scenario.load("krickovic2016"), "formal"))
    >>> [(st.bound, [(o.gated, o.on_comply, o.on_defect) for o in st.offers]) for st in prog.states]
    [(False, [(False, 1, 0)]), (True, [(False, 1, 0)])]
    """
    n_states = len(program.states)
    states: list[ProtocolState] = []
    bound_states: list[ProtocolState] = []
    for s, state in enumerate(program.states):
        offers = []
        for offer in state.offers:
            if offer.on_comply == BIND:
                b = n_states + len(bound_states)
                treaty = Offer(
                    offer.slot,
                    gated=False,
                    on_comply=b,
                    on_defect=s,
                    background=np.zeros_like(offer.background),
                )
                bound_states.append(
                    ProtocolState(
                        (treaty,),
                        transparency=state.transparency,
                        idle_payment=state.idle_payment,
                        rungs=state.rungs,
                        bound=True,
                    )
                )
                offer = replace(offer, on_comply=b)
            offers.append(offer)
        states.append(replace(state, offers=tuple(offers)))
    return Program(program.protocol, (*states, *bound_states), program.bound_payment)
