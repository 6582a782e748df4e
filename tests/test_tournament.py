"""Round-robin tournaments (binding_sim.games.tournament) and `binding-sim strategies`.

The expected matrices are computed here independently of binding_sim.games.match:
strategies are written out from their definitions (first move and the four
compliance probabilities), the match's state distribution is propagated
round by round (no chain powers), and a few entries are checked against
hand algebra.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario
from binding_sim.errors import BindingSimError
from binding_sim.games.tournament import (
    RECIPROCATORS,
    reciprocating_share,
    round_robin,
    tournament,
)

# first move, (p_CC, p_CD, p_DC, p_DD) from the player's own point of view
DEFS = {
    "allc": (1.0, (1, 1, 1, 1)),
    "alld": (0.0, (0, 0, 0, 0)),
    "tft": (1.0, (1, 0, 1, 0)),
    "stft": (0.0, (1, 0, 1, 0)),
    "grim": (1.0, (1, 0, 0, 0)),
    "wsls": (1.0, (1, 0, 0, 1)),
    "random": (0.5, (0.5, 0.5, 0.5, 0.5)),
    "alternator": (1.0, (0, 0, 1, 1)),
}
FIXED = tuple(DEFS)


def _expected_by_iteration(a, b, A, B, turns, e):
    """Seat A's and seat B's expected payoff per turn, propagating the state distribution."""
    fa, pa = DEFS[a]
    fb, pb = DEFS[b]

    def noisy(p):
        return p * (1 - e) + (1 - p) * e

    # states ordered (A's move, B's move): CC, CD, DC, DD; B sees (own, other) swapped
    qa = [noisy(pa[s]) for s in range(4)]
    qb = [noisy(pb[[0, 2, 1, 3][s]]) for s in range(4)]
    v = np.zeros(4)
    x, y = noisy(fa), noisy(fb)
    v[:] = [x * y, x * (1 - y), (1 - x) * y, (1 - x) * (1 - y)]
    ua = np.array([A[0][0], A[0][1], A[1][0], A[1][1]])
    ub = np.array([B[0][0], B[0][1], B[1][0], B[1][1]])
    tot = np.zeros(2)
    for _ in range(turns):
        tot += [v @ ua, v @ ub]
        nxt = np.zeros(4)
        for s in range(4):
            for s2 in range(4):
                pa_move = qa[s] if s2 < 2 else 1 - qa[s]
                pb_move = qb[s] if s2 % 2 == 0 else 1 - qb[s]
                nxt[s2] += v[s] * pa_move * pb_move
        v = nxt
    return tot / turns


def _matrix_by_iteration(players, A, B, turns, e):
    n = len(players)
    M = np.empty((n, n))
    for i, p in enumerate(players):
        for j, q in enumerate(players):
            as_a = _expected_by_iteration(p, q, A, B, turns, e)[0]
            as_b = _expected_by_iteration(q, p, A, B, turns, e)[1]
            M[i, j] = 0.5 * (as_a + as_b)
    return M


def _sym(R, S, T, P):
    return [[R, S], [T, P]], [[R, T], [S, P]]


@pytest.mark.parametrize("noise", [0.0, 0.05, 0.3])
def test_round_robin_matrix_equals_the_exact_chain_values(noise):
    A, B = _sym(3, 0, 5, 1)
    res = round_robin((3, 0, 5, 1), FIXED, turns=30, noise=noise)
    np.testing.assert_allclose(
        res.scores, _matrix_by_iteration(FIXED, A, B, 30, noise), atol=1e-12
    )


@settings(max_examples=10, deadline=None)
@given(
    st.lists(st.floats(-5, 5), min_size=8, max_size=8),
    st.floats(0, 0.5),
    st.integers(1, 25),
)
def test_asymmetric_games_average_the_two_seats(vals, noise, turns):
    A = np.array(vals[:4]).reshape(2, 2)
    B = np.array(vals[4:]).reshape(2, 2)
    players = ("tft", "alld", "wsls", "random")
    res = round_robin((A, B), players, turns=turns, noise=noise)
    np.testing.assert_allclose(
        res.scores, _matrix_by_iteration(players, A, B, turns, noise), atol=1e-9
    )


def test_hand_values_without_noise():
    # 10 turns on R, S, T, P = 3, 0, 5, 1 (Axelrod 1984):
    # TFT-TFT: R; TFT-AllD: (S + 9P)/10 = 0.9, AllD-TFT: (T + 9P)/10 = 1.4;
    # AllC-AllD: S = 0; Grim-Alternator: C/C, then C/D, then D for ever against
    # the alternator's D, C, D, C...: Grim gets R + S + 4 T + 4 P over 10 turns.
    res = round_robin((3, 0, 5, 1), ("tft", "alld", "allc", "grim", "alternator"), turns=10)
    M = dict(zip(res.players, res.scores, strict=True))
    idx = {p: i for i, p in enumerate(res.players)}
    assert M["tft"][idx["tft"]] == pytest.approx(3.0)
    assert M["tft"][idx["alld"]] == pytest.approx(0.9)
    assert M["alld"][idx["tft"]] == pytest.approx(1.4)
    assert M["allc"][idx["alld"]] == pytest.approx(0.0)
    assert M["grim"][idx["alternator"]] == pytest.approx((3 + 0 + 4 * 5 + 4 * 1) / 10)
    assert res.simulated is None and res.seed is None


def test_simulated_entries_agree_with_the_exact_matrix():
    res = round_robin((3, 0, 5, 1), FIXED, turns=50, noise=0.05, reps=2000, seed=7)
    half = (res.simulated_ci[..., 1] - res.simulated_ci[..., 0]) / 2
    # common random numbers correlate the entries; allow 4.5 standard errors each
    assert np.all(np.abs(res.simulated - res.scores) <= half / 1.96 * 4.5 + 1e-12)
    again = round_robin((3, 0, 5, 1), FIXED, turns=50, noise=0.05, reps=2000, seed=7)
    np.testing.assert_array_equal(again.simulated, res.simulated)


def test_ranking_orders_by_mean_score():
    res = round_robin((3, 0, 5, 1), FIXED, turns=200, noise=0.0)
    means = res.scores.mean(axis=1)
    ranked = [means[res.players.index(p)] for p in res.ranking]
    assert ranked == sorted(ranked, reverse=True)
    assert set(res.ranking) == set(FIXED)


def test_generous_tft_follows_the_transformed_game():
    # krickovic2016 formal treaty (6, -2, 2, 0) at trust 0.5 and k = 4: kappa = 2,
    # S' = -2 - 2*4 = -10, T' = 2 + 2*4 = 10, a PD; GTFT forgiveness
    # min(1 - (10 - 6)/(6 + 10), 6/10) = 0.6. At k = 0 it is a Stag Hunt and the
    # formula (1.5) is clipped to 1, with a note.
    s = Scenario.load("krickovic2016")
    hi = tournament(s, "formal", relative_gains=4.0, players=("gtft", "alld"), turns=5)
    assert hi.game.payoffs(0) == pytest.approx((6.0, -10.0, 10.0, 0.0))
    assert hi.notes == ()
    lo = tournament(s, "formal", relative_gains=0.0, players=("gtft", "alld"), turns=5)
    assert any("clipped" in n for n in lo.notes)
    assert lo.context["relative_gains"] == {"NATO": 0.0, "Russia": 0.0}
    # gtft at forgiveness 0.6 against AllD over 5 turns: S, then P w.p. 0.4 or S w.p. 0.6
    assert hi.scores[0, 1] == pytest.approx((-10 + 4 * (0.6 * -10 + 0.4 * 0.0)) / 5)


def test_replicator_over_the_tournament_and_reciprocating_share():
    # A PD with noise-free TFT, AllD: TFT-TFT R, AllD-AllD P, so a Stag Hunt between
    # the two whose mixed point lies near AllD; from the uniform start TFT wins.
    res = round_robin((3, 0, 5, 1), ("tft", "alld"), turns=200)
    out = res.replicator()
    np.testing.assert_allclose(out.shares, [1.0, 0.0], atol=1e-6)
    assert reciprocating_share(res.players, out.shares) == pytest.approx(1.0)
    assert set(RECIPROCATORS) == {"tft", "gtft", "wsls", "grim"}
    rho = res.moran(20, 0.1)
    assert rho.shape == (2, 2) and rho[0, 0] == pytest.approx(1 / 20)


def test_errors_are_one_line_user_errors():
    with pytest.raises(BindingSimError, match="repeated"):
        round_robin((3, 0, 5, 1), ("tft", "TFT"))
    with pytest.raises(BindingSimError, match="at least 2"):
        round_robin((3, 0, 5, 1), ("tft",))
    with pytest.raises(BindingSimError, match="unknown"):
        round_robin((3, 0, 5, 1), ("tft", "titfortat"))
    s = Scenario.load("krickovic2016")
    with pytest.raises(BindingSimError, match="arrangement"):
        tournament(s, "fromal")


# ------------------------------------------------------------------ CLI
def test_cli_prints_one_block_per_relative_gains_value(capsys):
    rc = main(
        [
            "strategies",
            "krickovic2016",
            "--arrangement",
            "formal",
            "--relative-gains",
            "0.5",
            "4",
            "--players",
            "tft",
            "alld",
            "wsls",
            "--turns",
            "20",
            "--reps",
            "50",
            "--seed",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert out.count("Ranking") == 2 and out.count("Replicator") == 2
    assert "k = 0.5" in out and "k = 4" in out
    # one trust level for both actors, or one each
    for trust, shown in (("0.8", "trust 0.8, 0.8"), ("0.8,0.6", "trust 0.8, 0.6")):
        argv = ["strategies", "krickovic2016", "--arrangement", "formal", "--trust", trust]
        assert main([*argv, "--players", "tft", "alld", "--reps", "0", "--turns", "5"]) == 0
        assert shown in capsys.readouterr().out


def test_cli_json(capsys):
    rc = main(
        [
            "strategies",
            "krickovic2016",
            "--arrangement",
            "md_transparency",
            "--relative-gains",
            "1",
            "--players",
            "TFT",
            "AllD",
            "--turns",
            "10",
            "--noise",
            "0.1",
            "--seed",
            "3",
            "--json",
        ]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    block = data["blocks"][0]
    assert block["players"] == ["tft", "alld"]
    expected = _matrix_by_iteration(
        ("tft", "alld"), *_sym(1.0, -0.2 - 0.5 * 0.4, 0.2 + 0.5 * 0.4, 0.0), 10, 0.1
    )
    np.testing.assert_allclose(block["matrix"], expected, atol=1e-12)
    assert sum(block["replicator"]["shares"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--arrangement", "fromal"], "did you mean 'formal'"),
        (["--arrangement", "formal", "--players", "tft", "bogus"], "bogus"),
        (["--arrangement", "formal", "--trust", "1.5"], "trust"),
        (["--arrangement", "formal", "--relative-gains", "-1"], "relative_gains"),
        (["--arrangement", "formal", "--noise", "2"], "noise"),
    ],
)
def test_cli_errors_exit_2_with_one_line(capsys, argv, needle):
    rc = main(["strategies", "krickovic2016", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err and err.count("\n") == 1


# ------------------------------------------------------------------ figure data and drawing
def test_strategy_evolution_table_and_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from binding_sim.plot.strategy_evolution import (
        strategy_evolution_figure,
        strategy_evolution_table,
        temptation_onset,
    )

    s = Scenario.load("krickovic2016")
    # T' > R' from k = (R - T) / ((T - S)(1 - tau)): formal (6-2)/(4*0.5) = 2,
    # md_transparency (1-0.2)/(0.4*0.5) = 4
    assert temptation_onset(s, "formal") == pytest.approx(2.0)
    assert temptation_onset(s, "md_transparency") == pytest.approx(4.0)
    players = ("allc", "alld", "tft", "grim")
    data = strategy_evolution_table(
        s, ["formal", "md_transparency"], [0.5, 5.0], players=players, turns=20
    )
    assert len(data) == 2 * 2 * len(players)
    for _, grp in data.groupby(["arrangement", "relative_gains"]):
        assert grp["share"].sum() == pytest.approx(1.0)
        recip = grp.loc[grp["player"].isin(["tft", "grim"]), "share"].sum()
        assert grp["reciprocating_share"].iloc[0] == pytest.approx(recip)
        assert sorted(grp["rank"]) == [1, 2, 3, 4]
    fig = strategy_evolution_figure(
        data,
        {
            "ranking_arrangement": "formal",
            "ranking_k": [0.5, 5.0],
            "arrangements": ["formal", "md_transparency"],
        },
    )
    assert len(fig.axes) == 3
    plt.close(fig)
