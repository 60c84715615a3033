"""MadGraph5 process syntax (tree level).

``a b > c d ... [/ x y] [$ x y] [QCD<=n] [QED<=n]`` with the ``sm`` particle names, the
multiparticle labels ``p j l+ l- vl vl~`` (MG5 defaults: ``p = j = g u c d s u~ c~ d~ s~``,
plus ``b b~`` in ``sm-no_b_mass``) and user definitions (``define NAME = ...``), given as a
mapping. ``/ x`` removes diagrams with an internal x, ``$ x`` removes s-channel x. ``QCD=n``
is read as ``QCD<=n`` (as MG5 does). With no coupling order given, MG5's default applies: the
lowest ``WEIGHTED = 2 QED + QCD`` order that has diagrams. Decay chains (``,``) and loop
processes (``[...]``) are not supported.
"""

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from colliderax.core.errors import InvalidProcess
from colliderax.generation.model.particles import PARTICLES_BY_NAME

_ORDER = re.compile(r"^(QCD|QED)(<=|=|==)(\d+)$", re.IGNORECASE)


def default_multiparticles(model: str = "sm") -> dict[str, tuple[str, ...]]:
    """MG5's default multiparticle labels for ``sm`` / ``sm-no_b_mass``."""
    quarks = ["g", "u", "c", "d", "s", "u~", "c~", "d~", "s~"]
    if model == "sm-no_b_mass":
        quarks += ["b", "b~"]
    return {
        "p": tuple(quarks),
        "j": tuple(quarks),
        "l+": ("e+", "mu+"),
        "l-": ("e-", "mu-"),
        "vl": ("ve", "vm", "vt"),
        "vl~": ("ve~", "vm~", "vt~"),
    }


@dataclass(frozen=True)
class ProcessSpec:
    """A parsed process: per leg, the particle names it may stand for."""

    text: str
    initial: tuple[tuple[str, ...], ...]
    final: tuple[tuple[str, ...], ...]
    forbid_internal: frozenset[str] = frozenset()
    forbid_s_channel: frozenset[str] = frozenset()
    max_qcd: int | None = None
    max_qed: int | None = None

    @property
    def has_orders(self) -> bool:
        return self.max_qcd is not None or self.max_qed is not None


def _lookup(word: str, labels: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    if word in labels:
        return tuple(labels[word])
    if word in PARTICLES_BY_NAME:
        return (word,)
    known = " ".join(p for p in PARTICLES_BY_NAME)
    msg = f"unknown particle {word!r}: use an sm name ({known}) or a multiparticle label"
    raise InvalidProcess(msg)


def parse_process(
    text: str,
    definitions: Mapping[str, tuple[str, ...] | list[str] | str] | None = None,
    model: str = "sm",
) -> ProcessSpec:
    """Parse a process string. Raises InvalidProcess with a one-line reason."""
    labels = default_multiparticles(model)
    for name, members in (definitions or {}).items():
        words = members.split() if isinstance(members, str) else list(members)
        expanded: list[str] = []
        for w in words:
            expanded.extend(_lookup(w, labels))
        labels[name] = tuple(dict.fromkeys(expanded))
    if "," in text or "[" in text:
        msg = f"{text!r}: decay chains (',') and loop processes ('[...]') are not supported"
        raise InvalidProcess(msg)
    words = text.replace(">", " > ").split()
    if words.count(">") != 1:
        msg = f"{text!r}: a process needs exactly one '>' between initial and final state"
        raise InvalidProcess(msg)
    arrow = words.index(">")
    initial_words = words[:arrow]
    rest = words[arrow + 1 :]
    final_words: list[str] = []
    forbid: dict[str, set[str]] = {"/": set(), "$": set()}
    mode = None
    max_orders: dict[str, int] = {}
    for w in rest:
        if w in ("/", "$"):
            mode = w
            continue
        m = _ORDER.match(w)
        if m:
            max_orders[m.group(1).upper()] = int(m.group(3))
            mode = "orders"
            continue
        if w.startswith("@"):
            continue  # MG5 process tags carry no physics
        if mode in ("/", "$"):
            forbid[mode].update(_lookup(w, labels))
        elif mode == "orders":
            msg = f"{text!r}: particles must come before coupling orders (got {w!r})"
            raise InvalidProcess(msg)
        else:
            final_words.append(w)
    if len(initial_words) not in (1, 2):
        msg = f"{text!r}: give one (decay) or two (scattering) initial-state particles"
        raise InvalidProcess(msg)
    if not final_words:
        msg = f"{text!r}: no final-state particles"
        raise InvalidProcess(msg)
    return ProcessSpec(
        text=" ".join(words),
        initial=tuple(_lookup(w, labels) for w in initial_words),
        final=tuple(_lookup(w, labels) for w in final_words),
        forbid_internal=frozenset(forbid["/"]),
        forbid_s_channel=frozenset(forbid["$"]),
        max_qcd=max_orders.get("QCD"),
        max_qed=max_orders.get("QED"),
    )


def _charge_conserved(initial: tuple[str, ...], final: tuple[str, ...]) -> bool:
    q_in = sum(PARTICLES_BY_NAME[p].charge for p in initial)
    q_out = sum(PARTICLES_BY_NAME[p].charge for p in final)
    return abs(q_in - q_out) < 1e-9


def expand_process(spec: ProcessSpec) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """All flavour assignments (initial, final) that conserve charge.

    Final states are unordered: of the orderings of one multiset the first generated is kept.
    """
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    out = []
    for initial in itertools.product(*spec.initial):
        for final in itertools.product(*spec.final):
            key = (initial, tuple(sorted(final)))
            if key in seen or not _charge_conserved(initial, final):
                continue
            seen.add(key)
            out.append((tuple(initial), tuple(final)))
    return out
