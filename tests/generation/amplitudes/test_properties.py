"""Physical properties of |M|²: Lorentz invariance, Bose symmetry, gauge invariance, crossing,
analytic formulas. Points are on-shell (massive RAMBO) unless a test says otherwise."""

import math

import jax
import numpy as np
import pytest

from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.model import PARTICLES_BY_NAME, ModelParameters
from colliderax.generation.phasespace import rambo, two_to_n
from tests.helpers import boost_z_then_rotate, mdot

NO_WIDTHS = ModelParameters(WT=0.0, WZ=0.0, WW=0.0, WH=0.0)


def _points(process: str, params: ModelParameters, n: int = 8, sqrts: float = 1000.0, seed=7):
    final = process.split(">")[1].split()
    masses = [params.value(PARTICLES_BY_NAME[f].mass) for f in final]
    p, _ = two_to_n(jax.random.key(seed), n, sqrts, masses)
    return np.array(p)


def _me(process, params=None, **kwargs):
    (sub,) = compile_matrix_element(process, params, **kwargs).subprocesses
    return sub


@pytest.mark.parametrize("process", ["e+ e- > mu+ mu-", "g g > t t~ g", "u d~ > w+ g"])
def test_lorentz_invariance(process):
    # Widths off: a fixed width in t-channel propagators breaks gauge invariance, and the
    # helicity sums over external gluons then depend on the frame (~1e-5 for g g > t t~ g).
    params = NO_WIDTHS
    p = _points(process, params)
    sub = _me(process, params)
    moved = boost_z_then_rotate(p, beta=0.6, angle=0.9)
    # Same invariants, different frame: agreement to rounding (boosts lose ~γ² digits).
    np.testing.assert_allclose(np.asarray(sub(moved)), np.asarray(sub(p)), rtol=1e-10)


def test_bose_symmetry_of_identical_gluons():
    sub = _me("u u~ > g g g")  # three identical final-state gluons
    q = _points("u u~ > g g g", ModelParameters(), n=6)
    for order in ([0, 1, 3, 4, 2], [0, 1, 4, 2, 3], [0, 1, 2, 4, 3]):
        np.testing.assert_allclose(np.asarray(sub(q[:, order])), np.asarray(sub(q)), rtol=1e-11)
    # and the two initial gluons of g g > t t~ g
    sub = _me("g g > t t~ g")
    p = _points("g g > t t~ g", ModelParameters(), n=6)
    np.testing.assert_allclose(
        np.asarray(sub(p[:, [1, 0, 2, 3, 4]])), np.asarray(sub(p)), rtol=1e-11
    )


@pytest.mark.parametrize(
    ("process", "leg", "params"),
    [
        ("u u~ > g g", 3, ModelParameters()),
        ("g g > g g", 0, ModelParameters()),
        ("g g > t t~ g", 4, NO_WIDTHS),  # a fixed top width in t-channel breaks it at O(Γ/m)
        ("u d~ > w+ a", 3, NO_WIDTHS),  # so does a fixed W width in the s-channel
        ("e+ e- > w+ w- a", 4, NO_WIDTHS),
        ("u u~ > z a", 3, ModelParameters()),
    ],
)
def test_gauge_invariance(process, leg, params):
    """ε^μ → k^μ for one photon or gluon gives zero (relative to the physical |M|²)."""
    p = _points(process, params)
    physical = np.asarray(_me(process, params)(p))
    longitudinal = np.asarray(_me(process, params, gauge_check_leg=leg)(p))
    assert np.max(longitudinal / physical) < 1e-18  # zero up to rounding of |M|² (1e-32 rel.)


def _mandelstam(p):
    s = 2 * mdot(p[:, 0], p[:, 1]) + mdot(p[:, 0], p[:, 0]) + mdot(p[:, 1], p[:, 1])
    t = mdot(p[:, 0] - p[:, 2], p[:, 0] - p[:, 2])
    u = mdot(p[:, 0] - p[:, 3], p[:, 0] - p[:, 3])
    return s, t, u


def test_crossing_of_qqbar_gg_amplitudes():
    """One crossing-symmetric function gives q q~ > g g, g g > q q~ and q g > q g.

    The textbook formulas are averaged over initial states; MG5 (and we) also divide by 2! for
    the two identical gluons of q q~ > g g.
    """
    params = ModelParameters()
    g4 = params.gs**4
    p = _points("u u~ > g g", params, n=6)
    s, t, u = _mandelstam(p)
    cases = {
        "u u~ > g g": ((32 / 27) * (t * t + u * u) / (t * u) - (8 / 3) * (t * t + u * u) / s**2)
        / 2,
        "g g > u u~": (1 / 6) * (t * t + u * u) / (t * u) - (3 / 8) * (t * t + u * u) / s**2,
        "u g > u g": -(4 / 9) * (s * s + u * u) / (s * u) + (u * u + s * s) / t**2,
    }
    for process, formula in cases.items():
        got = np.asarray(_me(process, params)(p))
        np.testing.assert_allclose(got, g4 * formula, rtol=1e-12, err_msg=process)


def test_fermion_statistics_identical_quarks_and_bhabha():
    params = ModelParameters()
    p = _points("u u > u u", params, n=6)
    s, t, u = _mandelstam(p)
    g4, e4 = params.gs**4, params.ee**4
    uu = g4 * (
        (4 / 9) * ((s * s + u * u) / t**2 + (s * s + t * t) / u**2) - (8 / 27) * s * s / (t * u)
    )
    np.testing.assert_allclose(np.asarray(_me("u u > u u")(p)), uu / 2, rtol=1e-12)
    bhabha = 2 * e4 * ((s * s + u * u) / t**2 + 2 * u * u / (s * t) + (u * u + t * t) / s**2)
    np.testing.assert_allclose(np.asarray(_me("e+ e- > e+ e- / z h")(p)), bhabha, rtol=1e-12)


def test_ee_to_mumu_with_photon_and_z_analytic():
    """Σ|M|² = Σ_{ij} |e²/s + g_i^e g_j^μ/(s − M_Z² + i M_Z Γ_Z)|² × (u² for LL/RR, t² else)."""
    params = ModelParameters()
    p = _points("e+ e- > mu+ mu-", params, n=16, sqrts=91.188)
    p[8:] *= 3.0  # half the points at √s = 3 M_Z
    s, t, u = _mandelstam(p)
    g = params.ee / (params.sw * params.cw)
    g_left = g * (-0.5 + params.sw2)
    g_right = g * params.sw2
    prop = 1 / (s - params.MZ**2 + 1j * params.MZ * params.WZ)

    def amp(gi, gj):
        return params.ee**2 / s + gi * gj * prop

    total = (np.abs(amp(g_left, g_left)) ** 2 + np.abs(amp(g_right, g_right)) ** 2) * u**2 + (
        np.abs(amp(g_left, g_right)) ** 2 + np.abs(amp(g_right, g_left)) ** 2
    ) * t**2
    expected = 4 * total / 4  # Σ over spins, then the average over the 4 initial spins
    np.testing.assert_allclose(np.asarray(_me("e+ e- > mu+ mu-")(p)), expected, rtol=1e-12)


def test_gg_to_ttbar_analytic():
    """Σ̄|M|² = g⁴ (1/(6τ₁τ₂) − 3/8)(τ₁² + τ₂² + ρ − ρ²/(4τ₁τ₂)), τ = 2p₁·p₃/s, ρ = 4m²/s.

    The formula has no top width; with MG5's fixed width in the t-channel propagators the
    two differ by up to ~7e-5 (shared/reference/mg5/README), so the width is set to zero.
    """
    params = NO_WIDTHS
    p = _points("g g > t t~", params, n=16)
    s = 2 * mdot(p[:, 0], p[:, 1])
    tau1 = 2 * mdot(p[:, 0], p[:, 2]) / s
    tau2 = 2 * mdot(p[:, 0], p[:, 3]) / s
    rho = 4 * params.MT**2 / s
    expected = (
        params.gs**4
        * (1 / (6 * tau1 * tau2) - 3 / 8)
        * (tau1**2 + tau2**2 + rho - rho**2 / (4 * tau1 * tau2))
    )
    np.testing.assert_allclose(np.asarray(_me("g g > t t~", params)(p)), expected, rtol=1e-12)


def _two_body(sqrts, masses, cos_theta=0.3):
    """One 2 → 2 point in the centre-of-mass frame, on shell for all four masses."""
    m1, m2, m3, m4 = masses
    s = sqrts**2

    def pstar(ma, mb):
        return np.sqrt((s - (ma + mb) ** 2) * (s - (ma - mb) ** 2)) / (2 * sqrts)

    pi, pf = pstar(m1, m2), pstar(m3, m4)
    sin_theta = np.sqrt(1 - cos_theta**2)
    return np.array(
        [
            [
                [np.hypot(pi, m1), 0, 0, pi],
                [np.hypot(pi, m2), 0, 0, -pi],
                [np.hypot(pf, m3), pf * sin_theta, 0, pf * cos_theta],
                [np.hypot(pf, m4), -pf * sin_theta, 0, -pf * cos_theta],
            ]
        ]
    )


@pytest.mark.parametrize("process", ["e+ e- > w+ w-", "w+ w- > w+ w-", "t t~ > w+ w-", "z z > h h"])
def test_high_energy_unitarity_cancellations(process):
    """Without widths, gauge and Higgs cancellations keep 2 → 2 |M|² bounded as √s grows."""
    names = process.replace(">", " ").split()
    masses = [NO_WIDTHS.value(PARTICLES_BY_NAME[x].mass) for x in names]
    sub = _me(process, NO_WIDTHS)
    values = [float(np.asarray(sub(_two_body(e, masses)))[0]) for e in (2e3, 2e4, 2e5)]
    assert max(values) / min(values) < 1.5  # an uncancelled term would grow like s or s²


def test_per_helicity_sums_to_total_and_zero_helicities():
    params = ModelParameters()
    p = _points("e+ e- > mu+ mu-", params)
    sub = _me("e+ e- > mu+ mu-")
    ph = np.asarray(sub.per_helicity(p))
    assert ph.shape == (len(p), 2, 2, 2, 2)
    np.testing.assert_allclose(ph.reshape(len(p), -1).sum(1), np.asarray(sub(p)), rtol=1e-14)
    # Massless vector-current couplings conserve helicity: 12 of 16 configurations vanish.
    assert np.sum(ph.max(axis=0) > 0) == 4


def test_float32_option_agrees_with_float64():
    params = ModelParameters()
    p = _points("g g > t t~ g", params)
    sub64 = _me("g g > t t~ g", params)
    sub32 = _me("g g > t t~ g", params, dtype="float32")
    got = np.asarray(sub32(p.astype(np.float32)), dtype=np.float64)
    np.testing.assert_allclose(got, np.asarray(sub64(p)), rtol=1e-3)


def _decay_at_rest(parent: str, finals: list[str], params, n: int = 4):
    mass = params.value(PARTICLES_BY_NAME[parent].mass)
    masses = [params.value(PARTICLES_BY_NAME[f].mass) for f in finals]
    p, _ = rambo(jax.random.key(5), n, mass, masses)
    return np.concatenate([np.tile([mass, 0.0, 0.0, 0.0], (n, 1, 1)), np.asarray(p)], axis=1)


def test_two_body_decay_widths():
    """Γ = |M|² λ^{1/2}/(16π M³): Z → e+e- and t → b W+ against their closed forms."""
    params = ModelParameters()
    mz, mt, mw, mb = params.MZ, params.MT, params.MW, params.MB
    me2 = np.asarray(_me("z > e+ e-")(_decay_at_rest("z", ["e+", "e-"], params)))
    g = params.ee / (params.sw * params.cw)
    expected = mz * g**2 * ((params.sw2 - 0.5) ** 2 + params.sw2**2) / (24 * math.pi)
    np.testing.assert_allclose(me2 / (16 * math.pi * mz), expected, rtol=1e-12)
    lam = math.sqrt((mt**2 - (mw + mb) ** 2) * (mt**2 - (mw - mb) ** 2))
    mt2 = np.asarray(_me("t > b w+")(_decay_at_rest("t", ["b", "w+"], params)))
    expected = params.gw**2 * lam * (
        (mt**2 - mb**2) ** 2 + mw**2 * (mt**2 + mb**2) - 2 * mw**4
    ) / (64 * math.pi * mw**2 * mt**3)
    np.testing.assert_allclose(mt2 * lam / (16 * math.pi * mt**3), expected, rtol=1e-12)
    assert expected == pytest.approx(params.WT, rel=1e-4)  # the card's WT is this LO width


@pytest.mark.slow
@pytest.mark.parametrize(("process", "leg"), [("g g > t t~ g g", 5), ("g g > g g g", 2)])
def test_gauge_invariance_higher_multiplicity(process, leg):
    """Gauge invariance with two and three 4-gluon-vertex topologies (widths off, see above)."""
    p = _points(process, NO_WIDTHS, n=4)
    physical = np.asarray(_me(process, NO_WIDTHS)(p))
    longitudinal = np.asarray(_me(process, NO_WIDTHS, gauge_check_leg=leg)(p))
    assert np.max(longitudinal / physical) < 1e-18


@pytest.mark.slow
def test_lorentz_and_bose_symmetry_gg_ttgg():
    p = _points("g g > t t~ g g", NO_WIDTHS, n=4)
    sub = _me("g g > t t~ g g", NO_WIDTHS)
    reference = np.asarray(sub(p))
    np.testing.assert_allclose(np.asarray(sub(boost_z_then_rotate(p, 0.5, 1.3))), reference,
                               rtol=1e-10)
    np.testing.assert_allclose(np.asarray(sub(p[:, [0, 1, 2, 3, 5, 4]])), reference, rtol=1e-11)
