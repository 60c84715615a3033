"""Hits of one event prepared for tracking: layer, surface, resolution and material per hit.

:func:`prepare_hits` checks a hits table (``hit_id, x, y, z, volume_id, layer_id, module_id``,
from :func:`colliderax.detector.read_event` or :meth:`~colliderax.detector.SimResult.to_tables`)
against a :class:`~colliderax.detector.Geometry` and returns a :class:`HitSet` of numpy arrays.
:func:`measurements_for` gathers the hits of candidate tracks into the padded
:class:`~.kalman.Measurements` the Kalman filter reads, ordered by transverse radius (the
order along an outgoing track).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from colliderax.detector.geometry import Geometry
from colliderax.tracking.errors import EmptyEvent, GeometryMismatch
from colliderax.tracking.kalman import Measurements

# A barrel hit may sit this far off its layer's cylinder (TrackML modules are flat and
# staggered, up to ~10 mm from the mean radius); further out it is from another geometry.
_SURFACE_TOLERANCE = 25.0  # mm


@dataclasses.dataclass(frozen=True, eq=False)
class HitSet:
    """All hits of an event as numpy arrays of length ``n``.

    Attributes:
        hit_id: int64 hit ids.
        x: Hit x [mm].
        y: Hit y [mm].
        z: Hit z [mm].
        r: Transverse radius [mm].
        phi: Azimuth [rad].
        layer: int32 index into ``Geometry.layers``.
        is_barrel: The hit's layer is a cylinder.
        sigma_u: r-phi resolution [mm] (pitch_u / sqrt(12)).
        sigma_v: z (barrel) or r (disk) resolution [mm].
        x_over_x0: Radiation-length fraction of the layer.
    """

    hit_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    r: np.ndarray
    phi: np.ndarray
    layer: np.ndarray
    is_barrel: np.ndarray
    sigma_u: np.ndarray
    sigma_v: np.ndarray
    x_over_x0: np.ndarray

    def __len__(self) -> int:
        return int(self.hit_id.shape[0])


def prepare_hits(
    hits: Mapping[str, Any],
    geometry: Geometry,
    *,
    resolution_scale: float = 1.0,
    allow_empty: bool = False,
) -> HitSet:
    """Check a hits table against the geometry and attach layer information.

    Args:
        hits: Column dict with at least ``hit_id, x, y, z, volume_id, layer_id``.
        geometry: The tracker the hits come from.
        resolution_scale: Factor on pitch/sqrt(12) (e.g. > 1 for TrackML clusters).
        allow_empty: Return an empty set instead of raising for an event without hits.

    Raises:
        GeometryMismatch: a column is missing, a (volume_id, layer_id) is not in the geometry,
            or hits lie far from their layer's surface (hits from another geometry).
        EmptyEvent: the event has no hits (unless ``allow_empty``).
    """
    for col in ("hit_id", "x", "y", "z", "volume_id", "layer_id"):
        if col not in hits:
            msg = f"hits table lacks the {col!r} column"
            raise GeometryMismatch(msg)
    n = len(np.asarray(hits["hit_id"]))
    if n == 0 and not allow_empty:
        msg = "the event has no hits: nothing to reconstruct"
        raise EmptyEvent(msg)
    vol = np.asarray(hits["volume_id"], dtype=np.int64)
    lay = np.asarray(hits["layer_id"], dtype=np.int64)
    lookup = {(l.volume_id, l.layer_id): l.index for l in geometry.layers}
    keys = vol * 100_000 + lay
    uniq, inverse = np.unique(keys, return_inverse=True)
    index = np.empty(len(uniq), dtype=np.int32)
    for i, k in enumerate(uniq):
        v, l = divmod(int(k), 100_000)
        if (v, l) not in lookup:
            msg = (
                f"hit with volume_id={v} layer_id={l} is not in geometry {geometry.name!r}: "
                "the hits come from another geometry (pass the one they were simulated with)"
            )
            raise GeometryMismatch(msg)
        index[i] = lookup[(v, l)]
    layer = index[inverse] if n else np.zeros(0, dtype=np.int32)
    x = np.asarray(hits["x"], dtype=np.float64)
    y = np.asarray(hits["y"], dtype=np.float64)
    z = np.asarray(hits["z"], dtype=np.float64)
    r = np.hypot(x, y)
    layers = geometry.layers
    is_barrel = np.array([l.is_barrel for l in layers], dtype=bool)[layer]
    radius = np.array([l.radius for l in layers])[layer]
    zpos = np.array([l.z for l in layers])[layer]
    rmin = np.array([l.r_min for l in layers])[layer]
    rmax = np.array([l.r_max for l in layers])[layer]
    zmin = np.array([l.z_min for l in layers])[layer]
    zmax = np.array([l.z_max for l in layers])[layer]
    tol = _SURFACE_TOLERANCE
    # along v (z on barrels, r on disks) smearing can push a hit out by a few pitch/sqrt(12)
    tol_v = tol + 6.0 * np.array([l.pitch_v for l in layers])[layer] / math.sqrt(12.0)
    off = np.where(
        is_barrel,
        (np.abs(r - radius) > tol) | (z < zmin - tol_v) | (z > zmax + tol_v),
        (np.abs(z - zpos) > tol) | (r < rmin - tol_v) | (r > rmax + tol_v),
    )
    if np.any(off):
        i = int(np.flatnonzero(off)[0])
        msg = (
            f"{int(np.count_nonzero(off))} hit(s) lie off their layer in geometry "
            f"{geometry.name!r} (e.g. hit_id {int(np.asarray(hits['hit_id'])[i])} at r={r[i]:.1f} "
            f"z={z[i]:.1f} mm on volume {int(vol[i])} layer {int(lay[i])}): the hits come from "
            "another geometry"
        )
        raise GeometryMismatch(msg)
    scale = resolution_scale / math.sqrt(12.0)
    return HitSet(
        hit_id=np.asarray(hits["hit_id"], dtype=np.int64),
        x=x,
        y=y,
        z=z,
        r=r,
        phi=np.arctan2(y, x),
        layer=layer.astype(np.int32),
        is_barrel=is_barrel,
        sigma_u=np.array([l.pitch_u for l in layers])[layer] * scale,
        sigma_v=np.array([l.pitch_v for l in layers])[layer] * scale,
        x_over_x0=np.array([l.x_over_x0 for l in layers])[layer],
    )


def padded_indices(tracks: Sequence[np.ndarray], hits: HitSet, n_max: int | None = None):
    """(n, n_max) int array of hit indices per track, sorted by r, padded with -1."""
    n_max = n_max or max((len(t) for t in tracks), default=1)
    out = np.full((len(tracks), max(n_max, 1)), -1, dtype=np.int64)
    for i, t in enumerate(tracks):
        t = np.asarray(t, dtype=np.int64)
        t = t[np.argsort(hits.r[t], kind="stable")][:n_max]
        out[i, : len(t)] = t
    return out


def measurements_for(hits: HitSet, index: np.ndarray) -> Measurements:
    """Measurements for tracks given as an (n, n_max) array of hit indices (-1 = none)."""
    valid = index >= 0
    safe = np.where(valid, index, 0)

    def take(a: np.ndarray, fill: float | bool) -> jnp.ndarray:
        if len(a) == 0:
            return jnp.asarray(np.full(index.shape, fill))
        return jnp.asarray(np.where(valid, a[safe], fill))

    return Measurements(
        phi=take(hits.phi, 0.0),
        r=take(hits.r, 1.0),
        z=take(hits.z, 0.0),
        is_barrel=take(hits.is_barrel, True),
        sigma_u=take(hits.sigma_u, 1.0),
        sigma_v=take(hits.sigma_v, 1.0),
        x_over_x0=take(hits.x_over_x0, 0.0),
        valid=jnp.asarray(valid),
    )


__all__ = ["HitSet", "measurements_for", "padded_indices", "prepare_hits"]
