"""Classic repeated-game strategies on the binding model's stage games.

- :mod:`~binding_sim.games.strategies`: memory-one strategies as data;
- :mod:`~binding_sim.games.match`: repeated matches, exact Markov chain and simulated play;
- :mod:`~binding_sim.games.tournament`: round-robin tournaments;
- :mod:`~binding_sim.games.evolution`: replicator dynamics and the Moran process.
"""
