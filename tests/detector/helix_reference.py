"""An independent numpy/scipy reference for helix-surface crossings (acceptance test 1).

It uses the centre-plus-radius form of the helix (not the chord form of the library), finds
cylinder crossings by scanning r(s) - R on a fine grid and polishing each bracket with brentq,
and solves the disk planes directly in z.
"""

import math

import numpy as np
from scipy.optimize import brentq

KAPPA = 0.299792458e-3  # GeV / (T mm e): R[mm] = pT[GeV] / (KAPPA |q| B[T])


class Helix:
    """Closed-form helix of a particle of charge q [e] in a uniform field bz [T] along z."""

    def __init__(self, vertex, momentum, q, bz):
        self.x0, self.y0, self.z0 = (float(v) for v in vertex)
        px, py, pz = (float(p) for p in momentum)
        self.pt = math.hypot(px, py)
        self.phi0 = math.atan2(py, px)
        self.lam = pz / self.pt
        self.rho = -KAPPA * q * bz / self.pt  # signed curvature, dphi/ds [1/mm]
        self.radius = 1.0 / self.rho  # signed
        self.xc = self.x0 - math.sin(self.phi0) * self.radius
        self.yc = self.y0 + math.cos(self.phi0) * self.radius

    def point(self, s):
        s = np.asarray(s, dtype=float)
        ang = self.phi0 + self.rho * s
        return np.stack(
            [
                self.xc + self.radius * np.sin(ang),
                self.yc - self.radius * np.cos(ang),
                self.z0 + self.lam * s,
            ],
            axis=-1,
        )

    def r(self, s):
        p = self.point(s)
        return np.hypot(p[..., 0], p[..., 1])


def reference_crossings(helix, geometry, max_half_turns, step=0.25):
    """All (s, layer_index, point) crossings in path order, up to the volume exit or budget."""
    s_end = max_half_turns * math.pi / abs(helix.rho)
    if helix.lam != 0.0:
        # leaving through the end planes
        zw = geometry.world_half_length
        s_end = min(s_end, (math.copysign(zw, helix.lam) - helix.z0) / helix.lam)
    grid = np.arange(0.0, s_end + step, step)
    r_grid = helix.r(grid)
    outside = np.flatnonzero(r_grid > geometry.world_radius)
    if outside.size:
        k = outside[0]
        s_end = brentq(lambda s: helix.r(s) - geometry.world_radius, grid[k - 1], grid[k])
    found = []
    for lay in geometry.layers:
        if lay.is_barrel:
            f = r_grid - lay.radius
            idx = np.flatnonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0)
            for k in idx:
                s = brentq(lambda t, R=lay.radius: helix.r(t) - R, grid[k], grid[k + 1],
                           xtol=1e-13, rtol=4 * np.finfo(float).eps)
                p = helix.point(s)
                if 0 < s < s_end and lay.z_min <= p[2] <= lay.z_max:
                    found.append((s, lay.index, p))
        elif helix.lam != 0.0:
            s = (lay.z - helix.z0) / helix.lam
            if 0 < s < s_end:
                p = helix.point(s)
                if lay.r_min <= math.hypot(p[0], p[1]) <= lay.r_max:
                    found.append((s, lay.index, p))
    found.sort(key=lambda item: item[0])
    return found
