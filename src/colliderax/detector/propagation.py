"""Helix transport in a solenoidal field and helix-surface intersections (pure JAX).

Conventions: lengths in mm, momenta in GeV, charge in e, field in T. A track state is a point
``(x0, y0, z0)``, the azimuth ``phi0`` of its transverse momentum, ``lam = p_z / p_T`` and the
signed curvature

.. math:: \\rho = -\\kappa\\, q\\, B_z / p_T, \\qquad \\kappa = 0.299792458\\times10^{-3}
   \\ \\mathrm{GeV\\,T^{-1}\\,mm^{-1}},

so the helix radius is :math:`1/|\\rho|` and a positive charge in :math:`B_z > 0` turns
clockwise (``phi`` decreases). Positions are parametrised by the transverse arc length ``s``:

.. math:: x(s) = x_0 + s\\,\\mathrm{sinc}(\\rho s/2)\\cos(\\phi_0 + \\rho s/2),\\quad
   z(s) = z_0 + \\lambda s,\\quad \\phi(s) = \\phi_0 + \\rho s,

which is exact for any :math:`\\rho` including 0 (straight lines) and free of the cancellation
that the centre-plus-radius form suffers at high p_T.

Cylinder crossings are solved in closed form: with :math:`t = \\tan(\\rho s/2)`,
:math:`w = 2t/\\rho`, the condition :math:`x(s)^2 + y(s)^2 = R^2` becomes the quadratic
:math:`A w^2 + 2 a w + C = 0` with :math:`a = \\vec r_0\\cdot\\hat t_0`,
:math:`b = \\vec r_0 \\times \\hat t_0` (z component, sign flipped),
:math:`C = r_0^2 - R^2`, :math:`A = 1 - \\rho b + \\rho^2 C/4`, solved with the cancellation-free
formula and mapped back with :math:`s = (2/\\rho)\\arctan(\\rho w/2)`. Each root is defined modulo
one turn, :math:`2\\pi/|\\rho|`; the forward crossing is the first copy past the start. Disk
crossings are linear in ``s``. All functions broadcast over their array arguments.
"""

from __future__ import annotations

import jax.numpy as jnp

KAPPA = 0.299792458e-3
"""GeV per (T mm e): p_T [GeV] = KAPPA * |q| [e] * B [T] * R [mm]."""

TWO_PI = 2.0 * jnp.pi


def curvature(pt: jnp.ndarray, q: jnp.ndarray, bz: jnp.ndarray) -> jnp.ndarray:
    """Signed transverse curvature ``rho`` [1/mm] (``dphi/ds``).

    Args:
        pt: Transverse momentum [GeV], > 0.
        q: Charge [e].
        bz: Longitudinal field [T].
    """
    return -KAPPA * q * bz / pt


def _sinc(x: jnp.ndarray) -> jnp.ndarray:
    """sin(x)/x, accurate near 0 (series below 1e-4, error < 1e-28)."""
    small = jnp.abs(x) < 1e-4
    safe = jnp.where(small, 1.0, x)
    x2 = x * x
    return jnp.where(small, 1.0 - x2 / 6.0 + x2 * x2 / 120.0, jnp.sin(safe) / safe)


def _atanc(x: jnp.ndarray) -> jnp.ndarray:
    """atan(x)/x, accurate near 0."""
    small = jnp.abs(x) < 1e-4
    safe = jnp.where(small, 1.0, x)
    x2 = x * x
    return jnp.where(small, 1.0 - x2 / 3.0 + x2 * x2 / 5.0, jnp.arctan(safe) / safe)


def helix_point(
    x0: jnp.ndarray,
    y0: jnp.ndarray,
    z0: jnp.ndarray,
    phi0: jnp.ndarray,
    lam: jnp.ndarray,
    rho: jnp.ndarray,
    s: jnp.ndarray,
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """Position and momentum azimuth after a transverse arc length ``s``.

    Args:
        x0: Start x [mm].
        y0: Start y [mm].
        z0: Start z [mm].
        phi0: Start azimuth of the transverse momentum [rad].
        lam: p_z / p_T.
        rho: Signed curvature [1/mm] (:func:`curvature`).
        s: Transverse arc length [mm].

    Returns:
        (x, y, z, phi) at ``s`` [mm, mm, mm, rad].
    """
    half = 0.5 * rho * s
    chord = s * _sinc(half)
    ang = phi0 + half
    return x0 + chord * jnp.cos(ang), y0 + chord * jnp.sin(ang), z0 + lam * s, phi0 + rho * s


def _arc_from_ratio(num: jnp.ndarray, den: jnp.ndarray, rho: jnp.ndarray) -> jnp.ndarray:
    """Transverse arc ``s = (2/rho) atan(rho w / 2)`` for a quadratic root ``w = num/den``.

    Result lies in (-pi/|rho|, pi/|rho|]; stable for rho -> 0 (s -> w) and den -> 0 (half turn).
    """
    sgn = jnp.where(den >= 0, 1.0, -1.0)
    small = jnp.abs(rho * num) <= jnp.abs(den)  # |rho w / 2| <= 1/2
    den_safe = jnp.where(den == 0, 1.0, den)
    w = num / den_safe
    near = w * _atanc(0.5 * rho * w)
    rho_safe = jnp.where(rho == 0, 1.0, rho)
    far = 2.0 * jnp.arctan2(rho * num * sgn, 2.0 * jnp.abs(den)) / rho_safe
    return jnp.where(small, near, far)


def cylinder_roots(
    x0: jnp.ndarray,
    y0: jnp.ndarray,
    phi0: jnp.ndarray,
    rho: jnp.ndarray,
    radius: jnp.ndarray,
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """The two helix-cylinder crossings within half a turn either side of the start.

    Args:
        x0: Start x [mm].
        y0: Start y [mm].
        phi0: Start azimuth [rad].
        rho: Signed curvature [1/mm].
        radius: Cylinder radius [mm].

    Returns:
        (s1, s2, exists): transverse arc lengths [mm] of the two roots, each in
        (-pi/|rho|, pi/|rho|] (any sign for rho = 0), and whether the helix meets the cylinder.
    """
    c, s = jnp.cos(phi0), jnp.sin(phi0)
    a = x0 * c + y0 * s
    b = x0 * s - y0 * c
    r0 = jnp.hypot(x0, y0)
    cc = (r0 - radius) * (r0 + radius)
    aa = 1.0 - rho * b + 0.25 * rho * rho * cc
    disc = a * a - aa * cc
    exists = disc >= 0.0
    sq = jnp.sqrt(jnp.maximum(disc, 0.0))
    qq = -(a + jnp.where(a >= 0, sq, -sq))
    exists = exists & (qq != 0.0)
    s1 = _arc_from_ratio(qq, aa, rho)
    s2 = _arc_from_ratio(cc, qq, rho)
    return s1, s2, exists


def first_forward(
    s_root: jnp.ndarray, rho: jnp.ndarray, s_lo: jnp.ndarray, s_hi: jnp.ndarray
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """First periodic copy ``s_root + k 2pi/|rho|`` (k >= 0) inside ``[s_lo, s_hi]``.

    For ``rho == 0`` there is no periodicity and only ``s_root`` itself is tested.

    Returns:
        (s, valid).
    """
    periodic = rho != 0.0
    period = TWO_PI / jnp.where(periodic, jnp.abs(rho), 1.0)
    k = jnp.where(periodic, jnp.maximum(0.0, jnp.ceil((s_lo - s_root) / period)), 0.0)
    k = jnp.where(jnp.isfinite(k), k, 0.0)
    s = s_root + k * period
    return s, (s >= s_lo) & (s <= s_hi)


def z_window(
    z0: jnp.ndarray, lam: jnp.ndarray, z_min: jnp.ndarray, z_max: jnp.ndarray
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Arc-length interval in which ``z_min <= z(s) <= z_max`` ([-inf, inf] or empty if lam=0)."""
    moving = lam != 0.0
    lam_safe = jnp.where(moving, lam, 1.0)
    t1 = (z_min - z0) / lam_safe
    t2 = (z_max - z0) / lam_safe
    inside = (z0 >= z_min) & (z0 <= z_max)
    lo = jnp.where(moving, jnp.minimum(t1, t2), jnp.where(inside, -jnp.inf, jnp.inf))
    hi = jnp.where(moving, jnp.maximum(t1, t2), jnp.where(inside, jnp.inf, -jnp.inf))
    return lo, hi


def next_cylinder_crossing(
    x0: jnp.ndarray,
    y0: jnp.ndarray,
    z0: jnp.ndarray,
    phi0: jnp.ndarray,
    lam: jnp.ndarray,
    rho: jnp.ndarray,
    radius: jnp.ndarray,
    z_min: jnp.ndarray,
    z_max: jnp.ndarray,
    s_min: jnp.ndarray,
    s_max: jnp.ndarray,
) -> jnp.ndarray:
    """Smallest arc length in ``[s_min, s_max]`` where the helix crosses the cylinder's active part.

    Args:
        x0: Start x [mm].
        y0: Start y [mm].
        z0: Start z [mm].
        phi0: Start azimuth [rad].
        lam: p_z / p_T.
        rho: Signed curvature [1/mm].
        radius: Cylinder radius [mm].
        z_min: Lower end of the active length [mm].
        z_max: Upper end of the active length [mm].
        s_min: Smallest accepted arc length [mm] (> 0, excludes the start point).
        s_max: Largest accepted arc length [mm] (looper budget).

    Returns:
        The transverse arc length [mm], ``inf`` where there is no crossing.
    """
    s1, s2, exists = cylinder_roots(x0, y0, phi0, rho, radius)
    lo, hi = z_window(z0, lam, z_min, z_max)
    lo = jnp.maximum(lo, s_min)
    hi = jnp.minimum(hi, s_max)
    f1, ok1 = first_forward(s1, rho, lo, hi)
    f2, ok2 = first_forward(s2, rho, lo, hi)
    f1 = jnp.where(exists & ok1, f1, jnp.inf)
    f2 = jnp.where(exists & ok2, f2, jnp.inf)
    return jnp.minimum(f1, f2)


def next_disk_crossing(
    x0: jnp.ndarray,
    y0: jnp.ndarray,
    z0: jnp.ndarray,
    phi0: jnp.ndarray,
    lam: jnp.ndarray,
    rho: jnp.ndarray,
    z_disk: jnp.ndarray,
    r_min: jnp.ndarray,
    r_max: jnp.ndarray,
    s_min: jnp.ndarray,
    s_max: jnp.ndarray,
) -> jnp.ndarray:
    """Arc length in ``[s_min, s_max]`` where the helix crosses the plane ``z = z_disk`` inside
    ``r_min <= r <= r_max``; ``inf`` otherwise. Arguments as :func:`next_cylinder_crossing`."""
    moving = lam != 0.0
    s = (z_disk - z0) / jnp.where(moving, lam, 1.0)
    x, y, _, _ = helix_point(x0, y0, z0, phi0, lam, rho, s)
    r = jnp.hypot(x, y)
    ok = moving & (s >= s_min) & (s <= s_max) & (r >= r_min) & (r <= r_max)
    return jnp.where(ok, s, jnp.inf)


__all__ = [
    "KAPPA",
    "curvature",
    "cylinder_roots",
    "first_forward",
    "helix_point",
    "next_cylinder_crossing",
    "next_disk_crossing",
    "z_window",
]
