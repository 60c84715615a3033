"""Helix parameters from three space points, and triplet seeding in the inner layers.

:func:`helix_from_triplet` gives perigee parameters (:mod:`.helix`) from three hits: the
circle through them in the transverse plane gives the curvature, the charge (from the turning
sense) and the direction at the first hit; the polar angle comes from the z difference over the
arc length between the first and the last hit. These are the starting values of the Kalman fit.
"""

from __future__ import annotations

import numpy as np

from colliderax.detector.propagation import KAPPA


def circle_through(x1, y1, x2, y2, x3, y3):
    """Centre (cx, cy), radius and turning sense (+1 counter-clockwise) of the circle through
    three points given in order (numpy, broadcasting). Collinear points get a huge radius."""
    ax, ay = x2 - x1, y2 - y1
    bx, by = x3 - x1, y3 - y1
    cross = ax * by - ay * bx
    cross_safe = np.where(np.abs(cross) < 1e-12, np.where(cross < 0, -1e-12, 1e-12), cross)
    a2, b2 = ax * ax + ay * ay, bx * bx + by * by
    ux = (by * a2 - ay * b2) / (2.0 * cross_safe)
    uy = (ax * b2 - bx * a2) / (2.0 * cross_safe)
    radius = np.hypot(ux, uy)
    return x1 + ux, y1 + uy, radius, np.where(cross_safe > 0, 1.0, -1.0)


def helix_from_triplet(p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, bz: float) -> np.ndarray:
    """Perigee parameters from three points ordered along the track.

    Args:
        p1: (..., 3) first point [mm].
        p2: (..., 3) middle point [mm].
        p3: (..., 3) last point [mm].
        bz: Field [T] (non-zero).

    Returns:
        (..., 5) perigee parameters (d0, z0, phi, theta, q/p) assuming |q| = 1.
    """
    from colliderax.tracking.helix import perigee_from_state

    x1, y1, z1 = p1[..., 0], p1[..., 1], p1[..., 2]
    x2, y2 = p2[..., 0], p2[..., 1]
    x3, y3, z3 = p3[..., 0], p3[..., 1], p3[..., 2]
    cx, cy, radius, sense = circle_through(x1, y1, x2, y2, x3, y3)
    pt = KAPPA * abs(bz) * radius
    # counter-clockwise turning (rho > 0) means q Bz < 0
    q = -sense * np.sign(bz)
    dx, dy = x1 - cx, y1 - cy
    tx, ty = -dy * sense, dx * sense
    phi = np.arctan2(ty, tx)
    chord = np.hypot(x3 - x1, y3 - y1)
    arc = 2.0 * radius * np.arcsin(np.clip(chord / (2.0 * radius), 0.0, 1.0))
    theta = np.arctan2(arc, z3 - z1)
    p = pt / np.sin(theta)
    out = perigee_from_state(x1, y1, z1, phi, theta, q / p, bz)
    return np.asarray(out)


__all__ = ["circle_through", "helix_from_triplet"]
