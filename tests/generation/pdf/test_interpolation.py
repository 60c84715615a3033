"""Interpolation and extrapolation: LHAPDF log-bicubic (against an independent scalar
re-implementation), exactness on polynomial grids, continuity, sum rules, jit/vmap/grad."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf import SCHEMES, fx, load_pdf, xfx

from .helpers import table_pids, write_lhagrid1, xfx_table
from .lhapdf_reference import LHAPDFReference

REGIONS = ("inside", "knots", "x_below", "q_above", "q_below", "x_below_q_above", "x_below_q_below")


def _region_points(pdf, region, rng, n):
    """n (x, Q) points of one region relative to the grid edges."""
    (xmin, xmax), (qmin, qmax) = pdf.x_range, pdf.q_range
    x = np.exp(rng.uniform(math.log(xmin), math.log(xmax), n))
    q = np.exp(rng.uniform(math.log(qmin), math.log(qmax), n))
    if region == "knots":
        x = np.asarray(pdf.x)[rng.integers(0, pdf.x.shape[0], n)]
        q = np.asarray(pdf.q)[rng.integers(0, pdf.q.shape[0], n)]
    if region.startswith("x_below"):
        x = xmin * np.exp(-rng.uniform(0.0, 5.0, n))
    if region.endswith("q_above"):
        q = qmax * np.exp(rng.uniform(0.0, 2.0, n))
    if region.endswith("q_below"):
        q = qmin * np.exp(-rng.uniform(0.0, 1.5, n))
    return x, q


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("which", ["nnpdf23", "nnpdf40"])
def test_logcubic_matches_scalar_lhapdf_reference(request, pdfsets_dir, which, region):
    pdf = request.getfixturevalue(which)
    ref = LHAPDFReference(pdfsets_dir / pdf.name / f"{pdf.name}_0000.dat")
    rng = np.random.default_rng(sum(map(ord, which + region)))
    x, q = _region_points(pdf, region, rng, 96)
    pids = table_pids(pdf)  # the set's flavours, 0 (gluon), and absent ones (6, 11)
    got = xfx_table(pdf, x, q)
    points = list(zip(x, q, strict=True))
    want = np.array([[ref.xfxq2(int(p), xx, qq * qq) for xx, qq in points] for p in pids])
    # Same algorithm, different operation order and log implementations: a few ulp inside
    # the grid, up to ~2e-13 below Q_min (the anomalous dimension divides a difference by
    # 0.01 f). 1e-12 relative (plus 1e-15 absolute for values that are ~0 after cancellation)
    # leaves room for that; any difference in the algorithm shows up at >= 1e-6.
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert np.all(got[len(pdf.flavours) + 1 :] == 0.0)  # absent flavours
    np.testing.assert_array_equal(got[list(pids).index(0)], got[list(pids).index(21)])


def _write_function_set(path, fn, subgrids):
    return write_lhagrid1(path, [(xs, qs, [21], lambda pid, x, q: fn(x, q)) for xs, qs in subgrids])


def test_logcubic_is_exact_for_bilinear_in_logs(tmp_path):
    # Hermite interpolation with finite-difference slopes reproduces functions linear in ln x
    # and in ln Q² exactly, on any knots, with subgrids (including a two-knot bilinear one).
    def fn(x, q):
        lx, lq = math.log(x), math.log(q * q)
        return 3.0 + 0.7 * lx - 0.2 * lq + 0.05 * lx * lq

    rng = np.random.default_rng(7)
    xs = np.sort(np.exp(rng.uniform(math.log(1e-5), 0.0, 25)))
    upper = np.sort(np.exp(rng.uniform(math.log(2.5), math.log(1e3), 9)))
    subgrids = [
        (xs, np.array([1.0, 1.3, 2.0])),  # three knots: one-sided Q slopes at both ends
        (xs, np.array([2.0, 2.5])),  # two knots: the bilinear fallback
        (xs, np.concatenate([[2.5], upper])),
    ]
    path = _write_function_set(tmp_path / "LIN" / "LIN_0000.dat", fn, subgrids)
    pdf = load_pdf("LIN", search_path=tmp_path)
    assert pdf.subgrid_start == (0, 3, 5)
    x = np.exp(rng.uniform(math.log(xs[0]), 0.0, 200))
    q = np.exp(rng.uniform(0.0, math.log(upper[-1]), 200))
    got = np.asarray(xfx(pdf, 21, x, q))
    want = np.array([fn(a, b) for a, b in zip(x, q, strict=True)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)  # |f| ~ 10: rounding only
    assert path.is_file()


def test_pythia_scheme_is_exact_for_cubics_and_frozen_outside(tmp_path):
    # 4-point Lagrange interpolation reproduces cubic polynomials in ln x and ln Q exactly.
    def fn(x, q):
        lx, lq = math.log(x), math.log(q)
        return (1 + 0.3 * lx + 0.02 * lx**2 + 0.001 * lx**3) * (2 - 0.4 * lq + 0.03 * lq**3)

    rng = np.random.default_rng(11)
    xs = np.sort(np.exp(rng.uniform(math.log(1e-6), 0.0, 20)))
    qs = np.sort(np.exp(rng.uniform(0.0, math.log(1e4), 12)))
    _write_function_set(tmp_path / "CUB_0000.dat", fn, [(xs, qs)])
    pdf = load_pdf("CUB", search_path=tmp_path)
    x = np.exp(rng.uniform(math.log(xs[0]), math.log(xs[-1]), 200))
    q = np.exp(rng.uniform(math.log(qs[0]), math.log(qs[-1]), 200))
    got = np.asarray(xfx(pdf, 21, x, q, scheme="lhagrid1-pythia"))
    want = np.array([fn(a, b) for a, b in zip(x, q, strict=True)])
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=0)  # rounding in the weights
    # Frozen outside the grid: x below x_min -> the x_min column, Q beyond -> the edge row.
    edge = xfx(pdf, 21, jnp.asarray([xs[0] / 10, 0.05, 0.05]), jnp.asarray([50.0, 0.1, 1e6]),
               scheme="lhagrid1-pythia")
    np.testing.assert_allclose(
        np.asarray(edge),
        [fn(xs[0], 50.0), fn(0.05, qs[0]), fn(0.05, qs[-1])],
        rtol=1e-11,  # the same interpolation, at the edge
    )


def test_subgrids_are_interpolated_separately(tmp_path):
    # Two subgrids sharing the knot Q = 5 but tabulating different functions (a discontinuity,
    # like a heavy-flavour matching step). Stencils must not cross the boundary, so each side
    # is reproduced exactly: linear-in-logs functions for logcubic, cubics for the Lagrange
    # scheme. On the boundary, LHAPDF reads the upper subgrid and PYTHIA the lower one.
    def below(x, q):
        return 1.0 + 0.1 * math.log(x) + 0.2 * math.log(q)

    def above(x, q):
        return 2.0 - 0.05 * math.log(x) + 0.1 * math.log(q)

    xs = np.geomspace(1e-4, 1.0, 15)
    q_lo, q_hi = np.geomspace(1.0, 5.0, 6), np.geomspace(5.0, 500.0, 8)
    write_lhagrid1(
        tmp_path / "STEP_0000.dat",
        [
            (xs, q_lo, [21], lambda p, x, q: below(x, q)),
            (xs, q_hi, [21], lambda p, x, q: above(x, q)),
        ],
    )
    pdf = load_pdf("STEP", search_path=tmp_path)
    x = 0.0123
    q = jnp.asarray([2.0, 5.0 * (1 - 1e-12), 5.0, 5.0 * (1 + 1e-12), 80.0])
    want_lo = [below(x, 2.0), below(x, 5.0), below(x, 5.0), above(x, 5.0), above(x, 80.0)]
    want_up = [below(x, 2.0), below(x, 5.0), above(x, 5.0), above(x, 5.0), above(x, 80.0)]
    for scheme, want in (("logcubic", want_up), ("lhagrid1-pythia", want_lo)):
        got = np.asarray(xfx(pdf, 21, x, q, scheme=scheme))
        np.testing.assert_allclose(got, want, rtol=1e-11)  # exact up to rounding (1e-12 steps)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_continuity_at_grid_edges(nnpdf23, nnpdf40, scheme):
    eps = 1e-9
    rng = np.random.default_rng(3)
    n = 16
    for pdf in (nnpdf23, nnpdf40):
        (xmin, _), (qmin, qmax) = pdf.x_range, pdf.q_range
        xin = np.exp(rng.uniform(math.log(1e-6), math.log(0.5), n))
        qin = np.exp(rng.uniform(math.log(qmin * 1.5), math.log(qmax / 2), n))
        full = np.full(n, 1.0)
        # Pairs straddling x_min, Q_min and Q_max: first half inside, second half outside.
        x = np.concatenate([xmin * (1 + eps) * full, xin, xin, xmin * (1 - eps) * full, xin, xin])
        q = np.concatenate([qin, qmin * (1 + eps) * full, qmax * (1 - eps) * full,
                            qin, qmin * (1 - eps) * full, qmax * (1 + eps) * full])
        out = xfx_table(pdf, x, q, scheme)[: len(pdf.flavours)]
        a, b = out[:, : 3 * n], out[:, 3 * n :]
        scale = np.abs(np.asarray(pdf.xf[:-1])).max(axis=(1, 2))[:, None]  # per flavour
        # A step of 2e-9 in ln x or ln Q moves xf by 2e-9 |d xf/d ln v|, below 1e-8 of the
        # value or 1e-9 of the flavour's largest grid value for these sets (steep spots:
        # heavy quarks near their zero crossing). 1e-7 of each leaves a factor 10; a real
        # jump (the edge rules disagreeing) would be >> 1e-6.
        assert np.all(np.abs(a - b) <= 1e-7 * (np.abs(b) + scale * 1e-3))


def test_invalid_arguments_and_special_values(nnpdf23):
    g = table_pids(nnpdf23).tolist().index(21)
    x = [1.5, 0.0, -0.1, 0.1, 0.1, 0.1]
    q = [10.0, 10.0, 10.0, 0.0, -1.0, 10.0]
    out = xfx_table(nnpdf23, x, q)[g]
    assert np.isnan(out[[0, 1, 2, 4]]).all()  # x > 1, x <= 0, Q < 0: outside LHAPDF's domain
    assert out[3] == 0.0  # the low-Q continuation vanishes at Q = 0
    assert np.isfinite(out[5])
    with pytest.raises(InvalidInput, match="unknown PDF interpolation scheme"):
        xfx(nnpdf23, 21, 0.1, 10.0, scheme="cubic")
    xs = np.array([0.01, 0.3])
    np.testing.assert_allclose(
        xfx_table(nnpdf23, xs, 50.0, fn=fx), xfx_table(nnpdf23, xs, 50.0) / xs, rtol=1e-15
    )  # fx is xfx / x (one rounding)


def test_jit_vmap_grad(nnpdf23):
    def f(a, b):
        return xfx(nnpdf23, 21, a, b)

    a = jnp.asarray([0.013, 3e-10, 0.013, 0.013])  # inside, x below, Q above, Q below
    b = jnp.asarray([37.0, 37.0, 2e4, 0.7])
    values, (ga, gb) = jax.jit(jax.vmap(jax.value_and_grad(f, argnums=(0, 1))))(a, b)
    assert values.dtype == jnp.float64
    h = 1e-6
    x = np.concatenate([a, a * (1 + h), a * (1 - h), a, a])
    q = np.concatenate([b, b, b, b * (1 + h), b * (1 - h)])
    direct = xfx_table(nnpdf23, x, q)[table_pids(nnpdf23).tolist().index(21)].reshape(5, 4)
    np.testing.assert_allclose(np.asarray(values), direct[0], rtol=1e-14)  # jit/vmap: same sums
    fd_a = (direct[1] - direct[2]) / (2 * h * np.asarray(a))
    fd_b = (direct[3] - direct[4]) / (2 * h * np.asarray(b))
    # Central differences with relative step 1e-6 on a C1 piecewise cubic: ~1e-6 accuracy.
    np.testing.assert_allclose(np.asarray(ga), fd_a, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(gb), fd_b, rtol=1e-5)


def _integrate_log_x(pdf, q, combos, scheme):
    """∫ dx Σ_pid c_pid x f(x, Q) x^(power-1) over [x_min, 1], trapezoid in ln x (fine grid)."""
    t = np.linspace(math.log(pdf.x_range[0]), 0.0, 40001)
    x = np.exp(t)
    xf = dict(zip(pdf.flavours, xfx_table(pdf, x, q, scheme), strict=False))
    out = {}
    for key, (terms, power) in combos.items():
        integrand = sum(c * xf[pid] for pid, c in terms) * x**power
        # x f dx = (x f) x d ln x;  f dx = (x f) d ln x
        out[key] = float(np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(t)))
    return out


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sum_rules_at_100_gev(nnpdf23, nnpdf40, scheme):
    for pdf in (nnpdf23, nnpdf40):
        combos = {
            "momentum": ([(p, 1.0) for p in pdf.flavours], 1),
            "u valence": ([(2, 1.0), (-2, -1.0)], 0),
            "d valence": ([(1, 1.0), (-1, -1.0)], 0),
        }
        sums = _integrate_log_x(pdf, 100.0, combos, scheme)
        # The fits impose these sum rules. We measure 1.005 (NNPDF2.3, whose photon column
        # carries 0.007) and 1.000 (NNPDF4.0), valence within 0.1%. 1% covers the region below
        # x_min, the trapezoid error at 40001 points (< 1e-6) and the fits' own imprecision.
        assert sums["momentum"] == pytest.approx(1.0, rel=0.01)
        assert sums["u valence"] == pytest.approx(2.0, rel=0.01)
        assert sums["d valence"] == pytest.approx(1.0, rel=0.01)
