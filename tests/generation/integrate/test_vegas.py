"""VEGAS on closed-form integrals, and σ(e+e- → μ+μ-) against the analytic result."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.integrate import vegas
from colliderax.generation.model import ModelParameters
from colliderax.generation.phasespace import two_body

GEV2_TO_PB = 0.3893793721e9  # (ħc)² in GeV² pb


def test_peaked_gaussian_integral():
    """∫ Π_i N(x_i; 0.5, 0.05) dx over [0,1]^4 = (erf(10/√2))^4 ≈ 1, a narrow peak."""
    sigma = 0.05

    def f(x):
        return jnp.prod(jnp.exp(-0.5 * ((x - 0.5) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi)),
                        axis=1)

    result = vegas(jax.random.key(0), f, 4, n_points=20_000, iterations=8, warmup=6)
    exact = math.erf(0.5 / (sigma * math.sqrt(2))) ** 4
    assert abs(result.value - exact) < 3 * result.error
    assert result.error / exact < 2e-3  # adaptation works: flat sampling would give ~3e-2
    assert result.chi2_dof < 3.0


def _sigma_ee_mumu_analytic(params: ModelParameters, sqrts: float) -> float:
    """σ = s Σ_ij |e²/s + g_i^e g_j^μ/(s − M_Z² + i M_Z Γ_Z)|² / (48π), in pb."""
    s = sqrts * sqrts
    g = params.ee / (params.sw * params.cw)
    couplings = (g * (params.sw2 - 0.5), g * params.sw2)
    prop = 1 / (s - params.MZ**2 + 1j * params.MZ * params.WZ)
    total = sum(abs(params.ee**2 / s + gi * gj * prop) ** 2 for gi in couplings for gj in couplings)
    return s * total / (48 * math.pi) * GEV2_TO_PB


@pytest.mark.parametrize("sqrts", [30.0, 91.188, 200.0])
def test_ee_to_mumu_cross_section(sqrts):
    params = ModelParameters()
    (sub,) = compile_matrix_element("e+ e- > mu+ mu-", params).subprocesses

    def integrand(x):
        momenta, weight = two_body(x, sqrts)
        return sub(momenta) * weight / (2 * sqrts**2) * GEV2_TO_PB

    result = vegas(jax.random.key(1), integrand, 2, n_points=4000, iterations=5, warmup=2)
    expected = _sigma_ee_mumu_analytic(params, sqrts)
    assert abs(result.value - expected) < 3 * result.error
    assert abs(result.value / expected - 1) < 1e-3
    np.testing.assert_allclose(result.value, expected, rtol=1e-3)


def test_stratified_points_fill_their_hypercubes():
    from colliderax.generation.integrate.vegas import (
        allocate_strata,
        n_strata,
        stratified_uniform,
    )

    dim, n_points = 2, 4096
    strata = n_strata(dim, n_points)
    assert strata**dim * 2 <= n_points < (strata + 1) ** dim * 2
    counts = allocate_strata(np.arange(strata**dim, dtype=float), n_points)
    assert counts.sum() == n_points
    assert counts.min() >= 2
    assert counts[-1] > counts[1]  # more points where the variance is larger
    y, cube = stratified_uniform(jax.random.key(0), jnp.asarray(counts), strata, dim, n_points)
    digits = np.floor(np.asarray(y) * strata).astype(int)
    index = digits @ (strata ** np.arange(dim))
    np.testing.assert_array_equal(index, np.asarray(cube))
    np.testing.assert_array_equal(np.bincount(index, minlength=strata**dim), counts)
