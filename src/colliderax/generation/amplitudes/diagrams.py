"""Individual Feynman diagrams (MG5 numbering), for single-diagram-enhanced channel weights.

The |M|² itself comes from the colour-dressed recursion in :mod:`currents`; the integrator
also needs Σ_hel |A_d|² per Feynman diagram d (no colour), as MadEvent's multichannel weights.
This module enumerates the diagrams as a :class:`CurrentGraph` in which every current is one
sub-diagram (one contribution, no colour) and every flow is one amplitude. As in MG5, the three
colour/Lorentz terms of a 4-gluon vertex are amplitudes of one diagram. Diagrams with a
four-point vertex have no propagator structure of their own; MG5 gives them no integration
channel and leaves them out of the single-diagram-enhancement denominator.
"""

from dataclasses import dataclass

from colliderax.generation.amplitudes.currents import (
    Current,
    CurrentGraph,
    Enumerator,
    Evaluation,
    _is_row,
    _join,
    prune,
)
from colliderax.generation.model.particles import Particle
from colliderax.generation.model.vertices import Vertex


def _group(vx: Vertex) -> str:
    """Interaction name shared by the colour/Lorentz terms of one vertex (``gggg:VVVV1``)."""
    return vx.name.split(":")[0]


@dataclass(frozen=True)
class Diagrams:
    """The Feynman diagrams of one process.

    Attributes:
        graph: one current per sub-diagram, one flow per amplitude.
        diagram_of_flow: diagram number (0-based) of each amplitude.
        quartic: per diagram, whether it contains a four-point vertex.
        propagators: per diagram, its internal lines as ``(mask, particle)``: ``mask`` has bit
            k set for each external leg k on one side of the line (all legs counted as
            incoming, as in :mod:`currents`).
    """

    graph: CurrentGraph
    diagram_of_flow: list[int]
    quartic: list[bool]
    propagators: list[frozenset[tuple[int, Particle]]]


def build_diagrams(
    legs: tuple[Particle, ...], n_initial: int, vertices: tuple[Vertex, ...], **bounds
) -> Diagrams:
    """Every diagram within the bounds and exclusions of :class:`currents.Enumerator`."""
    graph = CurrentGraph(n_legs=len(legs), n_initial=n_initial, legs=legs)
    walk = Enumerator(graph, vertices, **bounds)
    topology: dict[int, tuple] = {c.id: ("leg", c.leg) for c in graph.currents}
    lines: dict[int, frozenset] = {c.id: frozenset() for c in graph.currents}
    has_quartic: dict[int, bool] = {c.id: False for c in graph.currents}
    for mask in walk.masks():
        for vx, open_slot, parent, slots, kids, qcd, qed, alts, s_lines in walk.joins(mask):
            open_end, closed, sign = _join(kids, vx, slots)
            graph.evaluations.append(Evaluation(vx, tuple(c.id for c in kids), slots, open_slot))
            cur = Current(
                id=len(graph.currents), mask=mask, particle=parent, term=(), qcd=qcd, qed=qed,
                open_end=open_end, closed=closed, is_row=_is_row(parent), alternatives=alts,
                s_lines=s_lines,
                contributions=[(complex(sign), len(graph.evaluations) - 1)],
            )
            graph.currents.append(cur)
            walk.register(cur)
            four_point = len(vx.particles) == 4
            topology[cur.id] = (_group(vx) + ("4" if four_point else ""),
                                *(topology[c.id] for c in kids))
            lines[cur.id] = frozenset().union(*(lines[c.id] for c in kids)) | {(mask, parent)}
            has_quartic[cur.id] = four_point or any(has_quartic[c.id] for c in kids)
    diagram_of_flow: list[int] = []
    numbers: dict[tuple, int] = {}
    quartic: list[bool] = []
    propagators: list[frozenset] = []
    for vx, slots, members in walk.closings():
        _, _, sign = _join(members[:-1], vx, slots, members[-1])
        graph.evaluations.append(Evaluation(vx, tuple(c.id for c in members), slots, None))
        graph.flows.append([(complex(sign), len(graph.evaluations) - 1)])
        topo = (_group(vx), *sorted(repr(topology[c.id]) for c in members[:-1]))
        if topo not in numbers:
            numbers[topo] = len(numbers)
            quartic.append(len(vx.particles) == 4 or any(has_quartic[c.id] for c in members))
            propagators.append(frozenset().union(*(lines[c.id] for c in members)))
        diagram_of_flow.append(numbers[topo])
    return Diagrams(prune(graph), diagram_of_flow, quartic, propagators)
