r"""The compiled view of many cells: padded arrays the kernel reads (docs/model.md sections 3 to 8).

:func:`compile_cells` compiles each cell (a scenario) under a protocol
(:mod:`binding_sim.dynamics.protocols`) and packs the programs into one
:class:`Tables` of arrays, padded to the largest cell. Shapes use ``C``
cells, ``S`` protocol states and ``Q`` offers per state; per-actor
parameters of a cell are indexed ``[i, c]``, and an offer's per-actor data
``[c, s, q, i]``, so that everything the kernel reads about one offer is
contiguous. Every formula is applied here, once per cell: the acceptance
margin's coefficients of each slot (:func:`binding_sim.model.margins.margin_coefficients`,
at the effective sensitivity ``k / (1 + rho theta)`` of the realist channel,
docs/model.md section 15.2: the coefficients and the relative-gains payments
are linear in ``k``), the discount weights, the payoffs with threat and caps (through the
protocol's slots).

Actor types (docs/model.md section 12.1) add per-actor parameters
(``p``, ``greed``, ``empathy``) and the scope of every offer (the greedy
type's margin loses ``tau g s_X``).

Power (docs/model.md section 14) adds per-cell parameters (``eta``,
``share0``, ``stake``, ``delta``, ``derive``, ``breakdown``, ``dilution``),
each actor's ``war_cost`` and, for the sensitivity derived each round from
the balance of power (section 14.2), ``coef_k``: each offer's margin
coefficients per unit of effective ``k``. The margin is linear in ``k``
(:func:`binding_sim.model.margins.margin_coefficients`), so with derivation
on (``relative_gains`` not given: ``coef`` is at ``k = 0``) the margin at
the round's ``k_t`` is ``coef + k_t d coef_k``, computed once per cell here.

Forward-looking decisions (docs/model.md sections 13.4, 13.5) add four
fields: ``forward`` (the cell decides by the forward rule at ``delta > 0``),
``delta``, ``values`` (each forward cell's solved value function,
:class:`~binding_sim.dynamics.valuegrid.ForwardSolution`, padded) and
``n_grid``. ``compile_cells(..., solve=True)`` (what the engine calls)
gets the solutions from :func:`binding_sim.dynamics.forward.solve`, once per
distinct cell (the solver caches by content, in memory and, given
``cache_dir``, on disk). The solver compiles its own cell with
:func:`compile_cells` and the default ``solve=False``, to read the same
numbers the kernel reads without solving again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..config.scenario import Scenario
from ..errors import BindingSimError
from ..limits import check_memory
from ..model.decisions import logit_choice
from ..model.margins import margin_coefficients, margin_value
from ..model.threat import dilution as threat_dilution
from ..model.types import greedy_margin
from ..model.unilateral import responder_coefficients
from . import trust
from .protocols import Program, Slot, check_protocol, compile_program
from .valuegrid import ForwardSolution

__all__ = ["CellTables", "Tables", "compile_cells", "values_bytes"]


class Tables(NamedTuple):
    """Every number the kernel reads, as arrays (a numba-friendly named tuple).

    Per cell (``C``): ``horizon`` (int), ``model`` (trust-model id), ``lam``,
    ``mu``, ``phi`` (trust rates), ``disc[c, t] = delta^(t-1)``,
    ``tail[c, t] = sum of delta^(s-1) for s = t+1..H``. Per actor and cell
    ``(2, C)``: ``k`` (the effective sensitivity ``k / (1 + rho theta)``,
    :attr:`~binding_sim.config.scenario.Scenario.effective_relative_gains`:
    the realist channel of docs/model.md section 15.2 at compile time, so
    ``kappa(k, tau)`` in the kernel is the diluted ``kappa``), ``tau0``,
    ``eps``, ``beta`` (0 where infinite),
    ``binf`` (infinite precision), ``bound_pay`` (``R_F``, paid after binding),
    and the types of docs/model.md section 12: ``p`` (probability of being
    trustworthy), ``greed``, ``empathy``.

    Offers, indexed ``[c, s, q]`` (cell, protocol state, priority) and then by
    actor: the arrangement slot offered, ``coef (C, S, Q, 2, 3)`` (``c2, c1,
    c0`` of each actor's margin) and ``pay (C, S, Q, 2, 4)`` (absolute ``R,
    S, T, P``, threat and the state's caps applied), ``background (C, S, Q,
    2)`` (``R`` of implemented rungs not on the table), ``weight (C, S, Q)``
    (``w_X``), ``scope (C, S, Q)`` (``s_X``), ``gated``, ``on_comply`` (next
    state or ``BIND``), ``on_defect``, and ``sigma_full (C, S, Q, 2, 2)``:
    each actor's probability of complying at full trust, trustworthy type
    then greedy type (what an actor with empathy below 1 mixes in when it
    reads the other's move, docs/model.md section 12.2; a constant of the
    offer), and ``mover (C, S, Q)``: the actor that moves first on a
    unilateral offer (docs/model.md section 15.1; -1: bilateral), whose
    responder's ``coef`` are those of ``r_N``
    (:func:`~binding_sim.model.unilateral.responder_coefficients`: the gate
    "both accept" is then ``Delta^U_M >= -1e-9`` and ``r_N >= -1e-9``) and
    whose mover's ``coef`` and ``pay`` are those of the bilateral game with
    ``T_M = P_M``, ``S_N = P_N``. States ``(C, S)``: ``n_offers``, ``transparency``, ``rungs``,
    ``is_bound`` (a bound state of revocable binding, docs/model.md section
    13.1); ``idle_pay (C, S, 2)``.

    Power (docs/model.md section 14), per cell: ``eta`` (conversion rate),
    ``share0`` (``p_0``), ``stake`` (``G``), ``delta``, ``derive`` (the
    derived sensitivity is on), ``breakdown``, ``dilution`` (``d = 1 / (1 +
    rho theta)``, which multiplies a derived ``k`` as it does the key);
    ``war_cost (2, C)``; ``coef_k (C, S, Q, 2, 3)``, the margin coefficients
    per unit of effective ``k`` (zero where derivation is off).
    Forward-looking decisions (docs/model.md section 13.4), per cell:
    ``forward (C,)`` (bool: ``decisions.rule = "forward"`` and ``delta >
    0``; the kernel adds ``delta D_i`` to the margins of these cells only),
    ``n_grid (C,)`` (grid
    points per trust axis of the cell's solution, 0 for a myopic cell) and
    ``values (C, 2, 2, S, N, N)``: ``values[c]`` is cell ``c``'s
    :attr:`~binding_sim.dynamics.valuegrid.ForwardSolution.values`, padded to
    the largest ``S`` and ``N`` (the kernel reads
    ``values[c, :, :, :, :n, :n]`` with ``n = n_grid[c]``). When no cell is
    forward it is a ``(1, 1, 1, 1, 1, 1)`` zero: the myopic engine allocates
    nothing.
    """

    horizon: np.ndarray
    model: np.ndarray
    lam: np.ndarray
    mu: np.ndarray
    phi: np.ndarray
    disc: np.ndarray
    tail: np.ndarray
    k: np.ndarray
    tau0: np.ndarray
    eps: np.ndarray
    beta: np.ndarray
    binf: np.ndarray
    bound_pay: np.ndarray
    p: np.ndarray
    greed: np.ndarray
    empathy: np.ndarray
    n_offers: np.ndarray
    coef: np.ndarray
    pay: np.ndarray
    background: np.ndarray
    weight: np.ndarray
    scope: np.ndarray
    sigma_full: np.ndarray
    mover: np.ndarray
    gated: np.ndarray
    on_comply: np.ndarray
    on_defect: np.ndarray
    transparency: np.ndarray
    rungs: np.ndarray
    idle_pay: np.ndarray
    is_bound: np.ndarray
    eta: np.ndarray
    share0: np.ndarray
    stake: np.ndarray
    delta: np.ndarray
    derive: np.ndarray
    breakdown: np.ndarray
    dilution: np.ndarray
    war_cost: np.ndarray
    coef_k: np.ndarray
    forward: np.ndarray
    values: np.ndarray
    n_grid: np.ndarray


@dataclass(frozen=True)
class CellTables:
    """The packed tables of a call plus what the Python side needs about them.

    Attributes
    ----------
    protocol : str
    arrays : Tables
    programs : tuple of Program
        Each cell's compiled protocol (for inspection and tests).
    names : tuple of (str, str)
        Each cell's actor names.
    Hmax : int
        The longest horizon.
    solutions : tuple of (ForwardSolution or None)
        Each cell's forward solution (docs/model.md section 13.5); ``None``
        for a myopic cell (or ``delta = 0``, or tables compiled with
        ``solve=False``).
    """

    protocol: str
    arrays: Tables
    programs: tuple[Program, ...]
    names: tuple[tuple[str, str], ...]
    Hmax: int
    solutions: tuple[ForwardSolution | None, ...] = ()

    @property
    def C(self) -> int:
        """Number of cells."""
        return len(self.programs)

    @property
    def typed(self) -> bool:
        """Whether any cell can have a greedy type (``p < 1``) or has the bayesian model.

        Otherwise every actor is trustworthy and trust is linear: the model of
        docs/model.md sections 1-11, which the kernel runs without the steps
        for types.
        """
        a = self.arrays
        return bool(np.any(a.p < 1.0) or np.any(a.model == trust.BAYESIAN))

    @property
    def forward(self) -> bool:
        """Whether any cell decides by the forward rule at ``delta > 0`` (docs/model.md section 13.4).

        Otherwise the kernel runs a version without the continuation term.
        """
        return bool(np.any(self.arrays.forward))

    @property
    def turnover(self) -> bool:
        """Whether any cell has type turnover (bayesian model, ``phi > 0``; docs/model.md section 12.3).

        Then every round of a block draws ``random((2, 2, n))`` from the type
        stream, for every cell of the call, used or not.
        """
        a = self.arrays
        return bool(np.any((a.model == trust.BAYESIAN) & (a.phi > 0.0)))

    @property
    def unilateral(self) -> bool:
        """Whether any offer of any cell is unilateral (docs/model.md section 15.1).

        Otherwise the kernel runs without the steps of a sequential move.
        """
        return bool(np.any(self.arrays.mover >= 0))

    @property
    def powered(self) -> bool:
        """Whether any cell has a feature of docs/model.md section 14 on.

        Power moves (``eta > 0``), ``k`` is derived from it, or war can break
        out. Otherwise the kernel runs without the steps for power.
        """
        a = self.arrays
        return bool(np.any(a.eta > 0.0) or np.any(a.derive) or np.any(a.breakdown))


def _slots(program: Program) -> list[Slot]:
    """The program's distinct slots in order of first appearance."""
    seen: dict[int, Slot] = {}
    for state in program.states:
        for offer in state.offers:
            seen.setdefault(id(offer.slot), offer.slot)
    return list(seen.values())


def _coefficients(k: np.ndarray, slot: Slot) -> np.ndarray:
    """``(2, 3)``: each actor's margin coefficients on ``slot`` at sensitivities ``k`` (2,).

    Section 3's margin (:func:`~binding_sim.model.margins.margin_coefficients`)
    for a bilateral slot and for a unilateral slot's mover (its payoffs are
    the mover's game); the responder's ``r_N``
    (:func:`~binding_sim.model.unilateral.responder_coefficients`,
    docs/model.md section 15.1).
    """
    rows = []
    for i in range(2):
        own, other = slot.payoffs[i], slot.payoffs[1 - i]
        if slot.mover >= 0 and slot.mover != i:
            rows.append(np.array(responder_coefficients(float(k[i]), own, other)))
        else:
            rows.append(margin_coefficients(k[i], own, other))
    return np.array(rows)


def _sigma_full(coef: np.ndarray, scope: float, sc: Scenario) -> np.ndarray:
    """``(2, 2)``: each actor's compliance probability at full trust, trustworthy then greedy.

    docs/model.md sections 3 and 12.1: the margin at ``tau = 1``
    (:func:`~binding_sim.model.margins.margin_value`), the greedy type's
    (:func:`~binding_sim.model.types.greedy_margin`), through the logit
    choice (:func:`~binding_sim.model.decisions.logit_choice`). A unilateral
    responder's ``coef`` are those of ``r_N``, and its greedy margin is
    ``r_N - g s_X`` at any trust (docs/model.md section 15.1): the same
    greedy margin at belief 1.
    """
    out = np.zeros((2, 2))
    for i, act in enumerate(sc.actors):
        d = float(margin_value(coef[i, 0], coef[i, 1], coef[i, 2], 1.0))
        b = act.decision_precision
        infinite = math.isinf(b)
        beta = 0.0 if infinite else b
        out[i, 0] = logit_choice(beta, d, infinite)
        out[i, 1] = logit_choice(beta, greedy_margin(d, 1.0, act.greed, scope), infinite)
    return out


def is_forward(sc: Scenario) -> bool:
    """Whether ``sc`` decides by the forward rule at a positive discount factor (docs/model.md 13.4).

    At ``delta = 0`` the forward margin is the myopic one, so no solve is needed.
    """
    return sc.decisions.rule == "forward" and sc.discount_factor > 0.0


def values_bytes(n_cells: int, states: int, grid_points: int) -> int:
    """Bytes of the ``values`` table of ``n_cells`` forward cells (docs/model.md section 13.5).

    ``2 x 2 x states x grid_points^2`` float64 numbers per cell (both actors,
    both types).
    """
    return 8 * 4 * n_cells * states * grid_points * grid_points


def compile_cells(
    cells: Sequence[Scenario],
    protocol: str,
    horizon: int | None = None,
    *,
    solve: bool = False,
    cache_dir: str | Path | None = None,
) -> CellTables:
    """Compile ``cells`` under ``protocol`` into padded tables (see :class:`Tables`).

    Parameters
    ----------
    cells : sequence of Scenario
    protocol : str
    horizon : int, optional
        Rounds for every cell (default each cell's own).
    solve : bool
        Solve the forward-looking cells (docs/model.md sections 13.4, 13.5)
        with :func:`binding_sim.dynamics.forward.solve`, once per distinct
        cell, and fill the forward fields (the engine's call). ``False``
        (the default, the solver's own call): the myopic tables, every
        ``forward`` flag off.
    cache_dir : path, optional
        The solver's disk cache (a sweep passes its folder's
        ``solutions/``), so a resumed sweep or another worker process reads
        a solution instead of solving again.

    Raises
    ------
    BindingSimError
        Unknown protocol, a protocol the scenario cannot run (``piecemeal``
        without a ladder; the message names the scenario), or a horizon < 1.
    MemoryLimitError
        The solved values of every forward cell would not fit in memory.
    ForwardSolverError
        A solve did not converge (see :mod:`binding_sim.dynamics.forward`).
    """
    check_protocol(protocol)
    cells = list(cells)
    programs = [compile_program(sc, protocol) for sc in cells]
    Hs = [int(horizon if horizon is not None else sc.horizon) for sc in cells]
    for sc, h in zip(cells, Hs, strict=True):
        if h < 1:
            raise BindingSimError(f"horizon = {h} for scenario {sc.name!r}: must be >= 1")
    C = len(cells)
    Hmax = max(Hs, default=1)
    S = max((len(p.states) for p in programs), default=1)
    Q = max((len(st.offers) for p in programs for st in p.states), default=1)

    horizon_a = np.array(Hs, np.int64).reshape(C)
    model = np.zeros(C, np.int64)
    lam, mu, phi = np.zeros(C), np.zeros(C), np.zeros(C)
    disc = np.zeros((C, Hmax + 1))
    tail = np.zeros((C, Hmax + 1))
    k, tau0, eps, beta = (np.zeros((2, C)) for _ in range(4))
    binf = np.zeros((2, C), bool)
    bound_pay = np.zeros((2, C))
    p, greed = np.ones((2, C)), np.zeros((2, C))
    empathy = np.ones((2, C))
    n_offers = np.zeros((C, S), np.int64)
    coef = np.zeros((C, S, Q, 2, 3))
    pay = np.zeros((C, S, Q, 2, 4))
    background = np.zeros((C, S, Q, 2))
    weight = np.ones((C, S, Q))
    scope = np.ones((C, S, Q))
    sigma_full = np.zeros((C, S, Q, 2, 2))
    mover = np.full((C, S, Q), -1, np.int64)
    gated = np.zeros((C, S, Q), bool)
    on_comply = np.zeros((C, S, Q), np.int64)
    on_defect = np.zeros((C, S, Q), np.int64)
    transparency = np.zeros((C, S))
    rungs = np.zeros((C, S), np.int64)
    idle_pay = np.zeros((C, S, 2))
    is_bound = np.zeros((C, S), bool)
    eta, share0 = np.zeros(C), np.full(C, 0.5)
    stake, delta, dil = np.ones(C), np.zeros(C), np.ones(C)
    derive, breakdown = np.zeros(C, bool), np.zeros(C, bool)
    war_cost = np.full((2, C), math.inf)
    coef_k = np.zeros((C, S, Q, 2, 3))

    for c, (sc, prog, h) in enumerate(zip(cells, programs, Hs, strict=True)):
        model[c] = trust.model_id(sc.trust_model)
        lam[c], mu[c], phi[c] = sc.building_rate, sc.erosion_rate, sc.recovery_rate
        d = sc.discount_factor ** np.arange(h, dtype=float)
        disc[c, 1 : h + 1] = d
        suffix = np.cumsum(d[::-1])[::-1]  # suffix[i] = sum of d[i:]
        tail[c, 1:h] = suffix[1:h]
        k_eff = sc.effective_relative_gains  # the realist channel folded in (section 15.2)
        for i, act in enumerate(sc.actors):
            k[i, c] = k_eff[i]
            tau0[i, c] = act.initial_trust
            eps[i, c] = act.incident_rate
            b = act.decision_precision
            binf[i, c] = math.isinf(b)
            beta[i, c] = 0.0 if math.isinf(b) else b
            p[i, c] = act.trustworthy_prob
            greed[i, c] = act.greed
            empathy[i, c] = act.empathy
            war_cost[i, c] = act.war_cost
        pw = sc.power
        eta[c], share0[c], stake[c] = pw.conversion_rate, pw.initial_share, pw.stake
        delta[c] = sc.discount_factor
        derive[c], breakdown[c] = pw.derive_relative_gains, pw.breakdown
        dil[c] = threat_dilution(sc.threat_dilution, sc.common_threat)
        bound_pay[:, c] = prog.bound_payment
        margins = {id(s): _coefficients(k[:, c], s) for s in _slots(prog)}
        per_k = {  # the margin's coefficients per unit of effective k (section 14.2)
            id(s): _coefficients(np.ones(2), s) - _coefficients(np.zeros(2), s)
            for s in _slots(prog)
            if pw.derive_relative_gains
        }
        full = {id(s): _sigma_full(margins[id(s)], s.scope, sc) for s in _slots(prog)}
        for s_idx, state in enumerate(prog.states):
            n_offers[c, s_idx] = len(state.offers)
            transparency[c, s_idx] = state.transparency
            rungs[c, s_idx] = state.rungs
            idle_pay[c, s_idx] = state.idle_payment
            is_bound[c, s_idx] = state.bound
            for q, offer in enumerate(state.offers):
                coef[c, s_idx, q] = margins[id(offer.slot)]
                if pw.derive_relative_gains:
                    coef_k[c, s_idx, q] = per_k[id(offer.slot)]
                pay[c, s_idx, q] = offer.slot.payoffs
                background[c, s_idx, q] = offer.background
                weight[c, s_idx, q] = offer.slot.trust_weight
                scope[c, s_idx, q] = offer.slot.scope
                sigma_full[c, s_idx, q] = full[id(offer.slot)]
                mover[c, s_idx, q] = offer.slot.mover
                gated[c, s_idx, q] = offer.gated
                on_comply[c, s_idx, q] = offer.on_comply
                on_defect[c, s_idx, q] = offer.on_defect
    arrays = Tables(
        horizon=horizon_a,
        model=model,
        lam=lam,
        mu=mu,
        phi=phi,
        disc=disc,
        tail=tail,
        k=k,
        tau0=tau0,
        eps=eps,
        beta=beta,
        binf=binf,
        bound_pay=bound_pay,
        p=p,
        greed=greed,
        empathy=empathy,
        n_offers=n_offers,
        coef=coef,
        pay=pay,
        background=background,
        weight=weight,
        scope=scope,
        sigma_full=sigma_full,
        mover=mover,
        gated=gated,
        on_comply=on_comply,
        on_defect=on_defect,
        transparency=transparency,
        rungs=rungs,
        idle_pay=idle_pay,
        is_bound=is_bound,
        eta=eta,
        share0=share0,
        stake=stake,
        delta=delta,
        derive=derive,
        breakdown=breakdown,
        dilution=dil,
        war_cost=war_cost,
        coef_k=coef_k,
        forward=np.zeros(C, bool),
        values=np.zeros((1, 1, 1, 1, 1, 1)),
        n_grid=np.zeros(C, np.int64),
    )
    solutions: tuple[ForwardSolution | None, ...] = (None,) * C
    if solve and any(is_forward(sc) for sc in cells):
        arrays, solutions = _with_solutions(arrays, cells, programs, protocol, cache_dir)
    return CellTables(
        protocol=protocol,
        arrays=arrays,
        programs=tuple(programs),
        names=tuple(sc.actor_names for sc in cells),
        Hmax=Hmax,
        solutions=solutions,
    )


def _with_solutions(
    arrays: Tables,
    cells: Sequence[Scenario],
    programs: Sequence[Program],
    protocol: str,
    cache_dir: str | Path | None,
) -> tuple[Tables, tuple[ForwardSolution | None, ...]]:
    """``arrays`` with the forward fields filled from each forward cell's solution.

    The memory of the padded ``values`` table is checked before anything is
    solved or allocated (its size is known from the scenarios: grid points
    and protocol states). Cells equal in content share one solve (the
    solver's cache).
    """
    from . import forward as forward_solver  # the solver compiles cells with this module

    C = len(cells)
    live = [c for c in range(C) if is_forward(cells[c])]
    S = max(len(programs[c].states) for c in live)
    N = max(int(cells[c].decisions.grid_points) for c in live)
    check_memory(
        f"decisions.grid_points = {N} for {len(live)} forward-looking cell(s) "
        f"x {S} protocol state(s)",
        values_bytes(C, S, N),
        "lower decisions.grid_points or run fewer cells per call (a smaller --batch-size)",
    )
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    found = {c: forward_solver.solve(cells[c], protocol, cache_dir=cache_dir) for c in live}
    values = np.zeros((C, 2, 2, S, N, N))
    n_grid = np.zeros(C, np.int64)
    flags = np.zeros(C, bool)
    for c, sol in found.items():
        v = np.asarray(sol.values, dtype=float)
        s_c, n_c = v.shape[2], v.shape[-1]
        values[c, :, :, :s_c, :n_c, :n_c] = v
        n_grid[c] = n_c
        flags[c] = True
    out = arrays._replace(forward=flags, values=values, n_grid=n_grid)
    return out, tuple(found.get(c) for c in range(C))
