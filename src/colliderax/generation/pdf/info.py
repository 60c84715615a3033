"""A small reader for the YAML subset used by LHAPDF6 ``.info`` files and ``.dat`` headers.

LHAPDF metadata is flat ``Key: value`` YAML. The values that occur in practice are numbers,
booleans, plain or quoted strings, and flow lists (``[a, b, c]``) that may run over several
indented lines. This module parses exactly that subset (plus block lists, ``- item`` lines, and
indented continuation lines of plain strings) without a YAML dependency. Nested mappings are
not part of the format and are rejected.
"""

import logging
import re
from pathlib import Path
from typing import Any

from colliderax.core.errors import InvalidInput

logger = logging.getLogger(__name__)

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]*)\s*:(?:\s+(.*))?$")


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment that starts the line or follows whitespace, outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _split_flow(inner: str) -> list[str]:
    """Split the inside of a flow list on commas that are not inside quotes."""
    items, start, quote = [], 0, ""
    for i, ch in enumerate(inner):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ",":
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    return [s.strip() for s in items if s.strip()]


def parse_scalar(text: str) -> Any:
    """Convert one YAML scalar: int, float, bool, null, or (quoted or plain) string."""
    s = text.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    low = s.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("null", "~", ""):
        return None
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def _parse_value(text: str) -> Any:
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        return [parse_scalar(item) for item in _split_flow(s[1:-1])]
    if s.startswith("{"):
        raise ValueError("nested mappings are not part of the LHAPDF metadata format")
    return parse_scalar(s)


def parse_info(text: str, *, source: str = "<string>") -> dict[str, Any]:
    """Parse LHAPDF ``.info`` (or ``.dat`` header) text into a dict.

    Args:
        text: The file contents.
        source: Name used in error messages (usually the file path).

    Returns:
        Mapping from key to value; lists come back as Python lists.

    Raises:
        InvalidInput: A line is neither ``Key: value``, a list item, nor a continuation.
    """
    entries: dict[str, Any] = {}
    key: str | None = None
    flow: str | None = None  # an unfinished flow list being accumulated
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw).rstrip()
        stripped = line.strip()
        if not stripped or stripped == "---":
            continue
        try:
            if flow is not None:
                flow += " " + stripped
                if flow.count("[") == flow.count("]"):
                    entries[key] = _parse_value(flow)  # type: ignore[index]
                    flow = None
                continue
            if stripped.startswith("- ") or stripped == "-":
                if key is None or not (entries[key] is None or isinstance(entries[key], list)):
                    raise ValueError("list item without a list key")
                if entries[key] is None:
                    entries[key] = []
                entries[key].append(parse_scalar(stripped[1:]))
                continue
            match = _KEY.match(line)
            if match is None:
                if key is not None and raw[:1] in (" ", "\t") and isinstance(entries[key], str):
                    entries[key] = f"{entries[key]} {stripped}"
                    continue
                raise ValueError("expected 'Key: value'")
            key, value = match.group(1), (match.group(2) or "").strip()
            if value.startswith("[") and value.count("[") != value.count("]"):
                flow = value
                continue
            entries[key] = _parse_value(value) if value else None
        except ValueError as err:
            msg = f"{source}:{lineno}: cannot parse {raw.strip()!r}: {err}"
            raise InvalidInput(msg) from None
    if flow is not None:
        msg = f"{source}: unterminated list for key {key!r}"
        raise InvalidInput(msg)
    return entries


def read_info(path: str | Path) -> dict[str, Any]:
    """Read and parse an LHAPDF ``.info`` file (see :func:`parse_info`)."""
    path = Path(path)
    logger.debug("reading PDF metadata %s", path)
    return parse_info(path.read_text(encoding="utf-8"), source=str(path))


__all__ = ["parse_info", "parse_scalar", "read_info"]
