"""docs/architecture.md names only files that exist, and lists every module of the model layer.

A maintainer's guide that names a file which has moved is worse than none:
every path in backticks that starts with a folder of the repository must
exist (templates such as ``binding_sim/cli/NAME.py`` aside), and the table of ``binding_sim/model/`` must list every module in it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "architecture.md"
FOLDERS = ("binding_sim/", "tests/", "docs/", "benchmarks/", "experiments/")


def _named_paths() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    found = re.findall(r"`([\w./-]+)`", text)
    # ``NAME`` marks a template (``binding_sim/cli/NAME.py``: the file a new command adds)
    return [p for p in found if p.startswith(FOLDERS) and "NAME" not in p]


def test_guide_names_paths() -> None:
    assert len(_named_paths()) >= 20


def test_every_named_path_exists() -> None:
    missing = [p for p in _named_paths() if not (ROOT / p).exists()]
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_model_table_lists_every_model_module() -> None:
    named = set(_named_paths())
    modules = {
        f"binding_sim/model/{p.name}"
        for p in (ROOT / "binding_sim" / "model").glob("*.py")
        if p.name != "__init__.py"
    }
    assert modules <= named, f"add to the model table: {sorted(modules - named)}"
