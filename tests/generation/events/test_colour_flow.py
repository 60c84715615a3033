"""Colour-flow basis elements → LHE colour tags: every line closes, chains run the right way."""

import numpy as np
import pytest

from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.events.colour_flow import draw_flows, flow_tables, lhe_colour_tags


def _closes(tags: np.ndarray, n_initial: int = 2) -> bool:
    """Cross the incoming legs to outgoing (swap colour/anticolour); then every tag must be one
    colour and one anticolour."""
    crossed = tags.copy()
    crossed[:n_initial] = crossed[:n_initial, ::-1]
    colours = [t for t in crossed[:, 0] if t]
    anticolours = [t for t in crossed[:, 1] if t]
    return sorted(colours) == sorted(anticolours) and len(set(colours)) == len(colours)


@pytest.mark.parametrize("process", ["g g > t t~ g", "u u~ > t t~ g", "g g > g g", "u g > u g"])
def test_every_basis_element_gives_closed_colour_lines(process):
    (sub,) = compile_matrix_element(process).subprocesses
    n = len(sub.particles)
    tags, leading = flow_tables(sub.colour_basis, n)
    assert tags.shape == (len(sub.colour_basis), n, 2)
    assert leading.any()
    colour = {"g": 8, "t": 3, "t~": -3, "u": 3, "u~": -3}
    for flow in tags:
        assert _closes(flow)
        for k, name in enumerate(sub.particles):
            c = colour[name] if k >= 2 else {8: 8, 3: 3, -3: -3}[colour[name]]
            has = (flow[k, 0] != 0, flow[k, 1] != 0)
            assert has == {8: (True, True), 3: (True, False), -3: (False, True)}[c]


def test_quark_line_runs_from_the_quark_through_the_gluons():
    """(T^a T^b)_{ij} with all legs incoming: j → b → a → i, so for g(0) g(1) > t(2) t~(3) the
    outgoing top carries the colour of gluon 1 and the antitop the anticolour of gluon 0."""
    term = (("o", 2, (1, 0), 3),)  # legs as in the recursion: 2 = crossed t, 3 = crossed t~
    tags = lhe_colour_tags(term, 4)
    assert tags[2, 0] == tags[1, 0]  # t colour = g1 colour
    assert tags[3, 1] == tags[0, 1]  # t~ anticolour = g0 anticolour
    assert tags[0, 0] == tags[1, 1]  # the gluons share the middle line
    assert _closes(tags)


def test_flows_are_drawn_by_weight_among_leading_flows():
    rng = np.random.default_rng(0)
    weights = np.tile([1.0, 3.0, 100.0], (20000, 1))
    leading = np.array([True, True, False])
    drawn = draw_flows(rng, weights, leading)
    assert set(np.unique(drawn)) == {0, 1}
    assert np.mean(drawn == 1) == pytest.approx(0.75, abs=0.015)
