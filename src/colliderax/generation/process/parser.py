"""MadGraph5 process syntax (tree level).

``a b > [x >] c d ... [/ x y] [$ x y] [$$ x y] [QCD<=n] [QED<=n]`` with the ``sm`` particle
names, the multiparticle labels ``p j l+ l- vl vl~`` (MG5 defaults: ``p = j = g u c d s u~ c~
d~ s~``, plus ``b b~`` in ``sm-no_b_mass``) and user definitions (``define NAME = ...``), given
as a mapping. ``a b > x > c d`` keeps only diagrams with an s-channel x line (several names
between the arrows: each is required); ``/ x`` removes diagrams with an internal x; ``$$ x``
removes diagrams with an s-channel x; ``$ x`` keeps every diagram but forbids an s-channel x on
shell: events with the invariant mass of any s-channel x line within ``bwcutoff`` widths of its
pole are cut (MG5's meaning since v1.4.3, the complement of the decay-chain window). ``QCD=n``
is read as ``QCD<=n`` (as MG5 does). With no coupling order given, MG5's default applies: the
lowest ``WEIGHTED = 2 QED + QCD`` order that has diagrams. Loop processes (``[...]``) are not
supported.

Decay chains (MG5 syntax): ``p p > t t~, t > b w+, t~ > b~ w-`` or, nested,
``p p > t t~, (t > b w+, w+ > e+ ve), t~ > b~ w-``. Each decay replaces one final-state
particle (a single ``sm`` name; its products may be multiparticle labels) by its products, in
place, and requires the particle as an s-channel propagator with exactly those products: only
diagrams with that propagator are kept, and the integrator keeps its invariant mass within
``bwcutoff`` widths of the pole (MG5's run-card cut). A decay applies to the first undecayed
instance of its particle (in a parenthesised group: among the products of the enclosing decay;
at top level: anywhere); instances left undecayed at the end of a group take the group's last
decay of that particle, so ``p p > w+ w+ j j, w+ > l+ vl`` decays both W bosons, as in MG5.
Coupling orders cannot be given with decay chains (MG5's lowest order applies: it is the sum of
the core's and the decays' lowest orders); ``/``, ``$`` and ``$$`` apply to the whole process.
"""

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from colliderax.core.errors import InvalidProcess
from colliderax.generation.model.particles import PARTICLES_BY_NAME

_ORDER = re.compile(r"^(QCD|QED)(<=|=|==)(\d+)$", re.IGNORECASE)
_TOKEN = re.compile(r"[(),]|[^\s(),]+")


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
class Decay:
    """A required s-channel resonance of a decay chain.

    Attributes:
        particle: the decaying particle (MG5 name, final-state orientation).
        legs: positions (0-based, in :attr:`ProcessSpec.final`) of all its final-state
            descendants.
        parent: index (in :attr:`ProcessSpec.decays`) of the decay that produced it; None when
            it comes from the core process.
    """

    particle: str
    legs: tuple[int, ...]
    parent: int | None


@dataclass(frozen=True)
class ProcessSpec:
    """A parsed process: per leg, the particle names it may stand for; decays (parents before
    their daughters) for a decay chain."""

    text: str
    initial: tuple[tuple[str, ...], ...]
    final: tuple[tuple[str, ...], ...]
    forbid_internal: frozenset[str] = frozenset()
    forbid_s_channel: frozenset[str] = frozenset()
    forbid_onshell: frozenset[str] = frozenset()
    s_channel: tuple[str, ...] = ()
    max_qcd: int | None = None
    max_qed: int | None = None
    decays: tuple[Decay, ...] = ()

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
    if "[" in text:
        msg = f"{text!r}: loop processes ('[...]') are not supported (tree level only)"
        raise InvalidProcess(msg)
    core, *decay_groups = _split_commas(_TOKEN.findall(text.replace(">", " > ")), text)
    words = core
    if words.count(">") not in (1, 2):
        msg = (f"{text!r}: a process is 'a b > c d' ('>' between initial and final state), "
               "or 'a b > x > c d' for a required s-channel x")
        raise InvalidProcess(msg)
    arrow = words.index(">")
    initial_words = words[:arrow]
    rest = words[arrow + 1 :]
    s_channel: list[str] = []
    if ">" in rest:
        second = rest.index(">")
        s_channel, rest = rest[:second], rest[second + 1 :]
        bad = [w for w in s_channel if w not in PARTICLES_BY_NAME]
        if not s_channel or bad:
            msg = (f"{text!r}: between the two '>' give the required s-channel particles as sm "
                   f"names (got {' '.join(s_channel) or 'nothing'!r})")
            raise InvalidProcess(msg)
    final_words: list[str] = []
    forbid: dict[str, set[str]] = {"/": set(), "$": set(), "$$": set()}
    mode = None
    max_orders: dict[str, int] = {}
    for w in rest:
        if w in forbid:
            mode = w
            continue
        m = _ORDER.match(w)
        if m:
            max_orders[m.group(1).upper()] = int(m.group(3))
            mode = "orders"
            continue
        if w.startswith("@"):
            continue  # MG5 process tags carry no physics
        if mode in forbid:
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
    final = [_Leaf(_lookup(w, labels)) for w in final_words]
    if decay_groups:
        if max_orders:
            msg = (f"{text!r}: coupling orders cannot be combined with decay chains; drop them "
                   "(MG5's lowest order applies)")
            raise InvalidProcess(msg)
        _apply_decays(final, [_parse_decay(g, text, labels) for g in decay_groups], text,
                      anywhere=True)
    flat, decays = _flatten(final)
    return ProcessSpec(
        text=" ".join(words) + "".join(", " + " ".join(g) for g in decay_groups),
        initial=tuple(_lookup(w, labels) for w in initial_words),
        final=tuple(flat),
        forbid_internal=frozenset(forbid["/"]),
        forbid_s_channel=frozenset(forbid["$$"]),
        forbid_onshell=frozenset(forbid["$"]),
        s_channel=tuple(dict.fromkeys(s_channel)),
        max_qcd=max_orders.get("QCD"),
        max_qed=max_orders.get("QED"),
        decays=tuple(decays),
    )


def _split_commas(tokens: list[str], text: str) -> list[list[str]]:
    """Split a token list at the commas outside parentheses."""
    groups: list[list[str]] = [[]]
    depth = 0
    for t in tokens:
        depth += {"(": 1, ")": -1}.get(t, 0)
        if depth < 0:
            msg = f"{text!r}: unbalanced ')' in the decay chain"
            raise InvalidProcess(msg)
        if t == "," and depth == 0:
            groups.append([])
        else:
            groups[-1].append(t)
    if depth:
        msg = f"{text!r}: unbalanced '(' in the decay chain"
        raise InvalidProcess(msg)
    if any(not g for g in groups):
        msg = f"{text!r}: empty decay between commas"
        raise InvalidProcess(msg)
    return groups


@dataclass
class _Leaf:
    """A final-state particle while decays are applied (``decay``: the products' leaves)."""

    options: tuple[str, ...]
    decay: list["_Leaf"] | None = None


@dataclass(frozen=True)
class _DecayNode:
    particle: str
    products: tuple[tuple[str, ...], ...]
    inner: tuple["_DecayNode", ...]


def _parse_decay(tokens: list[str], text: str, labels) -> _DecayNode:
    """``X > a b ...`` or ``(X > a b ..., inner decays...)``."""
    inner: list[_DecayNode] = []
    if tokens[0] == "(":
        if tokens[-1] != ")":
            msg = f"{text!r}: text after ')' in the decay chain"
            raise InvalidProcess(msg)
        head, *rest = _split_commas(tokens[1:-1], text)
        inner = [_parse_decay(g, text, labels) for g in rest]
        tokens = head
    if len(tokens) < 4 or tokens[1] != ">" or ">" in tokens[2:] or "(" in tokens:
        msg = (f"{text!r}: a decay is written 'X > a b ...' with one decaying particle "
               f"(got {' '.join(tokens)!r})")
        raise InvalidProcess(msg)
    particle = tokens[0]
    if particle not in PARTICLES_BY_NAME:
        msg = (f"{text!r}: the decaying particle {particle!r} must be a single sm particle, "
               "not a multiparticle label")
        raise InvalidProcess(msg)
    for w in tokens[2:]:
        if w in ("/", "$", "$$") or _ORDER.match(w):
            msg = (f"{text!r}: exclusions and coupling orders go with the core process, not "
                   f"into the decay {' '.join(tokens)!r}")
            raise InvalidProcess(msg)
    products = tuple(_lookup(w, labels) for w in tokens[2:])
    return _DecayNode(particle, products, tuple(inner))


def _undecayed(leaves: list[_Leaf], deep: bool):
    for leaf in leaves:
        if leaf.decay is None:
            yield leaf
        elif deep:
            yield from _undecayed(leaf.decay, deep)


def _decay(leaf: _Leaf, node: _DecayNode, text: str) -> None:
    leaf.decay = [_Leaf(p) for p in node.products]
    _apply_decays(leaf.decay, list(node.inner), text, anywhere=False)


def _apply_decays(leaves: list[_Leaf], nodes: list[_DecayNode], text: str, *, anywhere: bool):
    """Decay the first undecayed instance per node, then the leftover instances of decayed
    particles with the group's last decay of that particle."""
    for node in nodes:
        leaf = next((x for x in _undecayed(leaves, anywhere) if x.options == (node.particle,)),
                    None)
        if leaf is None:
            msg = (f"{text!r}: the decay '{node.particle} > ...' has no undecayed "
                   f"{node.particle} to act on")
            raise InvalidProcess(msg)
        _decay(leaf, node, text)
    last = {node.particle: node for node in nodes}
    for leaf in list(_undecayed(leaves, anywhere)):
        if len(leaf.options) == 1 and leaf.options[0] in last:
            _decay(leaf, last[leaf.options[0]], text)


def _flatten(leaves: list[_Leaf]) -> tuple[list[tuple[str, ...]], list[Decay]]:
    """Final-state legs in order (decayed particles replaced by their products) and the
    decays in preorder."""
    flat: list[tuple[str, ...]] = []
    decays: list[Decay] = []

    def walk(leaf: _Leaf, parent: int | None) -> list[int]:
        if leaf.decay is None:
            flat.append(leaf.options)
            return [len(flat) - 1]
        index = len(decays)
        decays.append(Decay(leaf.options[0], (), parent))
        legs = [k for child in leaf.decay for k in walk(child, index)]
        decays[index] = Decay(leaf.options[0], tuple(legs), parent)
        return legs

    for leaf in leaves:
        walk(leaf, None)
    return flat, decays


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
