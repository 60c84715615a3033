"""MG5's s-channel syntax: ``$ x`` (no on-shell s-channel x; every diagram kept), ``$$ x`` (no
s-channel x diagrams) and ``a b > x > c d`` (only diagrams with an s-channel x)."""

import math

import jax
import numpy as np
import pytest

from colliderax.core.errors import InvalidProcess
from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.events.cuts import Cuts
from colliderax.generation.integrate.cross_section import _resonance_windows
from colliderax.generation.integrate.run import RunSettings, compute_cross_section, prepare
from colliderax.generation.model import ModelParameters
from colliderax.generation.phasespace import two_to_n
from colliderax.generation.process import parse_process


def _sub(process):
    return compile_matrix_element(process).subprocesses[0]


def test_vetoed_lines_are_the_s_channel_ones():
    # legs: e+ e- > mu+ mu- a = 0 1 > 2 3 4: the Z may sit on (mu+ mu-) and on (mu+ mu- a)
    assert _sub("e+ e- > mu+ mu- a $ z").onshell_vetoes == ((0b01100, "z"), (0b11100, "z"))
    # e+ e- > e+ e-: the s-channel Z (final pair) only, not the t-channel one (e+ e+)
    assert _sub("e+ e- > e+ e- $ z").onshell_vetoes == ((0b1100, "z"),)
    assert _sub("e+ e- > mu+ mu-").onshell_vetoes == ()


def test_veto_cuts_exactly_the_points_near_the_pole():
    """The integrand's window predicate against |m − M_Z| ≥ 15 Γ_Z computed here for both
    lines, at √s = 150 GeV where m(μμ) sweeps the peak and m(μμγ) = √s lies outside."""
    params = ModelParameters()
    sub = _sub("e+ e- > mu+ mu- a $ z")
    final, _ = two_to_n(jax.random.key(3), 4000, 150.0, [0.0, 0.0, 0.0])
    allowed = np.asarray(_resonance_windows(sub, params, 15.0)(final))
    p = np.asarray(final)
    q = p[:, 2] + p[:, 3]
    m_ll = np.sqrt(np.maximum(q[:, 0] ** 2 - np.sum(q[:, 1:] ** 2, axis=-1), 0.0))
    expected = np.abs(m_ll - params.MZ) >= 15 * params.WZ
    np.testing.assert_array_equal(allowed, expected)
    assert 0.1 < expected.mean() < 0.9  # both outcomes are exercised
    # a narrower window cuts fewer points
    assert np.asarray(_resonance_windows(sub, params, 5.0)(final)).sum() > expected.sum()


def test_double_dollar_removes_the_diagrams():
    # e+ e- > mu+ mu-: the Z appears only in the s-channel, so $$ z = / z (photon exchange)
    ref, sub = _sub("e+ e- > mu+ mu- / z"), _sub("e+ e- > mu+ mu- $$ z")
    final, _ = two_to_n(jax.random.key(1), 16, 91.0, [0.0, 0.0])
    np.testing.assert_allclose(np.asarray(sub(final)), np.asarray(ref(final)), rtol=1e-12)
    full = _sub("e+ e- > mu+ mu-")
    assert not np.allclose(np.asarray(full(final)), np.asarray(ref(final)), rtol=1e-3)


def _sigma(process, cuts=None):
    result = compute_cross_section(prepare(RunSettings(process, 13000.0, precision=3e-3,
                                                       seed=5, cuts=cuts or Cuts())))
    return result.sigma_pb, result.error_pb


def test_veto_is_the_complement_of_the_window():
    """σ(u u~ > e+ e- $ z) = σ(m_ee < M − 15Γ) + σ(m_ee > M + 15Γ) with the full process and
    MG5's mmll cuts (the same region by another route): agreement within 3.5 combined σ."""
    params = ModelParameters()
    low, high = params.MZ - 15 * params.WZ, params.MZ + 15 * params.WZ
    veto, veto_err = _sigma("u u~ > e+ e- $ z")
    below, below_err = _sigma("u u~ > e+ e-", Cuts(mmllmax=low))
    above, above_err = _sigma("u u~ > e+ e-", Cuts(mmll=high))
    full, _ = _sigma("u u~ > e+ e-")
    error = math.sqrt(veto_err**2 + below_err**2 + above_err**2)
    assert abs(veto - below - above) < 3.5 * error, (veto, below, above, error)
    assert veto < 0.5 * full  # the peak dominates: the veto removed most of σ


@pytest.mark.parametrize(("required", "same"), [
    ("e+ e- > z > mu+ mu-", "e+ e- > mu+ mu- / a"),  # the only Z line is the s-channel one
    ("e+ e- > z > mu+ mu- a", "e+ e- > mu+ mu- a $$ a"),  # Z on (μμ) or on (μμγ)
])
def test_required_s_channel_keeps_the_diagrams_with_that_line(required, same):
    sub, ref = _sub(required), _sub(same)
    assert sub.n_diagrams == ref.n_diagrams
    final, _ = two_to_n(jax.random.key(2), 16, 250.0, [0.0] * (len(sub.particles) - 2))
    np.testing.assert_allclose(np.asarray(sub(final)), np.asarray(ref(final)), rtol=1e-12)


def test_required_s_channel_ignores_t_channel_lines():
    # e+ e- > e+ e-: γ and Z in the s- and t-channel; '> z >' keeps the s-channel Z only
    assert _sub("e+ e- > e+ e-").n_diagrams == 4
    assert _sub("e+ e- > z > e+ e-").n_diagrams == 1
    assert parse_process("e+ e- > z > e+ e-").s_channel == ("z",)


@pytest.mark.parametrize(("text", "message"), [
    ("e+ e- > > mu+ mu-", "required s-channel"),
    ("e+ e- > p > mu+ mu-", "required s-channel"),
    ("e+ e- > z > mu+ mu- > e+", "a process is"),
])
def test_required_s_channel_errors(text, message):
    with pytest.raises(InvalidProcess, match=message):
        parse_process(text)
