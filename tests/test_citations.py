"""Citations of ``docs/model.md`` name sections that exist; the package cites nothing unreadable.

Docstrings and comments cite the model as "docs/model.md section N" (also
"sections N to M", "sections N, M and L", "section N.K", "section N item K",
"appendix X"); N follows the numbered sections of ``docs/model.md`` (1 to 11,
with subsections ``### N.K``) and X its lettered appendices. This module
parses every such citation in the package, the tests, the experiments, the
benchmarks and the other docs, and checks it against the headings of
``docs/model.md``. The package itself must cite only what a reader of the
repository can open: never the specification file or a tracker number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
CITING_DIRS = ("binding_sim", "tests", "experiments", "benchmarks", "docs")
SKIP_PARTS = {"__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache"}

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_SECTION = re.compile(r"^## (\d+)\. \S", re.MULTILINE)
_SUBSECTION = re.compile(r"^### (\d+)\.(\d+) \S", re.MULTILINE)
_APPENDIX = re.compile(r"^## Appendix ([A-Z])\. \S", re.MULTILINE)
_APPENDIX_SUB = re.compile(r"^### ([A-Z])\.(\d+) \S", re.MULTILINE)
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)(?![\w.]\w)|(?P<letter>[A-Z](?:\.\d+)?)(?!\w)"
    r"|(?P<word>[A-Za-z]+)|(?P<punct>[-,()]))"
)
_CITE = re.compile(r"docs/model\.md(?P<tail>.{0,200})", re.DOTALL)


@dataclass(frozen=True)
class Citation:
    """One cited place: a section (``"9"``), subsection (``"9.4"``) or appendix (``"A"``)."""

    file: str
    line: int
    target: str
    text: str


def _flatten(text: str) -> str:
    """Join continuation lines of docstrings and ``#`` comments into one line each."""
    return re.sub(r"[ \t]*\n[ \t]*(?:#+[ \t]*)?", " ", text)


def parse_targets(tail: str) -> list[str]:
    """The places named by the words that follow ``docs/model.md`` (empty for a bare mention).

    Accepts ``section 3``, ``sections 3 and 7``, ``sections 3, 7``, ``sections 2 to 4``,
    ``sections 3-5 and 8``, ``section 9.3``, ``section 9 item 4``,
    ``section 9 (items 1, 2, 5, 6)``, ``section 9 items 4 (mean field) and 7``,
    ``appendix A``, ``appendix A.2``; parsing stops at the first word that is
    not part of a citation (``section 3's Delta``, ``section 10 and the ...``).
    """
    m = re.match(r"\s+(sections?|appendix|appendices)\b", tail, re.IGNORECASE)
    if not m:
        return []
    appendix = m.group(1).lower().startswith("append")
    pos = m.end()
    out: list[str] = []
    last: str | None = None  # the last section number, for items and ranges
    pending_range = False
    in_items = False
    paren_items = False
    while pos < len(tail):
        tok = _TOKEN.match(tail, pos)
        if not tok:
            break
        num, letter, word, punct = tok.group("num", "letter", "word", "punct")
        if (num is not None and appendix) or (letter is not None and not appendix):
            break  # a number after "appendix" or a letter after "section": not a citation
        place = letter if appendix else num
        if place is not None:
            if in_items:
                if last is None or "." in place:
                    break
                out.append(f"{last}.{place}")
            elif pending_range and last is not None and place.isdigit() and last.isdigit():
                out += [str(n) for n in range(int(last) + 1, int(place) + 1)]
                last = place
            else:
                out.append(place)
                last = place.split(".")[0]
            pending_range = False
        elif word is not None:
            w = word.lower()
            if w in ("item", "items") and last is not None:
                if not in_items and out and out[-1] == last:
                    out.pop()  # "section 9 item 4" names 9.4, not all of section 9
                in_items = True
            elif w == "to" and not in_items and last is not None:
                pending_range = True
            elif w != "and":
                break
        elif punct == "-":
            if in_items or last is None:
                break
            pending_range = True
        elif punct == "(":
            nxt = re.match(r"\(\s*items?\b", tail[tok.start(0) :].lstrip())
            if nxt and not in_items:
                paren_items = True
            elif in_items:  # a description such as "items 4 (mean field) and 7"
                close = tail.find(")", tok.end())
                if close < 0 or re.search(r"\d", tail[tok.end() : close]):
                    break
                pos = close + 1
                continue
            else:
                break
        elif punct == ")":
            if not paren_items:
                break
            paren_items = in_items = False
        pos = tok.end()
    return out


def citations() -> list[Citation]:
    """Every citation of a place in ``docs/model.md`` outside ``docs/model.md`` itself."""
    found: list[Citation] = []
    for top in CITING_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or path == MODEL_MD or SKIP_PARTS & set(path.parts):
                continue
            try:
                raw = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if "docs/model.md" not in raw:
                continue
            # flatten per match so that line numbers stay those of the file
            for m in _CITE.finditer(raw):
                tail = _flatten(m.group("tail"))
                line = raw.count("\n", 0, m.start()) + 1
                snippet = ("docs/model.md" + tail)[:80]
                rel = str(path.relative_to(ROOT))
                found += [Citation(rel, line, t, snippet) for t in parse_targets(tail)]
    return found


def model_places() -> set[str]:
    """Sections, subsections (``"9.4"``, also cited as "section 9 item 4") and appendices."""
    text = _FENCE.sub("", MODEL_MD.read_text(encoding="utf-8"))
    places = set(_SECTION.findall(text)) | set(_APPENDIX.findall(text))
    places |= {f"{a}.{b}" for a, b in _SUBSECTION.findall(text)}
    places |= {f"{a}.{b}" for a, b in _APPENDIX_SUB.findall(text)}
    return places


def test_model_md_has_sections_1_to_11_in_order() -> None:
    text = _FENCE.sub("", MODEL_MD.read_text(encoding="utf-8"))
    numbers = [int(n) for n in _SECTION.findall(text)]
    # sections 1 to 11, then the extensions (12 to 15) in order as they are written
    assert numbers[:11] == list(range(1, 12))
    assert numbers[11:] == sorted(set(numbers[11:])) and set(numbers[11:]) <= set(range(12, 16))
    letters = _APPENDIX.findall(text)
    assert letters == [chr(ord("A") + i) for i in range(len(letters))]
    # appendices come after the numbered sections (12 to 15 are reserved for extensions)
    last_section = max(m.start() for m in _SECTION.finditer(text))
    assert all(m.start() > last_section for m in _APPENDIX.finditer(text))


def test_subsections_are_numbered_within_their_section() -> None:
    text = _FENCE.sub("", MODEL_MD.read_text(encoding="utf-8"))
    current = None
    for m in re.finditer(r"^(## (?:Appendix )?([0-9A-Z]+)\.|### ([0-9A-Z]+)\.\d+ )", text, re.M):
        if m.group(2):
            current = m.group(2)
        else:
            assert m.group(3) == current, f"subsection {m.group(0)!r} is not in section {current}"


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (" section 11: the root seed", ["11"]),
        (" section 11.", ["11"]),
        (" sections 3 and 7 decide", ["3", "7"]),
        (" sections 3, 7)", ["3", "7"]),
        (" sections 2 to 4).", ["2", "3", "4"]),
        (" sections 3 to 6, 8, 11).", ["3", "4", "5", "6", "8", "11"]),
        (" sections 3-5 and 8.", ["3", "4", "5", "8"]),
        (" section 9.3 by hand", ["9.3"]),
        (" section 9 item 4) and the spiral", ["9.4"]),
        (" section 9 (items 1, 2, 5, 6) and the section 10", ["9.1", "9.2", "9.5", "9.6"]),
        (" section 9 items 4 (mean field) and 7 (monotonicity).", ["9.4", "9.7"]),
        (" section 3's Delta_i", ["3"]),
        (" section 10 and the experiment files", ["10"]),
        (" appendix A.2 for GTFT", ["A.2"]),
        (" appendix B and", ["B"]),
        (") explains", []),
        ("'s sections", []),
    ],
)
def test_parse_targets(tail: str, expected: list[str]) -> None:
    assert parse_targets(tail) == expected


def test_flatten_joins_docstring_and_comment_continuations() -> None:
    assert parse_targets(_flatten("\n    section 11 (see the module docstring).")) == ["11"]
    assert parse_targets(_flatten("\n# section 8: unbound, and nothing")) == ["8"]
    assert parse_targets(_flatten(" sections 3\nand 7 decide")) == ["3", "7"]


def test_every_citation_names_a_place_in_model_md() -> None:
    cites = citations()
    # the package cites the model throughout; a parser that finds nothing is broken
    assert len({c.file for c in cites if c.file.startswith("binding_sim/")}) >= 20
    places = model_places()
    missing = [f"{c.file}:{c.line}: {c.target!r} in {c.text!r}" for c in cites]
    missing = [m for m, c in zip(missing, cites, strict=True) if c.target not in places]
    assert not missing, "citations of sections docs/model.md does not have:\n" + "\n".join(missing)


def _package_texts() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "binding_sim").rglob("*")):
        if path.is_file() and not SKIP_PARTS & set(path.parts):
            try:
                out.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
            except UnicodeDecodeError:
                continue
    return out


def test_package_never_cites_the_specification_file_or_an_issue_number() -> None:
    bad = []
    for rel, text in _package_texts():
        for i, line in enumerate(text.splitlines(), 1):
            if "MODEL.md" in line or re.search(r"\bissue \d+", line, re.IGNORECASE):
                bad.append(f"{rel}:{i}: {line.strip()}")
    assert not bad, "cite docs/model.md sections, not the spec file or a tracker:\n" + "\n".join(
        bad
    )
