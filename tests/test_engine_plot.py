"""Fan chart of trust (binding_sim.plot.fan): data preparation and drawing conventions."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from binding_sim.dynamics.outcomes import Trajectories
from binding_sim.plot.fan import fan_chart, trust_quantiles

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _traj() -> Trajectories:
    # 11 replicates whose trust is k/10 for actor A and 1 - k/10 for actor B, at every round
    levels = np.arange(11) / 10.0
    trust = np.empty((11, 4, 2))
    trust[:, :, 0] = levels[:, None]
    trust[:, :, 1] = 1.0 - levels[:, None]
    return Trajectories(trust, np.zeros((11, 4), int), np.zeros((11, 4), bool))


def test_trust_quantiles_by_hand() -> None:
    q = trust_quantiles(_traj())
    assert q.shape == (3, 4, 2)
    assert q[:, 0, 0] == pytest.approx([0.1, 0.5, 0.9])
    assert q[:, 2, 1] == pytest.approx([0.1, 0.5, 0.9])


def test_fan_chart_draws_on_given_axes_without_resizing() -> None:
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    lines = fan_chart(_traj(), ax=ax, actor_names=("NATO", "Russia"), protocol="piecemeal")
    assert len(lines) == 2 and all(line.axes is ax for line in lines)
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert "NATO" in lines[0].get_label() and "Russia" in lines[1].get_label()
    assert np.allclose(lines[0].get_ydata(), 0.5)
    assert tuple(fig.get_size_inches()) == (4.0, 3.0)
    plt.close(fig)


def test_fan_chart_new_figure_and_table_input() -> None:
    table = trust_quantiles(_traj())
    lines = fan_chart(table)
    assert len(lines) == 2
    plt.close(lines[0].figure)
    with pytest.raises(ValueError, match="quantile table"):
        fan_chart(np.zeros((2, 4, 2)))
