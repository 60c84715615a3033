"""Colour flows for event records: from colour-flow basis elements to LHE ICOLUP tags.

A basis element (see :mod:`generation.amplitudes.colour`) is a product of chains over the
external legs, all counted as incoming: ``(T^{a1} … T^{ak})_{ij}`` with i the anti-triplet
(row) leg and j the triplet (column) leg, or ``Tr(T^{a1} … T^{ak})``. Writing
(T^a)_{xy} as a gluon a with colour x and anticolour y, the chain is a colour line
j → a_k → … → a_1 → i, where X → Y means "X's colour is Y's anticolour" (one LHE tag);
a trace closes the line a_1 → a_k. Outgoing legs then swap colour and anticolour (crossing an
incoming anti-triplet gives an outgoing triplet). Every tag appears twice, so every colour line
closes: on an incoming colour and an outgoing colour, or on two anticolours, etc.

The flow of an event is drawn among the *leading* elements (those with the fewest chains, the
leading power of N_c: each extra colour-singlet chain costs 1/N_c²) with probabilities
proportional to Σ_hel |J_b|², the partial amplitudes squared, as MadEvent does with its JAMPs.
"""

import itertools

import numpy as np

FIRST_TAG = 501


def lhe_colour_tags(term, n_legs: int, n_initial: int = 2) -> np.ndarray:
    """ICOLUP ``[n_legs, 2]`` (colour, anticolour; 0 = none) of one basis element."""
    tags = np.zeros((n_legs, 2), dtype=np.int64)
    next_tag = FIRST_TAG

    def link(x: int, y: int) -> None:
        nonlocal next_tag
        tags[x, 0] = next_tag
        tags[y, 1] = next_tag
        next_tag += 1

    for chain in term:
        if chain[0] == "o":
            _, i, gluons, j = chain
            line = [j, *reversed(gluons), i]
            for x, y in itertools.pairwise(line):
                link(x, y)
        else:
            gluons = chain[1]
            if len(gluons) < 2:
                msg = f"a trace over {len(gluons)} gluon(s) is not a colour flow"
                raise ValueError(msg)
            line = [*reversed(gluons), gluons[-1]]
            for x, y in itertools.pairwise(line):
                link(x, y)
    tags[n_initial:] = tags[n_initial:, ::-1]
    return tags


def leading_flows(basis) -> np.ndarray:
    """Boolean mask of the basis elements with the fewest chains."""
    counts = np.array([len(term) for term in basis])
    return counts == counts.min() if len(counts) else counts.astype(bool)


def flow_tables(basis, n_legs: int, n_initial: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``(tags [n_flows, n_legs, 2], leading [n_flows])`` for a subprocess's basis; a colourless
    process has one flow with no tags."""
    if not basis:
        return np.zeros((1, n_legs, 2), dtype=np.int64), np.ones(1, dtype=bool)
    tags = np.stack([lhe_colour_tags(term, n_legs, n_initial) for term in basis])
    return tags, leading_flows(basis)


def draw_flows(rng: np.random.Generator, weights: np.ndarray, leading: np.ndarray) -> np.ndarray:
    """One flow index per event, ∝ the weights ``[N, n_flows]`` of the leading flows (all flows
    where every leading weight vanishes)."""
    w = np.where(leading[None, :], weights, 0.0)
    empty = w.sum(axis=1) <= 0
    w[empty] = weights[empty]
    w[w.sum(axis=1) <= 0] = 1.0
    return draw_index(rng, w)


def draw_index(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of ``weights [N, k]`` (≥ 0), drawn ∝ the row's weights."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(axis=1), weights.shape[1] - 1)
