"""Reading configuration files: TOML text to plain data, every problem in one line.

Scenario files (:mod:`binding_sim.config.scenario`), experiment files
(:mod:`binding_sim.config.experiment`) and analysis-only experiment files
(:mod:`binding_sim.config.analysis`) are all read through this module
(docs/model.md section 10), so a missing file, an unreadable one or a TOML
syntax error reads the same whichever kind of file it is: one
:class:`~binding_sim.errors.ConfigError` line naming the file, the key (or
``(file)`` / ``(syntax)``), the value and what is allowed. Values are
checked afterwards against :mod:`binding_sim.config.schema` by the caller.

Only TOML is parsed here; nothing read from a file can name code to run.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["parse_toml", "read_text", "read_toml"]

# A bare TOML key part may hold only letters, digits, "_" and "-": a dotted key
# with a "*" (actors.*.KEY) must be quoted. Matches such a key written bare.
_BARE_STAR_KEY = re.compile(r"(?<![\"'\w.*-])((?:[A-Za-z0-9_-]+\.)+\*(?:\.[A-Za-z0-9_*-]+)*)")


def read_text(path: str | Path, what: str = "file") -> str:
    """The UTF-8 text of ``path``; a missing or unreadable file is a one-line error.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for the message (``"file"``, ``"experiment file"``).
    """
    source = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "(file)", source, f"{what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "(file)", source, f"cannot read: {exc}") from None
    except ValueError:  # a NUL character in the path: no file can have that name
        raise ConfigError(
            source.replace("\x00", "\\x00"), "(file)", source, "a path cannot hold a NUL character"
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML ``text``; a syntax error becomes a one-line :class:`ConfigError`.

    The message quotes the offending line (it names the key, e.g. a duplicated
    ``[actors.X]`` table). A dotted key holding ``*`` written without quotes
    (``actors.*.relative_gains = [...]``, which TOML cannot parse) gets the
    hint to quote it.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        lines = text.split("\n")  # tomllib counts lines by "\n" only
        line = lines[int(at.group(1)) - 1].strip() if at and int(at.group(1)) <= len(lines) else ""
        bare = _bare_star_key(line)
        if bare is not None:
            raise ConfigError(
                source,
                bare,
                line,
                f"a key holding '*' must be quoted in TOML: \"{bare}\" = [...] "
                f"(line {at.group(1) if at else '?'})",
            ) from None
        raise ConfigError(source, "(syntax)", line or "(TOML)", f"malformed TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(
            source, "(syntax)", "(TOML)", "malformed TOML: nested too deeply"
        ) from None


def _bare_star_key(line: str) -> str | None:
    """The first dotted key with a ``*`` written bare (outside quotes) on ``line``."""
    outside = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", lambda m: " " * len(m.group()), line)
    found = _BARE_STAR_KEY.search(outside)
    return found.group(1) if found else None


def read_toml(path: str | Path, what: str = "file") -> dict[str, Any]:
    """Read and parse the TOML file ``path`` (:func:`read_text` then :func:`parse_toml`)."""
    return parse_toml(read_text(path, what), str(path))
