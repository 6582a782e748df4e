"""docs/odd.md describes the model in the ODD protocol's seven elements (Grimm et al. 2020).

Every element is present, in order, and every element but "Input data" points
at a numbered section of docs/model.md (the links themselves are checked by
tests/test_docs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

ODD = Path(__file__).resolve().parents[1] / "docs" / "odd.md"

ELEMENTS = [
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
]


def _sections() -> dict[str, str]:
    text = ODD.read_text(encoding="utf-8")
    parts = re.split(r"^## (\d)\. (.+)$", text, flags=re.M)
    return {parts[i + 1].strip(): parts[i + 2] for i in range(1, len(parts) - 1, 3)}


def test_seven_elements_in_order() -> None:
    assert list(_sections()) == ELEMENTS


def test_elements_point_at_model_sections() -> None:
    for name, body in _sections().items():
        if name == "Input data":
            continue
        assert re.search(r"\(model\.md#\d", body), f"ODD element {name!r} cites no model section"
