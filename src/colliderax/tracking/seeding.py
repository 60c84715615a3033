"""Helix parameters from three space points, and triplet seeding in the inner layers.

:func:`helix_from_triplet` gives perigee parameters (:mod:`.helix`) from three hits: the
circle through them in the transverse plane gives the curvature, the charge (from the turning
sense) and the direction at the first hit; the polar angle comes from the z difference over the
arc length between the first and the last hit. These are the starting values of the Kalman fit.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from colliderax.detector.geometry import Geometry
from colliderax.detector.propagation import KAPPA
from colliderax.tracking.hits import HitSet
from colliderax.tracking.search import LayerIndex


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

    with np.errstate(divide="ignore", invalid="ignore"):
        return _helix_from_triplet(p1, p2, p3, bz)


def _helix_from_triplet(p1, p2, p3, bz):
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
    return perigee_from_state(x1, y1, z1, phi, theta, q / p, bz, xp=np)




# ---------------------------------------------------------------------------------------------
# Triplet seeding
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SeedConfig:
    """Cuts of the triplet seeding (frozen).

    Attributes:
        pt_min: Smallest seed pT [GeV] (curvature cut).
        d0_max: Largest |d0| of the triplet circle [mm] (impact-parameter cut).
        z0_max: Largest |z0| of the doublet line at r = 0 [mm] (luminous region).
        eta_max: Largest |eta| of the doublet.
        cot_tolerance: Allowed change of cot(theta) between the two doublets (times 1+cot^2).
        phi_slack: Extra azimuthal window [rad] for resolution and scattering.
        first_layers: How many of the first layers crossed from the beam line form triplets.
        max_pitch_v: Only layers with a finer pitch along v [mm] seed (pixel layers: a precise
            z or r keeps the cot(theta) cut tight and the combinatorics small).
    """

    pt_min: float = 0.9
    d0_max: float = 0.5
    z0_max: float = 200.0
    eta_max: float = 2.7
    cot_tolerance: float = 0.006
    phi_slack: float = 0.004
    first_layers: int = 4
    max_pitch_v: float = 0.2


def layer_triplets(geometry: Geometry, config: SeedConfig = SeedConfig()) -> list[tuple]:
    """Ordered layer triplets (inner, middle, outer) for seeding, most common first.

    Straight lines from the luminous region (|z0| <= 150 mm) over |eta| <= eta_max are followed
    through the seeding layers (``pitch_v <= max_pitch_v``); the first ``first_layers`` layers
    each line crosses give the triplets
    (0,1,2), (0,1,3), (0,2,3), (1,2,3) (the last three allow one missing hit).
    """
    lays = [l for l in geometry.layers if l.pitch_v <= config.max_pitch_v]
    z0, eta = (g.ravel() for g in np.meshgrid(np.linspace(-150.0, 150.0, 7),
                                             np.linspace(-config.eta_max, config.eta_max, 217),
                                             indexing="ij"))
    cot = np.sinh(eta)[:, None]
    z0 = z0[:, None]
    barrel = np.array([l.is_barrel for l in lays])
    radius = np.array([l.radius for l in lays])
    zpos = np.array([l.z for l in lays])
    with np.errstate(divide="ignore", invalid="ignore"):
        z_at = z0 + radius * cot
        r_at = (zpos - z0) / cot
    crossed = np.where(
        barrel,
        (z_at >= [l.z_min for l in lays]) & (z_at <= [l.z_max for l in lays]),
        (cot != 0) & (r_at > 0) & (r_at >= [l.r_min for l in lays])
        & (r_at <= [l.r_max for l in lays]),
    )
    r_cross = np.where(crossed, np.where(barrel, radius, r_at), np.inf)
    index = np.array([l.index for l in lays])
    # per line: the crossed layers ordered by r (then index), the first first_layers of them
    order = np.lexsort((np.broadcast_to(index, r_cross.shape), r_cross), axis=1)
    seqs = index[order][:, : config.first_layers]
    n_crossed = np.minimum(crossed.sum(axis=1), config.first_layers)
    combos = [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)]
    count: dict[tuple, int] = {}
    for seq, n in zip(seqs.tolist(), n_crossed.tolist(), strict=True):
        for rank, c in enumerate(combos):
            if max(c) < n:
                t = tuple(seq[i] for i in c)
                count[t] = count.get(t, 0) + (4 - rank) * 1000 + 1
    return sorted(count, key=lambda t: -count[t])


def find_doublets(
    hits: HitSet,
    index: LayerIndex,
    la: int,
    lb: int,
    bz: float,
    config: SeedConfig = SeedConfig(),
    used: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hit pairs (A on layer ``la``, B on layer ``lb``) that can start a seed.

    B lies in the azimuthal window around A that the pT and d0 cuts allow, more than 1 mm
    further out in r, and the line A-B passes the |z0| and |eta| cuts. Hits marked in the
    optional ``used`` mask take no part.

    Returns:
        (A hit indices, B hit indices).
    """
    r, z, phi = hits.r, hits.z, hits.phi
    k = KAPPA * abs(bz) / (2.0 * config.pt_min)
    cot_max = np.sinh(config.eta_max)
    a_idx = index.layer_hits(la)
    if used is not None:
        a_idx = a_idx[~used[a_idx]]
    ra, za = r[a_idx], z[a_idx]
    rb_max = index.hits_layers[lb].r_max
    # the bending from the pT cut, plus d0 (1/r_A - 1/r_B) from the impact-parameter cut
    dphi = (
        np.arcsin(np.clip(k * rb_max, 0, 1))
        - np.arcsin(np.clip(k * ra, 0, 1))
        + config.d0_max * np.abs(1.0 / ra - 1.0 / rb_max)
        + config.phi_slack
    )
    # and in v, by the lines from the luminous region (|z0| < z0_max, |eta| < eta_max)
    v_lo, v_hi = _line_window(
        index, lb, ra, za,
        np.maximum((za - config.z0_max) / ra, -cot_max),
        np.minimum((za + config.z0_max) / ra, cot_max),
    )
    q, b2 = index.window(lb, phi[a_idx] - dphi, phi[a_idx] + dphi, v_lo, v_hi)
    a2 = a_idx[q]
    dr = r[b2] - r[a2]
    ok = dr > 1.0
    cot = (z[b2] - z[a2]) / np.where(ok, dr, 1.0)
    z0 = z[a2] - r[a2] * cot
    ok &= (np.abs(z0) < config.z0_max) & (np.abs(np.arcsinh(cot)) < config.eta_max)
    if used is not None:
        ok &= ~used[b2]
    return a2[ok], b2[ok]


def find_seeds(
    hits: HitSet,
    index: LayerIndex,
    triplets: list[tuple],
    bz: float,
    config: SeedConfig = SeedConfig(),
    used: np.ndarray | None = None,
    doublets: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hit triplets passing the curvature and impact-parameter cuts.

    Args:
        hits: The event's hits.
        index: Its :class:`~.search.LayerIndex`.
        triplets: Layer triplets (:func:`layer_triplets`).
        bz: Field [T].
        config: Cuts.
        used: Optional (n_hits,) mask of hits already on tracks; they start no seed.
        doublets: Optional ``{(la, lb): find_doublets(...)}`` computed before with the same
            ``config`` and at most the hits ``used`` now (iterative tracking seeds the same
            layer pairs again with fewer free hits); layer pairs missing from it are computed
            here.

    Returns:
        (hit indices (m, 3) ordered outwards, perigee parameters (m, 5) of the triplet helix).
    """
    r, z, phi = hits.r, hits.z, hits.phi
    free = np.ones(len(hits), dtype=bool) if used is None else ~used
    doublets = {} if doublets is None else doublets
    out = []
    layers = index.hits_layers
    for la, lb, lc in triplets:
        if (la, lb) not in doublets:
            doublets = {**doublets,
                        (la, lb): find_doublets(hits, index, la, lb, bz, config, used)}
        a2, b2 = doublets[(la, lb)]
        keep = free[a2] & free[b2]
        a2, b2 = a2[keep], b2[keep]
        cot = (z[b2] - z[a2]) / (r[b2] - r[a2])
        # the line must reach layer C inside its active area
        lay_c = layers[lc]
        if lay_c.is_barrel:
            rc = np.full(len(a2), lay_c.radius)
            zc = z[b2] + cot * (rc - r[b2])
            ok = (zc > lay_c.z_min - 10.0) & (zc < lay_c.z_max + 10.0)
        else:
            rc = r[b2] + (lay_c.z - z[b2]) / np.where(cot != 0, cot, 1e-9)
            ok = (rc > lay_c.r_min - 10.0) & (rc < lay_c.r_max + 10.0) & (rc > r[b2] + 1.0)
        a2, b2, cot, rc = a2[ok], b2[ok], cot[ok], rc[ok]
        if len(a2) == 0:
            continue
        # third hit: phi extrapolated linearly in r (a circle through the beam line is nearly
        # linear for r << R), then cot(theta) continuity and the triplet circle cuts
        dab = _wrap(phi[b2] - phi[a2])
        lever = (rc - r[b2]) / (r[b2] - r[a2])
        centre = phi[b2] + dab * lever
        # linear extrapolation error: from the curvature (small for r << R) and from d0,
        # whose azimuth d0/r is not linear in r
        ra2, rb2 = r[a2], r[b2]
        d0_term = config.d0_max * np.abs(1.0 / rb2 - 1.0 / rc - lever * (1.0 / ra2 - 1.0 / rb2))
        half = 0.1 * np.abs(dab) * lever + config.phi_slack + d0_term
        tol = config.cot_tolerance * (1.0 + cot * cot)
        v_lo, v_hi = _line_window(index, lc, rb2, z[b2], cot - tol, cot + tol)
        q, c_idx = index.window(lc, centre - half, centre + half, v_lo, v_hi)
        a3, b3 = a2[q], b2[q]
        keep = free[c_idx]
        a3, b3, c3, cot_ab = a3[keep], b3[keep], c_idx[keep], cot[q][keep]
        drc = r[c3] - r[b3]
        ok = drc > 1.0
        cot_bc = (z[c3] - z[b3]) / np.where(ok, drc, 1.0)
        ok &= np.abs(cot_bc - cot_ab) < config.cot_tolerance * (1.0 + cot_ab * cot_ab)
        a3, b3, c3 = a3[ok], b3[ok], c3[ok]
        if len(a3) == 0:
            continue
        x_, y_ = hits.x, hits.y
        cx, cy, radius, _ = circle_through(x_[a3], y_[a3], x_[b3], y_[b3], x_[c3], y_[c3])
        pt = KAPPA * abs(bz) * radius
        d0 = np.abs(np.hypot(cx, cy) - radius)
        ok = (pt > config.pt_min) & (d0 < config.d0_max)
        out.append(np.stack([a3[ok], b3[ok], c3[ok]], axis=1))
    if not out:
        return np.zeros((0, 3), dtype=np.int64), np.zeros((0, 5))
    seeds = np.concatenate(out)
    # sorted as rows (no triplet comes twice: the layers name the layer triplet)
    seeds = seeds[np.lexsort(seeds.T[::-1])]

    def xyz(i: np.ndarray) -> np.ndarray:
        return np.stack([hits.x[i], hits.y[i], hits.z[i]], axis=-1)

    params = helix_from_triplet(xyz(seeds[:, 0]), xyz(seeds[:, 1]), xyz(seeds[:, 2]), bz)
    return seeds, params


def _line_window(index: LayerIndex, layer: int, r0, z0, cot_lo, cot_hi):
    """v range [mm] on ``layer`` of the straight lines (in r-z) from (r0, z0) [mm] with
    cot(theta) in [cot_lo, cot_hi] that move outwards by more than 1 mm in r.

    The layer's hits lie between ``index.pos_range`` in r (barrel) or z (disk); v = z + cot dr
    (barrel) or r0 + dz / cot (disk) is bilinear in the two intervals, so its extremes are at
    the corners. A superset of the hits the seeding cuts accept (a tiny margin covers rounding).
    """
    p_lo, p_hi = index.pos_range[layer]
    eps = 1e-6
    if index.hits_layers[layer].is_barrel:
        d_lo, d_hi = np.maximum(p_lo - r0, 1.0), p_hi - r0
        # dr > 0: the smallest z at cot_lo, the largest at cot_hi
        v_lo = z0 + cot_lo * np.where(cot_lo < 0, d_hi, d_lo) - eps
        v_hi = z0 + cot_hi * np.where(cot_hi > 0, d_hi, d_lo) + eps
        empty = (d_hi < d_lo) | (cot_hi < cot_lo)
    else:
        one_sign = (cot_lo > 0) | (cot_hi < 0)
        inv_lo = 1.0 / np.where(one_sign, cot_hi, 1.0)
        inv_hi = 1.0 / np.where(one_sign, cot_lo, 1.0)
        d_lo, d_hi = p_lo - z0, p_hi - z0
        corners = np.stack([d_lo * inv_lo, d_lo * inv_hi, d_hi * inv_lo, d_hi * inv_hi])
        v_lo = np.where(one_sign, np.maximum(r0 + corners.min(0), r0 + 1.0) - eps, r0 + 1.0 - eps)
        v_hi = np.where(one_sign, r0 + corners.max(0) + eps, np.inf)
        empty = cot_hi < cot_lo
    return np.where(empty, np.inf, v_lo), np.where(empty, -np.inf, v_hi)


def _wrap(a: np.ndarray) -> np.ndarray:
    return np.mod(a + np.pi, 2.0 * np.pi) - np.pi


__all__ = [
    "SeedConfig",
    "circle_through",
    "find_doublets",
    "find_seeds",
    "helix_from_triplet",
    "layer_triplets",
]
