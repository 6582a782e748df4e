"""The repeated game in motion: protocols, effects, trust models, the round kernel, outcomes.

Data flows down this list:

- :mod:`~binding_sim.dynamics.effects`: effects of implemented rungs (a registry),
  folded into the protocol tables;
- :mod:`~binding_sim.dynamics.protocols`: binding protocols (a registry of
  compilers: one module per protocol) that turn a scenario into protocol states
  and offers;
- :mod:`~binding_sim.dynamics.tables`: many cells' programs packed into the
  padded arrays the kernel reads;
- :mod:`~binding_sim.dynamics.trust`: trust models (a registry; the kernel
  dispatches on the model's id);
- :mod:`~binding_sim.dynamics.kernel`: the one round kernel, compiled by numba or
  run as plain Python;
- :mod:`~binding_sim.dynamics.metrics`: outcome metrics (a registry);
- :mod:`~binding_sim.dynamics.outcomes`: per-block statistics and the aggregated outcome;
- :mod:`~binding_sim.dynamics.engine`: the front door,
  :func:`~binding_sim.dynamics.engine.simulate` and
  :func:`~binding_sim.dynamics.engine.simulate_cells`, Monte Carlo over cells x
  replicates on blocks of random streams.

How to add a protocol, an effect, a trust model or a metric: docs/architecture.md.
"""
