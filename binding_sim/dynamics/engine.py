r"""The Monte Carlo engine's front door: formal versus piecemeal binding (docs/model.md sections 3 to 8, 11).

- :func:`simulate` runs one scenario under one protocol;
- :func:`simulate_cells` runs many parameter cells (scenarios that may differ
  in anything, ladders included) on the same random streams.

A call compiles its cells under the protocol into packed tables
(:func:`binding_sim.dynamics.tables.compile_cells`, from the protocol
registry :mod:`binding_sim.dynamics.protocols` and the effects registry
:mod:`binding_sim.dynamics.effects`), runs the one round kernel
(:mod:`binding_sim.dynamics.kernel`) block by block, reduces every block to
sufficient statistics and aggregates them into one
:class:`~binding_sim.dynamics.outcomes.Outcome` per cell (outcome metrics:
:mod:`binding_sim.dynamics.metrics`).

Randomness (docs/model.md section 11): replicates fall in fixed blocks of 8192;
block ``b`` draws from ``SeedSequence(seed, spawn_key=(b,))``. Each round
draws ``rng.random((4, n))`` over the block's ``n`` replicates, the same for
every cell (common random numbers) and whether or not a replicate still
needs them; rounds are drawn in chunks ``rng.random((L, 4, n))`` (1, 2, 4,
... up to 16 rounds), which is the same stream. A block's statistics depend
only on its cell and its stream, blocks are combined in block order, so
results are bit-identical however cells are grouped, ordered or batched,
and for any number of worker threads (by default one per core; the kernel
releases the GIL).

Actor types (docs/model.md section 12.1) come from the block's second
stream, ``SeedSequence(seed, spawn_key=(b, 1))``: ``random((2, n))`` at the
start of the block (actor A then B; trustworthy iff the draw is below
``p_i``), then, when type turnover is on in any cell of the call (the
bayesian model with ``recovery_rate > 0``), ``random((L, 2, 2, n))`` with
every chunk of ``L`` rounds. The round draws of section 11 are untouched,
so with every actor trustworthy (the default) results are those of
sections 1-11.

Two accessors serve the ladder design of docs/model.md section 13.8: with
``replicates=True`` an outcome also carries every replicate's cumulative
payoffs and binding round (:class:`~binding_sim.dynamics.outcomes.Replicates`,
for standard errors), and :func:`no_incident_path` runs the same kernel on
fixed draws instead of a random stream: no incidents, every actor complies
whenever its probability of complying is positive, both actors trustworthy.

Forward-looking decisions (``decisions.rule = "forward"``, docs/model.md
section 13.4) need no option here: :func:`~binding_sim.dynamics.tables.compile_cells`
solves each forward cell's decision problem before the first round
(:func:`binding_sim.dynamics.forward.solve`, cached by content; ``cache_dir``
adds a disk cache) and the kernel adds the continuation term to the
margins. They draw no extra random numbers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config.scenario import Scenario
from ..config.schema import PROTOCOL_NAMES
from ..errors import BindingSimError
from ..rng import block_generator, blocks, type_generator
from .kernel import BACKENDS, BlockState, Record, kernel_functions, numba_available
from .outcomes import BlockStats, Outcome, Replicates, Trajectories, summarize
from .protocols import check_protocol
from .tables import CellTables, compile_cells

__all__ = [
    "BACKENDS",
    "PROTOCOLS",
    "CellTables",
    "compile_cells",
    "no_incident_path",
    "numba_available",
    "simulate",
    "simulate_cells",
]

PROTOCOLS = PROTOCOL_NAMES
"""Binding protocols of docs/model.md section 5 (:data:`binding_sim.config.schema.PROTOCOL_NAMES`)."""

_CHUNK_MAX = 16
"""Most rounds drawn at once (chunks grow 1, 2, 4, ... up to this).

16 rounds of a block's 8192 replicates are 4 MiB of uniforms, which the
kernel reads while they are still in the processor's cache (measured about
4% faster than 32 on the benchmark's machine)."""


def default_workers() -> int:
    """Threads the engine uses by default: one per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _BlockResult:
    stats: list[BlockStats]
    traj: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None
    reps: list[tuple[np.ndarray, np.ndarray]] | None = None


def _run_block(
    tab: CellTables,
    kernel: dict[str, Any],
    rng: np.random.Generator,
    types_rng: np.random.Generator,
    n: int,
    record: bool,
    keep: bool = False,
) -> _BlockResult:
    """Every round of one block of ``n`` replicates, then its statistics per cell.

    ``rng`` is the block's round stream (docs/model.md section 11),
    ``types_rng`` its type stream (docs/model.md section 12.1). With ``keep``,
    also each replicate's cumulative payoffs and binding round per cell.
    """
    arrays = tab.arrays
    st = BlockState.new(arrays, n, types_rng.random((2, n)))
    rec = Record.new(st, tab.Hmax, record)
    run_rounds = kernel["run_rounds"]
    buf = np.empty((min(_CHUNK_MAX, tab.Hmax), 4, n))
    turnover = tab.turnover
    typed = (True,) if tab.typed else ()  # a tuple: the kernel is compiled per case
    unilateral = (True,) if tab.unilateral else ()  # likewise (docs/model.md section 15.1)
    powered = (True,) if tab.powered else ()  # likewise for power (docs/model.md section 14)
    forward = (True,) if tab.forward else ()
    vbuf = np.empty((min(_CHUNK_MAX, tab.Hmax), 2, 2, n)) if turnover else np.zeros((1, 2, 2, 1))
    v = vbuf
    t = 1
    size = 1
    while t <= tab.Hmax:
        L = min(size, _CHUNK_MAX, tab.Hmax - t + 1)
        u = buf[:L]
        rng.random(out=u)
        if turnover:
            v = vbuf[:L]
            types_rng.random(out=v)
        still = run_rounds(
            u, v, t, L, arrays, st, record, rec, typed, unilateral, powered, forward
        )
        t += L
        size *= 2
        if still == 0:
            break
    trapped = np.zeros(st.state.shape, bool)
    kernel["trapped"](arrays, st, trapped)
    rungs = np.take_along_axis(arrays.rungs, st.state, axis=1)
    # bound at the horizon: absorbingly, or in a bound state (docs/model.md section 13.1);
    # a replicate at war (section 14.3) is unbound
    at_war = st.war != 0
    bound_end = (st.frozen | np.take_along_axis(arrays.is_bound, st.state, axis=1)) & ~at_war
    stats = [
        BlockStats.from_replicates(
            int(arrays.horizon[c]),
            st.bind[c],
            trapped[c],
            st.incidents[:, c],
            rungs[c],
            st.mutual_defection[c],
            st.idle[c],
            st.tau[:, c],
            st.payoffs[:, :, c].reshape(8, n),
            st.trustworthy[:, c],
            st.exploited[:, c],
            bound_end=bound_end[c],
            broken=st.broken[c],
            war_round=st.war[c],
            initiator=st.initiator[c],
            final_power=st.power[c] if arrays.eta[c] > 0.0 else None,
            initial_share=float(arrays.share0[c]),
        )
        for c in range(tab.C)
    ]
    traj = None
    if record:
        traj = []
        for c in range(tab.C):
            h = int(arrays.horizon[c]) + 1
            state_path = rec.state[c, :, :h]
            rung_path = np.take_along_axis(
                np.broadcast_to(arrays.rungs[c], (n, arrays.rungs.shape[1])), state_path, axis=1
            )
            traj.append((rec.trust[c, :, :h].copy(), rung_path, rec.bound[c, :, :h].copy()))
    kept = None
    if keep:
        kept = [
            (np.moveaxis(st.payoffs[:, :, c], -1, 0).copy(), st.bind[c].copy())
            for c in range(tab.C)
        ]
    return _BlockResult(stats, traj, kept)


def _resolve_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise BindingSimError(
            f"backend = {backend!r}: unknown engine back end; choose one of {', '.join(BACKENDS)}"
        )
    if backend == "auto":
        return "numba" if numba_available() else "python"
    if backend == "numba" and not numba_available():
        raise BindingSimError(
            "backend = 'numba': numba cannot be imported here; use backend 'python'"
        )
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
    replicates: bool = False,
    cache_dir: str | Path | None = None,
) -> list[Outcome]:
    """Simulate ``reps`` replicates of every cell under ``protocol`` on common random numbers.

    Parameters
    ----------
    cells : sequence of Scenario
        Parameter cells; they may differ in anything (ladders, actors, payoffs, horizons).
    protocol : {"formal", "piecemeal"}
        docs/model.md section 5 (names: :data:`binding_sim.config.schema.PROTOCOL_NAMES`).
    reps : int
        Replicates per cell (>= 1).
    seed : int
        Root seed (>= 0); block ``b`` draws its rounds from
        ``SeedSequence(seed, spawn_key=(b,))`` and its actor types from
        ``SeedSequence(seed, spawn_key=(b, 1))``.
    horizon : int, optional
        Rounds per replicate for every cell; default each cell's own horizon.
    record : bool
        Also return per-round :class:`~binding_sim.dynamics.outcomes.Trajectories`
        (memory ``reps x (H + 1) x 4`` numbers per cell).
    backend : {"auto", "numba", "python"}
        The one kernel compiled by numba, or the same source as plain Python
        (slow; for debugging); both give the same results.
    workers : int, optional
        Threads computing blocks in parallel (default: one per core).
        Results do not depend on it.
    replicates : bool
        Also attach every replicate's cumulative payoffs and binding round
        (:class:`~binding_sim.dynamics.outcomes.Replicates`, memory
        ``reps x 9`` numbers per cell), e.g. for standard errors.
    cache_dir : path, optional
        Folder of the forward solver's disk cache (docs/model.md section
        13.5): a cell solved before, by this process or another, is read
        rather than solved again. Used only by forward-looking cells.

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
        ``reps < 1`` or a negative seed; a forward solve that does not
        converge (``ForwardSolverError``) or whose values would not fit in
        memory.
    """
    cells = list(cells)
    check_protocol(protocol)
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise BindingSimError(f"reps = {reps!r}: must be an integer >= 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise BindingSimError(f"seed = {seed!r}: must be an integer >= 0")
    if horizon is not None and (
        isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1
    ):
        raise BindingSimError(f"horizon = {horizon!r}: must be an integer >= 1")
    kernel = kernel_functions(_resolve_backend(backend))
    if not cells:
        return []
    tab = compile_cells(
        cells, protocol, None if horizon is None else int(horizon), solve=True, cache_dir=cache_dir
    )
    seed = int(seed)

    def run(blk: Any) -> _BlockResult:
        return _run_block(
            tab,
            kernel,
            block_generator(seed, blk.index),
            type_generator(seed, blk.index),
            blk.size,
            record,
            replicates,
        )

    blks = blocks(int(reps))
    n_workers = workers if workers is not None else default_workers()
    totals: list[BlockStats] | None = None
    trajs: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in cells]
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in cells]

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
        if res.reps is not None:
            for c, kp in enumerate(res.reps):
                kept[c].append(kp)

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
        per = None
        if replicates:
            per = Replicates(
                payoffs=np.concatenate([k[0] for k in kept[c]]),
                bind_round=np.concatenate([k[1] for k in kept[c]]),
            )
        out.append(summarize(totals[c], protocol, sc.actor_names, tr, per))
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
    replicates: bool = False,
    cache_dir: str | Path | None = None,
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
        backend=_resolve_backend(backend),
        workers=workers,
        replicates=replicates,
        cache_dir=cache_dir,
    )[0]


class _FixedDraws:
    """Stand-in for a block's random streams that hands out fixed draws (:func:`no_incident_path`).

    Round draws ``(L, 4, n)``: decision uniforms 0 (an actor complies iff
    its probability of complying is positive), incident uniforms 1 (never
    below ``epsilon_i (1 - m) <= 1``: no incidents). Type draws ``(2, n)``:
    0 (trustworthy iff ``p_i > 0``). Turnover draws ``(L, 2, 2, n)``: the
    redraw uniform 1 (never below ``phi <= 1``), the new type 0.
    """

    def random(self, size: Any = None, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return np.zeros(size)
        if out.ndim == 3:  # round draws (L, 4, n)
            out[:, :2] = 0.0
            out[:, 2:] = 1.0
        else:  # turnover draws (L, 2, 2, n)
            out[:, :, 0] = 1.0
            out[:, :, 1] = 0.0
        return out


def no_incident_path(
    scenario: Scenario,
    protocol: str,
    *,
    horizon: int | None = None,
    backend: str = "auto",
) -> Trajectories:
    """The deterministic path with no incidents, run by the one kernel on fixed draws.

    One replicate in which nothing is misread (no incidents), each actor
    complies whenever its probability of complying is positive (so with
    ``beta = inf`` it best-responds, and with finite ``beta`` it always
    complies), both actors are trustworthy (unless ``p_i = 0``) and no type
    is redrawn: the path along which docs/model.md section 13.8 reports
    each rung's margins when it is first offered. Every rule of the round
    (docs/model.md section 5), the trust model and the decision rule are the
    engine's own.

    Parameters
    ----------
    scenario : Scenario
    protocol : {"formal", "piecemeal"}
    horizon : int, optional
        Rounds (default: the scenario's).
    backend : {"auto", "numba", "python"}

    Returns
    -------
    Trajectories
        Of one replicate: ``trust (1, H + 1, 2)``, ``rung (1, H + 1)``,
        ``bound (1, H + 1)``; column 0 is the start, column ``t`` the end of
        round ``t``.

    Examples
    --------
    >>> from binding_sim.config.scenario import Scenario
    >>> path = no_incident_path(Scenario.load("krickovic2016"), "piecemeal")
    >>> [int(r) for r in path.rung[0, :5]], [bool(b) for b in path.bound[0, :5]]
    ([0, 1, 1, 2, 2], [False, False, False, False, True])
    """
    check_protocol(protocol)
    if horizon is not None and (
        isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1
    ):
        raise BindingSimError(f"horizon = {horizon!r}: must be an integer >= 1")
    kernel = kernel_functions(_resolve_backend(backend))
    # forward-looking cells are solved, so the path follows the engine's own decision rule
    tab = compile_cells(
        [scenario], protocol, None if horizon is None else int(horizon), solve=True
    )
    draws: Any = _FixedDraws()
    res = _run_block(tab, kernel, draws, draws, 1, True)
    assert res.traj is not None
    trust, rung, bound = res.traj[0]
    return Trajectories(trust=trust, rung=rung, bound=bound)
