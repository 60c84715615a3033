"""Cross sections through the full integrand: analytic e+e- → μ+μ-, p p → t t̄ vs PYTHIA 8."""

import math

import jax
import jax.numpy as jnp
import pytest

from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.integrate.cross_section import Beams, Physics, build_units, integrate
from colliderax.generation.model import ModelParameters
from colliderax.generation.pdf import load_pdf
from tests.generation.integrate.test_vegas import _sigma_ee_mumu_analytic


def _fixed_scale(mu):
    def factory(pdgs, *chain):
        del pdgs, chain
        return lambda p: (jnp.full(p.shape[0], mu),) * 3

    return factory


def _no_cuts(pdgs, *chain):
    del pdgs, chain
    return lambda p: jnp.ones(p.shape[0], dtype=bool)


@pytest.mark.parametrize("sqrts", [30.0, 91.188, 200.0])
def test_ee_to_mumu_matches_the_analytic_cross_section(sqrts):
    params = ModelParameters()
    compiled = compile_matrix_element("e+ e- > mu+ mu-", params)
    physics = Physics(Beams("ee", sqrts), None, "logcubic", None, params.aS,
                      _fixed_scale(91.188), _no_cuts)
    units = build_units(compiled, physics, params)
    assert len(units) == 2  # photon and Z channels
    result = integrate(jax.random.key(3), units, compiled.subprocesses, precision=5e-4,
                       batch=2048)
    expected = _sigma_ee_mumu_analytic(params, sqrts)
    assert abs(result.sigma_pb - expected) < 3 * result.error_pb
    assert abs(result.sigma_pb / expected - 1) < 1e-3
    assert result.error_pb < 5e-4 * expected


def _pythia_ttbar(sqrts, mu, n_events=200_000):
    """PYTHIA 8's LO σ(gg → tt̄) + σ(qq̄ → tt̄) (five flavours in), fixed scales, and the
    α_s it used (its own running from α_s(MZ) = 0.130)."""
    pythia8mc = pytest.importorskip("pythia8mc")
    py = pythia8mc.Pythia("", False)
    for line in [
        f"Beams:eCM = {sqrts}", "Top:gg2ttbar = on", "Top:qqbar2ttbar = on",
        "PDF:pSet = 13",  # NNPDF2.3 QCD+QED LO, α_s(MZ) = 0.130: the same grid file
        "SigmaProcess:renormScale2 = 5", "SigmaProcess:factorScale2 = 5",
        f"SigmaProcess:renormFixScale = {mu * mu}", f"SigmaProcess:factorFixScale = {mu * mu}",
        "SigmaProcess:alphaSvalue = 0.130", "6:m0 = 173.0",
        "PhaseSpace:useBreitWigners = off",  # on-shell tops, as in |M|²(g g > t t~)
        "PartonLevel:all = off", "HadronLevel:all = off", "ProcessLevel:resonanceDecays = off",
        "Next:numberCount = 0", "Init:showChangedSettings = off", "Init:showProcesses = off",
        "Random:setSeed = on", "Random:seed = 11",
    ]:
        assert py.readString(line), line
    assert py.init()
    for _ in range(n_events):
        py.next()
    info = py.infoPython()
    return info.sigmaGen() * 1e9, info.sigmaErr() * 1e9, info.alphaS()


def test_pp_to_ttbar_matches_pythia():
    """Same PDF file and interpolation (PYTHIA's LHAGrid1), same α_s value and fixed scales,
    b quarks in the proton on both sides (sm-no_b_mass): 3δσ and 0.5 %."""
    sqrts, mu = 13000.0, 173.0
    ref, ref_error, alpha = _pythia_ttbar(sqrts, mu)
    params = ModelParameters(restriction="sm-no_b_mass").with_alpha_s(alpha)
    compiled = compile_matrix_element("p p > t t~", params)
    physics = Physics(Beams("pp", sqrts), load_pdf("NNPDF23_lo_as_0130_qed"), "lhagrid1-pythia",
                      None, params.aS, _fixed_scale(mu), _no_cuts)
    units = build_units(compiled, physics, params)
    result = integrate(jax.random.key(5), units, compiled.subprocesses, precision=2e-3)
    pull = (result.sigma_pb - ref) / math.hypot(result.error_pb, ref_error)
    assert abs(pull) < 3, (result.sigma_pb, result.error_pb, ref, ref_error)
    assert abs(result.sigma_pb / ref - 1) < 5e-3
    names = {s.name for s in result.subprocesses}
    assert "g g > t t~" in names
    assert any("b b~ t t~" in s.same_me for s in result.subprocesses)
