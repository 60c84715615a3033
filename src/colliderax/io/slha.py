"""Reading and writing SLHA parameter cards (``param_card.dat``).

Only what the MG5 ``sm`` model needs: ``BLOCK name`` sections of ``index value`` lines and
``DECAY pdg width`` lines. Comments start with ``#``. Keys are case-insensitive.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from colliderax.core.errors import InvalidCard
from colliderax.io.atomic import write_bytes_atomic


@dataclass(frozen=True)
class SLHACard:
    """The numbers of an SLHA card: ``blocks[name][index] = value`` and ``decays[pdg]``."""

    blocks: dict[str, dict[tuple[int, ...], float]] = field(default_factory=dict)
    decays: dict[int, float] = field(default_factory=dict)

    def get(self, block: str, index: int, default: float | None = None) -> float:
        """Value of ``block`` entry ``index``; ``default`` if absent, else an InvalidCard error."""
        value = self.blocks.get(block.lower(), {}).get((index,))
        if value is None:
            if default is None:
                msg = f"param card has no entry {index} in block {block.upper()}: add it"
                raise InvalidCard(msg)
            return default
        return value


def parse_slha(text: str, source: str = "<card>") -> SLHACard:
    """Parse SLHA text. Raises InvalidCard naming the line that cannot be read."""
    blocks: dict[str, dict[tuple[int, ...], float]] = {}
    decays: dict[int, float] = {}
    current: dict[tuple[int, ...], float] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        head = words[0].upper()
        try:
            if head == "BLOCK":
                current = blocks.setdefault(words[1].lower(), {})
            elif head == "DECAY":
                decays[int(words[1])] = float(words[2])
                current = None  # branching-ratio lines that follow are skipped
            elif current is not None:
                *index, value = words
                current[tuple(int(i) for i in index)] = float(value)
        except (IndexError, ValueError):
            msg = f"{source}:{lineno}: cannot read SLHA line {raw.strip()!r}"
            raise InvalidCard(msg) from None
    return SLHACard(blocks, decays)


def read_slha(path: str | os.PathLike) -> SLHACard:
    """Read an SLHA card from a file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        msg = f"cannot read param card {path}: {exc.strerror}"
        raise InvalidCard(msg) from None
    return parse_slha(text, str(path))


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half-written)."""
    write_bytes_atomic(path, text.encode())
