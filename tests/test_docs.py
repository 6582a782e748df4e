"""The documentation cannot drift: links resolve, metadata parses, the CLI reference is current.

The ``>>>`` examples in ``docs/*.md`` and ``README.md`` run as doctests through
pytest's ``--doctest-glob=*.md`` (see ``pyproject.toml``); this module checks
everything else about the docs.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from binding_sim.cli._reference import cli_reference
from binding_sim.cli._reference import main as reference_main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MARKDOWN = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md", ROOT / "CHANGELOG.md"]

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
_HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def _strip_code(text: str) -> str:
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def links(path: Path) -> list[str]:
    """Every link target in a Markdown file, outside code blocks and inline code."""
    text = _strip_code(path.read_text(encoding="utf-8"))
    return _LINK.findall(text) + _REF_DEF.findall(text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Anchors a Markdown file defines (headings, with GitHub's -1, -2 for repeats)."""
    text = path.read_text(encoding="utf-8")
    seen: dict[str, int] = {}
    out = set(_HTML_ANCHOR.findall(text))
    for _, title in _HEADING.findall(_FENCE.sub("", text)):
        base = slug(title)
        n = seen.get(base, 0)
        out.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")


def resolve(source: Path, target: str) -> tuple[Path, str]:
    """File and fragment a relative link points to (fragment-only links: the source)."""
    file_part, _, fragment = target.partition("#")
    path = source if not file_part else (source.parent / file_part).resolve()
    return path, fragment


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    broken = []
    for target in links(path):
        if _is_external(target):
            continue
        dest, fragment = resolve(path, target)
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target} (no heading #{fragment} in {dest.name})")
    assert not broken, f"{path.relative_to(ROOT)}: broken links: {broken}"


def test_link_extraction_ignores_code(tmp_path: Path) -> None:
    probe = tmp_path / "probe.md"
    probe.write_text(
        '[a](x.md) `[b](y.md)`\n```sh\n[c](z.md)\n```\n[d]: w.md\n![e](img.png "t")',
        encoding="utf-8",
    )
    assert sorted(links(probe)) == ["img.png", "w.md", "x.md"]


def test_slug_matches_github_rule() -> None:
    assert slug("`binding-sim analyze`") == "binding-sim-analyze"
    assert slug("1. The acceptance threshold tau*") == "1-the-acceptance-threshold-tau"
    assert slug("Grieco/Snidal: same best responses") == "griecosnidal-same-best-responses"


def test_every_doc_is_reachable_from_the_index() -> None:
    """docs/index.md is the map: every page under docs/ is reachable from it by links."""
    start = (DOCS / "index.md").resolve()
    seen = {start}
    todo = [start]
    while todo:
        page = todo.pop()
        for target in links(page):
            if _is_external(target):
                continue
            dest, _ = resolve(page, target)
            if dest.suffix == ".md" and dest.exists() and dest not in seen:
                seen.add(dest)
                todo.append(dest)
    orphans = [str(p.relative_to(ROOT)) for p in DOCS.rglob("*.md") if p.resolve() not in seen]
    assert not orphans, f"pages not linked from docs/index.md (directly or not): {orphans}"


def test_cli_reference_is_current() -> None:
    committed = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference(), (
        "docs/reference/cli.md is out of date: run `python -m binding_sim.cli._reference --write`"
    )


def test_cli_reference_lists_every_command_and_option() -> None:
    from binding_sim.cli import build_parser

    parser = build_parser()
    text = cli_reference(parser)
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, child in sub.choices.items():
        assert f"## `binding-sim {name}`" in text
        for action in child._actions:
            for opt in action.option_strings:
                if opt not in ("-h", "--help"):
                    assert f"`{opt}`" in text, f"{name} {opt} missing from the CLI reference"


def test_reference_check_mode(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    assert reference_main(["--check", "--path", str(out)]) == 1
    assert reference_main(["--write", "--path", str(out)]) == 0
    assert reference_main(["--check", "--path", str(out)]) == 0


def test_citation_cff_is_valid() -> None:
    """CITATION.cff parses as YAML and has the keys CFF 1.2.0 requires."""
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert data["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert data.get(key), f"CITATION.cff lacks {key}"
    assert isinstance(data["authors"], list) and data["authors"]
    for author in data["authors"]:
        assert "name" in author or "family-names" in author
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert str(data["version"]) == version
    for ref in data.get("references", []):
        assert ref.get("type") and ref.get("title") and ref.get("authors")


def test_changelog_has_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert re.search(rf"^## \[{re.escape(version)}\]", text, re.MULTILINE)
    assert "Keep a Changelog" in text


_SHELL_FENCE = re.compile(
    r"^```(?:sh|bash|shell|console)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL
)
_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "2>&1", "&>"}


def shell_commands(path: Path) -> list[list[str]]:
    """Every simple command in the shell code blocks of a Markdown file, as tokens."""
    out: list[list[str]] = []
    for block in _SHELL_FENCE.findall(path.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            try:
                tokens = shlex.split(line, comments=True)
            except ValueError:  # e.g. an unbalanced quote in shown output
                continue
            segment: list[str] = []
            for tok in [*tokens, ";"]:
                if tok in _OPERATORS:
                    if segment:
                        out.append(segment)
                    segment = []
                else:
                    segment.append(tok)
    return out


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, re.MULTILINE))


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_commands_in_docs_exist(path: Path) -> None:
    """Every ``binding-sim ...`` and ``make ...`` line in a shell block parses today."""
    from binding_sim.cli import UsageError, build_parser

    if not path.exists():
        pytest.skip(f"{path.name} not present")
    parser = build_parser()
    targets = _make_targets()
    bad = []
    for cmd in shell_commands(path):
        if any(tok.startswith("[") for tok in cmd):
            continue  # a synopsis such as `binding-sim replot NAME [--out DIR]`, not a command
        if cmd[0].endswith("binding-sim"):
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    parser.parse_args(cmd[1:])
            except UsageError as exc:
                bad.append(f"{shlex.join(cmd)}: {exc}")
            except SystemExit as exc:  # --help / --version
                if exc.code not in (0, None):
                    bad.append(f"{shlex.join(cmd)}: exit {exc.code}")
        elif cmd[0] == "make":
            bad += [f"make {t}: no such target" for t in cmd[1:] if t not in targets]
    assert not bad, f"{path.relative_to(ROOT)}: commands that do not parse: {bad}"


def test_shell_command_extraction(tmp_path: Path) -> None:
    probe = tmp_path / "probe.md"
    probe.write_text(
        "```sh\nbinding-sim show x > y.toml   # copy\nmake quick && binding-sim a \\\n  --json\n```\n"
        "```python\nbinding-sim not-shell\n```\n",
        encoding="utf-8",
    )
    assert shell_commands(probe) == [
        ["binding-sim", "show", "x"],
        ["y.toml"],
        ["make", "quick"],
        ["binding-sim", "a", "--json"],
    ]
