"""The model's pure maths: payoffs, the relative-gains transform, margins, thresholds, stage games.

Nothing here reads configuration: functions take numbers and arrays (and the
plain :class:`~binding_sim.model.arrangement.Arrangement` record), so the
analysis, the engine and the plots call the same formulas.

- :mod:`~binding_sim.model.arrangement`: an arrangement's absolute payoffs, scope, weight, effects;
- :mod:`~binding_sim.model.payoffs`: the threat term, caps and the relative-gains transform;
- :mod:`~binding_sim.model.margins`: acceptance margins and thresholds (``tau*``, ``k*``, ``delta*``);
- :mod:`~binding_sim.model.stage_game`: 2x2 stage games in nashpy's convention, classes, equilibria;
- :mod:`~binding_sim.model.threat`: the two channels of a common threat, ``theta*``;
- :mod:`~binding_sim.model.partners`: the treaty among N actors (non-voting partners).
"""
