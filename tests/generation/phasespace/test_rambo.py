"""RAMBO phase space: conservation, mass shells, and analytic volumes."""

import math

import jax
import numpy as np
import pytest

from colliderax.generation.phasespace import rambo, two_to_n


def _kallen(a, b, c):
    return a * a + b * b + c * c - 2 * (a * b + a * c + b * c)


@pytest.mark.parametrize("masses", [(0.0, 0.0, 0.0), (173.0, 173.0, 0.0), (80.4, 91.2, 0.0, 0.0)])
def test_momentum_conservation_and_mass_shells(masses):
    p, w = rambo(jax.random.key(1), 200, 1000.0, masses)
    p = np.asarray(p)
    np.testing.assert_allclose(p.sum(axis=1), np.tile([1000.0, 0, 0, 0], (200, 1)), atol=1e-9)
    m2 = p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)
    # p² − m² cancels E² ~ 1e5 GeV²: rounding leaves ~1e-16 E² ≈ 1e-10 GeV².
    np.testing.assert_allclose(m2, np.tile(np.square(masses), (200, 1)), atol=1e-8)
    assert np.all(np.asarray(w) > 0)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_massless_volume(n):
    """Φ_n = (2π)^{4−3n} (π/2)^{n−1} s^{n−2}/((n−1)!(n−2)!) for massless particles."""
    sqrts = 500.0
    _, w = rambo(jax.random.key(2), 10, sqrts, [0.0] * n)
    s = sqrts**2
    expected = (
        (2 * math.pi) ** (4 - 3 * n)
        * (math.pi / 2) ** (n - 1)
        * s ** (n - 2)
        / (math.factorial(n - 1) * math.factorial(n - 2))
    )
    np.testing.assert_allclose(np.asarray(w), expected, rtol=1e-14)


def test_massive_two_body_volume():
    """Φ₂ = λ^{1/2}(s, m₁², m₂²)/(8π s): the RAMBO weight is exact and constant for n = 2."""
    sqrts, m1, m2 = 500.0, 173.0, 91.2
    _, w = rambo(jax.random.key(3), 50, sqrts, [m1, m2])
    s = sqrts**2
    expected = math.sqrt(_kallen(s, m1**2, m2**2)) / (8 * math.pi * s)
    np.testing.assert_allclose(np.asarray(w), expected, rtol=1e-12)


def test_beams_and_reproducibility():
    a, _ = two_to_n(jax.random.key(4), 5, 200.0, [0.0, 0.0])
    b, _ = two_to_n(jax.random.key(4), 5, 200.0, [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_allclose(np.asarray(a)[:, 0], np.tile([100.0, 0, 0, 100.0], (5, 1)))
