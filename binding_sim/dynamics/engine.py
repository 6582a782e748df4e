r"""The Monte Carlo engine: formal versus piecemeal binding (docs/model.md sections 3 to 6, 8, 11).

Front doors:

- :func:`simulate` runs one scenario under one protocol;
- :func:`simulate_cells` runs many parameter cells (scenarios that may differ
  in anything, ladders included) on the same random streams.

Each round ``t = 1..H`` of every replicate follows docs/model.md section 5:

1. choose ``X_t``. ``formal``: the treaty ``F``. ``piecemeal``: ``F`` if both
   actors accept it with the caps of the implemented rungs in force; else the
   next rung of the ladder if both accept it; else the highest implemented
   rung (maintenance, accepted or not); else nothing (an idle round);
2. decide: actor ``i`` complies with probability
   ``1 / (1 + exp(-beta_i Delta_i))`` (``beta = inf``: iff ``Delta_i >= -1e-9``),
   ``Delta_i`` at its current trust with ``kappa_i = k_i (1 - tau_i)``
   (:func:`binding_sim.model.margins.margin_coefficients`, so engine and analysis agree);
3. observe: ``i`` misreads a compliance of ``j`` as a defection (an
   incident) with probability ``epsilon_i (1 - m)``, ``m`` the transparency at
   the start of the round;
4. trust update, then recovery (:mod:`binding_sim.dynamics.trust`); frozen once bound;
5. payments (section 8): the stage payoff on the table plus ``R`` of every
   implemented rung not on the table; ``P_F`` in an idle round; ``R_F`` in
   every round after binding; relative-gains utility with ``kappa`` at the
   trust at the start of the round; discount weight ``delta^(t-1)``;
6. state change: mutual compliance on ``F`` binds, on a new rung implements
   it; an actual defection on a rung revokes the ``setback`` most recent rungs.

Rungs are implemented in ladder order and revoked most-recent-first, so the
implemented set is always a prefix of the ladder and the state of a
replicate is (trust of each actor, number ``r`` of rungs implemented, bound).

Randomness (docs/model.md section 11): replicates fall in fixed blocks of 8192;
block ``b`` draws from ``SeedSequence(seed, spawn_key=(b,))``. Each round
draws ``u = rng.random((4, n))`` over the block's ``n`` replicates, rows
(decision A, decision B, incident seen by A, incident seen by B), the same
for every cell (common random numbers) and whether or not a replicate still
needs them. Rounds may be drawn in chunks ``rng.random((L, 4, n))``, which
is the same stream. A block's statistics depend only on its cell and its
stream, blocks are combined in block order, so results are bit-identical
however cells are grouped, ordered or batched, and for any number of worker
threads.

Two interchangeable back ends compute a block: ``"numpy"`` (vectorised over
cells x replicates, one Python loop over rounds) and ``"numba"`` (a compiled
kernel over the same arithmetic, the default when numba is installed). They
agree bit for bit except where a logit probability lands within an ulp of a
uniform draw (the two ``exp`` implementations may differ in the last bit).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import trust

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None  # type: ignore[assignment]
from ..config.scenario import FORMAL, Scenario
from ..errors import BindingSimError
from ..model.margins import TOL, margin_coefficients
from ..model.payoffs import absolute_payoffs
from ..rng import block_generator, blocks
from .outcomes import (
    BlockStats,
    Outcome,
    Trajectories,
    summarize,
)

__all__ = [
    "BACKENDS",
    "PROTOCOLS",
    "CellTables",
    "compile_cells",
    "simulate",
    "simulate_cells",
]

PROTOCOLS = ("formal", "piecemeal")
"""Binding protocols of docs/model.md section 5."""

BACKENDS = ("auto", "numba", "numpy")
"""Engine back ends; ``"auto"`` is numba when it can be imported, else numpy."""

# Kinds of round (what is on the table).
_F, _NEW, _MAINT, _IDLE = 0, 1, 2, 3

_CHUNK_MAX = 32
"""Most rounds drawn at once by the compiled path (chunks grow 1, 2, 4, ... up to this)."""


# ----------------------------------------------------------------------------- tables
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
    C: int
    K: int
    Hmax: int
    model: np.ndarray  # (C,) int64 trust-model id
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


def _check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise BindingSimError(
            f"protocol = {protocol!r}: unknown protocol; choose one of {', '.join(PROTOCOLS)}"
        )


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
    _check_protocol(protocol)
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

    model = np.zeros(C, np.int64)
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
        model[c] = trust.model_id(sc.trust_model)
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
        C=C,
        K=K,
        Hmax=Hmax,
        model=model,
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


# ----------------------------------------------------------------------------- numpy path
def _round_numpy(tab: CellTables, st: _BlockState, t: int, u: np.ndarray) -> None:
    """One round of every replicate of every cell of a block, vectorised (docs/model.md section 5)."""
    tau, r = st.tau, st.r
    col = lambda a: a[:, None]  # noqa: E731 - per-cell column
    active = (st.bind == 0) & (t <= col(tab.H))
    dF = [_margin(tab.cF, i, r, tau[i]) for i in range(2)]
    jm = np.maximum(r - 1, 0)
    if tab.formal:
        kind = np.zeros(r.shape, np.int64)
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
    for mid in np.unique(tab.model):
        rule = next(mdl for mdl in trust.MODELS.values() if mdl.id == mid).array_rule
        sel = active & (col(tab.model) == mid)
        for i in range(2):
            new = rule(tau[i], seen[i], play, lam_w, col(tab.mu), col(tab.phi), col(tab.tau0[i]))
            tau[i] = np.where(sel, new, tau[i])
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


# ----------------------------------------------------------------------------- numba path
def _kernel_source(
    u: Any, t_first: int, n_rounds: int, formal: bool, model: Any,
    tau: Any, r: Any, bind: Any, inc: Any, mdef: Any, idle: Any, pay: Any,
    k: Any, tau0: Any, eps: Any, beta: Any, binf: Any, lam: Any, mu: Any, phi: Any,
    H: Any, nr: Any, setback: Any, cF: Any, cR: Any, pF: Any, pR: Any, cumR: Any,
    mT: Any, wF: Any, wR: Any, RF: Any, disc: Any, taild: Any,
    record: bool, tr_tau: Any, tr_r: Any, tr_b: Any,
) -> int:  # fmt: skip
    """Rounds ``t_first .. t_first + n_rounds - 1`` of every unbound replicate (scalar twin of
    :func:`_round_numpy`, compiled by numba; returns how many replicates still need rounds)."""
    C = r.shape[0]
    n = r.shape[1]
    t_last = t_first + n_rounds - 1
    still = 0
    for c in range(C):
        Hc = H[c]
        if t_first > Hc:
            continue
        kA0, kB0 = k[0, c], k[1, c]
        eA, eB = eps[0, c], eps[1, c]
        bA, bB = beta[0, c], beta[1, c]
        infA, infB = binf[0, c], binf[1, c]
        t0A, t0B = tau0[0, c], tau0[1, c]
        RFA, RFB = RF[0, c], RF[1, c]
        lamc, muc, phic, wFc = lam[c], mu[c], phi[c], wF[c]
        mc, nrc, sbc = model[c], nr[c], setback[c]
        for j in range(n):
            if bind[c, j] != 0:
                continue
            tA = tau[0, c, j]
            tB = tau[1, c, j]
            rr = r[c, j]
            a0, a1, a2, a3 = pay[0, c, j], pay[1, c, j], pay[2, c, j], pay[3, c, j]
            a4, a5, a6, a7 = pay[4, c, j], pay[5, c, j], pay[6, c, j], pay[7, c, j]
            gA, gB, gm, gi = inc[0, c, j], inc[1, c, j], mdef[c, j], idle[c, j]
            bound = False
            t = t_first
            while t <= t_last and t <= Hc:
                s = t - t_first
                # 1. what is on the table
                dA = (cF[0, 0, c, rr] * tA + cF[0, 1, c, rr]) * tA + cF[0, 2, c, rr]
                dB = (cF[1, 0, c, rr] * tB + cF[1, 1, c, rr]) * tB + cF[1, 2, c, rr]
                kind = 0
                x = 0
                if not formal and not (dA >= -TOL and dB >= -TOL):
                    kind = 3
                    if rr < nrc:
                        nA = (cR[0, 0, c, rr] * tA + cR[0, 1, c, rr]) * tA + cR[0, 2, c, rr]
                        nB = (cR[1, 0, c, rr] * tB + cR[1, 1, c, rr]) * tB + cR[1, 2, c, rr]
                        if nA >= -TOL and nB >= -TOL:
                            kind = 1
                            x = rr
                            dA = nA
                            dB = nB
                    if kind == 3 and rr > 0:
                        kind = 2
                        x = rr - 1
                        dA = (cR[0, 0, c, x] * tA + cR[0, 1, c, x]) * tA + cR[0, 2, c, x]
                        dB = (cR[1, 0, c, x] * tB + cR[1, 1, c, x]) * tB + cR[1, 2, c, x]
                play = kind != 3
                # 2. decisions
                cA = False
                cB = False
                if play:
                    if infA:
                        cA = dA >= -TOL
                    else:
                        cA = u[s, 0, j] < 1.0 / (1.0 + math.exp(-bA * dA))
                    if infB:
                        cB = dB >= -TOL
                    else:
                        cB = u[s, 1, j] < 1.0 / (1.0 + math.exp(-bB * dB))
                # 3. observation
                m = mT[c, rr]
                iA = play and cB and u[s, 2, j] < eA * (1.0 - m)
                iB = play and cA and u[s, 3, j] < eB * (1.0 - m)
                # 4. trust
                w = wFc if kind == 0 else wR[c, x]
                lw = lamc * w
                sA = tA
                sB = tB
                tA = _update_nb(mc, tA, cB and not iA, play, lw, muc, phic, t0A)
                tB = _update_nb(mc, tB, cA and not iB, play, lw, muc, phic, t0B)
                # 5. payments
                qA = (0 if cB else 1) if cA else (2 if cB else 3)
                qB = (0 if cA else 1) if cB else (2 if cA else 3)
                if kind == 1 or kind == 2:
                    oA = pR[0, qA, c, x]
                    oB = pR[1, qB, c, x]
                else:
                    oA = pF[0, qA, c, rr]
                    oB = pF[1, qB, c, rr]
                ei = x if kind == 2 else rr
                piA = oA + cumR[0, c, ei]
                piB = oB + cumR[1, c, ei]
                kA = kA0 * (1.0 - sA)
                kB = kB0 * (1.0 - sB)
                UA = (1.0 + kA) * piA - kA * piB
                UB = (1.0 + kB) * piB - kB * piA
                dt = disc[c, t]
                a0 += piA
                a1 += piB
                a2 += UA
                a3 += UB
                a4 += dt * piA
                a5 += dt * piB
                a6 += dt * UA
                a7 += dt * UB
                # tallies
                if iA:
                    gA += 1
                if iB:
                    gB += 1
                if play and not cA and not cB:
                    gm += 1
                if not play:
                    gi += 1
                # 6. state change
                if play and cA and cB:
                    if kind == 0:
                        bound = True
                        nt = float(Hc - t)
                        td = taild[c, t]
                        RA = RFA
                        RB = RFB
                        fA = kA0 * (1.0 - tA)
                        fB = kB0 * (1.0 - tB)
                        VA = (1.0 + fA) * RA - fA * RB
                        VB = (1.0 + fB) * RB - fB * RA
                        a0 += RA * nt
                        a1 += RB * nt
                        a2 += VA * nt
                        a3 += VB * nt
                        a4 += RA * td
                        a5 += RB * td
                        a6 += VA * td
                        a7 += VB * td
                    elif kind == 1:
                        rr += 1
                elif play and kind != 0:
                    rr = max(rr - sbc, 0)
                if record:
                    tr_tau[c, j, t, 0] = tA
                    tr_tau[c, j, t, 1] = tB
                    tr_r[c, j, t] = rr
                    tr_b[c, j, t] = bound
                if bound:
                    break
                t += 1
            tau[0, c, j] = tA
            tau[1, c, j] = tB
            r[c, j] = rr
            pay[0, c, j], pay[1, c, j], pay[2, c, j], pay[3, c, j] = a0, a1, a2, a3
            pay[4, c, j], pay[5, c, j], pay[6, c, j], pay[7, c, j] = a4, a5, a6, a7
            inc[0, c, j], inc[1, c, j], mdef[c, j], idle[c, j] = gA, gB, gm, gi
            if bound:
                bind[c, j] = t
                if record:
                    for tt in range(t + 1, Hc + 1):
                        tr_tau[c, j, tt, 0] = tA
                        tr_tau[c, j, tt, 1] = tB
                        tr_r[c, j, tt] = rr
                        tr_b[c, j, tt] = True
            elif t_last < Hc:
                still += 1
    return still


def _update_source(
    model: int,
    tau: float,
    perceived: bool,
    on_table: bool,
    lam_w: float,
    mu: float,
    phi: float,
    tau0: float,
) -> float:
    """Dispatch on the trust-model id inside the kernel (ids in :data:`_KERNEL_MODELS`).

    A model registered in :mod:`binding_sim.dynamics.trust` but not (yet) given a
    branch here runs on the numpy path instead (see :func:`simulate_cells`).
    """
    return _linear_nb(tau, perceived, on_table, lam_w, mu, phi, tau0)


_KERNEL_MODELS = frozenset({trust.MODELS["linear"].id})
"""Trust-model ids the compiled kernel implements."""


def _drop_stale_kernel_cache() -> None:
    """Delete this module's numba cache files when ``trust.py`` is newer than them.

    numba keys a cached function on its own source file only, so an edit to
    a trust rule (compiled into the kernel) would otherwise be ignored.
    """
    cache = Path(__file__).resolve().parent / "__pycache__"
    try:
        newest_source = Path(trust.__file__).resolve().stat().st_mtime
        for f in cache.glob(f"{Path(__file__).stem}._*.nb[ci]"):
            if f.stat().st_mtime < newest_source:
                f.unlink()
    except OSError:
        pass


if numba is not None:
    _drop_stale_kernel_cache()
    _linear_nb = numba.njit(cache=True, nogil=True)(trust.linear_update_scalar)
    _update_nb = numba.njit(cache=True, nogil=True)(_update_source)
    _kernel_nb = numba.njit(cache=True, nogil=True)(_kernel_source)


def numba_available() -> bool:
    """Whether the compiled back end can be used (numba importable)."""
    return numba is not None


def _run_block_numba(
    tab: CellTables, rng: np.random.Generator, n: int, record: bool
) -> _BlockState:
    st = _BlockState.new(tab, n, record)
    buf = np.empty((min(_CHUNK_MAX, tab.Hmax), 4, n))
    t = 1
    size = 1
    while t <= tab.Hmax:
        L = min(size, _CHUNK_MAX, tab.Hmax - t + 1)
        u = buf[:L]
        rng.random(out=u)
        still = _kernel_nb(
            u, t, L, tab.formal, tab.model,
            st.tau, st.r, st.bind, st.inc, st.mdef, st.idle, st.pay,
            tab.k, tab.tau0, tab.eps, tab.beta, tab.binf, tab.lam, tab.mu, tab.phi,
            tab.H, tab.nr, tab.setback, tab.cF, tab.cR, tab.pF, tab.pR, tab.cumR,
            tab.mT, tab.wF, tab.wR, tab.RF, tab.disc, tab.taild,
            record, st.tr_tau, st.tr_r, st.tr_b,
        )  # fmt: skip
        t += L
        size *= 2
        if still == 0:
            break
    return st


# ----------------------------------------------------------------------------- driver
@dataclass
class _BlockResult:
    stats: list[BlockStats]
    traj: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None


def _finish_block(tab: CellTables, st: _BlockState, record: bool) -> _BlockResult:
    trapped = _trapped(tab, st.tau, st.r, st.bind)
    stats = []
    for c in range(tab.C):
        stats.append(
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
            )
        )
    traj = None
    if record:
        traj = []
        for c in range(tab.C):
            h = int(tab.H[c]) + 1
            traj.append(
                (st.tr_tau[c, :, :h].copy(), st.tr_r[c, :, :h].copy(), st.tr_b[c, :, :h].copy())
            )
    return _BlockResult(stats, traj)


def _resolve_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise BindingSimError(
            f"backend = {backend!r}: unknown engine back end; choose one of {', '.join(BACKENDS)}"
        )
    if backend == "auto":
        return "numba" if numba_available() else "numpy"
    return backend


def simulate_cells(
    cells: Sequence[Scenario],
    protocol: str,
    reps: int,
    seed: int,
    *,
    horizon: int | None = None,
    record: bool = False,
    backend: str = "auto",
    workers: int | None = None,
) -> list[Outcome]:
    """Simulate ``reps`` replicates of every cell under ``protocol`` on common random numbers.

    Parameters
    ----------
    cells : sequence of Scenario
        Parameter cells; they may differ in anything (ladders, actors, payoffs, horizons).
    protocol : {"formal", "piecemeal"}
        docs/model.md section 5.
    reps : int
        Replicates per cell (>= 1).
    seed : int
        Root seed (>= 0); block ``b`` draws from ``SeedSequence(seed, spawn_key=(b,))``.
    horizon : int, optional
        Rounds per replicate for every cell; default each cell's own horizon.
    record : bool
        Also return per-round :class:`~binding_sim.dynamics.outcomes.Trajectories`
        (memory ``reps x (H + 1) x 4`` numbers per cell).
    backend : {"auto", "numba", "numpy"}
        Compiled kernel or vectorised numpy; both give the same results.
    workers : int, optional
        Threads computing blocks in parallel (default: ``min(2, cpu count)``).
        Results do not depend on it.

    Returns
    -------
    list of Outcome
        One per cell, in the order of ``cells``. A cell's outcome is
        bit-identical whatever other cells share the call and however calls
        are batched (docs/model.md section 11).

    Raises
    ------
    BindingSimError
        Unknown protocol, ``piecemeal`` on a scenario without a ladder,
        ``reps < 1`` or a negative seed.
    """
    cells = list(cells)
    _check_protocol(protocol)
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise BindingSimError(f"reps = {reps!r}: must be an integer >= 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise BindingSimError(f"seed = {seed!r}: must be an integer >= 0")
    if horizon is not None and (
        isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1
    ):
        raise BindingSimError(f"horizon = {horizon!r}: must be an integer >= 1")
    if not cells:
        return []
    tab = compile_cells(cells, protocol, None if horizon is None else int(horizon))
    use_numba = _resolve_backend(backend) == "numba"
    if use_numba and not set(tab.model.tolist()) <= _KERNEL_MODELS:
        use_numba = False  # a trust model without a kernel branch: the numpy path has them all
    runner = _run_block_numba if use_numba else _run_block_numpy
    seed = int(seed)

    def run(blk: Any) -> _BlockResult:
        st = runner(tab, block_generator(seed, blk.index), blk.size, record)
        return _finish_block(tab, st, record)

    blks = blocks(int(reps))
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    totals: list[BlockStats] | None = None
    trajs: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in cells]

    def consume(res: _BlockResult) -> None:
        nonlocal totals
        totals = (
            res.stats
            if totals is None
            else [a.combine(b) for a, b in zip(totals, res.stats, strict=True)]
        )
        if res.traj is not None:
            for c, tr in enumerate(res.traj):
                trajs[c].append(tr)

    if n_workers <= 1 or len(blks) == 1:
        for blk in blks:
            consume(run(blk))
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for res in pool.map(run, blks):
                consume(res)
    assert totals is not None
    out = []
    for c, sc in enumerate(cells):
        tr = None
        if record:
            parts = trajs[c]
            tr = Trajectories(
                trust=np.concatenate([p[0] for p in parts]),
                rung=np.concatenate([p[1] for p in parts]),
                bound=np.concatenate([p[2] for p in parts]),
            )
        out.append(summarize(totals[c], protocol, sc.actor_names, tr))
    return out


def simulate(
    scenario: Scenario,
    protocol: str,
    reps: int,
    seed: int,
    *,
    horizon: int | None = None,
    record: bool = False,
    backend: str = "auto",
    workers: int | None = None,
) -> Outcome:
    """Simulate one scenario under one protocol (see :func:`simulate_cells`).

    Examples
    --------
    >>> from binding_sim.config.scenario import Scenario
    >>> sc = Scenario.load("exporting_security2010")
    >>> out = simulate(sc, "formal", reps=100, seed=1)
    >>> out.share_bound, out.time_to_bind_median
    (1.0, 1.0)
    """
    return simulate_cells(
        [scenario],
        protocol,
        reps,
        seed,
        horizon=horizon,
        record=record,
        backend=backend,
        workers=workers,
    )[0]
