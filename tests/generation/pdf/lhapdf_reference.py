"""An independent scalar re-implementation of LHAPDF6's default grid evaluation, for tests.

Plain Python floats and ``math``, one point at a time, structured like LHAPDF's documented
classes rather than like the JAX code: a list of Q subgrids (``KnotArray1F``), a log-bicubic
interpolator per subgrid (LHAPDF 6.2 ``LogBicubicInterpolator``, with the 6.3+ bilinear fallback
for two-knot subgrids) and the ``ContinuationExtrapolator``. It also parses the ``.dat`` file by
itself, so that it shares no code with ``colliderax.generation.pdf``.
"""

import bisect
import math
from pathlib import Path


def _read_subgrids(path: Path):
    blocks = Path(path).read_text().split("\n---")
    subgrids = []
    for block in blocks[1:]:
        lines = [ln for ln in block.strip().splitlines() if ln.strip() and ln.strip() != "---"]
        if not lines:
            continue
        xs = [float(t) for t in lines[0].split()]
        qs = [float(t) for t in lines[1].split()]
        pids = [int(t) for t in lines[2].split()]
        pids = [21 if p == 0 else p for p in pids]
        rows = [[float(t) for t in ln.split()] for ln in lines[3:]]
        table = {
            pid: [[rows[ix * len(qs) + iq][k] for iq in range(len(qs))] for ix in range(len(xs))]
            for k, pid in enumerate(pids)
        }
        subgrids.append({"xs": xs, "q2s": [q * q for q in qs], "xf": table})
    return subgrids


class Subgrid:
    """One Q subgrid: knots and x f values indexed [pid][ix][iq2]."""

    def __init__(self, xs, q2s, xf):
        self.xs, self.q2s, self.xf = xs, q2s, xf
        self.logxs = [math.log(x) for x in xs]
        self.logq2s = [math.log(q2) for q2 in q2s]

    def ixbelow(self, x):
        i = bisect.bisect_right(self.xs, x) - 1
        return min(max(i, 0), len(self.xs) - 2)

    def iq2below(self, q2):
        i = bisect.bisect_right(self.q2s, q2) - 1
        return min(max(i, 0), len(self.q2s) - 2)

    def ddlogx(self, pid, ix, iq2):
        """d(xf)/d(ln x) at a knot: mean of the two neighbouring differences, one-sided at ends."""
        f, lx = self.xf[pid], self.logxs
        n = len(self.xs)
        if ix == 0:
            return (f[1][iq2] - f[0][iq2]) / (lx[1] - lx[0])
        if ix == n - 1:
            return (f[n - 1][iq2] - f[n - 2][iq2]) / (lx[n - 1] - lx[n - 2])
        left = (f[ix][iq2] - f[ix - 1][iq2]) / (lx[ix] - lx[ix - 1])
        right = (f[ix + 1][iq2] - f[ix][iq2]) / (lx[ix + 1] - lx[ix])
        return 0.5 * (left + right)


def hermite(t, vl, vdl, vh, vdh):
    return (
        (2 * t**3 - 3 * t**2 + 1) * vl
        + (t**3 - 2 * t**2 + t) * vdl
        + (-2 * t**3 + 3 * t**2) * vh
        + (t**3 - t**2) * vdh
    )


class LHAPDFReference:
    """x f(x, Q²) of one member, evaluated LHAPDF's way (log-bicubic + continuation)."""

    def __init__(self, path):
        self.subgrids = [Subgrid(**s) for s in _read_subgrids(path)]
        self.pids = set(self.subgrids[0].xf)
        self.x_knots = self.subgrids[0].xs
        self.q2_knots = sorted({q2 for s in self.subgrids for q2 in s.q2s})

    # --- interpolation -------------------------------------------------------------------

    def _subgrid(self, q2):
        lows = [s.q2s[0] for s in self.subgrids]
        k = bisect.bisect_right(lows, q2) - 1
        return self.subgrids[max(k, 0)]

    def interpolate(self, pid, x, q2):
        g = self._subgrid(q2)
        ix, iq = g.ixbelow(x), g.iq2below(q2)
        nq = len(g.q2s)
        dlogx = g.logxs[ix + 1] - g.logxs[ix]
        tx = (math.log(x) - g.logxs[ix]) / dlogx
        f = g.xf[pid]

        def along_x(j):
            return hermite(
                tx,
                f[ix][j],
                g.ddlogx(pid, ix, j) * dlogx,
                f[ix + 1][j],
                g.ddlogx(pid, ix + 1, j) * dlogx,
            )

        dq1 = g.logq2s[iq + 1] - g.logq2s[iq]
        tq = (math.log(q2) - g.logq2s[iq]) / dq1
        if nq == 2:  # bilinear fallback
            lo = f[ix][iq] + tx * (f[ix + 1][iq] - f[ix][iq])
            hi = f[ix][iq + 1] + tx * (f[ix + 1][iq + 1] - f[ix][iq + 1])
            return lo + tq * (hi - lo)
        vl, vh = along_x(iq), along_x(iq + 1)
        if iq == 0:
            vdl = (vh - vl) / dq1
            dq2 = g.logq2s[iq + 2] - g.logq2s[iq + 1]
            vdh = (vdl + (along_x(iq + 2) - vh) / dq2) / 2
        elif iq + 1 == nq - 1:
            vdh = (vh - vl) / dq1
            dq0 = g.logq2s[iq] - g.logq2s[iq - 1]
            vdl = (vdh + (vl - along_x(iq - 1)) / dq0) / 2
        else:
            dq0 = g.logq2s[iq] - g.logq2s[iq - 1]
            dq2 = g.logq2s[iq + 2] - g.logq2s[iq + 1]
            vdl = ((vh - vl) / dq1 + (vl - along_x(iq - 1)) / dq0) / 2
            vdh = ((vh - vl) / dq1 + (along_x(iq + 2) - vh) / dq2) / 2
        return hermite(tq, vl, vdl * dq1, vh, vdh * dq1)

    # --- continuation extrapolator -------------------------------------------------------

    @staticmethod
    def _linear_in_log(v, vl, vh, yl, yh):
        s = (math.log(v) - math.log(vl)) / (math.log(vh) - math.log(vl))
        if yl > 1e-3 and yh > 1e-3:
            return math.exp(math.log(yl) + s * (math.log(yh) - math.log(yl)))
        return yl + s * (yh - yl)

    def xfxq2(self, pid, x, q2):
        pid = 21 if pid == 0 else pid
        if pid not in self.pids:
            return 0.0
        xmin, xmin1, xmax = self.x_knots[0], self.x_knots[1], self.x_knots[-1]
        q2min, q2max, q2max1 = self.q2_knots[0], self.q2_knots[-1], self.q2_knots[-2]
        ip, ext = self.interpolate, self._linear_in_log
        if xmin <= x <= xmax and q2min <= q2 <= q2max:
            return ip(pid, x, q2)
        if x < xmin and q2min <= q2 <= q2max:
            return ext(x, xmin, xmin1, ip(pid, xmin, q2), ip(pid, xmin1, q2))
        if xmin <= x <= xmax and q2 > q2max:
            return ext(q2, q2max, q2max1, ip(pid, x, q2max), ip(pid, x, q2max1))
        if x < xmin and q2 > q2max:
            at_xmin = ext(q2, q2max, q2max1, ip(pid, xmin, q2max), ip(pid, xmin, q2max1))
            at_xmin1 = ext(q2, q2max, q2max1, ip(pid, xmin1, q2max), ip(pid, xmin1, q2max1))
            return ext(x, xmin, xmin1, at_xmin, at_xmin1)
        if q2 < q2min and x <= xmax:
            if x < xmin:
                f0 = ext(x, xmin, xmin1, ip(pid, xmin, q2min), ip(pid, xmin1, q2min))
                f1 = ext(
                    x, xmin, xmin1, ip(pid, xmin, 1.01 * q2min), ip(pid, xmin1, 1.01 * q2min)
                )
            else:
                f0, f1 = ip(pid, x, q2min), ip(pid, x, 1.01 * q2min)
            anom = max(-2.5, (f1 - f0) / f0 / 0.01) if abs(f0) >= 1e-5 else 1.0
            r = q2 / q2min
            return f0 * r ** (anom * r + 1.0 - r)
        raise ValueError(f"x = {x} > xmax = {xmax}")
