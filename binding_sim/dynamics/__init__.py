"""The repeated game in motion: protocols, trust models, the round kernel, the engine, outcomes.

- :mod:`~binding_sim.dynamics.trust`: trust models (a registry);
- :mod:`~binding_sim.dynamics.engine`: :func:`~binding_sim.dynamics.engine.simulate` and
  :func:`~binding_sim.dynamics.engine.simulate_cells`, Monte Carlo over cells x replicates;
- :mod:`~binding_sim.dynamics.outcomes`: per-block statistics and the aggregated outcome.
"""
