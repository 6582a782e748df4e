"""An independent test oracle: the engine's round written as vectorised numpy (docs/model.md sections 3 to 8).

This is the engine's former numpy back end, kept only under ``tests/`` as a
second method: its own compile of the cells into padded tables (the
formal treaty and the rungs indexed by the number ``r`` of rungs
implemented), its own copy of the round (every replicate of every cell at
once, one Python loop over rounds, the kinds of round F / new rung /
maintained rung / idle written out as in docs/model.md section 5), its own
trust rule over arrays, and its own reading of the random stream (one
``rng.random((4, n))`` per round, stopping when every replicate is bound).
Tests hold the engine's one kernel (:mod:`binding_sim.dynamics.kernel`)
against it bit for bit.

Known caveat: with finite decision precision an actor complies iff
``u < 1 / (1 + exp(-beta Delta))``; numpy's vectorised ``exp`` and the
scalar ``exp`` of the kernel (libm, for numba and for plain Python) may
differ in the last bit, so the two can disagree when a uniform draw lands
within an ulp of the logit probability (never seen in the tests' scenarios,
but possible in principle).

It also implements ``protocols.formal.offer = "when_accepted"`` its own way:
under the formal protocol a round is idle unless both accept the treaty.

It has no actor types (docs/model.md section 12): it accepts only scenarios
in which every actor is trustworthy (``trustworthy_prob = 1``, so greed and
empathy play no part) under the linear trust model, and reports every actor
trustworthy at the end. Types and the bayesian model are checked against
hand-computed runs and closed forms instead (``tests/test_bayesian_engine.py``).
Nor has it revocable binding (docs/model.md section 13.1): it accepts only
``protocols.binding = "absorbing"``; revocable binding is checked against
the absorbing run and hand-derived paths (``tests/test_revocable.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from binding_sim.config.scenario import FORMAL, Scenario
from binding_sim.dynamics.outcomes import BlockStats, Outcome, Trajectories, summarize
from binding_sim.errors import BindingSimError
from binding_sim.model.margins import margin_coefficients
from binding_sim.model.payoffs import absolute_payoffs
from binding_sim.rng import block_generator, blocks

__all__ = [
    "CellTables",
    "compile_cells",
    "linear_update",
    "oracle_simulate",
    "oracle_simulate_cells",
]

TOL = 1e-9
"""Acceptance tolerance of docs/model.md section 3 (written out again here)."""

# Kinds of round (what is on the table).
_F, _NEW, _MAINT, _IDLE = 0, 1, 2, 3


def linear_update(tau, perceived_compliance, on_table, lam_w, mu, phi, tau0) -> np.ndarray:
    """The linear trust rule of docs/model.md section 4, vectorised (an independent copy)."""
    tau = np.asarray(tau, dtype=float)
    lam_w = np.asarray(lam_w, dtype=float)
    phi = np.asarray(phi, dtype=float)
    tau0 = np.asarray(tau0, dtype=float)
    built = np.minimum(tau + lam_w * (1.0 - tau), 1.0)
    eroded = tau * (1.0 - np.asarray(mu, dtype=float))
    moved = np.where(
        np.asarray(on_table, dtype=bool), np.where(perceived_compliance, built, eroded), tau
    )
    return np.asarray(moved + phi * np.maximum(0.0, tau0 - moved))


@dataclass(frozen=True)
class CellTables:
    """Every cell's parameters as padded arrays (the engine's compiled view of the scenarios).

    Shapes use ``C`` cells, ``K`` rung slots (at least 1), ``K1 = K + 1``
    numbers of implemented rungs (0..K) and ``Hmax`` the longest horizon.
    Arrangement-indexed tables are indexed by the rung index (``cR``, ``pR``,
    ``wR``) or by the number of rungs implemented (``cF``, ``pF``, ``cumR``,
    ``mT``: the formal treaty with those rungs' caps, the sum of their ``R``,
    the transparency they give).
    """

    formal: bool
    when_accepted: np.ndarray  # (C,) bool: formal offer rule "when_accepted"
    C: int
    K: int
    Hmax: int
    k: np.ndarray  # (2, C)
    tau0: np.ndarray  # (2, C)
    eps: np.ndarray  # (2, C)
    beta: np.ndarray  # (2, C) finite precision (0 where infinite)
    binf: np.ndarray  # (2, C) bool: infinite precision
    lam: np.ndarray  # (C,)
    mu: np.ndarray  # (C,)
    phi: np.ndarray  # (C,)
    H: np.ndarray  # (C,) int64
    nr: np.ndarray  # (C,) int64 ladder length (0 for formal)
    setback: np.ndarray  # (C,) int64
    cF: np.ndarray  # (2, 3, C, K1) margin coefficients of F given r rungs
    cR: np.ndarray  # (2, 3, C, K) margin coefficients of rung j
    pF: np.ndarray  # (2, 4, C, K1) absolute R, S, T, P of F given r rungs
    pR: np.ndarray  # (2, 4, C, K) absolute R, S, T, P of rung j
    cumR: np.ndarray  # (2, C, K1) sum of R of the first r rungs
    mT: np.ndarray  # (C, K1) transparency with r rungs
    wF: np.ndarray  # (C,)
    wR: np.ndarray  # (C, K)
    RF: np.ndarray  # (2, C) R of F (common threat included)
    disc: np.ndarray  # (C, Hmax + 1) delta^(t-1) at index t
    taild: np.ndarray  # (C, Hmax + 1) sum of delta^(s-1) for s = t+1..H
    names: tuple[tuple[str, str], ...]


def compile_cells(
    cells: Sequence[Scenario], protocol: str, horizon: int | None = None
) -> CellTables:
    """Precompute the padded parameter tables of ``cells`` for ``protocol``.

    Raises
    ------
    BindingSimError
        Unknown protocol, or ``piecemeal`` for a scenario without a ladder
        (the message names the scenario).
    """
    if protocol not in ("formal", "piecemeal"):
        raise BindingSimError(f"protocol = {protocol!r}: unknown protocol")
    formal = protocol == "formal"
    C = len(cells)
    ladders: list[tuple[str, ...]] = []
    for sc in cells:
        if formal:
            ladders.append(())
        elif sc.ladder is None:
            raise BindingSimError(
                f"scenario {sc.name!r} ({sc.source or 'no file'}) has no piecemeal ladder "
                "([protocols.piecemeal] ladder = [...]); only the formal protocol can run"
            )
        else:
            ladders.append(tuple(sc.ladder))
    nmax = max((len(lad) for lad in ladders), default=0)
    K = max(nmax, 1)
    K1 = nmax + 1
    Hs = [int(horizon if horizon is not None else sc.horizon) for sc in cells]
    for sc, h in zip(cells, Hs, strict=True):
        if h < 1:
            raise BindingSimError(f"horizon = {h} for scenario {sc.name!r}: must be >= 1")
    Hmax = max(Hs, default=1)

    when_accepted = np.array(
        [formal and sc.offer == "when_accepted" for sc in cells], bool
    ).reshape(C)
    k = np.zeros((2, C))
    tau0 = np.zeros((2, C))
    eps = np.zeros((2, C))
    beta = np.zeros((2, C))
    binf = np.zeros((2, C), bool)
    lam, mu, phi = np.zeros(C), np.zeros(C), np.zeros(C)
    H = np.array(Hs, np.int64).reshape(C)
    nr = np.array([len(lad) for lad in ladders], np.int64).reshape(C)
    setback = np.array([0 if formal else sc.setback for sc in cells], np.int64).reshape(C)
    cF = np.zeros((2, 3, C, K1))
    cR = np.zeros((2, 3, C, K))
    pF = np.zeros((2, 4, C, K1))
    pR = np.zeros((2, 4, C, K))
    cumR = np.zeros((2, C, K1))
    mT = np.zeros((C, K1))
    wF = np.ones(C)
    wR = np.ones((C, K))
    RF = np.zeros((2, C))
    disc = np.zeros((C, Hmax + 1))
    taild = np.zeros((C, Hmax + 1))

    for c, (sc, lad) in enumerate(zip(cells, ladders, strict=True)):
        assert sc.trust_model == "linear"
        assert all(act.trustworthy_prob == 1.0 for act in sc.actors), "no types in the oracle"
        assert sc.binding == "absorbing", "no revocable binding in the oracle"
        lam[c], mu[c], phi[c] = sc.building_rate, sc.erosion_rate, sc.recovery_rate
        for i, act in enumerate(sc.actors):
            k[i, c] = act.relative_gains
            tau0[i, c] = act.initial_trust
            eps[i, c] = act.incident_rate
            b = act.decision_precision
            binf[i, c] = math.isinf(b)
            beta[i, c] = 0.0 if math.isinf(b) else b
        theta = sc.common_threat
        F = sc.arrangements[FORMAL]
        wF[c] = F.trust_weight
        rungs = [sc.arrangements[name] for name in lad]
        cap = 1.0
        gain = 0.0
        for r in range(K1):
            if 0 < r <= len(rungs):
                cap *= rungs[r - 1].cap_factor
                gain += rungs[r - 1].transparency_gain
            pay = absolute_payoffs(F, theta, cap)
            pF[:, :, c, r] = pay
            for i in range(2):
                cF[i, :, c, r] = margin_coefficients(k[i, c], pay[i], pay[1 - i])
            mT[c, r] = min(1.0, gain)
        RF[:, c] = absolute_payoffs(F, theta, 1.0)[:, 0]
        for j in range(K):
            arr = rungs[min(j, len(rungs) - 1)] if rungs else F
            pay = absolute_payoffs(arr, theta, 1.0)
            pR[:, :, c, j] = pay
            for i in range(2):
                cR[i, :, c, j] = margin_coefficients(k[i, c], pay[i], pay[1 - i])
            wR[c, j] = arr.trust_weight
        for r in range(1, K1):
            cumR[:, c, r] = cumR[:, c, r - 1]
            if r <= len(rungs):
                cumR[:, c, r] = cumR[:, c, r - 1] + pR[:, 0, c, r - 1]
        h = Hs[c]
        d = sc.discount_factor ** np.arange(h, dtype=float)
        disc[c, 1 : h + 1] = d
        suffix = np.cumsum(d[::-1])[::-1]  # suffix[i] = sum of d[i:]
        taild[c, 1:h] = suffix[1:h]
    return CellTables(
        formal=formal,
        when_accepted=when_accepted,
        C=C,
        K=K,
        Hmax=Hmax,
        k=k,
        tau0=tau0,
        eps=eps,
        beta=beta,
        binf=binf,
        lam=lam,
        mu=mu,
        phi=phi,
        H=H,
        nr=nr,
        setback=setback,
        cF=cF,
        cR=cR,
        pF=pF,
        pR=pR,
        cumR=cumR,
        mT=mT,
        wF=wF,
        wR=wR,
        RF=RF,
        disc=disc,
        taild=taild,
        names=tuple(sc.actor_names for sc in cells),
    )


# ----------------------------------------------------------------------------- block state
@dataclass
class _BlockState:
    """Per-replicate state and tallies of one block, all cells (arrays ``(..., C, n)``)."""

    tau: np.ndarray  # (2, C, n) float
    r: np.ndarray  # (C, n) int64 rungs implemented
    bind: np.ndarray  # (C, n) int64 binding round, 0 = unbound
    inc: np.ndarray  # (2, C, n) int64 incidents perceived by each actor
    mdef: np.ndarray  # (C, n) int64 rounds of mutual defection
    idle: np.ndarray  # (C, n) int64 idle rounds
    pay: np.ndarray  # (8, C, n) float: PAYOFF_KINDS x actor
    exploited: np.ndarray  # (2, C, n) int64 rounds complied while the other defected
    tr_tau: np.ndarray  # (C, n, Hmax + 1, 2) or a dummy (1, 1, 1, 2)
    tr_r: np.ndarray  # (C, n, Hmax + 1) or a dummy
    tr_b: np.ndarray  # (C, n, Hmax + 1) or a dummy

    @classmethod
    def new(cls, tab: CellTables, n: int, record: bool) -> _BlockState:
        C = tab.C
        tau = np.ascontiguousarray(np.repeat(tab.tau0[:, :, None], n, axis=2))
        shape = (C, n, tab.Hmax + 1) if record else (1, 1, 1)
        st = cls(
            tau=tau,
            r=np.zeros((C, n), np.int64),
            bind=np.zeros((C, n), np.int64),
            inc=np.zeros((2, C, n), np.int64),
            mdef=np.zeros((C, n), np.int64),
            idle=np.zeros((C, n), np.int64),
            pay=np.zeros((8, C, n)),
            exploited=np.zeros((2, C, n), np.int64),
            tr_tau=np.zeros((*shape, 2)),
            tr_r=np.zeros(shape, np.int64),
            tr_b=np.zeros(shape, bool),
        )
        if record:
            st.write_columns(0, tab.Hmax + 1)
        return st

    def write_columns(self, start: int, stop: int) -> None:
        """Copy the current state into trajectory columns ``start..stop-1``."""
        if start >= stop:
            return
        self.tr_tau[:, :, start:stop, :] = np.moveaxis(self.tau, 0, -1)[:, :, None, :]
        self.tr_r[:, :, start:stop] = self.r[:, :, None]
        self.tr_b[:, :, start:stop] = (self.bind > 0)[:, :, None]


def _take(table: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``table[c, idx[c, j]]`` for a ``(C, K)`` table and ``(C, n)`` indices."""
    return np.take_along_axis(table, idx, axis=1)


def _margin(coef: np.ndarray, i: int, idx: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``Delta_i`` by Horner's rule ``(c2 tau + c1) tau + c0`` from gathered coefficients."""
    return (_take(coef[i, 0], idx) * tau + _take(coef[i, 1], idx)) * tau + _take(coef[i, 2], idx)


def _trapped(tab: CellTables, tau: np.ndarray, r: np.ndarray, bind: np.ndarray) -> np.ndarray:
    """Unbound and nothing the protocol could table next is accepted by both (docs/model.md section 8)."""
    ok = (_margin(tab.cF, 0, r, tau[0]) >= -TOL) & (_margin(tab.cF, 1, r, tau[1]) >= -TOL)
    if not tab.formal:
        jn = np.minimum(r, tab.K - 1)
        acc_n = (
            (r < tab.nr[:, None])
            & (_margin(tab.cR, 0, jn, tau[0]) >= -TOL)
            & (_margin(tab.cR, 1, jn, tau[1]) >= -TOL)
        )
        jm = np.maximum(r - 1, 0)
        acc_m = (
            (r > 0)
            & (_margin(tab.cR, 0, jm, tau[0]) >= -TOL)
            & (_margin(tab.cR, 1, jm, tau[1]) >= -TOL)
        )
        ok = ok | acc_n | acc_m
    return np.asarray((bind == 0) & ~ok)


# ----------------------------------------------------------------------------- the round
def _round_numpy(tab: CellTables, st: _BlockState, t: int, u: np.ndarray) -> None:
    """One round of every replicate of every cell of a block, vectorised (docs/model.md section 5)."""
    tau, r = st.tau, st.r
    col = lambda a: a[:, None]  # noqa: E731 - per-cell column
    active = (st.bind == 0) & (t <= col(tab.H))
    dF = [_margin(tab.cF, i, r, tau[i]) for i in range(2)]
    jm = np.maximum(r - 1, 0)
    if tab.formal:
        accF = (dF[0] >= -TOL) & (dF[1] >= -TOL)
        kind = np.where(col(tab.when_accepted) & ~accF, _IDLE, _F)
        d = dF
        x = jm
    else:
        accF = (dF[0] >= -TOL) & (dF[1] >= -TOL)
        jn = np.minimum(r, tab.K - 1)
        dN = [_margin(tab.cR, i, jn, tau[i]) for i in range(2)]
        accN = (r < col(tab.nr)) & (dN[0] >= -TOL) & (dN[1] >= -TOL)
        dM = [_margin(tab.cR, i, jm, tau[i]) for i in range(2)]
        kind = np.where(accF, _F, np.where(accN, _NEW, np.where(r > 0, _MAINT, _IDLE)))
        d = [np.where(kind == _F, dF[i], np.where(kind == _NEW, dN[i], dM[i])) for i in range(2)]
        x = np.where(kind == _NEW, jn, jm)
    play = active & (kind != _IDLE)
    comply = []
    with np.errstate(over="ignore"):
        for i in range(2):
            p = 1.0 / (1.0 + np.exp(-col(tab.beta[i]) * d[i]))
            comply.append(play & np.where(col(tab.binf[i]), d[i] >= -TOL, u[i] < p))
    # observation (transparency at the start of the round)
    m = _take(tab.mT, r)
    inc = [play & comply[1 - i] & (u[2 + i] < col(tab.eps[i]) * (1.0 - m)) for i in range(2)]
    seen = [comply[1 - i] & ~inc[i] for i in range(2)]
    # trust update, then recovery
    w = np.where(kind == _F, col(tab.wF), _take(tab.wR, x))
    lam_w = col(tab.lam) * w
    tau_start = tau.copy()
    for i in range(2):
        new = linear_update(
            tau[i], seen[i], play, lam_w, col(tab.mu), col(tab.phi), col(tab.tau0[i])
        )
        tau[i] = np.where(active, new, tau[i])
    # payments (docs/model.md section 8)
    is_rung = (kind == _NEW) | (kind == _MAINT)
    extra_idx = np.where(kind == _MAINT, jm, r)
    pi = []
    for i in range(2):
        R, S, T, P = (
            np.where(is_rung, _take(tab.pR[i, q], x), _take(tab.pF[i, q], r)) for q in range(4)
        )
        ci, cj = comply[i], comply[1 - i]
        own = np.where(ci, np.where(cj, R, S), np.where(cj, T, P))
        pi.append(own + _take(tab.cumR[i], extra_idx))
    dt = col(tab.disc[:, t])
    for i in range(2):
        kap = col(tab.k[i]) * (1.0 - tau_start[i])
        U = (1.0 + kap) * pi[i] - kap * pi[1 - i]
        for q, val in ((i, pi[i]), (2 + i, U), (4 + i, dt * pi[i]), (6 + i, dt * U)):
            np.add(st.pay[q], val, out=st.pay[q], where=active)
    # tallies
    for i in range(2):
        st.inc[i] += inc[i]
        st.exploited[i] += play & comply[i] & ~comply[1 - i]
    st.mdef += play & ~comply[0] & ~comply[1]
    st.idle += active & (kind == _IDLE)
    # state changes for the next round
    both = comply[0] & comply[1]
    newb = play & (kind == _F) & both
    if newb.any():
        st.bind[newb] = t
        nt = (col(tab.H) - t).astype(float)
        td = col(tab.taild[:, t])
        for i in range(2):
            kf = col(tab.k[i]) * (1.0 - tau[i])
            Rf, Rj = col(tab.RF[i]), col(tab.RF[1 - i])
            Uf = (1.0 + kf) * Rf - kf * Rj
            for q, val in ((i, Rf * nt), (2 + i, Uf * nt), (4 + i, Rf * td), (6 + i, Uf * td)):
                np.add(st.pay[q], val, out=st.pay[q], where=newb)
    implement = play & (kind == _NEW) & both
    revoke = play & is_rung & ~both
    st.r[...] = np.where(
        implement, r + 1, np.where(revoke, np.maximum(r - col(tab.setback), 0), r)
    )


def _run_block_numpy(
    tab: CellTables, rng: np.random.Generator, n: int, record: bool
) -> _BlockState:
    st = _BlockState.new(tab, n, record)
    for t in range(1, tab.Hmax + 1):
        u = rng.random((4, n))
        if not ((st.bind == 0) & (t <= tab.H[:, None])).any():
            break
        _round_numpy(tab, st, t, u)
        if record:
            st.write_columns(t, t + 1)
    else:
        return st
    if record:
        st.write_columns(t, tab.Hmax + 1)
    return st


def _finish_block(tab: CellTables, st: _BlockState, record: bool):
    trapped = _trapped(tab, st.tau, st.r, st.bind)
    stats = [
        BlockStats.from_replicates(
            int(tab.H[c]),
            st.bind[c],
            trapped[c],
            st.inc[:, c],
            st.r[c],
            st.mdef[c],
            st.idle[c],
            st.tau[:, c],
            st.pay[:, c],
            np.ones((2, st.bind.shape[1]), bool),  # no types: every actor trustworthy
            st.exploited[:, c],
        )
        for c in range(tab.C)
    ]
    traj = None
    if record:
        traj = [
            (st.tr_tau[c, :, : int(tab.H[c]) + 1].copy(), st.tr_r[c, :, : int(tab.H[c]) + 1].copy(),
             st.tr_b[c, :, : int(tab.H[c]) + 1].copy())
            for c in range(tab.C)
        ]  # fmt: skip
    return stats, traj


def oracle_simulate_cells(
    cells: Sequence[Scenario],
    protocol: str,
    reps: int,
    seed: int,
    *,
    horizon: int | None = None,
    record: bool = False,
) -> list[Outcome]:
    """The oracle's outcome of every cell (same block streams as the engine, blocks in order)."""
    cells = list(cells)
    tab = compile_cells(cells, protocol, horizon)
    totals = None
    trajs: list[list] = [[] for _ in cells]
    for blk in blocks(reps):
        st = _run_block_numpy(tab, block_generator(seed, blk.index), blk.size, record)
        stats, traj = _finish_block(tab, st, record)
        totals = (
            stats if totals is None else [a.combine(b) for a, b in zip(totals, stats, strict=True)]
        )
        if traj is not None:
            for c, tr in enumerate(traj):
                trajs[c].append(tr)
    assert totals is not None
    out = []
    for c, sc in enumerate(cells):
        tr = None
        if record:
            tr = Trajectories(
                trust=np.concatenate([p[0] for p in trajs[c]]),
                rung=np.concatenate([p[1] for p in trajs[c]]),
                bound=np.concatenate([p[2] for p in trajs[c]]),
            )
        out.append(summarize(totals[c], protocol, sc.actor_names, tr))
    return out


def oracle_simulate(
    scenario: Scenario,
    protocol: str,
    reps: int,
    seed: int,
    *,
    horizon: int | None = None,
    record: bool = False,
) -> Outcome:
    """:func:`oracle_simulate_cells` for one scenario."""
    return oracle_simulate_cells([scenario], protocol, reps, seed, horizon=horizon, record=record)[
        0
    ]
