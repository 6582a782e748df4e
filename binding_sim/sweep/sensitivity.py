r"""Global sensitivity analysis over an experiment's parameter ranges (Morris, Sobol) with SALib.

Which parameters drive binding? Two methods of SALib (Herman and Usher 2017;
Iwanaga, Usher and Herman 2022) answer it over the ranges an experiment's
design already gives:

``morris``
    Elementary effects (Morris 1991) on ``num_levels = 4`` levels, from
    ``samples`` trajectories of ``D + 1`` points each (``D`` parameters).
    The elementary effect of parameter ``j`` on a trajectory is
    ``(f(x + Delta e_j) - f(x)) / Delta`` with ``Delta = 2/3`` of its range,
    so every effect is in units of the output per whole range. Reported:
    ``mu_star``, the mean absolute effect (Campolongo, Cariboni and Saltelli
    2007), its bootstrap confidence interval half-width ``mu_star_conf``,
    and ``sigma``, the standard deviation of the effects (non-linearity or
    interactions).
``sobol``
    Variance-based indices (Sobol' 2001) from Saltelli's scheme
    (Saltelli 2002; Saltelli et al. 2010): ``samples`` base points ``N``
    (a power of two, the length of a scrambled Sobol' sequence) and
    ``N (D + 2)`` model runs. ``S1`` is the share of the output's variance
    due to the parameter alone, ``ST`` the share due to it together with all
    its interactions (total order, Jansen's estimator); ``S1_conf``,
    ``ST_conf`` are bootstrap confidence interval half-widths. A parameter
    the output does not depend on has ``ST = 0`` exactly.

Ranges (:func:`design_parameters`): a ``kind = "lhs"`` design gives
``ranges`` (key = [lo, hi]); a ``grid`` design gives each varied key's
minimum and maximum (numeric keys only; a key with one value is held fixed
at it). An integer key (``scenario.horizon``) is sampled on ``[lo, hi + 1]``
and rounded down (``hi + 1`` itself maps to ``hi``), so each integer of
``lo..hi`` has an equal share of the range, as in the Latin hypercube of
:func:`binding_sim.config.design.lhs_points`; the analysis sees the sampled
values, the model the rounded ones.

Randomness (docs/model.md section 11): the sampler draws from the stream
``SeedSequence(seed, spawn_key=SAMPLER_SPAWN_KEY)`` and every output's
bootstrap from a fresh ``SeedSequence(seed, spawn_key=ANALYZER_SPAWN_KEY)``
stream (three-element spawn keys: never a replicate block's or the Latin
hypercube's), so the points and the confidence intervals are reproducible
from the root seed alone and an output's interval does not depend on which
other outputs are analysed. The model runs themselves are a ``list`` design
run by :func:`~binding_sim.sweep.run_sweep`: the same replicate streams in
every cell (common random numbers), resume, workers and Dask as for any
sweep.

:func:`sensitivity_indices` is the method on any model given as a function
of the sample matrix (the tests hold it against SALib on the Ishigami
function); :func:`sensitivity` runs it over an experiment, with the sweep as
the model.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config.design import MAX_CELLS, resolve_key
from ..config.experiment import Experiment
from ..errors import ConfigError, did_you_mean
from ..serialize import dumps
from .errors import SweepError
from .result import SweepResult
from .run import check_workers, load_experiment, run_sweep, warn
from .store import RUN_RECORD, Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANALYZER_SPAWN_KEY",
    "CONF_LEVEL",
    "DEFAULT_METRICS",
    "DEFAULT_SAMPLES",
    "INDEX_NAMES",
    "INDICES",
    "METHODS",
    "MIN_SAMPLES",
    "NUM_LEVELS",
    "NUM_RESAMPLES",
    "RECORD",
    "SAMPLER_SPAWN_KEY",
    "Parameter",
    "SensitivityResult",
    "analyze",
    "check_samples",
    "design_parameters",
    "evaluations",
    "metric_columns",
    "read_indices",
    "salib_problem",
    "sample_matrix",
    "sensitivity",
    "sensitivity_indices",
]

METHODS = ("morris", "sobol")
"""The sensitivity methods."""

DEFAULT_SAMPLES = {"morris": 20, "sobol": 64}
"""Default ``samples``: Morris trajectories, or Sobol base points ``N``."""

MIN_SAMPLES = {"morris": 2, "sobol": 4}
"""Fewest ``samples`` per method (below, a bootstrap interval means nothing)."""

NUM_LEVELS = 4
"""Levels of the Morris grid (Morris 1991; ``Delta = NUM_LEVELS / (2 (NUM_LEVELS - 1))``)."""

NUM_RESAMPLES = 1000
"""Bootstrap resamples of every confidence interval."""

CONF_LEVEL = 0.95
"""Confidence level of the intervals."""

INDEX_NAMES = {
    "morris": ("mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}
"""The index columns of ``indices.csv`` per method."""

DEFAULT_METRICS = ("share_bound", "mean_final_trust")
"""Outcomes analysed by default (a per-actor metric gives one output per actor)."""

SAMPLER_SPAWN_KEY = (2**32 - 1, 1, 0)
"""Spawn key of the sampler's stream (three elements: never a replicate block's)."""

ANALYZER_SPAWN_KEY = (2**32 - 1, 1, 1)
"""Spawn key of each output's bootstrap stream."""

INDICES = "indices.csv"
"""The indices table of a sensitivity folder."""

RECORD = "sensitivity.json"
"""What the sensitivity analysis of a folder was: method, samples, ranges, streams."""


# ----------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Parameter:
    """One varied scenario key and its range.

    Attributes
    ----------
    key : str
        Dotted scenario key, as in the design (``actors.*.initial_trust``).
    lo, hi : float
        The range (both ends included).
    integer : bool
        An integer key: sampled on ``[lo, hi + 1]`` and rounded down.
    """

    key: str
    lo: float
    hi: float
    integer: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval SALib samples (``[lo, hi + 1]`` for an integer key)."""
        return (float(self.lo), float(self.hi) + 1.0) if self.integer else (self.lo, self.hi)

    def value(self, x: float) -> float | int:
        """The scenario value of the sampled ``x`` (clipped to the range; integers floored)."""
        if self.integer:
            return int(min(max(math.floor(x), int(self.lo)), int(self.hi)))
        return float(min(max(float(x), self.lo), self.hi))


def design_parameters(exp: Experiment) -> tuple[tuple[Parameter, ...], dict[str, Any]]:
    """The parameters an experiment's design varies, and the design keys it holds fixed.

    Parameters
    ----------
    exp : Experiment
        Its design must be ``lhs`` (``ranges``) or ``grid`` (each varied
        key's minimum and maximum; numeric keys only; a key with a single
        value is returned among the fixed values).

    Returns
    -------
    (parameters, fixed)
        The parameters in design order, and ``{key: value}`` of the grid keys
        with one value (applied to every sampled point).

    Raises
    ------
    ConfigError
        One line naming the experiment file and the design key: a ``list``
        design, a non-numeric varied key, an infinite range end, or no key
        that varies.
    """
    design, source = exp.design, exp.source
    params: list[Parameter] = []
    fixed: dict[str, Any] = {}
    if design.kind == "lhs":
        for key, (lo, hi) in design.spec["ranges"].items():
            kind = resolve_key(key, exp.scenario)[0].kind
            params.append(Parameter(key, float(lo), float(hi), kind == "int"))
    elif design.kind == "grid":
        for key, values in design.spec["grid"].items():
            distinct = list(dict.fromkeys(_hashable(v) for v in values))
            if len(distinct) == 1:
                fixed[key] = values[0]
                continue
            kind = resolve_key(key, exp.scenario)[0].kind
            if kind not in ("float", "int"):
                raise ConfigError(
                    source,
                    f"design.grid.{key}",
                    values,
                    "a sensitivity analysis needs numeric keys (it samples between each key's "
                    "min and max); hold this key fixed with experiment.set",
                )
            lo, hi = min(values), max(values)
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ConfigError(
                    source,
                    f"design.grid.{key}",
                    values,
                    "a sensitivity analysis needs a finite min and max of each varied key",
                )
            params.append(Parameter(key, float(lo), float(hi), kind == "int"))
    else:
        raise ConfigError(
            source,
            "design.kind",
            design.kind,
            "a sensitivity analysis takes its ranges from kind = 'lhs' (design.ranges) "
            "or kind = 'grid' (each varied key's min and max)",
        )
    if not params:
        raise ConfigError(
            source,
            "design",
            dict(design.spec),
            "no parameter varies: give kind = 'lhs' with design.ranges, or a grid key "
            "with two or more values",
        )
    return tuple(params), fixed


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def salib_problem(params: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem of ``params``: names (the dotted keys) and sampled bounds."""
    return {
        "num_vars": len(params),
        "names": [p.key for p in params],
        "bounds": [list(p.bounds) for p in params],
    }


# ------------------------------------------------------------------- methods
def _stream(seed: int, spawn_key: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))


def _check_method(method: Any) -> str:
    if method not in METHODS:
        raise SweepError(
            f"--method = {method!r}: unknown sensitivity method; choose from "
            + ", ".join(METHODS)
            + did_you_mean(str(method), METHODS)
        )
    return str(method)


def evaluations(method: str, samples: int, n_params: int) -> int:
    """Model runs (cells) of a design: ``samples (D + 1)`` (Morris) or ``samples (D + 2)`` (Sobol)."""
    return samples * (n_params + (1 if method == "morris" else 2))


def check_samples(method: str, samples: Any, n_params: int = 1) -> int:
    """``samples`` checked for ``method`` (``None``: the default); a one-line SweepError otherwise."""
    method = _check_method(method)
    if samples is None:
        return DEFAULT_SAMPLES[method]
    what = "trajectories" if method == "morris" else "base points N"
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)):
        raise SweepError(f"--samples = {samples!r}: must be an integer (the {method} {what})")
    samples = int(samples)
    if samples < MIN_SAMPLES[method]:
        raise SweepError(
            f"--samples = {samples}: too few for {method}; give at least "
            f"{MIN_SAMPLES[method]} {what} (default {DEFAULT_SAMPLES[method]})"
        )
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        raise SweepError(
            f"--samples = {samples}: Saltelli's scheme needs a power of two base points "
            f"(a Sobol' sequence is balanced only then); give {lower} or {2 * lower}"
        )
    runs = evaluations(method, samples, n_params)
    if runs > MAX_CELLS:
        raise SweepError(
            f"--samples = {samples}: {method} over {n_params} parameter(s) would run "
            f"{runs} cells, more than the {MAX_CELLS} a design may have"
        )
    return samples


def sample_matrix(method: str, params: Sequence[Parameter], samples: int, seed: int) -> np.ndarray:
    """The SALib sample over ``params`` (one row per model run), from the sampler's stream.

    ``morris``: ``SALib.sample.morris.sample(problem, samples, num_levels=4)``;
    ``sobol``: ``SALib.sample.sobol.sample(problem, samples,
    calc_second_order=False)`` (scrambled). Both are seeded with
    ``Generator(PCG64(SeedSequence(seed, spawn_key=SAMPLER_SPAWN_KEY)))``.
    """
    method = _check_method(method)
    samples = check_samples(method, samples, len(params))
    problem = salib_problem(params)
    rng = _stream(seed, SAMPLER_SPAWN_KEY)
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, samples, num_levels=NUM_LEVELS, seed=rng))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem, samples, calc_second_order=False, seed=rng))


def analyze(
    method: str, params: Sequence[Parameter], X: np.ndarray, Y: np.ndarray, seed: int
) -> dict[str, np.ndarray]:
    """SALib's indices of one output ``Y`` over the sample ``X``: ``{index name: per parameter}``.

    The bootstrap draws from a fresh
    ``Generator(PCG64(SeedSequence(seed, spawn_key=ANALYZER_SPAWN_KEY)))``
    (:data:`NUM_RESAMPLES` resamples, :data:`CONF_LEVEL`). A constant output
    has no variance to share out: its Sobol indices are NaN (Morris effects
    are 0).
    """
    method = _check_method(method)
    problem = salib_problem(params)
    y = np.asarray(Y, dtype=float).ravel()
    names = INDEX_NAMES[method]
    if method == "sobol" and (y.size == 0 or np.all(y == y[0])):
        return {name: np.full(len(params), np.nan) for name in names}
    rng = _stream(seed, ANALYZER_SPAWN_KEY)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "morris":
            from SALib.analyze import morris

            si = morris.analyze(
                problem,
                np.asarray(X, dtype=float),
                y,
                num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=NUM_LEVELS,
                seed=rng,
            )
        else:
            from SALib.analyze import sobol

            si = sobol.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=rng,
            )
    return {name: np.asarray(si[name], dtype=float) for name in names}


Outputs = Mapping[tuple[str, str], Any]
"""Model outputs: ``(metric, protocol) -> one value per sample row``."""


def sensitivity_indices(
    method: str,
    params: Sequence[Parameter],
    evaluate: Callable[[np.ndarray], Outputs | np.ndarray],
    samples: int | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Sample, evaluate and analyse: the indices of every output of ``evaluate``.

    Parameters
    ----------
    method : {"morris", "sobol"}
    params : sequence of Parameter
    evaluate : callable
        ``evaluate(X)`` for the sample matrix ``X`` (one row per model run,
        columns in ``params`` order, values as sampled): either one value per
        row, or a mapping ``(metric, protocol) -> values`` (several outputs
        from the same runs).
    samples : int, optional
        Morris trajectories or Sobol base points (default
        :data:`DEFAULT_SAMPLES`).
    seed : int
        Root seed of the sampler's and the analyser's streams.

    Returns
    -------
    (X, indices)
        The sample matrix, and a DataFrame with one row per output x
        parameter: ``metric, protocol, parameter`` and the
        :data:`INDEX_NAMES` of the method.

    Examples
    --------
    >>> import numpy as np
    >>> p = [Parameter("a", 0.0, 1.0), Parameter("b", 0.0, 1.0)]
    >>> X, ind = sensitivity_indices("sobol", p, lambda X: 3 * X[:, 0], samples=64, seed=1)
    >>> [round(float(v), 6) for v in ind["ST"]]
    [1.0, 0.0]
    """
    method = _check_method(method)
    samples = check_samples(method, samples, len(params))
    X = sample_matrix(method, params, samples, seed)
    outputs = evaluate(X)
    if not isinstance(outputs, Mapping):
        outputs = {("y", ""): outputs}
    return X, _index_table(method, params, X, outputs, seed)


def _index_table(
    method: str, params: Sequence[Parameter], X: np.ndarray, outputs: Outputs, seed: int
) -> pd.DataFrame:
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for (metric, protocol), values in outputs.items():
        y = np.asarray(values, dtype=float).ravel()
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"output {metric!r} has {y.shape[0]} values for {X.shape[0]} sample rows"
            )
        idx = analyze(method, params, X, y, seed)
        for j, p in enumerate(params):
            rows.append(
                {
                    "metric": metric,
                    "protocol": protocol,
                    "parameter": p.key,
                    **{name: float(idx[name][j]) for name in INDEX_NAMES[method]},
                }
            )
    columns = ["metric", "protocol", "parameter", *INDEX_NAMES[method]]
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------- metrics
def metric_columns(metrics: Sequence[str] | None, actor_names: tuple[str, str]) -> list[str]:
    """The results columns of ``metrics`` (a per-actor metric gives one column per actor).

    A name is a metric of :data:`binding_sim.dynamics.metrics.METRICS`
    (``mean_final_trust`` gives ``mean_final_trust_NATO`` and
    ``mean_final_trust_Russia``) or one of the sweep table's outcome columns
    (``mean_final_trust_NATO``, ``share_bound_hi``). ``None``:
    :data:`DEFAULT_METRICS`.
    """
    from ..dynamics.metrics import METRICS

    by_column: dict[str, list[str]] = {}
    for m in METRICS.values():
        names = m.column_names(actor_names)
        if names:
            by_column[m.name] = names
        for name in names:
            by_column.setdefault(name, [name])
    out: list[str] = []
    for name in DEFAULT_METRICS if metrics is None else metrics:
        if name not in by_column:
            raise SweepError(
                f"--metric = {name!r}: not an outcome column of the sweep tables; choose from "
                "share_bound, mean_final_trust, time_to_bind_median, share_trapped, "
                "mean_incidents, payoff_relative_discounted, ... (docs/sweeps.md)"
                + did_you_mean(name, list(by_column))
            )
        out.extend(c for c in by_column[name] if c not in out)
    if not out:
        raise SweepError("--metric: give at least one metric")
    return out


# ---------------------------------------------------------------- the sweep
@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """What :func:`sensitivity` returns.

    Attributes
    ----------
    method : str
    parameters : tuple of Parameter
    samples : int
        Morris trajectories or Sobol base points.
    X : numpy.ndarray
        The sample matrix as sampled (one row per cell of the sweep).
    indices : pandas.DataFrame
        ``metric, protocol, parameter`` and the :data:`INDEX_NAMES` of the method.
    sweep : SweepResult
        The sweep of the sampled points (a ``list`` design, cell ``i`` = row ``i`` of ``X``).
    out : Path or None
        The output folder (``None``: a temporary one, gone).
    record : dict
        The content of ``sensitivity.json``.
    """

    method: str
    parameters: tuple[Parameter, ...]
    samples: int
    X: np.ndarray
    indices: pd.DataFrame
    sweep: SweepResult
    out: Path | None = None
    record: Mapping[str, Any] = field(default_factory=dict)


def _recorded_seed(out: Path | None) -> int | None:
    if out is None:
        return None
    record = Store(Path(out)).record()
    seed = record.get("seed") if isinstance(record, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _sample_experiment(
    exp: Experiment,
    params: Sequence[Parameter],
    fixed: Mapping[str, Any],
    X: np.ndarray,
    method: str,
) -> Experiment:
    """``exp`` with a ``list`` design of the sampled points (every cell validated)."""
    points = [
        {**fixed, **{p.key: p.value(x) for p, x in zip(params, row, strict=True)}} for row in X
    ]
    raw = {key: value for key, value in exp.raw.items() if key != "design"}
    raw["design"] = {"kind": "list", "points": points}
    try:
        return Experiment.from_dict(
            raw,
            source=exp.source,
            base_dir=exp.base_dir,
            default_name=exp.name,
            reps=exp.reps,
            seed=exp.seed,
            quick=exp.quick,
        )
    except ConfigError as exc:
        found = re.fullmatch(r"design\.points\[(\d+)\]\.?(.*)", exc.key)
        if found is None:
            raise
        where = "design.ranges" if exp.design.kind == "lhs" else "design.grid"
        key = f"{where}.{found[2]}" if found[2] else where
        raise ConfigError(
            exc.source,
            key,
            exc.value,
            f"{method} sample point {found[1]}: {exc.allowed}; every point of the box of "
            "ranges must be valid: narrow the ranges",
        ) from None


def _outputs(
    sweep: SweepResult, columns: Sequence[str], protocols: Sequence[str], n: int
) -> dict[tuple[str, str], np.ndarray]:
    table = sweep.results
    out: dict[tuple[str, str], np.ndarray] = {}
    for protocol in protocols:
        rows = table[table["protocol"] == protocol].sort_values("cell")
        if len(rows) != n:
            raise SweepError(f"the sweep has {len(rows)} cells for {protocol}, expected {n}")
        for column in columns:
            y = rows[column].to_numpy(dtype=float)
            bad = int(np.count_nonzero(~np.isfinite(y)))
            if bad:
                raise SweepError(
                    f"--metric = {column!r}: undefined (empty) in {bad} of {n} cells for "
                    f"protocol {protocol} (for instance a binding round where nothing bound); "
                    "choose another metric (the finished cells are kept)"
                )
            out[(column, protocol)] = y
    return out


def sensitivity(
    experiment: Experiment | str | Path,
    method: str = "morris",
    samples: int | None = None,
    metrics: Sequence[str] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    reps: int | None = None,
    seed: int | None = None,
    quiet: bool = True,
    batch_size: int | None = None,
) -> SensitivityResult:
    """Morris or Sobol indices of an experiment's outcomes over its design's ranges.

    Samples the ranges (:func:`design_parameters`, :func:`sample_matrix`),
    runs the points as a ``list`` design through
    :func:`~binding_sim.sweep.run_sweep` into ``out`` and analyses each
    metric x protocol (:func:`analyze`); writes ``indices.csv`` and
    ``sensitivity.json`` beside the sweep's own files.

    Parameters
    ----------
    experiment : Experiment or path
        Its design (``lhs`` or ``grid``) gives the ranges; its scenario,
        protocols, replicates and seed the rest.
    method : {"morris", "sobol"}
    samples : int, optional
        Morris trajectories (default 20, at least 2) or Sobol base points
        (a power of two, default 64, at least 4).
    metrics : sequence of str, optional
        Outcome metrics or columns (:func:`metric_columns`); default
        :data:`DEFAULT_METRICS`.
    out : path, optional
        Output folder; ``None`` a temporary one (nothing kept). A folder that
        holds this very analysis (same points, replicates and seed) is
        resumed: its finished cells are kept and only the others run.
    workers, scheduler, batch_size :
        As for :func:`~binding_sim.sweep.run_sweep` (results do not depend on them).
    force : bool
        Recompute every cell, and overwrite a folder holding another sweep.
    reps, seed : int, optional
        Override the experiment's replicates and root seed (a drawn seed is
        recorded, and reused when the folder is resumed).
    quiet : bool
        No progress bar and no notices.

    Raises
    ------
    ConfigError, SweepError
        Before any cell runs: a bad method, sample size, metric, design or
        output folder (one line, exit status 2). After the run, a metric
        that is undefined in some cells.
    SweepFailed
        If some cells raised (rerun to retry them).
    """
    method = _check_method(method)
    check_workers(workers)
    exp = load_experiment(experiment, reps, seed)
    params, fixed = design_parameters(exp)
    samples = check_samples(method, samples, len(params))
    columns = metric_columns(metrics, exp.scenario.actor_names)
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise SweepError(f"{out}: the output path exists and is not a directory")
    root_seed = exp.seed
    if exp.seed_drawn:
        previous = None if force else _recorded_seed(Path(out) if out is not None else None)
        root_seed = previous if previous is not None else exp.seed
        if previous is None:
            where = "" if out is None else f"; recorded in {Path(out) / RUN_RECORD}"
            warn(f"root seed {root_seed} (drawn{where})")
        exp = exp.with_seed(root_seed)
    command = _resume_command(exp, method, samples, metrics, out)
    runs: dict[str, Any] = {}

    def evaluate(X: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        sampled = _sample_experiment(exp, params, fixed, X, method)
        result = run_sweep(
            sampled,
            out=out,
            workers=workers,
            scheduler=scheduler,
            resume=not force,
            force=force,
            quiet=quiet,
            batch_size=batch_size,
            resume_hint=command,
        )
        runs["sweep"] = result
        return _outputs(result, columns, sampled.protocols, X.shape[0])

    X, indices = sensitivity_indices(method, params, evaluate, samples, root_seed)
    sweep = runs["sweep"]
    record = {
        "method": method,
        "samples": samples,
        "evaluations": int(X.shape[0]),
        "num_levels": NUM_LEVELS if method == "morris" else None,
        "calc_second_order": False if method == "sobol" else None,
        "num_resamples": NUM_RESAMPLES,
        "conf_level": CONF_LEVEL,
        "seed": root_seed,
        "sampler_spawn_key": list(SAMPLER_SPAWN_KEY),
        "analyzer_spawn_key": list(ANALYZER_SPAWN_KEY),
        "parameters": [
            {"key": p.key, "lo": p.lo, "hi": p.hi, "integer": p.integer} for p in params
        ],
        "fixed": dict(fixed),
        "metrics": list(columns),
        "protocols": list(exp.protocols),
        "experiment": exp.source,
        "fingerprint": sweep.record.get("fingerprint"),
    }
    if sweep.out is not None:
        store = Store(sweep.out)
        store.write_text(sweep.out / INDICES, indices.to_csv(index=False))
        store.write_text(sweep.out / RECORD, dumps(record) + "\n")
    return SensitivityResult(
        method=method,
        parameters=params,
        samples=samples,
        X=X,
        indices=indices,
        sweep=sweep,
        out=sweep.out,
        record=record,
    )


def _resume_command(
    exp: Experiment,
    method: str,
    samples: int,
    metrics: Sequence[str] | None,
    out: str | Path | None,
) -> str | None:
    """The command line that continues an interrupted analysis (``None``: no file or folder)."""
    import shlex

    if out is None or not Path(exp.source).is_file():
        return None
    args = ["binding-sim", "sensitivity", exp.source, "--method", method]
    args += ["--samples", str(samples), "--reps", str(exp.reps), "--seed", str(exp.seed)]
    for m in metrics or ():
        args += ["--metric", m]
    return shlex.join([*args, "--out", str(out)])


def read_indices(out_dir: str | Path) -> pd.DataFrame:
    """The ``indices.csv`` of a finished sensitivity folder (one line SweepError if none)."""
    import pandas as pd

    path = Path(out_dir) / INDICES
    if not path.is_file():
        raise SweepError(f"{out_dir}: no {INDICES} (the analysis did not finish; run it again)")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])
