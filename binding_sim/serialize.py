"""JSON serialisation of results: infinite values are written as the string ``"inf"``.

Every JSON the package writes goes through :func:`dumps` so that
``decision_precision = inf`` and any other non-finite float appear as
``"inf"`` / ``"-inf"`` (JSON has no infinity), numpy scalars and arrays become
plain numbers and lists, and NaN (which the engine never emits silently)
becomes ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Recursively convert ``obj`` to plain JSON types (``inf`` -> ``"inf"``)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return obj


def dumps(obj: Any, indent: int | None = 2) -> str:
    """Serialise ``obj`` to strict JSON (no ``Infinity``/``NaN`` tokens)."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)
