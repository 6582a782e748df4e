r"""The piecemeal protocol: a ladder of small arrangements, then the treaty (docs/model.md section 5).

State ``r`` (0..L) is the number of rungs implemented, always a prefix of
the ladder (rungs are implemented in ladder order and revoked most recent
first). In state ``r`` the offers, in priority order, are:

1. the treaty ``F`` with the caps of the ``r`` implemented rungs in force,
   if both accept it; mutual compliance binds;
2. the next rung ``X_{r+1}`` (if ``r < L``), if both accept it; mutual
   compliance implements it (state ``r + 1``);
3. the highest implemented rung ``X_r`` (if ``r > 0``), as continued
   compliance (maintenance), whether or not both accept it;

else nothing (an idle round). An actual defection by either actor on a
rung, new or maintained, revokes the ``setback`` most recent rungs (state
``max(r - setback, 0)``); a defection on ``F`` revokes nothing. Each state's
transparency and caps come from the effects of its implemented rungs
(:mod:`binding_sim.dynamics.effects`); each rung implemented and not on the
table pays its ``R`` (docs/model.md section 8).
"""

from __future__ import annotations

import numpy as np

from ...config.scenario import Scenario
from ...errors import BindingSimError
from ..effects import environment
from .program import (
    BIND,
    Offer,
    Program,
    ProtocolState,
    arrangement_slot,
    bound_payment,
    formal_slot,
)

__all__ = ["NAME", "compile_piecemeal"]

NAME = "piecemeal"


def compile_piecemeal(scenario: Scenario) -> Program:
    """Compile ``scenario`` under the piecemeal protocol (states 0..L).

    Raises
    ------
    BindingSimError
        The scenario has no ladder (the message names the scenario).
    """
    if scenario.ladder is None:
        raise BindingSimError(
            f"scenario {scenario.name!r} ({scenario.source or 'no file'}) has no piecemeal ladder "
            "([protocols.piecemeal] ladder = [...]); only the formal protocol can run"
        )
    ladder = scenario.ladder
    L = len(ladder)
    rungs = [arrangement_slot(scenario, name) for name in ladder]
    implemented = [scenario.arrangements[name] for name in ladder]
    # background[r]: R of the first r rungs, summed in ladder order
    background = [np.zeros(2)]
    for r in range(1, L + 1):
        background.append(background[r - 1] + rungs[r - 1].payoffs[:, 0])
    states = []
    for r in range(L + 1):
        env = environment(implemented[:r])
        treaty = formal_slot(scenario, env)
        revoked = max(r - scenario.setback, 0)
        offers = [Offer(treaty, True, BIND, r, background[r])]
        if r < L:
            offers.append(Offer(rungs[r], True, r + 1, revoked, background[r]))
        if r > 0:
            offers.append(Offer(rungs[r - 1], False, r, revoked, background[r - 1]))
        states.append(
            ProtocolState(
                tuple(offers),
                transparency=env.transparency,
                idle_payment=treaty.payoffs[:, 3] + background[r],
                rungs=r,
            )
        )
    return Program(NAME, tuple(states), bound_payment(scenario))
