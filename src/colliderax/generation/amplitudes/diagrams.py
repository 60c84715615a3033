"""Individual Feynman diagrams (MG5 numbering), for single-diagram-enhanced channel weights.

The |M|² itself comes from the colour-dressed recursion in :mod:`currents`; the integrator
also needs Σ_hel |A_d|² per Feynman diagram d (no colour), as MadEvent's multichannel weights.
This module enumerates the diagrams as a :class:`CurrentGraph` in which every current is one
sub-diagram (one contribution, no colour) and every flow is one amplitude. As in MG5, the three
colour/Lorentz terms of a 4-gluon vertex are amplitudes of one diagram. Diagrams with a
four-point vertex have no propagator structure of their own; MG5 gives them no integration
channel and leaves them out of the single-diagram-enhancement denominator.
"""

import itertools

from colliderax.generation.amplitudes.currents import (
    Current,
    CurrentGraph,
    Evaluation,
    _assign,
    _is_row,
    _join,
    _splits,
    _vertex_index,
    prune,
)
from colliderax.generation.model.particles import PARTICLES_BY_NAME, Particle, antiparticle
from colliderax.generation.model.vertices import Vertex


def _group(vx: Vertex) -> str:
    """Interaction name shared by the colour/Lorentz terms of one vertex (``gggg:VVVV1``)."""
    return vx.name.split(":")[0]


def build_diagrams(
    legs: tuple[Particle, ...],
    n_initial: int,
    vertices: tuple[Vertex, ...],
    *,
    max_qcd: int | None = None,
    max_qed: int | None = None,
    max_weighted: int | None = None,
    forbid_internal: frozenset[str] = frozenset(),
    forbid_s_channel: frozenset[str] = frozenset(),
) -> tuple[CurrentGraph, list[int], list[bool]]:
    """Every diagram within the coupling-order bounds (as :func:`currents.build_currents`).

    Returns the graph, the diagram number (0-based) of each amplitude (flow), and for each
    diagram whether it contains a four-point vertex.
    """
    n = len(legs)
    graph = CurrentGraph(n_legs=n, n_initial=n_initial, legs=legs)
    index, closing = _vertex_index(vertices)
    initial_mask = (1 << n_initial) - 1
    by_mask: dict[int, list[int]] = {}
    topology: dict[int, tuple] = {}

    def add(cur: Current, topo: tuple) -> Current:
        graph.currents.append(cur)
        topology[cur.id] = topo
        return cur

    for k in range(n):
        p = legs[k]
        cur = add(
            Current(
                id=k,
                mask=1 << k,
                particle=p,
                term=(),
                qcd=0,
                qed=0,
                open_end=k if p.is_fermion else -1,
                closed=frozenset(),
                is_row=_is_row(p),
                leg=k,
            ),
            ("leg", k),
        )
        if k < n - 1:
            by_mask.setdefault(cur.mask, []).append(cur.id)
    root = graph.currents[n - 1]

    def options(part: int):
        groups: dict[str, list[Current]] = {}
        for cid in by_mask.get(part, []):
            c = graph.currents[cid]
            groups.setdefault(c.particle.name, []).append(c)
        return list(groups.items())

    def allowed(qcd: int, qed: int) -> bool:
        if max_qcd is not None and qcd > max_qcd:
            return False
        if max_qed is not None and qed > max_qed:
            return False
        return not (max_weighted is not None and 2 * qed + qcd > max_weighted)

    full = (1 << (n - 1)) - 1
    for size in range(2, n - 1):
        for mask in (m for m in range(1, full + 1) if bin(m).count("1") == size):
            in_initial = bin(mask & initial_mask).count("1")
            s_channel = in_initial in (0, n_initial)
            for parts in (2, 3):
                for split in _splits(mask, parts):
                    for chosen in itertools.product(*(options(p) for p in split)):
                        names = [c[0] for c in chosen]
                        for vx, open_slot, others in index.get(tuple(sorted(names)), []):
                            parent = antiparticle(PARTICLES_BY_NAME[vx.particles[open_slot]])
                            if {parent.name, parent.antiname} & forbid_internal:
                                continue
                            if s_channel and {parent.name, parent.antiname} & forbid_s_channel:
                                continue
                            slots = _assign(names, others, vx)
                            for kids in itertools.product(*(c[1] for c in chosen)):
                                qcd = vx.qcd + sum(c.qcd for c in kids)
                                qed = vx.qed + sum(c.qed for c in kids)
                                if not allowed(qcd, qed):
                                    continue
                                open_end, closed, sign = _join(list(kids), vx, slots)
                                graph.evaluations.append(
                                    Evaluation(vx, tuple(c.id for c in kids), slots, open_slot)
                                )
                                cur = add(
                                    Current(
                                        id=len(graph.currents),
                                        mask=mask,
                                        particle=parent,
                                        term=(),
                                        qcd=qcd,
                                        qed=qed,
                                        open_end=open_end,
                                        closed=closed,
                                        is_row=_is_row(parent),
                                        contributions=[(complex(sign), len(graph.evaluations) - 1)],
                                    ),
                                    (
                                        _group(vx) + ("4" if len(vx.particles) == 4 else ""),
                                        *(topology[c.id] for c in kids),
                                    ),
                                )
                                by_mask.setdefault(mask, []).append(cur.id)

    diagram_of_flow: list[int] = []
    numbers: dict[tuple, int] = {}
    quartic: list[bool] = []
    for parts in (2, 3):
        for split in _splits(full, parts):
            for chosen in itertools.product(*(options(p) for p in split)):
                names = [c[0] for c in chosen] + [root.particle.name]
                for vx in closing.get(tuple(sorted(names)), []):
                    slots = _assign(names, tuple(range(len(vx.particles))), vx)
                    for kids in itertools.product(*(c[1] for c in chosen)):
                        members = [*kids, root]
                        if not allowed(
                            vx.qcd + sum(c.qcd for c in members),
                            vx.qed + sum(c.qed for c in members),
                        ):
                            continue
                        _, _, sign = _join(list(kids), vx, slots, root)
                        graph.evaluations.append(
                            Evaluation(vx, tuple(c.id for c in members), slots, None)
                        )
                        graph.flows.append([(complex(sign), len(graph.evaluations) - 1)])
                        topo = (_group(vx), *sorted(repr(topology[c.id]) for c in kids))
                        if topo not in numbers:
                            numbers[topo] = len(numbers)
                            quartic.append(len(vx.particles) == 4 or "4" in repr(topo))
                        diagram_of_flow.append(numbers[topo])
    return prune(graph), diagram_of_flow, quartic
