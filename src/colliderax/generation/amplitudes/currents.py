"""Colour-dressed off-shell currents (Berends–Giele recursion in the colour-flow basis).

Every external particle is treated as incoming. A *current* J(S, X, c) is the sum of all
sub-diagrams that fuse the external legs S into a line carrying particle X into the rest of
the diagram, projected on one colour-flow structure c (a product of quark chains and gluon
traces over the colour labels of S and the open line). Sub-diagrams with the same colour
structure are summed before they are propagated, so the work grows with the number of colour
structures rather than with the number of Feynman diagrams. At the last leg (the root) the
currents close into partial amplitudes, one per colour-flow basis element of the process
(MG5's JAMPs).

Fermion statistics: each contribution carries the parity of its closed fermion lines
(pairs of external legs, row end then column end), folded into its coefficient, so that
contributions with different line pairings are summed with the right relative sign.
Coupling orders, ``/ x`` and ``$$ x`` exclusions, the required s-channel propagators of decay
chains and of ``a b > x > c d``, and MG5's default lowest ``WEIGHTED`` order are applied while
building.

Required s-channel particles (``a b > x > c d``): every diagram must have at least one
s-channel x line, anywhere. Each current records, as a bit set, the required particles that
already appear as s-channel lines among its sub-diagrams (kept apart like the alternatives
below); at the root the union over the joined currents must hold all of them.

Decay chains: a required propagator (particle X with daughters D) is a line of a diagram iff
every current's leg set S either misses D, lies inside D, or contains D inside one of the child
sets it was joined from (and S = D carries X). With identical particles in different decay
groups the requirement has *alternatives* (one per distinct assignment of the identical legs);
a diagram must satisfy one of them. Each current records, as a bit set, the alternatives its
sub-diagrams are consistent with; currents with different sets are kept apart, so every diagram
is counted once.
"""

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

from colliderax.generation.amplitudes import colour
from colliderax.generation.model.particles import PARTICLES_BY_NAME, Particle, antiparticle
from colliderax.generation.model.vertices import Vertex

OPEN = -1  # colour label of a current's open line
_CHILD_LABEL = 10_000
_VERTEX_LABEL = 20_000


@dataclass
class Evaluation:
    """One vertex evaluation on child currents (slot order given by ``slots``)."""

    vertex: Vertex
    children: tuple[int, ...]  # current ids
    slots: tuple[int, ...]
    open_slot: int | None  # None: an amplitude (all slots filled)


@dataclass
class Current:
    """J(S, X, colour structure, orders, open fermion end): Σ coef × evaluation, propagated."""

    id: int
    mask: int
    particle: Particle
    term: colour.Term
    qcd: int
    qed: int
    open_end: int
    closed: frozenset[int]
    is_row: bool
    leg: int = -1  # external leg for leaves
    alternatives: int = 0  # bit a: consistent with required-propagator alternative a
    s_lines: int = 0  # bit i: an s-channel line of required particle i is inside
    contributions: list[tuple[complex, int]] = field(default_factory=list)


@dataclass
class CurrentGraph:
    """The recursion for one process: currents, evaluations and the partial amplitudes."""

    n_legs: int
    n_initial: int
    legs: tuple[Particle, ...]
    currents: list[Current] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    basis: list[colour.Term] = field(default_factory=list)
    # partial amplitude b = Σ coef × evaluation (amplitude evaluations)
    flows: list[list[tuple[complex, int]]] = field(default_factory=list)


def _is_row(p: Particle) -> bool:
    return p.is_fermion and p.pdg < 0


def _cross(a, b) -> int:
    """Inversions created by concatenating sorted sequences over the sets a then b."""
    return sum(1 for x in a for y in b if x > y)


def _relabel(term: colour.Term, old: int, new: int) -> colour.Term:
    out = []
    for c in term:
        if c[0] == "o":
            out.append(
                (
                    "o",
                    new if c[1] == old else c[1],
                    tuple(new if x == old else x for x in c[2]),
                    new if c[3] == old else c[3],
                )
            )
        else:
            out.append(("t", tuple(new if x == old else x for x in c[1])))
    return tuple(out)


@lru_cache(maxsize=200_000)
def _reduce_vertex(
    vertex_colour: tuple,
    slot_labels: tuple[int, ...],
    child_terms: tuple[colour.Term, ...],
    summed: frozenset[int],
) -> tuple[tuple[colour.Term, complex], ...]:
    """Colour of a vertex joined to child structures, with the summed labels contracted."""
    factors = []
    internal = {}
    for factor in vertex_colour:
        mapped = [factor[0]]
        for slot in factor[1:]:
            if slot < 0:
                internal.setdefault(slot, _VERTEX_LABEL + len(internal))
                mapped.append(internal[slot])
            else:
                mapped.append(slot_labels[slot - 1])
        factors.append(tuple(mapped))
    expr = colour.from_factors(factors)
    for term in child_terms:
        expr = colour.multiply(expr, {term: colour.ONE})
    result = colour.contract(expr, set(summed) | set(internal.values()))
    return tuple((t, colour.to_complex(c)) for t, c in result.items())


def _vertex_index(vertices):
    """sorted child names -> [(vertex, open slot, other slots)]; and closing vertices."""
    index: dict[tuple[str, ...], list] = {}
    closing: dict[tuple[str, ...], list] = {}
    for vx in vertices:
        closing.setdefault(tuple(sorted(vx.particles)), []).append(vx)
        seen = set()
        for open_slot in range(len(vx.particles)):
            others = tuple(k for k in range(len(vx.particles)) if k != open_slot)
            key = tuple(sorted(vx.particles[k] for k in others))
            sig = (vx.particles[open_slot], key)
            if sig in seen:  # identical particles: the same current
                continue
            seen.add(sig)
            index.setdefault(key, []).append((vx, open_slot, others))
    return index, closing


def _assign(names, slots, vx) -> tuple[int, ...]:
    free = list(slots)
    out = []
    for name in names:
        for k in free:
            if vx.particles[k] == name:
                out.append(k)
                free.remove(k)
                break
    return tuple(out)


def _splits(mask: int, parts: int):
    bits = [1 << k for k in range(mask.bit_length()) if mask >> k & 1]
    if parts == 2:
        first, rest = bits[0], bits[1:]
        for r in range(len(rest)):
            for combo in itertools.combinations(rest, r):
                m1 = first | sum(combo)
                yield (m1, mask ^ m1)
    else:
        for m1, rem in _splits(mask, 2):
            if bin(rem).count("1") >= 2:
                for m2, m3 in _splits(rem, 2):
                    yield (m1, m2, m3)


def _join(children: list[Current], vx: Vertex, slots, closing_leg: Current | None = None):
    """Fermion bookkeeping: (open_end, closed legs, parity sign) of children joined at vx."""
    members = list(children) + ([closing_leg] if closing_leg is not None else [])
    closed: frozenset[int] = frozenset()
    sign = 1
    for m in members:
        if _cross(closed, m.closed) % 2:
            sign = -sign
        closed = closed | m.closed
    ends = {slot: m for m, slot in zip(members, slots, strict=True) if m.particle.is_fermion}
    open_end = -1
    if vx.kind in ("FFV", "FFS"):
        if 0 in ends and 1 in ends:
            r, c = ends[0].open_end, ends[1].open_end
            if (_cross(closed, (r, c)) + (r > c)) % 2:
                sign = -sign
            closed = closed | {r, c}
        elif ends:
            open_end = next(iter(ends.values())).open_end
    return open_end, closed, sign


class Enumerator:
    """The ways to join currents at a vertex, shared by the colour-dressed recursion and the
    Feynman-diagram enumeration.

    Leaves are the external legs (the last one, the root, is kept apart); builders register the
    currents they make with :meth:`register`, and ask, mask by mask in order of size, for the
    vertex joins that make a current of that mask (:meth:`joins`) or close at the root
    (:meth:`closings`). Coupling-order bounds and ``/``/``$`` exclusions are applied here.
    """

    def __init__(
        self,
        graph: CurrentGraph,
        vertices: tuple[Vertex, ...],
        *,
        max_qcd: int | None = None,
        max_qed: int | None = None,
        max_weighted: int | None = None,
        forbid_internal: frozenset[str] = frozenset(),
        forbid_s_channel: frozenset[str] = frozenset(),
        required_s_channel: tuple[tuple[tuple[int, str], ...], ...] = (),
        s_channel_particles: tuple[str, ...] = (),
    ):
        self.graph = graph
        self.index, self.closing = _vertex_index(vertices)
        self.bounds = (max_qcd, max_qed, max_weighted)
        self.forbid_internal = forbid_internal
        self.forbid_s_channel = forbid_s_channel
        self.by_mask: dict[int, list[int]] = {}
        n = graph.n_legs
        everything = (1 << n) - 1
        # Required lines as the leg set on the side away from the root (the last leg).
        self.required = [
            [(everything ^ m if m >> (n - 1) & 1 else m,
              frozenset({name, antiparticle(PARTICLES_BY_NAME[name]).name}))
             for m, name in alternative]
            for alternative in required_s_channel
        ]
        self.all_alternatives = (1 << len(self.required)) - 1
        self.s_channel_particles = [
            frozenset({name, antiparticle(PARTICLES_BY_NAME[name]).name})
            for name in s_channel_particles
        ]
        self.all_s_lines = (1 << len(self.s_channel_particles)) - 1
        for k in range(n):
            p = graph.legs[k]
            leaf = Current(
                id=len(graph.currents), mask=1 << k, particle=p, term=(), qcd=0, qed=0,
                open_end=k if p.is_fermion else -1, closed=frozenset(), is_row=_is_row(p),
                leg=k, alternatives=self.all_alternatives,
            )
            graph.currents.append(leaf)
            if k < n - 1:
                self.register(leaf)
        self.root = graph.currents[n - 1]
        self.full = (1 << (n - 1)) - 1

    def register(self, cur: Current) -> None:
        self.by_mask.setdefault(cur.mask, []).append(cur.id)

    def allowed(self, qcd: int, qed: int) -> bool:
        max_qcd, max_qed, max_weighted = self.bounds
        if max_qcd is not None and qcd > max_qcd:
            return False
        if max_qed is not None and qed > max_qed:
            return False
        return not (max_weighted is not None and 2 * qed + qcd > max_weighted)

    def consistent(self, mask: int, split, parent: str | None, kids) -> int:
        """Bit set of the required-propagator alternatives that a node (leg set ``mask`` made
        from ``split``, carrying ``parent``; None at the root) and its children ``kids``
        satisfy; -1 when nothing is required."""
        if not self.required:
            return -1
        alts = self.all_alternatives
        for kid in kids:
            alts &= kid.alternatives
        for a, lines in enumerate(self.required):
            if alts >> a & 1 and not all(
                _line_allowed(mask, split, parent, line, names) for line, names in lines
            ):
                alts &= ~(1 << a)
        return alts

    def masks(self):
        """Internal leg sets in order of size (the root's complement excluded)."""
        n = self.graph.n_legs
        for size in range(2, n - 1):
            yield from (m for m in range(1, self.full + 1) if bin(m).count("1") == size)

    def _options(self, part: int):
        groups: dict[str, list[Current]] = {}
        for cid in self.by_mask.get(part, []):
            c = self.graph.currents[cid]
            groups.setdefault(c.particle.name, []).append(c)
        return list(groups.items())

    def joins(self, mask: int):
        """Yield ``(vertex, open_slot, parent, slots, children, qcd, qed, alternatives,
        s_lines)`` making ``mask`` (alternatives: see :meth:`consistent`; s_lines: the bit set
        of required s-channel particles among the lines, the new one included)."""
        n_initial = self.graph.n_initial
        in_initial = bin(mask & ((1 << n_initial) - 1)).count("1")
        s_channel = in_initial in (0, n_initial)
        for parts in (2, 3):
            for split in _splits(mask, parts):
                for chosen in itertools.product(*(self._options(p) for p in split)):
                    names = [c[0] for c in chosen]
                    for vx, open_slot, others in self.index.get(tuple(sorted(names)), []):
                        parent = antiparticle(PARTICLES_BY_NAME[vx.particles[open_slot]])
                        both = {parent.name, parent.antiname}
                        if both & self.forbid_internal:
                            continue
                        if s_channel and both & self.forbid_s_channel:
                            continue
                        slots = _assign(names, others, vx)
                        own = sum(1 << i for i, req in enumerate(self.s_channel_particles)
                                  if s_channel and parent.name in req)
                        for kids in itertools.product(*(c[1] for c in chosen)):
                            qcd = vx.qcd + sum(c.qcd for c in kids)
                            qed = vx.qed + sum(c.qed for c in kids)
                            alts = self.consistent(mask, split, parent.name, kids)
                            lines = own
                            for kid in kids:
                                lines |= kid.s_lines
                            if self.allowed(qcd, qed) and alts:
                                yield (vx, open_slot, parent, slots, list(kids), qcd, qed, alts,
                                       lines)

    def closings(self):
        """Yield ``(vertex, slots, members)`` closing at the root (members end with it)."""
        root = self.root
        for parts in (2, 3):
            for split in _splits(self.full, parts):
                for chosen in itertools.product(*(self._options(p) for p in split)):
                    names = [c[0] for c in chosen] + [root.particle.name]
                    for vx in self.closing.get(tuple(sorted(names)), []):
                        slots = _assign(names, tuple(range(len(vx.particles))), vx)
                        for kids in itertools.product(*(c[1] for c in chosen)):
                            members = [*kids, root]
                            lines = 0
                            for kid in kids:
                                lines |= kid.s_lines
                            if lines == self.all_s_lines and self.allowed(
                                vx.qcd + sum(c.qcd for c in members),
                                vx.qed + sum(c.qed for c in members),
                            ) and self.consistent(self.full, split, None, kids):
                                yield vx, slots, members


def _line_allowed(mask: int, split, parent: str | None, line: int, names) -> bool:
    """Whether a node with leg set ``mask`` (joined from ``split``) is consistent with the
    required line ``line`` (leg set away from the root) carrying one of ``names``."""
    common = mask & line
    if not common or (common == mask and mask != line):
        return True
    if mask == line:
        return parent in names
    return common == line and any(part & line == line for part in split)


def _child_colour(children: list[Current]):
    """Colour terms and labels of children joined at a vertex, and the labels to sum."""
    terms, labels, summed = [], [], set()
    for pos, c in enumerate(children):
        label = c.leg if c.leg >= 0 else _CHILD_LABEL + pos
        labels.append(label)
        if c.leg < 0 and c.particle.colour != 1:
            summed.add(label)
            terms.append(_relabel(c.term, OPEN, label))
        else:
            terms.append(c.term)
    return terms, labels, frozenset(summed)


def _vertex_colour(vx: Vertex, slots, children, open_slot: int | None):
    terms, labels, summed = _child_colour(children)
    slot_labels = [0] * len(vx.particles)
    for label, slot in zip(labels, slots, strict=True):
        slot_labels[slot] = label
    if open_slot is not None:
        slot_labels[open_slot] = OPEN
    return _reduce_vertex(vx.colour, tuple(slot_labels), tuple(terms), summed)


def build_currents(
    legs: tuple[Particle, ...], n_initial: int, vertices: tuple[Vertex, ...], **bounds
) -> CurrentGraph:
    """The current recursion for ``legs`` (incoming convention).

    Keyword arguments are the bounds and exclusions of :class:`Enumerator`.
    """
    graph = CurrentGraph(n_legs=len(legs), n_initial=n_initial, legs=legs)
    walk = Enumerator(graph, vertices, **bounds)
    lookup: dict[tuple, int] = {}
    for mask in walk.masks():
        for vx, open_slot, parent, slots, kids, qcd, qed, alts, lines in walk.joins(mask):
            reduced = _vertex_colour(vx, slots, kids, open_slot)
            if not reduced:
                continue
            open_end, closed, sign = _join(kids, vx, slots)
            graph.evaluations.append(Evaluation(vx, tuple(c.id for c in kids), slots, open_slot))
            ev = len(graph.evaluations) - 1
            for term, coef in reduced:
                key = (mask, parent.name, term, qcd, qed, open_end, alts, lines)
                if key not in lookup:
                    cur = Current(
                        id=len(graph.currents), mask=mask, particle=parent, term=term, qcd=qcd,
                        qed=qed, open_end=open_end, closed=closed, is_row=_is_row(parent),
                        alternatives=alts, s_lines=lines,
                    )
                    graph.currents.append(cur)
                    lookup[key] = cur.id
                    walk.register(cur)
                graph.currents[lookup[key]].contributions.append((sign * coef, ev))
    basis: dict[colour.Term, int] = {}
    for vx, slots, members in walk.closings():
        reduced = [(term, coef) for term, coef in _vertex_colour(vx, slots, members, None)
                   if not _separate_gluon_trace(term)]
        if not reduced:
            continue
        _, _, sign = _join(members[:-1], vx, slots, members[-1])
        graph.evaluations.append(Evaluation(vx, tuple(c.id for c in members), slots, None))
        ev = len(graph.evaluations) - 1
        for term, coef in reduced:
            if term not in basis:
                basis[term] = len(basis)
                graph.flows.append([])
            graph.flows[basis[term]].append((sign * coef, ev))
    graph.basis = list(basis)
    return prune(graph)


def _separate_gluon_trace(term: colour.Term) -> bool:
    """Whether a basis element has a trace of external gluons beside other chains, e.g.
    (T^a T^b)_ij Tr(T^c T^d) in g g > t t~ g g.

    Such elements come from the 1/N (U(1)) terms of the Fierz identity and their partial
    amplitudes cancel identically in SU(N) at tree level: a colour-singlet set of gluons could
    only attach to the rest through a U(1) gluon, which does not couple to gluons (f^{abc}
    has no U(1) part), and no SM colour singlet couples to gluons at tree level. Dropping
    them leaves MG5's basis (24 flows for g g > t t~ g g, not 32; 120 for g g > t t~ g g g).
    """
    return len(term) > 1 and any(chain[0] == "t" for chain in term)


def prune(graph: CurrentGraph) -> CurrentGraph:
    """Drop currents and evaluations that no partial amplitude uses, renumbering the rest.

    Leaves (external legs) are always kept, in leg order, as the first currents.
    """
    used_evals: set[int] = set()
    used_currents: set[int] = {c.id for c in graph.currents if c.leg >= 0}
    stack = [e for flow in graph.flows for _, e in flow]
    while stack:
        e = stack.pop()
        if e in used_evals:
            continue
        used_evals.add(e)
        for c in graph.evaluations[e].children:
            if c not in used_currents:
                used_currents.add(c)
                stack.extend(ev for _, ev in graph.currents[c].contributions)
    eval_map = {old: new for new, old in enumerate(sorted(used_evals))}
    cur_map = {old: new for new, old in enumerate(sorted(used_currents))}
    currents = []
    for old in sorted(used_currents):
        c = graph.currents[old]
        c.id = cur_map[old]
        c.contributions = [(coef, eval_map[e]) for coef, e in c.contributions]
        currents.append(c)
    evaluations = []
    for old in sorted(used_evals):
        ev = graph.evaluations[old]
        ev.children = tuple(cur_map[c] for c in ev.children)
        evaluations.append(ev)
    graph.currents = currents
    graph.evaluations = evaluations
    graph.flows = [[(coef, eval_map[e]) for coef, e in flow] for flow in graph.flows]
    return graph


def lowest_weighted_order(legs, n_initial, vertices, **kwargs) -> int | None:
    """MG5's default coupling order: the lowest ``WEIGHTED = 2 QED + QCD`` with a diagram
    (None if there is no tree-level diagram at all)."""
    for weighted in range(0, 4 * len(legs) + 1):
        graph = build_currents(legs, n_initial, vertices, max_weighted=weighted, **kwargs)
        if graph.flows:
            return weighted
    return None
