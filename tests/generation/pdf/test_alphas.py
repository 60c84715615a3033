"""α_s: LHAPDF ipol tables, threshold-matched RGE running (against scipy's solve_ivp), fixed."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf import PDF, AlphaSSettings, alpha_s, load_pdf

from .helpers import write_lhagrid1


def _betas(nf, loops):
    b = [
        (33 - 2 * nf) / (12 * math.pi),
        (153 - 19 * nf) / (24 * math.pi**2),
        (2857 - 5033 * nf / 9 + 325 * nf**2 / 27) / (128 * math.pi**3),
    ]
    return b[:loops]


def ode_alpha_s(alpha_mz, mz, loops, thresholds, q):
    """α_s(q) by integrating dα/d ln Q² = -Σ β_i α^(i+2) numerically, region by region."""

    def rhs(_, a, nf):
        return [-sum(b * a[0] ** (i + 2) for i, b in enumerate(_betas(nf, loops)))]

    def nf_at(scale):
        return 3 + sum(scale > m for m in thresholds)

    edges = sorted(m for m in thresholds if min(mz, q) < m < max(mz, q))
    if q < mz:
        edges.reverse()
    a, start = alpha_mz, mz
    for stop in [*edges, q]:
        mid = math.sqrt(start * stop)
        sol = solve_ivp(
            rhs, (2 * math.log(start), 2 * math.log(stop)), [a], args=(nf_at(mid),),
            method="DOP853", rtol=1e-13, atol=1e-15,
        )
        a, start = float(sol.y[0, -1]), stop
    return a


SCALES = [1.0, 1.41999, 1.42001, 3.0, 4.69999, 4.70001, 10.0, 91.188, 174.99, 175.01, 1e3, 1e4]


@pytest.mark.parametrize("loops", [1, 2, 3])
@pytest.mark.parametrize("nf_max", [5, 6])
def test_running_matches_numerical_ode(loops, nf_max):
    settings = AlphaSSettings.running(
        0.130, mz=91.188, loops=loops, mc=1.42, mb=4.7, mt=175.0, nf_max=nf_max
    )
    got = np.asarray(alpha_s(settings, jnp.asarray(SCALES)))
    thresholds = [1.42, 4.7, 175.0][: nf_max - 3]
    want = np.array([ode_alpha_s(0.130, 91.188, loops, thresholds, q) for q in SCALES])
    # solve_ivp at rtol 1e-13 is the reference; the requirement is 1e-8 (we see ~1e-13 at
    # 1-2 loops, where our solution is exact, and ~3e-11 for the 3-loop RK4).
    np.testing.assert_allclose(got, want, rtol=1e-8)


def test_reconstructed_nnpdf23_info_follows_lhapdf_rules(nnpdf23):
    s = nnpdf23.alpha_s_settings
    assert (s.kind, s.loops, s.alpha_mz, s.mz) == ("running", 2, 0.130, 91.188)
    assert s.thresholds == (1.42, 4.7, 175.0)
    # LHAPDF takes nf_max from AlphaS_NumFlavors, else NumFlavors (6 in this .info), so the
    # top threshold is on; MG5's nn23lo1 stops at nf = 5. Same running up to 175 GeV:
    mg5 = AlphaSSettings.mg5_nn23lo1()
    assert s.nf_max == 6
    assert mg5.nf_max == 5
    below = jnp.asarray([1.0, 4.0, 91.188, 174.0])
    np.testing.assert_allclose(
        np.asarray(alpha_s(nnpdf23, below)), np.asarray(alpha_s(mg5, below)), rtol=1e-14
    )  # identical formulas and anchors: rounding only
    assert float(alpha_s(nnpdf23, 1e3)) > 1.01 * float(alpha_s(mg5, 1e3))  # slower with nf=6


def test_alpha_s_at_mz(nnpdf23, nnpdf40):
    # The running starts at MZ: exactly AlphaS_MZ there (Newton's first step is exactly 0).
    assert float(alpha_s(nnpdf23, 91.188)) == pytest.approx(0.130, rel=1e-15)
    assert float(alpha_s(AlphaSSettings.mg5_nn23lo1(), 91.188)) == pytest.approx(0.130, rel=1e-15)
    # NNPDF4.0 interpolates its table (8 significant digits); MZ sits inside a knot interval
    # of width 0.46 in ln Q², where the Hermite interpolant with finite-difference slopes is
    # accurate to ~2e-6 relative (the table's own curvature), hence 1e-5.
    assert nnpdf40.info["AlphaS_MZ"] == 0.1180024
    assert float(alpha_s(nnpdf40, 91.1876)) == pytest.approx(0.1180024, rel=1e-5)
    assert float(alpha_s(AlphaSSettings.fixed(0.118), 91.1876)) == 0.118


def test_ipol_reproduces_its_table(nnpdf40):
    info = nnpdf40.info
    qs, vals = np.array(info["AlphaS_Qs"]), np.array(info["AlphaS_Vals"])
    got = np.asarray(alpha_s(nnpdf40, jnp.asarray(qs)))
    np.testing.assert_allclose(got, vals, rtol=1e-15)  # at a knot t = 0: the knot value
    # Frozen above the table; power law through the first two knots below it.
    assert float(alpha_s(nnpdf40, 1e6)) == vals[-1]
    slope = math.log(vals[1] / vals[0]) / math.log(qs[1] ** 2 / qs[0] ** 2)
    assert float(alpha_s(nnpdf40, 1.0)) == pytest.approx(
        vals[0] * (1.0 / qs[0] ** 2) ** slope, rel=1e-14
    )  # the same power law, different rounding


def test_ipol_subgrids_on_a_discontinuous_table():
    # Linear in ln Q² on each side of a repeated knot at 5 GeV, with a jump there. Hermite
    # interpolation with finite-difference slopes is exact for linear functions only if the
    # slopes never reach across the repeated knot; on the knot the upper piece applies.
    def lower(q):
        return 0.30 - 0.010 * math.log(q * q)

    def upper(q):
        return 0.27 - 0.008 * math.log(q * q)

    q_lo, q_hi = [1.0, 1.7, 2.6, 5.0], [5.0, 9.0, 30.0, 70.0, 200.0]
    settings = AlphaSSettings.ipol(q_lo + q_hi, [lower(q) for q in q_lo] + [upper(q) for q in q_hi])
    q = [1.2, 2.0, 4.9, 5.0 * (1 - 1e-12), 5.0, 5.2, 50.0, 199.0]
    want = [lower(v) for v in q[:4]] + [upper(v) for v in q[4:]]
    np.testing.assert_allclose(np.asarray(alpha_s(settings, jnp.asarray(q))), want, rtol=1e-13)


def test_thresholds_are_continuous_and_grad_is_the_beta_function(nnpdf23):
    for m in (1.42, 4.7, 175.0):
        lo, hi = alpha_s(nnpdf23, jnp.asarray([m * (1 - 1e-12), m * (1 + 1e-12)]))
        assert float(lo) == pytest.approx(float(hi), rel=1e-10)  # 2e-12 apart in Q
    # d α / d ln Q = 2 d α / d ln Q² = -2 α² (β0 + β1 α) at two loops, nf = 5 at MZ.
    q0 = 91.188
    grad = float(jax.grad(lambda q: alpha_s(nnpdf23, q))(q0)) * q0
    b0, b1 = _betas(5, 2)
    assert grad == pytest.approx(-2 * 0.130**2 * (b0 + b1 * 0.130), rel=1e-10)  # exact solution


def test_from_info_rules():
    base = {"AlphaS_Type": "ode", "AlphaS_MZ": 0.118, "MZ": 91.1876, "AlphaS_OrderQCD": 2,
            "MCharm": 1.3, "MBottom": 4.75, "MTop": 172.5}
    assert AlphaSSettings.from_info(base).nf_max == 5  # LHAPDF's default
    assert AlphaSSettings.from_info({**base, "NumFlavors": 6}).nf_max == 6
    assert AlphaSSettings.from_info({**base, "NumFlavors": 6, "AlphaS_NumFlavors": 4}).nf_max == 4
    assert AlphaSSettings.from_info({**base, "FlavorScheme": "FIXED"}).fixed_flavours
    assert AlphaSSettings.from_info({**base, "AlphaS_OrderQCD": 0}) == AlphaSSettings.fixed(0.118)
    assert AlphaSSettings.from_info({**base, "AlphaS_Type": "analytic"}).kind == "running"
    assert AlphaSSettings.from_info({k: v for k, v in base.items() if k != "MTop"}) is None
    assert AlphaSSettings.from_info({"AlphaS_Type": "ipol"}) is None
    assert AlphaSSettings.from_info({}) is None
    with pytest.raises(InvalidInput, match="malformed alpha_s metadata"):
        AlphaSSettings.from_info({**base, "AlphaS_MZ": "high"})


def test_alpha_s_errors(tmp_path):
    write_lhagrid1(
        tmp_path / "BARE_0000.dat",
        [(np.geomspace(1e-3, 1, 5), np.array([2.0, 5.0]), [21], lambda p, x, q: 1.0)],
    )
    bare = load_pdf("BARE", search_path=tmp_path)
    assert isinstance(bare, PDF)
    assert bare.alpha_s_settings is None
    with pytest.raises(InvalidInput, match="BARE has no usable alpha_s metadata"):
        alpha_s(bare, 91.0)
    with pytest.raises(InvalidInput, match="needs a PDF or AlphaSSettings"):
        alpha_s(0.118, 91.0)
    with pytest.raises(InvalidInput, match="1, 2 or 3 loops"):
        AlphaSSettings.running(0.118, loops=4)
    with pytest.raises(InvalidInput, match="0 < mc < mb < mt"):
        AlphaSSettings.running(0.118, mc=5.0, mb=4.0)
    with pytest.raises(InvalidInput, match="non-decreasing"):
        AlphaSSettings.ipol([2.0, 1.0], [0.2, 0.3])
    bad = alpha_s(AlphaSSettings.mg5_nn23lo1(), jnp.asarray([-1.0, 0.0]))
    assert np.isnan(np.asarray(bad)).all()  # Q <= 0
