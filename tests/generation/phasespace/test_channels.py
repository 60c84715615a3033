"""Multichannel phase space: every channel alone integrates the whole phase space."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.model import ModelParameters
from colliderax.generation.model.particles import PARTICLES_BY_NAME
from colliderax.generation.phasespace import rambo
from colliderax.generation.phasespace.channels import channels_for, generate


def _massless_volume(n: int, sqrts: float) -> float:
    """∫ dΦ_n for massless particles (the RAMBO normalisation)."""
    return (
        (2 * math.pi) ** (4 - 3 * n)
        * (math.pi / 2) ** (n - 1)
        * sqrts ** (2 * n - 4)
        / (math.factorial(n - 1) * math.factorial(n - 2))
    )


def _volume(channel, sqrts, n_points, seed):
    u = jax.random.uniform(jax.random.key(seed), (n_points, channel.dim))
    p, w = jax.jit(lambda u: generate(channel, u, jnp.full(u.shape[0], sqrts)))(u)
    return p, w, float(jnp.mean(w)), float(jnp.std(w)) / math.sqrt(n_points)


def _check_kinematics(p, w, sqrts, masses):
    good = np.asarray(w) > 0
    assert good.mean() > 0.999
    total = np.asarray(jnp.sum(p, axis=1))[good]
    np.testing.assert_allclose(total, np.tile([sqrts, 0, 0, 0], (good.sum(), 1)),
                               atol=1e-10 * sqrts)
    # On shell to rounding of the collision scale (soft legs come out by subtraction).
    m2 = np.asarray(p[..., 0] ** 2 - jnp.sum(p[..., 1:] ** 2, -1))[good]
    assert np.max(np.abs(m2 - np.asarray(masses) ** 2)) < 1e-12 * sqrts**2


def test_massless_channels_integrate_to_the_analytic_volume():
    params = ModelParameters()
    (sub,) = compile_matrix_element("g g > g g g", params).subprocesses
    channels = channels_for(sub, params)
    # MG5 counts 25 diagrams for g g > g g g; 10 have a four-gluon vertex (no channel) and
    # the 15 others have distinct propagators.
    assert sum(sub.channel_diagrams) == 15
    assert len(channels) == 15
    sqrts = 500.0
    exact = _massless_volume(3, sqrts)
    kinds = {(len(c.t_lines), c.shat_line is None) for c in channels}
    assert kinds == {(0, False), (1, True), (2, True)}  # s-channel, one and two t-lines
    for channel in channels[:5]:
        p, w, value, error = _volume(channel, sqrts, 100_000, 3)
        # 5σ: a wrong Jacobian factor (2, π, …) is hundreds of σ away.
        assert abs(value - exact) < 5 * error, (channel.diagrams, value, exact, error)
        assert error / exact < 0.02
        _check_kinematics(p, w, sqrts, [0.0] * 3)


def test_every_diagram_without_a_four_point_vertex_is_a_channel():
    params = ModelParameters()
    # q q > t t~ q q has three fermion lines, so no diagram can hold a four-gluon vertex:
    # all 14 of MG5's diagrams are channels (regression: leg numbers were once mistaken
    # for four-point vertices in 2 → 4 processes, leaving no channel at all).
    (sub,) = compile_matrix_element("u u > t t~ u u", params).subprocesses
    assert sub.n_diagrams == 14
    assert sum(sub.channel_diagrams) == 14
    assert len(channels_for(sub, params)) == 14


@pytest.mark.parametrize("process", ["g g > t t~ g", "u u~ > t t~ g", "u u > t t~ u u"])
def test_massive_channels_match_rambo(process):
    params = ModelParameters()
    (sub,) = compile_matrix_element(process, params).subprocesses
    masses = [params.value(PARTICLES_BY_NAME[x].mass) for x in sub.particles[2:]]
    sqrts = 1000.0
    _, weight = rambo(jax.random.key(1), 200_000, sqrts, masses)
    ref, ref_error = float(jnp.mean(weight)), float(jnp.std(weight)) / math.sqrt(200_000)
    channels = channels_for(sub, params)
    resonant = [c for c in channels if c.shat_line is not None]
    for channel in [*channels[:3], *resonant[:1]]:
        p, w, value, error = _volume(channel, sqrts, 100_000, 4)
        assert abs(value - ref) < 5 * math.hypot(error, ref_error), (channel.diagrams, value, ref)
        _check_kinematics(p, w, sqrts, masses)


def test_breit_wigner_channel_puts_points_on_the_resonance():
    """u u~ > t t~ g: the channel with an s-channel top line over (t, g) concentrates
    m(t g) within a few widths of m_t."""
    params = ModelParameters()
    (sub,) = compile_matrix_element("u u~ > t t~ g", params).subprocesses
    channels = channels_for(sub, params)
    top = [c for c in channels for node in c.clusters[0].children
           if node.line is not None and node.line.mass == params.MT]
    assert top
    p, _, _, _ = _volume(top[0], 1000.0, 20_000, 5)
    pair = next(node for node in top[0].clusters[0].children if node.line is not None)
    legs = [leg - 2 for leg in sorted(pair.legs)]
    q = jnp.sum(p[:, legs], axis=1)
    m = np.sqrt(np.asarray(q[:, 0] ** 2 - jnp.sum(q[:, 1:] ** 2, -1)))
    near = np.mean(np.abs(m - params.MT) < 5 * params.WT)
    assert near > 0.5  # flat sampling puts < 1 % there


def _lines(node):
    if node.line is not None:
        yield node
    for child in node.children:
        yield from _lines(child)


@pytest.mark.parametrize("kind", ["amplitudes", "propagators"])
def test_channel_weights_favour_the_z_channels_on_the_z_peak(kind):
    """u u~ > e+ e- g: the channel shares add up to 1, and where m(e+ e-) is within a quarter
    width of MZ the channels with a Z line get ≳ 99 % of |M|² ((MZ/ΓZ)² ≈ 1300 over the photon
    ones), so the weights read the invariant of the right legs."""
    from colliderax.generation.integrate.cross_section import channel_enhancement

    params = ModelParameters()
    (sub,) = compile_matrix_element("u u~ > e+ e- g", params).subprocesses
    channels = channels_for(sub, params)
    z_channels = [i for i, ch in enumerate(channels)
                  if any(node.line.mass == params.MZ for c in ch.clusters for node in _lines(c))]
    assert 0 < len(z_channels) < len(channels)
    sqrts = 500.0
    final, w = _volume(channels[z_channels[0]], sqrts, 4000, 6)[:2]
    initial = jnp.tile(jnp.array([[sqrts / 2, 0, 0, sqrts / 2], [sqrts / 2, 0, 0, -sqrts / 2]]),
                       (final.shape[0], 1, 1))
    p = jnp.concatenate([initial, final], axis=1)
    enhance = channel_enhancement(sub, channels, params, kind)
    shares = np.asarray(jnp.stack([enhance(p, k) for k in range(len(channels))], axis=1))
    good = np.asarray(w) > 0
    np.testing.assert_allclose(shares.sum(axis=1)[good], 1.0, rtol=1e-12)
    q = p[:, 2] + p[:, 3]
    m = np.sqrt(np.asarray(q[:, 0] ** 2 - jnp.sum(q[:, 1:] ** 2, -1)))
    near = good & (np.abs(m - params.MZ) < params.WZ / 4)
    assert near.sum() > 100
    assert np.median(shares[near][:, z_channels].sum(axis=1)) > 0.99
