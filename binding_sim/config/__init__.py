"""Configuration: the schema of every key, scenario and experiment files, sweep designs, presets.

- :mod:`~binding_sim.config.schema`: every key with its default, range, unit and structure;
- :mod:`~binding_sim.config.scenario`: :class:`~binding_sim.config.scenario.Scenario`, presets, ``--set``;
- :mod:`~binding_sim.config.design`: which parameter cells an experiment runs;
- :mod:`~binding_sim.config.experiment`: :class:`~binding_sim.config.experiment.Experiment` files.
"""
