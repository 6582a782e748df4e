"""Configuration: one loader, the schema of every key, scenarios, experiments, designs, presets.

- :mod:`~binding_sim.config.loader`: reading any configuration file (TOML), one-line errors;
- :mod:`~binding_sim.config.schema`: every key with its default, range, unit and place, and
  the structure of a scenario file;
- :mod:`~binding_sim.config.scenario`: :class:`~binding_sim.config.scenario.Scenario`, presets, ``--set``;
- :mod:`~binding_sim.config.design`: which parameter cells an experiment runs;
- :mod:`~binding_sim.config.cells`: a cell built from the validated base scenario;
- :mod:`~binding_sim.config.experiment`: :class:`~binding_sim.config.experiment.Experiment` files;
- :mod:`~binding_sim.config.analysis_file`: experiment files of figures computed without simulation.
"""
