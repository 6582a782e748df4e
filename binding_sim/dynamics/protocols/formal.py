r"""The formal protocol: the comprehensive treaty alone (docs/model.md section 5).

One protocol state, one offer: the treaty ``F`` (no rungs, so no caps and
transparency 0). Mutual compliance binds; anything else leaves the state as
it is. ``protocols.formal.offer`` says when ``F`` is tabled:

- ``"every_round"`` (the default): ``F`` is on the table every round until
  bound, accepted or not; a refused treaty is played, so each actor who
  refuses is seen to defect and the other's trust erodes (the spiral of the
  2016 essay);
- ``"when_accepted"``: ``F`` is tabled only in rounds in which both actors
  accept it at their current trust (the gate piecemeal rungs have);
  otherwise nothing is on the table: no play, no trust update, only
  recovery, and the round pays as an idle round (``P_F``). This separates
  "the treaty is refused" from "the treaty is broken".
"""

from __future__ import annotations

import numpy as np

from ...config.scenario import Scenario
from ..effects import environment
from .program import BIND, Offer, Program, ProtocolState, bound_payment, formal_slot

__all__ = ["NAME", "compile_formal"]

NAME = "formal"


def compile_formal(scenario: Scenario) -> Program:
    """Compile ``scenario`` under the formal protocol (one state, one offer)."""
    env = environment(())
    treaty = formal_slot(scenario, env)
    nothing = np.zeros(2)
    offer = Offer(
        treaty,
        gated=scenario.offer == "when_accepted",
        on_comply=BIND,
        on_defect=0,
        background=nothing,
    )
    state = ProtocolState(
        (offer,),
        transparency=env.transparency,
        idle_payment=treaty.payoffs[:, 3] + nothing,
        rungs=0,
    )
    return Program(NAME, (state,), bound_payment(scenario))
