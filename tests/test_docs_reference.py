"""``docs/reference/config.md`` is generated from :mod:`binding_sim.config.schema` and cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from binding_sim.config.schema import SCENARIO_KEYS, markdown_reference

CONFIG_MD = Path(__file__).resolve().parents[1] / "docs" / "reference" / "config.md"


def test_committed_reference_equals_generated() -> None:
    assert CONFIG_MD.read_text(encoding="utf-8") == markdown_reference(), (
        "docs/reference/config.md is stale; regenerate it with "
        "binding_sim.config.schema.markdown_reference()"
    )


def test_every_key_has_one_row_with_default_range_unit_and_meaning() -> None:
    text = markdown_reference()
    for key, spec in SCENARIO_KEYS.items():
        rows = [line for line in text.splitlines() if line.startswith(f"| `{key}` |")]
        assert len(rows) == 1, key
        cells = [c.strip() for c in rows[0].strip("|").split(" | ")]
        assert len(cells) == 6, rows[0]
        _key, kind, default, rng, unit, meaning = cells
        assert kind == spec.kind
        assert default and rng and unit and meaning == spec.doc


def test_reference_states_known_ranges() -> None:
    text = markdown_reference()

    def row(key: str) -> str:
        (line,) = (x for x in text.splitlines() if x.startswith(f"| `{key}` |"))
        return line

    # probabilities and rates are closed unit intervals; scope and caps exclude 0
    assert "| [0, 1] |" in row("actors.*.initial_trust")
    assert "| [0, 1] |" in row("trust.building_rate")
    assert "| (0, 1] |" in row("arrangements.*.scope")
    assert "| (0, 1] |" in row("arrangements.*.effects.cap_factor")
    # the logit precision defaults to and may be inf
    assert re.search(r"\| `inf` \| \[0, inf\] \|", row("actors.*.decision_precision"))
    assert "| required |" in row("arrangements.*.payoffs.R")
    assert "| `0` |" in row("arrangements.*.payoffs.P")
