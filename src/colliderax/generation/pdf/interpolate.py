"""Batched, jit-able evaluation of x f(x, Q) on a :class:`~colliderax.generation.pdf.PDF` grid.

Two schemes:

``"logcubic"`` (default): LHAPDF6's ``LogBicubicInterpolator`` with its default
``ContinuationExtrapolator``.

* Inside the grid: on the interval ``[x_i, x_i+1] × [Q²_j, Q²_j+1]`` (``x_i <= x < x_i+1``; the
  last knot belongs to the last interval), cubic Hermite interpolation in ln x at each of the Q
  knots ``j-1 .. j+2``, then cubic Hermite in ln Q² through those values. Knot slopes in ln x are
  the mean of the left and right finite differences (forward at the first, backward at the last
  x knot). Slopes in ln Q² are the same construction on the x-interpolated values, restricted
  to the current subgrid (one-sided at a subgrid's first and last knot); a subgrid with only two
  Q knots falls back to bilinear interpolation in (ln x, ln Q²). A Q exactly on a subgrid
  boundary is read from the upper subgrid.
* Outside (MSTW-style continuation): for x < x_min, f is continued linearly in ln x through the
  first two x knots, in ln f when both values exceed 1e-3 and in f otherwise (the same rule in
  ln Q² for Q > Q_max, through the last two Q knots; for x < x_min and Q > Q_max the Q
  continuation is taken first). For Q < Q_min, with ``f0 = f(x, Q²_min)`` and
  ``f1 = f(x, 1.01 Q²_min)`` (both x-continued if x < x_min), the anomalous dimension
  ``γ = max(-2.5, (f1 - f0) / (0.01 f0))`` (1 if ``|f0| < 1e-5``) gives
  ``f0 (Q²/Q²_min)^(γ Q²/Q²_min + 1 - Q²/Q²_min)``, which vanishes like Q² as Q → 0.
* x > x_max, x <= 0 and Q < 0 give NaN (LHAPDF raises).

``"lhagrid1-pythia"``: PYTHIA 8's ``LHAGrid1`` (the reader behind ``PDF:pSet = 13..22``): inside
the grid, 4-point Lagrange interpolation in ln x and in ln Q on the four knots around the point
(shifted inwards at the edges; Q stencils stay inside one subgrid, a subgrid with fewer than 4
knots is linear in ln Q; a Q exactly on a subgrid boundary is read from the lower subgrid).
Outside, values are frozen at the edge: x <= x_min uses the x_min column, x >= x_max the x_max
column, Q <= Q_min or Q >= Q_max the edge row (PYTHIA's default ``PDF:extrapolate = off``).
The arithmetic is done in PYTHIA's order, so values agree with PYTHIA to rounding. PYTHIA's own
``PDF::xf`` additionally clips negative values to 0 and drops the top column; that is not part
of the interpolation and is not done here.

Flavours are PDG ids (``-6..6``, 21 gluon, 0 also gluon, 22 photon); a flavour the set does not
tabulate gives 0. All functions broadcast ``pid``, ``x`` and ``q`` against each other.
"""

import logging
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf.grid import PDF
from colliderax.generation.pdf.hermite import hermite

logger = logging.getLogger(__name__)

SCHEMES = ("logcubic", "lhagrid1-pythia")
DEFAULT_SCHEME = "logcubic"

_POS_LOG_MIN = 1e-3  # continuation in ln f only when both anchor values exceed this
_ANOM_F_MIN = 1e-5  # below |f(Q_min)| of this the anomalous dimension is set to 1
_ANOM_MIN = -2.5  # lower bound on the anomalous dimension
_Q2_STEP = 1.01  # the second Q² point of the anomalous dimension: 1.01 Q²_min


def xfx(pdf: PDF, pid, x, q, *, scheme: str = DEFAULT_SCHEME) -> jax.Array:
    """Momentum density x f(x, Q) for flavour(s) ``pid``.

    Args:
        pdf: A loaded set member.
        pid: PDG id(s) (int or int array; 0 and 21 are the gluon, 22 the photon).
        x: Momentum fraction(s), 0 < x <= 1.
        q: Factorisation scale(s) Q [GeV].
        scheme: ``"logcubic"`` (LHAPDF6 default) or ``"lhagrid1-pythia"`` (PYTHIA 8).

    Returns:
        x f(x, Q) with the broadcast shape of ``pid``, ``x`` and ``q`` (float64 under x64).
        Absent flavours give 0.

    Raises:
        InvalidInput: Unknown scheme.
    """
    if scheme not in SCHEMES:
        msg = f"unknown PDF interpolation scheme {scheme!r}: use one of {', '.join(SCHEMES)}"
        raise InvalidInput(msg)
    return _xfx(pdf, pid, x, q, scheme=scheme)


def fx(pdf: PDF, pid, x, q, *, scheme: str = DEFAULT_SCHEME) -> jax.Array:
    """Number density f(x, Q) = x f(x, Q) / x; arguments as :func:`xfx`."""
    x = jnp.asarray(x, dtype=pdf.xf.dtype)
    return xfx(pdf, pid, x, q, scheme=scheme) / x


@partial(jax.jit, static_argnames=("scheme",))
def _xfx(pdf: PDF, pid, x, q, *, scheme: str) -> jax.Array:
    dtype = pdf.xf.dtype
    x = jnp.asarray(x, dtype=dtype)
    q = jnp.asarray(q, dtype=dtype)
    pid = jnp.asarray(pid).astype(jnp.int32)
    shape = jnp.broadcast_shapes(pid.shape, x.shape, q.shape)
    pid, x, q = (jnp.broadcast_to(a, shape) for a in (pid, x, q))
    row = _rows(pdf, pid)
    if scheme == "logcubic":
        return _logcubic(pdf, row, x, q)
    return _pythia(pdf, row, x, q)


def _rows(pdf: PDF, pid: jax.Array) -> jax.Array:
    """Row of ``pdf.xf`` for each PDG id; the zero row for flavours not in the set."""
    nflav = len(pdf.flavours)
    lo = min(-6, *pdf.flavours)
    hi = max(22, *pdf.flavours)
    table = np.full(hi - lo + 1, nflav, dtype=np.int32)
    for row, f in enumerate(pdf.flavours):
        table[f - lo] = row
    table[0 - lo] = table[21 - lo]  # PDG 0 is the gluon too
    idx = pid - lo
    ok = (idx >= 0) & (idx < table.size)
    return jnp.where(ok, jnp.asarray(table)[jnp.clip(idx, 0, table.size - 1)], nflav)


# --- LHAPDF log-bicubic ------------------------------------------------------------------


def _nonzero(d):
    """Replace zero denominators (only in discarded branches) by 1, keeping gradients finite."""
    return jnp.where(d == 0, 1.0, d)


def _logcubic_inside(pdf: PDF, row, x, q2):
    """LHAPDF log-bicubic interpolation; x and q2 must lie within the grid."""
    nx = pdf.x.shape[0]
    nq = pdf.q2.shape[0]
    ix = jnp.clip(jnp.searchsorted(pdf.x, x, side="right") - 1, 0, nx - 2)
    iq = jnp.clip(jnp.searchsorted(pdf.q2, q2, side="right") - 1, 0, nq - 2)
    offsets = jnp.arange(-1, 3)
    xi = jnp.clip(ix[..., None] + offsets, 0, nx - 1)  # (..., 4) knots ix-1 .. ix+2
    qi = jnp.clip(iq[..., None] + offsets, 0, nq - 1)  # (..., 4) knots iq-1 .. iq+2
    v = pdf.xf[row[..., None, None], xi[..., :, None], qi[..., None, :]]  # (..., 4 x, 4 q)

    # Hermite in ln x on [x_ix, x_ix+1] at each of the four Q knots.
    lx = pdf.log_x[xi]
    d01 = lx[..., 1] - lx[..., 0]
    d12 = lx[..., 2] - lx[..., 1]
    d23 = lx[..., 3] - lx[..., 2]
    s01 = (v[..., 1, :] - v[..., 0, :]) / _nonzero(d01)[..., None]
    s12 = (v[..., 2, :] - v[..., 1, :]) / d12[..., None]
    s23 = (v[..., 3, :] - v[..., 2, :]) / _nonzero(d23)[..., None]
    first = (ix == 0)[..., None]
    last = (ix == nx - 2)[..., None]
    slope_lo = jnp.where(first, s12, 0.5 * (s01 + s12))
    slope_hi = jnp.where(last, s12, 0.5 * (s12 + s23))
    tx = (jnp.log(x) - lx[..., 1]) / d12
    vq = hermite(
        tx[..., None], v[..., 1, :], slope_lo * d12[..., None], v[..., 2, :],
        slope_hi * d12[..., None],
    )  # (..., 4): x-interpolated values at Q knots iq-1 .. iq+2
    vll, vl, vh, vhh = vq[..., 0], vq[..., 1], vq[..., 2], vq[..., 3]

    # Hermite in ln Q² on [Q²_iq, Q²_iq+1], slopes within the subgrid.
    q2k = pdf.q2[qi]
    lq = pdf.log_q2[qi]
    e0 = lq[..., 1] - lq[..., 0]
    e1 = lq[..., 2] - lq[..., 1]
    e2 = lq[..., 3] - lq[..., 2]
    lower = (iq == 0) | (q2k[..., 1] == q2k[..., 0])
    upper = (iq == nq - 2) | (q2k[..., 2] == q2k[..., 3])
    diff = vh - vl
    vdl = jnp.where(lower, diff, 0.5 * (diff + (vl - vll) * e1 / _nonzero(e0)))
    vdh = jnp.where(upper, diff, 0.5 * (diff + (vhh - vh) * e1 / _nonzero(e2)))
    tq = (jnp.log(q2) - lq[..., 1]) / e1
    cubic = hermite(tq, vl, vdl, vh, vdh)

    # Two-knot subgrid: bilinear in (ln x, ln Q²).
    f_lo = v[..., 1, 1] + tx * (v[..., 2, 1] - v[..., 1, 1])
    f_hi = v[..., 1, 2] + tx * (v[..., 2, 2] - v[..., 1, 2])
    bilinear = f_lo + tq * (f_hi - f_lo)
    return jnp.where(lower & upper, bilinear, cubic)


def _continue(v, vl, vh, yl, yh):
    """Linear continuation in ln v through (vl, yl), (vh, yh); in ln y if both y > 1e-3."""
    t = (jnp.log(v) - jnp.log(vl)) / (jnp.log(vh) - jnp.log(vl))
    pos = (yl > _POS_LOG_MIN) & (yh > _POS_LOG_MIN)
    yl_s = jnp.where(pos, yl, 1.0)
    yh_s = jnp.where(pos, yh, 1.0)
    log_lin = jnp.exp(jnp.log(yl_s) + t * (jnp.log(yh_s) - jnp.log(yl_s)))
    return jnp.where(pos, log_lin, yl + t * (yh - yl))


def _logcubic(pdf: PDF, row, x, q):
    xmin, xmin1, xmax = pdf.x[0], pdf.x[1], pdf.x[-1]
    q2min, q2max, q2max1 = pdf.q2[0], pdf.q2[-1], pdf.q2[-2]
    q2 = q * q
    valid = (x > 0) & (x <= xmax) & (q >= 0)
    x = jnp.where(valid, x, xmax)
    q2 = jnp.where(valid & (q2 > 0), q2, q2min)  # Q = 0 is handled at the end
    low_x = x < xmin
    high_q = q2 > q2max
    low_q = q2 < q2min
    outside = low_x | high_q | low_q

    def inside_only():
        return _logcubic_inside(pdf, row, jnp.clip(x, xmin, xmax), jnp.clip(q2, q2min, q2max))

    def with_continuation():
        xa = jnp.where(low_x, xmin, x)
        xb = jnp.broadcast_to(xmin1, x.shape)
        qa = jnp.where(high_q, q2max, jnp.where(low_q, q2min, q2))
        qb = jnp.where(high_q, q2max1, jnp.where(low_q, _Q2_STEP * q2min, q2))
        f = _logcubic_inside(
            pdf,
            jnp.stack([row] * 4),
            jnp.stack([xa, xb, xa, xb]),
            jnp.stack([qa, qa, qb, qb]),
        )
        f_aa, f_ba, f_ab, f_bb = f[0], f[1], f[2], f[3]
        # Q inside or below: continue in x first.
        g_a = jnp.where(low_x, _continue(x, xmin, xmin1, f_aa, f_ba), f_aa)
        g_b = jnp.where(low_x, _continue(x, xmin, xmin1, f_ab, f_bb), f_ab)
        # Q above: continue in Q² first (at x_min and the second x knot), then in x.
        h_a = _continue(q2, q2max, q2max1, f_aa, f_ab)
        h_b = _continue(q2, q2max, q2max1, f_ba, f_bb)
        high = jnp.where(low_x, _continue(x, xmin, xmin1, h_a, h_b), h_a)
        # Q below: anomalous-dimension continuation.
        big = jnp.abs(g_a) >= _ANOM_F_MIN
        anom = jnp.where(
            big, jnp.maximum(_ANOM_MIN, (g_b - g_a) / jnp.where(big, g_a, 1.0) / 0.01), 1.0
        )
        r = q2 / q2min
        low = g_a * r ** (anom * r + 1.0 - r)
        return jnp.where(high_q, high, jnp.where(low_q, low, g_a))

    out = jax.lax.cond(jnp.any(outside), with_continuation, inside_only)
    out = jnp.where(q == 0, 0.0, out)
    return jnp.where(valid, out, jnp.nan)


# --- PYTHIA 8 LHAGrid1 ---------------------------------------------------------------------


def _lagrange4(t, knots):
    """Weights of 4-point Lagrange interpolation at t, in PYTHIA's order of operations."""
    weights = []
    for i in range(4):
        w = jnp.ones_like(t)
        for j in range(4):
            if j != i:
                w = w * ((t - knots[..., j]) / _nonzero(knots[..., i] - knots[..., j]))
        weights.append(w)
    return weights


def _pythia(pdf: PDF, row, x, q):
    nx = pdf.x.shape[0]
    nq = pdf.q.shape[0]
    xmin, xmax = pdf.x[0], pdf.x[-1]
    qmin, qmax = pdf.q[0], pdf.q[-1]
    valid = (x > 0) & (q > 0)
    x = jnp.where(valid, x, xmax)
    q = jnp.where(valid, q, qmax)
    zero, one = jnp.zeros_like(x), jnp.ones_like(x)
    offsets = jnp.arange(4)

    # x: bracket, stencil (shifted inwards at the edges) and weights; frozen outside.
    inx = jnp.where(x <= xmin, -1, jnp.where(x >= xmax, 1, 0))
    minx = jnp.clip(jnp.searchsorted(pdf.x, x, side="right") - 1, 0, nx - 2)
    m3x = jnp.where(minx == 0, 0, jnp.where(minx + 1 == nx - 1, nx - 4, minx - 1))
    wx = _lagrange4(jnp.log(x), pdf.log_x[m3x[..., None] + offsets])
    frozen_x = inx != 0
    wx = [jnp.where(frozen_x, wf, w) for w, wf in zip(wx, (one, zero, zero, zero), strict=True)]
    m3x = jnp.where(inx == -1, 0, jnp.where(inx == 1, nx - 1, m3x))

    # Q: subgrid (a Q on a boundary belongs to the lower one), bracket, stencil, weights.
    starts = np.asarray(pdf.subgrid_start, dtype=np.int32)
    ends = np.append(starts[1:] - 1, nq - 1).astype(np.int32)
    isub = jnp.zeros(q.shape, dtype=jnp.int32)
    for k in range(len(starts) - 1):
        isub = isub + (q > pdf.q[ends[k]]).astype(jnp.int32)
    lo_s = jnp.asarray(starts)[isub]
    hi_s = jnp.asarray(ends)[isub]
    inq = jnp.where(q <= qmin, -1, jnp.where(q >= qmax, 1, 0))
    minq = jnp.clip(jnp.searchsorted(pdf.q, q, side="right") - 1, lo_s, hi_s - 1)
    lnq = jnp.log(q)
    if nq >= 4:
        m3q = jnp.where(minq == lo_s, lo_s, jnp.where(minq + 1 == hi_s, hi_s - 3, minq - 1))
        m3q = jnp.clip(m3q, 0, nq - 4)
        wq_cubic = _lagrange4(lnq, pdf.log_q[m3q[..., None] + offsets])
    else:
        m3q = minq
        wq_cubic = [one, zero, zero, zero]
    small = (hi_s - lo_s) < 3
    t_lin = (lnq - pdf.log_q[minq]) / _nonzero(pdf.log_q[minq + 1] - pdf.log_q[minq])
    wq_lin = [1.0 - t_lin, t_lin, zero, zero]
    wq = [jnp.where(small, wl, wc) for wl, wc in zip(wq_lin, wq_cubic, strict=True)]
    m3q = jnp.where(small, minq, m3q)
    frozen_q = inq != 0
    wq = [jnp.where(frozen_q, wf, w) for w, wf in zip(wq, (one, zero, zero, zero), strict=True)]
    m3q = jnp.where(inq == -1, 0, jnp.where(inq == 1, nq - 1, m3q))

    xi = jnp.clip(m3x[..., None] + offsets, 0, nx - 1)
    qi = jnp.clip(m3q[..., None] + offsets, 0, nq - 1)
    p = pdf.xf[row[..., None, None], xi[..., None, :], qi[..., :, None]]  # (..., 4 q, 4 x)
    total = None
    for i in range(4):
        inner = wx[0] * p[..., i, 0] + wx[1] * p[..., i, 1] + wx[2] * p[..., i, 2]
        inner = inner + wx[3] * p[..., i, 3]
        term = wq[i] * inner
        total = term if total is None else total + term
    return jnp.where(valid, total, jnp.nan)


__all__ = ["DEFAULT_SCHEME", "SCHEMES", "fx", "xfx"]
