"""The draw functions a figure CSV may name, and the table each one needs.

A figure CSV (:func:`binding_sim.plot.figures.publish`) records its draw
function as ``# draw = module:function``. That text comes from a file that
may have been edited by anyone, so it is never imported: :func:`draw_functions`
is an allow-list of the package's own draw functions, keyed by exactly that
text, and :func:`lookup` resolves a header by dictionary lookup. A header
naming anything else (a standard-library function, another module, a path)
is refused; nothing is imported because of it.

Each draw function declares, with the :func:`figure_data` decorator, the
table it draws from: the columns it reads and what they hold
(:class:`Column`), the metadata keys it reads (:class:`Meta`), a grid of two
columns for heat maps and contour plots, and value/interval triples.
:func:`check_figure_data` holds a table and its metadata against that
declaration before drawing, so an edited CSV (a renamed column, only the
header, text in a number column, NaN, ``inf`` or absurdly large values,
metadata of the wrong type) is a one-line error naming the file, the column
and what was expected, not a traceback or an empty figure.

Adding a draw function: decorate it with :func:`figure_data` in its module
of :mod:`binding_sim.plot`; :func:`draw_functions` finds every module of the
package, so nothing else changes. A draw function of a user's own experiment
script (``DIR/NAME.py``) may use the same decorator: ``binding-sim replot
--experiments DIR`` loads that script because the user named the folder, and
checks the table against its declaration.
"""

from __future__ import annotations

import math
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import BindingSimError, did_you_mean, one_line

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BIG",
    "COLUMN_KINDS",
    "MAX_COUNT",
    "META_KINDS",
    "Column",
    "FigureSpec",
    "Meta",
    "check_figure_data",
    "draw_functions",
    "figure_data",
    "lookup",
]

BIG = 1e15
"""Largest absolute value of a plotted number (anything larger is an edited file, not data)."""
MAX_COUNT = 10**9
"""Largest value of a ``count`` column (rounds, ranks)."""

COLUMN_KINDS = ("number", "probability", "count", "text", "flag")
"""What a :class:`Column` may hold: a finite number within +-:data:`BIG`, a number in
[0, 1], a whole number in [0, :data:`MAX_COUNT`], any non-empty value (shown as text),
or a truth value (``True``/``False`` or 0/1)."""

META_KINDS = ("column", "text", "number", "integer", "pair", "texts", "thresholds", "member")
"""What a :class:`Meta` key may hold: the name of a column of the table, a string, a finite
number, a whole number, two finite numbers, a list of strings, a mapping of strings to finite
numbers, or one of the values of a column (``Meta.column``)."""

_PACKAGE = __name__.rpartition(".")[0]  # "binding_sim.plot"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Column:
    """A column a draw function reads.

    Parameters
    ----------
    name : str
        The column's name, or ``"{key}"`` for the column named by the
        metadata key ``key`` (declared with kind ``"column"``).
    kind : str
        One of :data:`COLUMN_KINDS`.
    missing : bool
        Empty cells are allowed (e.g. the binding round where nothing binds).
    positive : bool
        Numbers must be > 0 (a logarithmic axis).
    at_most : int, optional
        At most this many distinct values (one panel or one line is drawn per value).
    """

    name: str
    kind: str = "number"
    missing: bool = False
    positive: bool = False
    at_most: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"Column kind {self.kind!r}: one of {', '.join(COLUMN_KINDS)}")


@dataclass(frozen=True)
class Meta:
    """A metadata key (``# meta = {...}``) a draw function reads.

    Parameters
    ----------
    key : str
        The key.
    kind : str
        One of :data:`META_KINDS`.
    required : bool
        The key must be present (and not ``null``).
    default : str, optional
        For kind ``"column"``: the column read when the key is absent.
    column : str, optional
        For kind ``"member"``: the column (name or ``"{key}"``) the value must occur in.
    length : int, optional
        For kind ``"texts"``: the number of strings required.
    """

    key: str
    kind: str
    required: bool = False
    default: str | None = None
    column: str | None = None
    length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in META_KINDS:
            raise ValueError(f"Meta kind {self.kind!r}: one of {', '.join(META_KINDS)}")


@dataclass(frozen=True)
class FigureSpec:
    """What a draw function needs from its table and metadata (see :func:`figure_data`)."""

    columns: tuple[Column, ...]
    meta: tuple[Meta, ...] = ()
    grid: tuple[str, str] | None = None
    bands: tuple[tuple[str, str, str], ...] = ()


_REGISTRY: dict[str, Callable[..., Any]] = {}
_LOADED = False


def figure_data(
    *columns: Column,
    meta: tuple[Meta, ...] = (),
    grid: tuple[str, str] | None = None,
    bands: tuple[tuple[str, str, str], ...] = (),
) -> Callable[[F], F]:
    """Decorator declaring the table a draw function needs; registers package draw functions.

    Parameters
    ----------
    *columns : Column
        The columns it reads.
    meta : tuple of Meta
        The metadata keys it reads.
    grid : (str, str), optional
        Two columns (names or ``"{key}"``) spanning a grid: each needs at
        least two distinct values (contours and heat maps need cells).
    bands : tuple of (str, str, str)
        ``(value, lo, hi)`` columns with ``lo <= value <= hi`` wherever all three are given.

    Returns
    -------
    callable
        A decorator that returns the function unchanged (so its
        ``module:function`` name, recorded in figure CSVs, does not change)
        with the declaration as its ``figure_spec`` attribute. A function of
        :mod:`binding_sim.plot` is also added to the allow-list of
        :func:`draw_functions`.
    """
    spec = FigureSpec(tuple(columns), tuple(meta), grid, tuple(bands))

    def register(fn: F) -> F:
        fn.figure_spec = spec  # type: ignore[attr-defined]
        module = getattr(fn, "__module__", "") or ""
        if module.startswith(_PACKAGE + "."):
            _REGISTRY[f"{module}:{fn.__qualname__}"] = fn
        return fn

    return register


def draw_functions() -> dict[str, Callable[..., Any]]:
    """The allow-list: ``"module:function"`` -> draw function, for every draw function of the package.

    The modules of :mod:`binding_sim.plot` are found with :mod:`pkgutil` in the
    package's own folder and imported once, so that their decorated draw
    functions register themselves; no name read from a file is ever imported.
    """
    global _LOADED
    if not _LOADED:
        import importlib

        from . import __path__ as plot_path

        for info in pkgutil.iter_modules(plot_path):
            importlib.import_module(f"{_PACKAGE}.{info.name}")  # the package's own modules
        _LOADED = True
    return dict(_REGISTRY)


def lookup(header: str) -> Callable[[Any, Any], Any] | None:
    """The package draw function whose ``module:function`` is exactly ``header``, or None."""
    return draw_functions().get(header)


# ---------------------------------------------------------------- validation
def _fail(source: str, what: str, problem: str) -> BindingSimError:
    return BindingSimError(one_line(f"{source}: {what}: {problem}"))


def _short(value: Any, limit: int = 60) -> str:
    if hasattr(value, "item") and callable(value.item):  # a numpy scalar: show the number
        value = value.item()
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _meta_value_ok(kind: str, value: Any, length: int | None) -> str | None:
    """None when ``value`` fits ``kind``; else what was expected."""
    if kind in ("column", "text", "member"):
        return None if isinstance(value, str) and value else "a non-empty string"
    if kind == "number":
        return None if _is_number(value) and abs(value) <= BIG else "a finite number"
    if kind == "integer":
        ok = _is_number(value) and float(value).is_integer() and 0 <= value <= MAX_COUNT
        return None if ok else f"a whole number in [0, {MAX_COUNT}]"
    if kind == "pair":
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(_is_number(v) and abs(v) <= BIG for v in value)
        )
        return None if ok else "a list of two finite numbers"
    if kind == "texts":
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        ok = ok and (len(value) == length if length is not None else 0 < len(value) <= 100)
        want = f"{length}" if length is not None else "1 to 100"
        return None if ok else f"a list of {want} non-empty strings"
    # thresholds
    ok = (
        isinstance(value, dict)
        and len(value) <= 100
        and all(isinstance(k, str) and _is_number(v) and abs(v) <= BIG for k, v in value.items())
    )
    return None if ok else "a table of names to finite numbers"


def _resolve(ref: str, columns_of_meta: Mapping[str, str]) -> str:
    if ref.startswith("{") and ref.endswith("}"):
        return columns_of_meta[ref[1:-1]]
    return ref


def _numeric(data: pd.DataFrame, name: str, source: str, expected: str) -> Any:
    """The column as floats; text in it is an error naming the first offending row."""
    import numpy as np
    import pandas as pd

    col = data[name]
    if col.dtype == bool:
        return col.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=float)
    converted = pd.to_numeric(col, errors="coerce")
    bad = np.flatnonzero(converted.isna().to_numpy() & col.notna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise _fail(
            source,
            f"column {name!r}",
            f"data row {row + 1} holds {_short(col.iloc[row])}; expected {expected}",
        )
    return converted.to_numpy(dtype=float)


def _check_column(data: pd.DataFrame, column: Column, name: str, source: str, draw: str) -> None:
    import numpy as np

    col = data[name]
    if column.kind == "text":
        if col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise _fail(source, f"column {name!r}", f"data row {row + 1} is empty; expected text")
    elif column.kind == "flag":
        values = set(col.dropna().tolist())
        if col.isna().any() or not values <= {True, False}:
            raise _fail(
                source,
                f"column {name!r}",
                "expected True/False in every row, got "
                + ", ".join(_short(v, 20) for v in list(values - {True, False})[:3]),
            )
    else:
        if column.kind == "probability":
            expected, lo, hi = "a probability in [0, 1]", 0.0, 1.0
        elif column.kind == "count":
            expected, lo, hi = f"a whole number in [0, {MAX_COUNT}]", 0.0, float(MAX_COUNT)
        else:
            expected, lo, hi = f"a finite number in [-{BIG:g}, {BIG:g}]", -BIG, BIG
        if column.positive:
            expected = expected.replace("a finite number", "a positive finite number")
        values = _numeric(data, name, source, expected)
        nan = np.isnan(values)
        if nan.all():
            raise _fail(
                source, f"column {name!r}", f"every value is empty or NaN; expected {expected}"
            )
        if nan.any() and not column.missing:
            row = int(np.flatnonzero(nan)[0])
            raise _fail(
                source,
                f"column {name!r}",
                f"data row {row + 1} is empty or NaN; expected {expected} in every row",
            )
        with np.errstate(invalid="ignore"):
            wrong = ~nan & ~((values >= lo) & (values <= hi))
            if column.positive:
                wrong |= ~nan & ~(values > 0)
            if column.kind == "count":
                wrong |= ~nan & np.isfinite(values) & (values != np.round(values))
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise _fail(
                source,
                f"column {name!r}",
                f"data row {row + 1} holds {_short(col.iloc[row])}; expected {expected}",
            )
    if column.at_most is not None and col.nunique() > column.at_most:
        raise _fail(
            source,
            f"column {name!r}",
            f"{col.nunique()} distinct values; {draw} draws one panel or line per value "
            f"and allows at most {column.at_most}",
        )


def _generic(data: pd.DataFrame, source: str) -> None:
    """Checks every figure table passes, declared or not: rows, finite numbers, not all NaN."""
    import numpy as np
    import pandas as pd

    if len(data) == 0:
        raise _fail(source, "table", "no data rows (only the header); nothing to draw")
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c].dtype)]
    finite_somewhere = False
    for name in numeric:
        values = data[name].to_numpy(dtype=float)
        inf = np.isinf(values)
        if inf.any():
            row = int(np.flatnonzero(inf)[0])
            raise _fail(
                source,
                f"column {name!r}",
                f"data row {row + 1} holds {float(values[row])!r}; expected finite numbers",
            )
        finite_somewhere = finite_somewhere or bool(np.isfinite(values).any())
    if not finite_somewhere:
        raise _fail(source, "table", "no finite number in any column; nothing to draw")


def check_figure_data(
    source: str, data: pd.DataFrame, meta: Mapping[str, Any], spec: FigureSpec | None, draw: str
) -> None:
    """Hold a figure table and its metadata against the draw function's declaration.

    Parameters
    ----------
    source : str
        The file the table came from (named in every message).
    data : DataFrame
        The table.
    meta : mapping
        The metadata (``# meta = {...}``).
    spec : FigureSpec or None
        The declaration (``draw.figure_spec``); None checks only what every
        table needs (rows, no infinite number, some finite number).
    draw : str
        ``module:function`` of the draw function (for messages).

    Raises
    ------
    BindingSimError
        One line naming the file, the column (or metadata key) and what was expected.
    """
    _generic(data, source)
    if spec is None:
        return
    names = [str(c) for c in data.columns]
    columns_of_meta: dict[str, str] = {}
    for m in spec.meta:
        value = meta.get(m.key)
        if value is None:
            if m.required:
                raise _fail(source, f"meta.{m.key}", f"missing; {draw} needs it")
            if m.kind == "column" and m.default is not None:
                columns_of_meta[m.key] = m.default
            continue
        problem = _meta_value_ok(m.kind, value, m.length)
        if problem is not None:
            raise _fail(source, f"meta.{m.key} = {_short(value)}", f"expected {problem}")
        if m.kind == "column":
            if value not in names:
                raise _fail(
                    source,
                    f"meta.{m.key} = {value!r}",
                    "names no column of the table"
                    + (did_you_mean(value, names) or f" (columns: {', '.join(names)})"),
                )
            columns_of_meta[m.key] = value
    for column in spec.columns:
        name = _resolve(column.name, columns_of_meta)
        if name not in names:
            raise _fail(
                source,
                f"column {name!r}",
                f"missing; {draw} needs it"
                + (did_you_mean(name, names) or f" (columns: {', '.join(names)})"),
            )
        _check_column(data, column, name, source, draw)
    for m in spec.meta:
        if m.kind == "member" and meta.get(m.key) is not None and m.column is not None:
            col = _resolve(m.column, columns_of_meta)
            if col in names and meta[m.key] not in set(data[col].astype(str)):
                raise _fail(
                    source,
                    f"meta.{m.key} = {meta[m.key]!r}",
                    f"occurs in no row of column {col!r}; expected one of its values",
                )
    if spec.grid is not None:
        for ref in spec.grid:
            name = _resolve(ref, columns_of_meta)
            if data[name].nunique() < 2:
                raise _fail(
                    source,
                    f"column {name!r}",
                    f"{data[name].nunique()} distinct value(s); {draw} draws a grid and needs "
                    "at least 2",
                )
    for value_ref, lo_ref, hi_ref in spec.bands:
        import numpy as np

        v, lo, hi = (
            data[_resolve(r, columns_of_meta)].to_numpy(float) for r in (value_ref, lo_ref, hi_ref)
        )
        with np.errstate(invalid="ignore"):
            wrong = (lo > v) | (v > hi)
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise _fail(
                source,
                f"columns {lo_ref!r}, {value_ref!r}, {hi_ref!r}",
                f"data row {row + 1} has {lo[row]!r} <= {v[row]!r} <= {hi[row]!r} false; "
                "expected an interval around its value",
            )
