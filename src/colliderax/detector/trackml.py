"""TrackML conventions: the detector description and the hit weights of the score.

**Detector** (:func:`load_trackml_detectors`): read ``detectors.csv`` or ``detectors.csv.gz``.

The file lists every module with its ids (``volume_id``, ``layer_id``, ``module_id``), centre
``cx, cy, cz`` [mm], rotation ``rot_xu ... rot_zw`` (columns are the local u, v, w axes in
global coordinates), thickness ``module_t``, half sizes ``module_minhu``, ``module_maxhu``
(half widths along u at the -v and +v edges) and ``module_hv`` [mm], and pitches ``pitch_u``,
``pitch_v`` [mm]. See the TrackML challenge documentation (Amrouche et al., "The Tracking
Machine Learning challenge: Accuracy phase", 2019).

Layers are grouped by ``(volume_id, layer_id)``. A volume whose modules have their normal
``w`` along z is an endcap (disks); otherwise it is a barrel (cylinders). The simulation surface
of a barrel layer is the cylinder at the mean module-centre radius spanning the modules' z
extent; an endcap layer is the disk at the mean module z spanning their radial extent. The
point-to-module lookup uses rows of modules (same z for barrels, same radius for endcaps) and
equal azimuthal slots centred on the modules of each row.

**Hit weights** (:func:`trackml_hit_weights`), as the TrackML challenge defined them for its
truth files (Amrouche et al., arXiv:1904.06778, sect. 3; the challenge's published recipe): the
weight of a hit is the product of

* an *order* weight: the particle's hits are ranked by their distance ``|tz - vz|`` along the
  beam from the particle's production vertex; the profile 10, 8, 6, 5, 3, 3, 3, 5, 6 is
  stretched linearly over the ranks 0 … n-1 of a particle with n hits (n capped at 20; ranks
  from 20 on weigh 0) and normalised to sum 1 per particle; particles with fewer than 4 hits
  and noise weigh 0 — the first hits, which seed a track, and the last count most;
* a *pT* weight: 0.2 for 0.05 < pT < 0.5 GeV, rising linearly to 1 at 3 GeV, 1 above, 0 below
  0.05 GeV;

and all weights of the event are normalised to sum 1.
"""

from __future__ import annotations

import gzip
import logging
import math
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from colliderax.detector.errors import GeometryError
from colliderax.detector.geometry import BARREL, ENDCAP, Geometry, Layer, Modules, pad_segmentation

logger = logging.getLogger(__name__)

SILICON_X0 = 93.7
"""Radiation length of silicon [mm] (PDG: 9.370 cm)."""

DETECTOR_COLUMNS = (
    "volume_id",
    "layer_id",
    "module_id",
    "cx",
    "cy",
    "cz",
    "rot_xu",
    "rot_xv",
    "rot_xw",
    "rot_yu",
    "rot_yv",
    "rot_yw",
    "rot_zu",
    "rot_zv",
    "rot_zw",
    "module_t",
    "module_minhu",
    "module_maxhu",
    "module_hv",
    "pitch_u",
    "pitch_v",
)
_INT_COLUMNS = ("volume_id", "layer_id", "module_id")

ORDER_PROFILE = np.array([10.0, 8.0, 6.0, 5.0, 3.0, 3.0, 3.0, 5.0, 6.0])
"""The TrackML order-weight profile, stretched over a particle's hits."""
ORDER_MIN_HITS = 4
ORDER_MAX_HITS = 20
_CLUSTER_GAP = 1.0  # mm; module centres closer than this (in z or r) share a row


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def read_detectors_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Read a TrackML detectors file into numpy columns.

    Raises:
        GeometryError: the file cannot be read or lacks a required column.
    """
    path = Path(path)
    try:
        with _open_text(path) as fh:
            header = fh.readline().strip().split(",")
            missing = [c for c in DETECTOR_COLUMNS if c not in header]
            if missing:
                msg = f"{path.name}: column {missing[0]!r} missing (found: {','.join(header)})"
                raise GeometryError(msg)
            dtype = [(c, np.int64 if c in _INT_COLUMNS else np.float64) for c in header]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # empty file
                data = np.loadtxt(fh, delimiter=",", dtype=dtype, ndmin=1)
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read TrackML detectors file ({exc})".replace("\n", " ")
        raise GeometryError(msg) from exc
    if data.shape[0] == 0:
        msg = f"{path.name}: no modules"
        raise GeometryError(msg)
    return {c: np.ascontiguousarray(data[c]) for c in DETECTOR_COLUMNS}


def _clusters(values: np.ndarray) -> np.ndarray:
    """Label sorted groups of values separated by gaps larger than _CLUSTER_GAP."""
    order = np.argsort(values, kind="stable")
    sorted_vals = values[order]
    labels_sorted = np.concatenate([[0], np.cumsum(np.diff(sorted_vals) > _CLUSTER_GAP)])
    labels = np.empty_like(labels_sorted)
    labels[order] = labels_sorted
    return labels


def load_trackml_detectors(
    path: str | Path,
    *,
    bz: float = 2.0,
    x_over_x0: float | Mapping[int, float] | None = None,
    inefficiency: float = 0.0,
) -> Geometry:
    """Build a :class:`~.geometry.Geometry` from a TrackML detectors file.

    Args:
        path: ``detectors.csv`` or ``detectors.csv.gz``.
        bz: Nominal field recorded with the geometry [T] (the TrackML detector used 2 T).
        x_over_x0: Radiation-length fraction per layer at normal incidence: one number, a
            mapping ``volume_id -> value``, or ``None`` for the silicon of the sensor only
            (``module_t / 93.7 mm``).
        inefficiency: Per-module hit inefficiency.

    Raises:
        GeometryError: the file is unreadable or inconsistent (e.g. a volume mixing barrel
            and endcap modules).
    """
    path = Path(path)
    d = read_detectors_csv(path)
    rot = np.stack(
        [
            np.stack([d["rot_xu"], d["rot_xv"], d["rot_xw"]], axis=-1),
            np.stack([d["rot_yu"], d["rot_yv"], d["rot_yw"]], axis=-1),
            np.stack([d["rot_zu"], d["rot_zv"], d["rot_zw"]], axis=-1),
        ],
        axis=-2,
    )  # (n, 3, 3), rows x, y, z; columns u, v, w
    center = np.stack([d["cx"], d["cy"], d["cz"]], axis=-1)
    hu0, hu1, hv = d["module_minhu"], d["module_maxhu"], d["module_hv"]
    # Outline points in local (u, v): corners and edge midpoints.
    local = np.stack(
        [
            np.stack([-hu0, -hv], -1),
            np.stack([hu0, -hv], -1),
            np.stack([-hu1, hv], -1),
            np.stack([hu1, hv], -1),
            np.stack([np.zeros_like(hv), -hv], -1),
            np.stack([np.zeros_like(hv), hv], -1),
        ],
        axis=1,
    )  # (n, 6, 2)
    outline = center[:, None, :] + np.einsum("nij,nkj->nki", rot[:, :, :2], local)
    out_r = np.hypot(outline[..., 0], outline[..., 1])
    out_z = outline[..., 2]
    c_r = np.hypot(d["cx"], d["cy"])
    c_phi = np.arctan2(d["cy"], d["cx"])
    endcap_like = np.abs(d["rot_zw"]) > 0.5

    vol, lay_ids = d["volume_id"], d["layer_id"]
    keys = sorted(set(zip(vol.tolist(), lay_ids.tolist(), strict=True)))
    kinds: dict[int, str] = {}
    for v in sorted(set(vol.tolist())):
        frac = float(np.mean(endcap_like[vol == v]))
        if 0.0 < frac < 1.0:
            msg = f"{path.name}: volume {v} mixes barrel and endcap modules ({frac:.0%} endcap)"
            raise GeometryError(msg)
        kinds[v] = ENDCAP if frac == 1.0 else BARREL

    n = len(vol)
    layer_index = np.empty(n, dtype=np.int32)
    layers: list[Layer] = []
    rows = []
    for li, (v, l) in enumerate(keys):
        sel = np.flatnonzero((vol == v) & (lay_ids == l))
        layer_index[sel] = li
        kind = kinds[v]
        thickness = float(np.median(d["module_t"][sel]))
        if x_over_x0 is None:
            xx0 = thickness / SILICON_X0
        elif isinstance(x_over_x0, Mapping):
            xx0 = float(x_over_x0.get(v, thickness / SILICON_X0))
        else:
            xx0 = float(x_over_x0)
        if kind == BARREL:
            radius = float(np.mean(c_r[sel]))
            z_lo, z_hi = float(out_z[sel].min()), float(out_z[sel].max())
            geo = {"radius": radius, "z": 0.5 * (z_lo + z_hi), "r_min": radius, "r_max": radius}
            geo |= {"z_min": z_lo, "z_max": z_hi}
            row_coord, lo, hi = d["cz"][sel], z_lo, z_hi
        else:
            z_mean = float(np.mean(d["cz"][sel]))
            r_lo, r_hi = float(out_r[sel].min()), float(out_r[sel].max())
            geo = {"radius": 0.5 * (r_lo + r_hi), "z": z_mean, "r_min": r_lo, "r_max": r_hi}
            geo |= {"z_min": z_mean, "z_max": z_mean}
            row_coord, lo, hi = c_r[sel], r_lo, r_hi
        layers.append(
            Layer(
                index=li,
                volume_id=int(v),
                layer_id=int(l),
                volume_name=f"volume {v}",
                kind=kind,
                thickness=thickness,
                x_over_x0=xx0,
                pitch_u=float(np.median(d["pitch_u"][sel])),
                pitch_v=float(np.median(d["pitch_v"][sel])),
                module_length=float(np.median(2.0 * hv[sel])),
                module_width=float(np.median(hu0[sel] + hu1[sel])),
                inefficiency=float(inefficiency),
                source=f"{path.name}: volume_id={v} layer_id={l}",
                **geo,
            )
        )
        rows.append(_segment(sel, row_coord, c_phi[sel], lo, hi, f"volume {v} layer {l}"))
    modules = Modules(
        volume_id=vol.astype(np.int32),
        layer_id=lay_ids.astype(np.int32),
        module_id=d["module_id"].astype(np.int64),
        layer_index=layer_index,
        center=center,
        rotation=rot,
        thickness=d["module_t"],
        half_u_min=hu0,
        half_u_max=hu1,
        half_v=hv,
        pitch_u=d["pitch_u"],
        pitch_v=d["pitch_v"],
        inefficiency=np.full(n, float(inefficiency)),
    )
    geometry = Geometry(
        name="trackml",
        layers=tuple(layers),
        modules=modules,
        segmentation=pad_segmentation(rows),
        bz=float(bz),
        schema_version=0,
        source=str(path),
        description="TrackML detector read from detectors.csv",
    )
    logger.info(
        "TrackML geometry %s: %d modules in %d layers", path.name, len(modules), len(layers)
    )
    return geometry


def _segment(
    sel: np.ndarray, coord: np.ndarray, phi: np.ndarray, lo: float, hi: float, label: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Rows (by z or r) of modules and their azimuthal slots for one layer."""
    labels = _clusters(coord)
    n_rows = int(labels.max()) + 1
    centres = np.array([coord[labels == k].mean() for k in range(n_rows)])
    edges = np.concatenate([[lo], 0.5 * (centres[1:] + centres[:-1]), [hi]])
    n_phi, phi0, slots = [], [], []
    for k in range(n_rows):
        members = np.flatnonzero(labels == k)
        order = members[np.argsort(phi[members], kind="stable")]
        count = len(order)
        width = 2.0 * math.pi / count
        first = phi[order[0]]
        expected = first + width * np.arange(count)
        off = np.abs(np.angle(np.exp(1j * (phi[order] - expected))))
        if off.max() > 0.25 * width:
            logger.debug("%s row %d: modules not evenly spaced in phi", label, k)
        n_phi.append(count)
        phi0.append(first - 0.5 * width)
        slots.append(sel[order])
    return edges, np.array(n_phi), np.array(phi0), slots


def _order_table() -> np.ndarray:
    """(21, 20) order weights indexed by (hits of the particle, capped at 20; rank)."""
    table = np.zeros((ORDER_MAX_HITS + 1, ORDER_MAX_HITS))
    for n in range(ORDER_MIN_HITS, ORDER_MAX_HITS + 1):
        nodes = np.arange(len(ORDER_PROFILE)) * (n - 1) / (len(ORDER_PROFILE) - 1)
        w = np.interp(np.arange(n), nodes, ORDER_PROFILE)
        table[n, :n] = w / w.sum()
    return table


def trackml_hit_weights(
    particle_id: np.ndarray, tz: np.ndarray, particles: Mapping[str, np.ndarray]
) -> np.ndarray:
    """The TrackML score's per-hit weights (module docstring), normalised to sum 1.

    Args:
        particle_id: (n,) particle of every hit (0 for noise).
        tz: (n,) true z of every hit [mm].
        particles: ``particle_id, vz, px, py`` of the particles [mm, GeV]; hits of particles
            missing from the table weigh 0.

    Returns:
        (n,) weights; all zero if no particle has 4 hits.
    """
    pid = np.asarray(particle_id, dtype=np.int64)
    p_ids = np.asarray(particles["particle_id"], dtype=np.int64)
    p_vz = np.asarray(particles["vz"], dtype=np.float64)
    p_pt = np.hypot(np.asarray(particles["px"], dtype=np.float64),
                    np.asarray(particles["py"], dtype=np.float64))
    if len(p_ids) == 0:
        return np.zeros(len(pid))
    order = np.argsort(p_ids)
    row = order[np.clip(np.searchsorted(p_ids[order], pid), 0, len(p_ids) - 1)]
    known = (pid != 0) & (p_ids[row] == pid)
    vz = np.where(known, p_vz[row], 0.0)
    pt_w = np.where(known, np.interp(p_pt[row], [0.05, 0.5, 3.0], [0.2, 0.2, 1.0], left=0.0,
                                     right=1.0), 0.0)
    # rank of every hit among its particle's hits by distance along the beam from the vertex
    by = np.lexsort((np.abs(np.asarray(tz, dtype=np.float64) - vz), pid))
    _, start, counts = np.unique(pid[by], return_index=True, return_counts=True)
    n_hits = np.repeat(counts, counts)
    rank = np.arange(len(pid)) - np.repeat(start, counts)
    table = _order_table()
    order_w = np.zeros(len(pid))
    order_w[by] = np.where(rank < ORDER_MAX_HITS,
                           table[np.minimum(n_hits, ORDER_MAX_HITS),
                                 np.minimum(rank, ORDER_MAX_HITS - 1)], 0.0)
    w = pt_w * order_w
    total = w.sum()
    return w / total if total > 0 else w


__all__ = [
    "DETECTOR_COLUMNS",
    "SILICON_X0",
    "load_trackml_detectors",
    "read_detectors_csv",
    "trackml_hit_weights",
]
