"""Exact colour algebra against textbook SU(3) identities."""

from fractions import Fraction

import jax
import numpy as np
import pytest

from colliderax.generation.amplitudes import colour
from colliderax.generation.amplitudes.colour_basis import colour_factor, colour_matrix


def _number(expr):
    assert set(expr) <= {()}
    return colour.to_complex(expr.get((), (Fraction(0), Fraction(0))))


def test_casimirs_and_structure_constants():
    # Tr(T^a T^a) = C_F N = 4 ;  f^{abc} f^{abc} = N (N² − 1) = 24 ;  T^a_ij T^a_jk = C_F δ_ik.
    tt = colour.from_factors([("T", 1, 10, 11), ("T", 1, 11, 10)])
    assert _number(colour.contract(tt, {1, 10, 11})) == 4
    ff = colour.from_factors([("f", 1, 2, 3), ("f", 1, 2, 3)])
    assert _number(colour.contract(ff, {1, 2, 3})) == 24
    cf = colour.contract(colour.from_factors([("T", 1, 10, 11), ("T", 1, 11, 12)]), {1, 11})
    assert cf == {(("o", 10, (), 12),): (Fraction(4, 3), Fraction(0))}


def test_fierz_with_trace_and_jacobi():
    # f^{acd} f^{bcd} = N δ^{ab}: contract with δ^{ab} via a product of T's closing the chain.
    expr = colour.from_factors([("f", 1, 3, 4), ("f", 2, 3, 4), ("T", 1, 10, 11), ("T", 2, 11, 10)])
    assert _number(colour.contract(expr, {1, 2, 3, 4, 10, 11})) == 3 * 4  # N × Tr(T^aT^a)
    # Jacobi: f^{abe} f^{ecd} + f^{ace} f^{edb} + f^{ade} f^{ebc} = 0
    terms = [
        [("f", 1, 2, 9), ("f", 9, 3, 4)],
        [("f", 1, 3, 9), ("f", 9, 4, 2)],
        [("f", 1, 4, 9), ("f", 9, 2, 3)],
    ]
    total: dict = {}
    for factors in terms:
        for term, coef in colour.contract(colour.from_factors(factors), {9}).items():
            colour._add_term(total, term, coef)
    assert total == {}


def test_gg_to_qqbar_colour_matrix():
    """MG5's colour matrix for (T^a T^b)_ij, (T^b T^a)_ij is [[16/3, −2/3], [−2/3, 16/3]]."""
    basis = [(("o", 2, (0, 1), 3),), (("o", 2, (1, 0), 3),)]
    matrix = colour_matrix(basis)
    np.testing.assert_allclose(matrix, [[16 / 3, -2 / 3], [-2 / 3, 16 / 3]], rtol=1e-15)
    factor = colour_factor(matrix)
    np.testing.assert_allclose(factor.T @ factor, matrix, rtol=1e-13)


def test_conjugate_reverses_chains():
    expr = {(("o", 5, (1, 2), 6), ("t", (3, 4, 7))): (Fraction(1), Fraction(2))}
    conj = colour.conjugate(expr)
    assert conj == {(("o", 6, (2, 1), 5), ("t", (3, 7, 4))): (Fraction(1), Fraction(-2))}


@pytest.mark.parametrize(("process", "n_mg5", "n_all"),
                         [("g g > t t~ g g", 24, 32), ("u g > u g g", 6, 7)])
def test_separate_gluon_traces_vanish(process, n_mg5, n_all, monkeypatch):
    """Basis elements with a trace of external gluons beside a quark chain have identically
    vanishing partial amplitudes: dropping them leaves MG5's JAMP count and the same |M|²."""
    from colliderax.generation.amplitudes import compile_matrix_element, currents
    from colliderax.generation.model import ModelParameters
    from colliderax.generation.model.particles import PARTICLES_BY_NAME
    from colliderax.generation.phasespace import two_to_n

    params = ModelParameters()
    (pruned,) = compile_matrix_element(process, params).subprocesses
    monkeypatch.setattr(currents, "_separate_gluon_trace", lambda term: False)
    (full,) = compile_matrix_element(process, params).subprocesses
    assert (pruned.n_colour_flows, full.n_colour_flows) == (n_mg5, n_all)
    masses = [params.value(PARTICLES_BY_NAME[x].mass) for x in pruned.particles[2:]]
    p, _ = two_to_n(jax.random.key(4), 32, 1500.0, masses)
    # Same |M|² to rounding (the dropped partial amplitudes cancel to ~1e-16 of the others).
    np.testing.assert_allclose(np.asarray(pruned(p)), np.asarray(full(p)), rtol=1e-12)
