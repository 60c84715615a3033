"""Reading and writing MadGraph5 ``run_card.dat`` files (an import format).

MG5 run cards are lines of ``value = name ! comment``; ``#`` starts a comment line. Values are
numbers, Fortran or Python booleans (``T``, ``.true.``, ``True``...), strings, or lists
(``0.5 1 2`` or ``0.5, 1, 2``). Keys are case-insensitive. The keys colliderax uses are typed
fields of :class:`RunCard` with the defaults of MG5's LO run card (``RunCardLO.default_setup``
in MG5's ``madgraph/various/banner.py``); every other key (real cards have dozens) is kept as
text in :attr:`RunCard.extra` and logged at debug level.
"""

import dataclasses
import difflib
import logging
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from colliderax.core.errors import InvalidCard, InvalidInput
from colliderax.generation.events.cuts import CutKeys
from colliderax.io.slha import write_text_atomic

logger = logging.getLogger(__name__)

_TRUE = {"t", "true", ".true.", ".t.", "1", "yes", "on"}
_FALSE = {"f", "false", ".false.", ".f.", "0", "no", "off"}


@dataclass(frozen=True)
class RunCard(CutKeys):
    """The MG5 LO run-card keys colliderax uses, with MG5's LO defaults: the generation cuts
    (inherited from :class:`~colliderax.generation.events.cuts.CutKeys`) and the keys below.

    Energies, momenta and masses in GeV; η cuts are on |rapidity| (see
    :mod:`colliderax.generation.events.cuts`); ``-1`` for a maximum means "no cut".
    """

    # --- run, beams, PDF --------------------------------------------------------------
    run_tag: str = "tag_1"
    nevents: int = 10000
    iseed: int = 0
    lpp1: int = 1
    lpp2: int = 1
    ebeam1: float = 6500.0
    ebeam2: float = 6500.0
    pdlabel: str = "nn23lo1"
    lhaid: int = 230000
    # --- scales ----------------------------------------------------------------------------
    fixed_ren_scale: bool = False
    fixed_fac_scale: bool = False
    scale: float = 91.188
    dsqrt_q2fact1: float = 91.188
    dsqrt_q2fact2: float = 91.188
    dynamical_scale_choice: int = -1
    scalefact: float = 1.0
    ickkw: int = 0
    # --- integration --------------------------------------------------------------------
    sde_strategy: int = 2
    # --- generation cuts: the fields of CutKeys, and the resonance window ---------------
    bwcutoff: float = 15.0
    use_syst: bool = True
    # --- everything else, as text ------------------------------------------------------
    extra: dict[str, str] = field(default_factory=dict)

    def with_values(self, **values) -> "RunCard":
        """A copy with some keys changed (names checked, values converted to the field type)."""
        known = _field_types()
        converted = {}
        for name, value in values.items():
            key = name.lower()
            if key not in known:
                msg = f"unknown run-card key {name!r}{_suggest(key, known)}"
                raise InvalidInput(msg)
            converted[key] = _convert(known[key], str(value))
        return dataclasses.replace(self, **converted)


def _field_types() -> dict[str, type]:
    return {f.name: f.type for f in fields(RunCard) if f.name != "extra"}


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _convert(kind, text: str):
    """Convert run-card text to ``kind`` (bool, int, float or str); ValueError if impossible."""
    word = text.strip().strip("'\"")
    if kind is bool or kind == "bool":
        low = word.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        msg = f"not a boolean: {text!r}"
        raise ValueError(msg)
    if kind is int or kind == "int":
        value = float(word.lower().replace("d", "e"))
        if value != int(value):
            msg = f"not an integer: {text!r}"
            raise ValueError(msg)
        return int(value)
    if kind is float or kind == "float":
        return float(word.lower().replace("d", "e"))
    return word


def parse_run_card(text: str, source: str = "<run_card>") -> RunCard:
    """Parse MG5 run-card text into a :class:`RunCard`.

    Raises:
        InvalidCard: a line that is not ``value = name`` or a value of the wrong type,
            naming the line number.
    """
    known = _field_types()
    values: dict[str, object] = {}
    extra: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("!", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("$"):  # MG5 template placeholders ($mlm, $ckkw...) carry no value
            continue
        value, sep, name = line.rpartition("=")
        name = name.strip().lower()
        if not sep or not name or len(name.split()) != 1 or not value.strip():
            msg = f"{source}:{lineno}: expected 'value = name', got {raw.strip()!r}"
            raise InvalidCard(msg)
        if name in known:
            try:
                values[name] = _convert(known[name], value)
            except ValueError:
                kind = getattr(known[name], "__name__", str(known[name]))
                msg = f"{source}:{lineno}: {name} needs a {kind} value, got {value.strip()!r}"
                raise InvalidCard(msg) from None
        else:
            extra[name] = value.strip()
    if extra:
        logger.debug(
            "%s: keeping %d run-card keys colliderax does not use: %s",
            source,
            len(extra),
            ", ".join(sorted(extra)),
        )
    return RunCard(**values, extra=extra)


def read_run_card(path: str | os.PathLike) -> RunCard:
    """Read an MG5 ``run_card.dat``."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        msg = f"cannot read run card {path}: {exc.strerror}"
        raise InvalidCard(msg) from None
    return parse_run_card(text, str(path))


def _format(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def format_run_card(card: RunCard) -> str:
    """MG5 run-card text for ``card`` (known keys, then the kept extra keys)."""
    lines = [
        "#" + "*" * 69,
        "# MG5-style run_card.dat written by colliderax (value = name ! comment)",
        "#" + "*" * 69,
    ]
    for f in fields(RunCard):
        if f.name == "extra":
            continue
        lines.append(f"  {_format(getattr(card, f.name)):>12} = {f.name}")
    for name, value in card.extra.items():
        lines.append(f"  {value:>12} = {name}")
    return "\n".join(lines) + "\n"


def write_run_card(card: RunCard, path: str | os.PathLike) -> None:
    """Write ``card`` as an MG5 ``run_card.dat`` (atomically: never half-written)."""
    write_text_atomic(path, format_run_card(card))
