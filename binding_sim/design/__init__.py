"""Designing arrangements by simulation: choices a proposer makes, judged by the engine.

- :mod:`~binding_sim.design.ladder`: the stakes of each rung of a piecemeal
  ladder ("starting small", docs/model.md section 13.8), chosen to maximise
  the expected joint payoff or the share bound, evaluated by the engine on
  common random numbers (section 11).

This layer sits above :mod:`binding_sim.dynamics` (it simulates) and beside
:mod:`binding_sim.sweep`; the command line (``binding-sim design-ladder``)
calls it.
"""
