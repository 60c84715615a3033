"""Tracker geometry: layers (barrel cylinders and endcap disks) split into modules.

A :class:`Geometry` is built either from a versioned TOML file (see
``geometries/cms_phase2_like.toml`` and ``docs/detector.md`` for the schema) or from a TrackML
``detectors.csv`` (:func:`colliderax.detector.trackml.load_trackml_detectors`). Both give the
same object: a tuple of :class:`Layer` surfaces, a struct-of-arrays :class:`Modules` table with
TrackML-style ids (``volume_id``, ``layer_id``, ``module_id``), and a :class:`Segmentation` that
maps a point on a layer to its module from the azimuth and the z (barrel) or r (endcap)
coordinate. Lengths are in mm, fields in T.

The simulation treats every layer as an ideal surface: a cylinder of radius ``radius`` over
``z_min <= z <= z_max`` (barrel) or a disk at ``z`` over ``r_min <= r <= r_max`` (endcap).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import logging
import math
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from colliderax.detector.errors import GeometryError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""The geometry-file schema this version of colliderax reads."""

BARREL = "barrel"
ENDCAP = "endcap"

_TOP_KEYS = ("schema_version", "name", "description", "field", "volumes")
_FIELD_KEYS = ("bz",)
_VOLUME_KEYS = ("id", "name", "kind", "mirror_id", "defaults", "layers")
# Keys a layer (or a volume's ``defaults`` table) may set, with their lower bound and whether
# the bound is strict. ``None`` means the key is optional with the given default.
_MODULE_KEYS: dict[str, tuple[float, bool, float | None]] = {
    "module_length": (0.0, True, None),
    "module_width": (0.0, True, None),
    "pitch_u": (0.0, True, None),
    "pitch_v": (0.0, True, None),
    "thickness": (0.0, True, None),
    "x_over_x0": (0.0, False, None),
    "inefficiency": (0.0, False, 0.0),
    "phi_offset": (-math.inf, False, 0.0),
}
_BARREL_KEYS = ("radius", "half_length")
_ENDCAP_KEYS = ("z", "r_min", "r_max")


@dataclasses.dataclass(frozen=True)
class Layer:
    """One sensitive surface.

    Attributes:
        index: Position in :attr:`Geometry.layers`.
        volume_id: TrackML-style volume id.
        layer_id: Layer id within the volume (2, 4, 6, ... as in TrackML).
        volume_name: Human name of the volume (e.g. ``"TBPX"``).
        kind: ``"barrel"`` (cylinder) or ``"endcap"`` (disk).
        radius: Cylinder radius [mm] (barrel); for an endcap the mean of ``r_min``/``r_max``.
        z: Disk position [mm] (endcap); for a barrel the centre of its z range.
        r_min: Smallest active radius [mm] (barrel: ``radius``).
        r_max: Largest active radius [mm] (barrel: ``radius``).
        z_min: Smallest active z [mm] (endcap: ``z``).
        z_max: Largest active z [mm] (endcap: ``z``).
        thickness: Sensor thickness [mm].
        x_over_x0: Radiation-length fraction at normal incidence (sensor plus support).
        pitch_u: Readout pitch along the local u axis (azimuthal direction) [mm].
        pitch_v: Readout pitch along the local v axis (z for barrels, r for endcaps) [mm].
        module_length: Module size along v [mm].
        module_width: Module size along u [mm].
        inefficiency: Probability that a crossing leaves no hit.
        source: Where the layer came from (dotted key path or TrackML ids), for messages.
    """

    index: int
    volume_id: int
    layer_id: int
    volume_name: str
    kind: str
    radius: float
    z: float
    r_min: float
    r_max: float
    z_min: float
    z_max: float
    thickness: float
    x_over_x0: float
    pitch_u: float
    pitch_v: float
    module_length: float
    module_width: float
    inefficiency: float
    source: str

    @property
    def is_barrel(self) -> bool:
        """True for a cylinder, False for a disk."""
        return self.kind == BARREL


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@dataclasses.dataclass(frozen=True, eq=False)
class Modules:
    """All modules as a struct of read-only numpy arrays (length ``n``).

    Attributes:
        volume_id: int32 volume ids.
        layer_id: int32 layer ids.
        module_id: int64 module ids (unique within a layer).
        layer_index: int32 index into :attr:`Geometry.layers`.
        center: float64 (n, 3) module centres [mm].
        rotation: float64 (n, 3, 3) local-to-global rotations; columns are the u, v, w axes
            (TrackML ``rot_xu ... rot_zw``).
        thickness: float64 sensor thickness [mm].
        half_u_min: float64 half width along u at the small-v edge [mm].
        half_u_max: float64 half width along u at the large-v edge [mm].
        half_v: float64 half length along v [mm].
        pitch_u: float64 pitch along u [mm].
        pitch_v: float64 pitch along v [mm].
        inefficiency: float64 probability of losing a hit.
    """

    volume_id: np.ndarray
    layer_id: np.ndarray
    module_id: np.ndarray
    layer_index: np.ndarray
    center: np.ndarray
    rotation: np.ndarray
    thickness: np.ndarray
    half_u_min: np.ndarray
    half_u_max: np.ndarray
    half_v: np.ndarray
    pitch_u: np.ndarray
    pitch_v: np.ndarray
    inefficiency: np.ndarray

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _frozen(np.asarray(getattr(self, f.name))))

    def __len__(self) -> int:
        return int(self.module_id.shape[0])

    @property
    def area(self) -> np.ndarray:
        """Active area of each module [mm^2] (trapezoid)."""
        return (self.half_u_min + self.half_u_max) * 2.0 * self.half_v


@dataclasses.dataclass(frozen=True, eq=False)
class Segmentation:
    """Point-to-module lookup tables, padded to common sizes over layers.

    A layer is cut into ``n_rows`` rows along z (barrel) or r (endcap) with boundaries
    ``edges[l, :n_rows + 1]``; row ``k`` holds ``n_phi[l, k]`` equal azimuthal slots, slot 0
    starting at ``phi0[l, k]``. ``module_index[l, k, j]`` is the index into :class:`Modules` of
    slot ``j`` (-1 for a gap).

    Attributes:
        edges: float64 (L, R + 1), padded with +inf.
        n_rows: int32 (L,).
        n_phi: int32 (L, R), padded with 1.
        phi0: float64 (L, R) [rad].
        module_index: int32 (L, R, P), padded with -1.
    """

    edges: np.ndarray
    n_rows: np.ndarray
    n_phi: np.ndarray
    phi0: np.ndarray
    module_index: np.ndarray

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _frozen(np.asarray(getattr(self, f.name))))


class SurfaceArrays(NamedTuple):
    """Device arrays the propagation kernel reads (a pytree; L layers, M modules)."""

    is_barrel: jnp.ndarray  # (L,) bool
    radius: jnp.ndarray  # (L,) mm
    z: jnp.ndarray  # (L,) mm
    r_min: jnp.ndarray  # (L,) mm
    r_max: jnp.ndarray  # (L,) mm
    z_min: jnp.ndarray  # (L,) mm
    z_max: jnp.ndarray  # (L,) mm
    x_over_x0: jnp.ndarray  # (L,)
    seg_edges: jnp.ndarray  # (L, R + 1) mm
    seg_n_rows: jnp.ndarray  # (L,)
    seg_n_phi: jnp.ndarray  # (L, R)
    seg_phi0: jnp.ndarray  # (L, R) rad
    seg_module: jnp.ndarray  # (L, R, P)
    mod_volume_id: jnp.ndarray  # (M,)
    mod_layer_id: jnp.ndarray  # (M,)
    mod_module_id: jnp.ndarray  # (M,)
    mod_layer_index: jnp.ndarray  # (M,)
    mod_center: jnp.ndarray  # (M, 3) mm
    mod_half_u: jnp.ndarray  # (M,) mean half width, mm
    mod_half_v: jnp.ndarray  # (M,) mm
    mod_pitch_u: jnp.ndarray  # (M,) mm
    mod_pitch_v: jnp.ndarray  # (M,) mm
    mod_inefficiency: jnp.ndarray  # (M,)
    mod_area: jnp.ndarray  # (M,) mm^2


@dataclasses.dataclass(frozen=True, eq=False)
class Geometry:
    """A tracker: layers, modules and the point-to-module segmentation.

    Attributes:
        name: Geometry name (e.g. ``"cms_phase2_like"`` or ``"trackml"``).
        layers: The sensitive surfaces.
        modules: The module table.
        segmentation: Point-to-module lookup.
        bz: Nominal solenoid field [T] recorded with the geometry.
        schema_version: Schema of the source file (TOML) or 0 for TrackML input.
        source: File or resource the geometry was read from.
        description: Free text from the file.
    """

    name: str
    layers: tuple[Layer, ...]
    modules: Modules
    segmentation: Segmentation
    bz: float
    schema_version: int
    source: str
    description: str = ""

    @property
    def n_layers(self) -> int:
        """Number of surfaces."""
        return len(self.layers)

    @property
    def n_modules(self) -> int:
        """Number of modules."""
        return len(self.modules)

    @property
    def world_radius(self) -> float:
        """Radius [mm] of the tracking volume: 1 mm beyond the outermost layer edge.

        Particles stop when they leave the volume.
        """
        return max(lay.r_max + 0.5 * lay.thickness for lay in self.layers) + 1.0

    @property
    def world_half_length(self) -> float:
        """Half length [mm] of the tracking volume: 1 mm beyond the outermost layer edge."""
        return (
            max(max(abs(lay.z_min), abs(lay.z_max)) + 0.5 * lay.thickness for lay in self.layers)
            + 1.0
        )

    def volume_ids(self) -> tuple[int, ...]:
        """Distinct volume ids in ascending order."""
        return tuple(sorted({lay.volume_id for lay in self.layers}))

    def layer(self, volume_id: int, layer_id: int) -> Layer:
        """The layer with the given ids.

        Raises:
            GeometryError: no such layer.
        """
        for lay in self.layers:
            if lay.volume_id == volume_id and lay.layer_id == layer_id:
                return lay
        msg = f"{self.name}: no layer with volume_id={volume_id} layer_id={layer_id}"
        raise GeometryError(msg)

    @functools.cached_property
    def device_surfaces(self) -> SurfaceArrays:
        """:meth:`surfaces` in float64, built once per geometry and reused."""
        return self.surfaces()

    def surfaces(self, dtype: Any = jnp.float64) -> SurfaceArrays:
        """The device arrays the simulation kernel uses.

        Args:
            dtype: Real dtype of the float arrays (float64 needs JAX's x64 mode).
        """
        lay = self.layers
        m = self.modules
        s = self.segmentation

        def f(values: Any) -> jnp.ndarray:
            return jnp.asarray(np.asarray(values, dtype=np.float64), dtype=dtype)

        def i(values: Any) -> jnp.ndarray:
            return jnp.asarray(np.asarray(values, dtype=np.int32))

        return SurfaceArrays(
            is_barrel=jnp.asarray(np.array([x.is_barrel for x in lay], dtype=bool)),
            radius=f([x.radius for x in lay]),
            z=f([x.z for x in lay]),
            r_min=f([x.r_min for x in lay]),
            r_max=f([x.r_max for x in lay]),
            z_min=f([x.z_min for x in lay]),
            z_max=f([x.z_max for x in lay]),
            x_over_x0=f([x.x_over_x0 for x in lay]),
            seg_edges=f(s.edges),
            seg_n_rows=i(s.n_rows),
            seg_n_phi=i(s.n_phi),
            seg_phi0=f(s.phi0),
            seg_module=i(s.module_index),
            mod_volume_id=i(m.volume_id),
            mod_layer_id=i(m.layer_id),
            mod_module_id=jnp.asarray(m.module_id),
            mod_layer_index=i(m.layer_index),
            mod_center=f(m.center),
            mod_half_u=f(0.5 * (m.half_u_min + m.half_u_max)),
            mod_half_v=f(m.half_v),
            mod_pitch_u=f(m.pitch_u),
            mod_pitch_v=f(m.pitch_v),
            mod_inefficiency=f(m.inefficiency),
            mod_area=f(m.area),
        )

    def summary(self) -> list[dict[str, Any]]:
        """One dict per layer with its ids, kind, extents and module count (for docs/logs)."""
        counts = np.bincount(self.modules.layer_index, minlength=self.n_layers)
        rows = []
        for lay in self.layers:
            rows.append(
                {
                    "volume_id": lay.volume_id,
                    "layer_id": lay.layer_id,
                    "volume": lay.volume_name,
                    "kind": lay.kind,
                    "r_min": lay.r_min,
                    "r_max": lay.r_max,
                    "z_min": lay.z_min,
                    "z_max": lay.z_max,
                    "modules": int(counts[lay.index]),
                }
            )
        return rows


# ---------------------------------------------------------------------------------------------
# Loading and validation of the TOML description
# ---------------------------------------------------------------------------------------------


def available_geometries() -> tuple[str, ...]:
    """Names of the geometry files shipped with colliderax."""
    root = importlib.resources.files("colliderax.detector") / "geometries"
    return tuple(
        sorted(p.name[: -len(".toml")] for p in root.iterdir() if p.name.endswith(".toml"))
    )


def load_geometry(name_or_path: str | Path = "cms_phase2_like") -> Geometry:
    """Load a geometry TOML file, shipped (by name) or from a path.

    Args:
        name_or_path: The name of a shipped geometry (see :func:`available_geometries`) or
            the path of a TOML file.

    Raises:
        GeometryError: the file is missing, not valid TOML, or fails validation.
    """
    text: str
    source: str
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"{source}: cannot read geometry file ({exc.strerror or exc})"
            raise GeometryError(msg) from exc
    else:
        name = str(name_or_path)
        resource = importlib.resources.files("colliderax.detector") / "geometries" / f"{name}.toml"
        if not resource.is_file():
            msg = (
                f"unknown geometry {name!r}: choose one of {', '.join(available_geometries())} "
                "or give the path of a .toml file"
            )
            raise GeometryError(msg)
        source = f"{name}.toml"
        text = resource.read_text(encoding="utf-8")
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{source}: not valid TOML ({exc})".replace("\n", " ")
        raise GeometryError(msg) from exc
    return geometry_from_dict(config, source=source)


class _Reader:
    """Typed access to nested config tables that reports dotted key paths in errors."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, problem: str) -> GeometryError:
        return GeometryError(f"{path}: {problem} [{self.source}]")

    def table(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be a table, got {type(value).__name__}")
        return value

    def check_keys(self, table: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.fail(where, f"unknown key (allowed: {', '.join(allowed)})")

    def get(self, table: Mapping[str, Any], key: str, path: str) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in table:
            raise self.fail(where, "missing required key")
        return table[key]

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"must be an integer, got {value!r}")
        return int(value)

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"must be a non-empty string, got {value!r}")
        return value

    def number(
        self,
        value: Any,
        path: str,
        *,
        lower: float = -math.inf,
        strict: bool = False,
        unit: str = "mm",
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"must be a number, got {value!r}")
        x = float(value)
        if not math.isfinite(x):
            raise self.fail(path, f"must be finite, got {value!r}")
        if (strict and x <= lower) or (not strict and x < lower):
            op = ">" if strict else ">="
            suffix = f" {unit}" if unit else ""
            raise self.fail(path, f"must be {op} {lower:g}{suffix}, got {value!r}")
        return x


@dataclasses.dataclass(frozen=True)
class _LayerDraft:
    """A validated layer before ids and modules are assigned."""

    volume_id: int
    volume_name: str
    kind: str
    params: dict[str, float]
    source: str


def geometry_from_dict(config: Mapping[str, Any], *, source: str = "<dict>") -> Geometry:
    """Validate a parsed geometry config and build the :class:`Geometry`.

    Args:
        config: The parsed TOML document (see ``docs/detector.md`` for the schema).
        source: Name used in error messages (file name).

    Raises:
        GeometryError: a key is missing or unknown, a value has the wrong type or range,
            ``schema_version`` is not supported, ids clash, or two layers overlap. The message
            is one line and names the dotted key path.
    """
    rd = _Reader(source)
    top = rd.table(config, "<root>")
    version = rd.integer(rd.get(top, "schema_version", ""), "schema_version")
    if version != SCHEMA_VERSION:
        problem = f"unsupported value {version} (this colliderax reads {SCHEMA_VERSION})"
        raise rd.fail("schema_version", problem)
    rd.check_keys(top, _TOP_KEYS, "")
    name = rd.string(rd.get(top, "name", ""), "name")
    description = top.get("description", "")
    if not isinstance(description, str):
        raise rd.fail("description", "must be a string")
    bz = 3.8
    if "field" in top:
        field = rd.table(top["field"], "field")
        rd.check_keys(field, _FIELD_KEYS, "field")
        bz = rd.number(rd.get(field, "bz", "field"), "field.bz", unit="T")
    volumes = rd.get(top, "volumes", "")
    if not isinstance(volumes, list) or not volumes:
        raise rd.fail("volumes", "must be a non-empty array of tables ([[volumes]])")

    drafts: list[_LayerDraft] = []
    seen_ids: dict[int, str] = {}
    for iv, vol_raw in enumerate(volumes):
        vpath = f"volumes[{iv}]"
        vol = rd.table(vol_raw, vpath)
        rd.check_keys(vol, _VOLUME_KEYS, vpath)
        vid = rd.integer(rd.get(vol, "id", vpath), f"{vpath}.id")
        if vid < 0:
            raise rd.fail(f"{vpath}.id", f"must be >= 0, got {vid}")
        vname = rd.string(rd.get(vol, "name", vpath), f"{vpath}.name")
        kind = rd.get(vol, "kind", vpath)
        if kind not in (BARREL, ENDCAP):
            raise rd.fail(f"{vpath}.kind", f"must be 'barrel' or 'endcap', got {kind!r}")
        ids = [(vid, f"{vpath}.id")]
        mirror_id = None
        if "mirror_id" in vol:
            if kind != ENDCAP:
                raise rd.fail(f"{vpath}.mirror_id", "only endcap volumes can be mirrored")
            mirror_id = rd.integer(vol["mirror_id"], f"{vpath}.mirror_id")
            if mirror_id < 0:
                raise rd.fail(f"{vpath}.mirror_id", f"must be >= 0, got {mirror_id}")
            ids.append((mirror_id, f"{vpath}.mirror_id"))
        for the_id, where in ids:
            if the_id in seen_ids:
                raise rd.fail(where, f"volume id {the_id} already used by {seen_ids[the_id]}")
            seen_ids[the_id] = where
        defaults: Mapping[str, Any] = {}
        if "defaults" in vol:
            defaults = rd.table(vol["defaults"], f"{vpath}.defaults")
            rd.check_keys(defaults, tuple(_MODULE_KEYS), f"{vpath}.defaults")
        layers = rd.get(vol, "layers", vpath)
        if not isinstance(layers, list) or not layers:
            raise rd.fail(f"{vpath}.layers", "must be a non-empty array of tables")
        shape_keys = _BARREL_KEYS if kind == BARREL else _ENDCAP_KEYS
        for il, lay_raw in enumerate(layers):
            lpath = f"{vpath}.layers[{il}]"
            lay = rd.table(lay_raw, lpath)
            rd.check_keys(lay, (*shape_keys, *_MODULE_KEYS), lpath)
            params: dict[str, float] = {}
            for key in shape_keys:
                value = rd.get(lay, key, lpath)
                if key == "z":
                    params[key] = rd.number(value, f"{lpath}.z")
                elif key == "r_min":
                    params[key] = rd.number(value, f"{lpath}.r_min", lower=0.0)
                else:
                    params[key] = rd.number(value, f"{lpath}.{key}", lower=0.0, strict=True)
            for key, (lower, strict, default) in _MODULE_KEYS.items():
                if key in lay:
                    value, where = lay[key], f"{lpath}.{key}"
                elif key in defaults:
                    value, where = defaults[key], f"{vpath}.defaults.{key}"
                elif default is not None:
                    value, where = default, f"{lpath}.{key}"
                else:
                    raise rd.fail(f"{lpath}.{key}", "missing required key")
                unit = "" if key in ("x_over_x0", "inefficiency") else "mm"
                unit = "rad" if key == "phi_offset" else unit
                params[key] = rd.number(value, where, lower=lower, strict=strict, unit=unit)
                if key == "inefficiency" and params[key] > 1.0:
                    raise rd.fail(where, f"must be <= 1, got {value!r}")
            if kind == ENDCAP and params["r_max"] <= params["r_min"]:
                raise rd.fail(
                    f"{lpath}.r_max",
                    f"must be > r_min = {params['r_min']:g} mm, got {params['r_max']:g}",
                )
            if params["pitch_u"] > params["module_width"]:
                raise rd.fail(f"{lpath}.pitch_u", "is larger than module_width")
            if params["pitch_v"] > params["module_length"]:
                raise rd.fail(f"{lpath}.pitch_v", "is larger than module_length")
            drafts.append(_LayerDraft(vid, vname, kind, params, lpath))
            if mirror_id is not None:
                mirrored = dict(params, z=-params["z"])
                drafts.append(
                    _LayerDraft(mirror_id, vname + " (-z)", kind, mirrored, lpath + " (mirror)")
                )
    _check_overlaps(drafts, rd)
    return _build(drafts, name=name, bz=bz, source=source, description=description)


def _envelope(d: _LayerDraft) -> tuple[float, float, float, float]:
    """(r_lo, r_hi, z_lo, z_hi) of a layer including its thickness [mm]."""
    p = d.params
    half_t = 0.5 * p["thickness"]
    if d.kind == BARREL:
        return p["radius"] - half_t, p["radius"] + half_t, -p["half_length"], p["half_length"]
    return p["r_min"], p["r_max"], p["z"] - half_t, p["z"] + half_t


def _check_overlaps(drafts: Sequence[_LayerDraft], rd: _Reader) -> None:
    """Raise if the (r, z) envelopes of two layers intersect with non-zero area."""
    boxes = np.array([_envelope(d) for d in drafts], dtype=np.float64)
    if len(boxes) < 2:
        return
    r_lo, r_hi, z_lo, z_hi = boxes.T
    dr = np.minimum(r_hi[:, None], r_hi[None, :]) - np.maximum(r_lo[:, None], r_lo[None, :])
    dz = np.minimum(z_hi[:, None], z_hi[None, :]) - np.maximum(z_lo[:, None], z_lo[None, :])
    clash = (dr > 0) & (dz > 0)
    np.fill_diagonal(clash, False)
    if clash.any():
        i, j = (int(k) for k in np.argwhere(clash)[0])
        a, b = drafts[max(i, j)], drafts[min(i, j)]
        ea = _envelope(a)
        raise rd.fail(
            a.source,
            f"layer overlaps {b.source} "
            f"(its envelope is r {ea[0]:g}..{ea[1]:g} mm, z {ea[2]:g}..{ea[3]:g} mm)",
        )


def _build(
    drafts: Sequence[_LayerDraft], *, name: str, bz: float, source: str, description: str
) -> Geometry:
    """Assign layer ids (2, 4, ... by radius or z) and tile every layer with modules."""
    by_volume: dict[int, list[_LayerDraft]] = {}
    for d in drafts:
        by_volume.setdefault(d.volume_id, []).append(d)
    layers: list[Layer] = []
    tiles: list[dict[str, np.ndarray]] = []
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]] = []
    n_mod = 0
    common = ("thickness", "x_over_x0", "pitch_u", "pitch_v", "module_length", "module_width")
    for vid in sorted(by_volume):
        members = by_volume[vid]
        coord = "radius" if members[0].kind == BARREL else "z"
        for rank, d in enumerate(sorted(members, key=lambda d: d.params[coord])):
            p = d.params
            if d.kind == BARREL:
                shape = {"radius": p["radius"], "z": 0.0, "r_min": p["radius"]}
                shape |= {"r_max": p["radius"], "z_min": -p["half_length"]}
                shape |= {"z_max": p["half_length"]}
            else:
                shape = {"radius": 0.5 * (p["r_min"] + p["r_max"]), "z": p["z"]}
                shape |= {"r_min": p["r_min"], "r_max": p["r_max"], "z_min": p["z"]}
                shape |= {"z_max": p["z"]}
            lay = Layer(
                index=len(layers),
                volume_id=vid,
                layer_id=2 * (rank + 1),
                volume_name=d.volume_name,
                kind=d.kind,
                inefficiency=p["inefficiency"],
                source=d.source,
                **shape,
                **{k: p[k] for k in common},
            )
            tiler = _tile_barrel if d.kind == BARREL else _tile_disk
            tile, seg = tiler(lay, p["phi_offset"], n_mod)
            layers.append(lay)
            tiles.append(tile)
            rows.append(seg)
            n_mod += len(tile["module_id"])
    modules = Modules(**{k: np.concatenate([t[k] for t in tiles]) for k in tiles[0]})
    geometry = Geometry(
        name=name,
        layers=tuple(layers),
        modules=modules,
        segmentation=pad_segmentation(rows),
        bz=bz,
        schema_version=SCHEMA_VERSION,
        source=source,
        description=description,
    )
    logger.debug(
        "geometry %s: %d layers, %d modules", name, geometry.n_layers, geometry.n_modules
    )
    return geometry


def _module_fields(
    lay: Layer,
    phi_c: np.ndarray,
    r_c: np.ndarray,
    z_c: np.ndarray,
    half_u_min: np.ndarray,
    half_u_max: np.ndarray,
    half_v: np.ndarray,
    module_id: np.ndarray,
) -> dict[str, np.ndarray]:
    n = len(phi_c)
    c, s = np.cos(phi_c), np.sin(phi_c)
    zero, one = np.zeros(n), np.ones(n)
    u = np.stack([-s, c, zero], axis=-1)  # azimuthal direction
    # v: along z on barrels, radial on disks
    v = np.stack([zero, zero, one] if lay.is_barrel else [c, s, zero], axis=-1)
    w = np.cross(u, v)
    full = np.full
    return {
        "volume_id": full(n, lay.volume_id, dtype=np.int32),
        "layer_id": full(n, lay.layer_id, dtype=np.int32),
        "module_id": module_id.astype(np.int64),
        "layer_index": full(n, lay.index, dtype=np.int32),
        "center": np.stack([r_c * c, r_c * s, z_c], axis=-1),
        "rotation": np.stack([u, v, w], axis=-1),
        "thickness": full(n, lay.thickness),
        "half_u_min": half_u_min,
        "half_u_max": half_u_max,
        "half_v": half_v,
        "pitch_u": full(n, lay.pitch_u),
        "pitch_v": full(n, lay.pitch_v),
        "inefficiency": full(n, lay.inefficiency),
    }


def _count(extent: float, size: float) -> int:
    """How many modules of ``size`` cover ``extent`` (at least one)."""
    return max(1, math.ceil(extent / size - 1e-9))


def _tile_barrel(
    lay: Layer, phi_offset: float, first_index: int
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]]:
    n_phi = _count(2.0 * math.pi * lay.radius, lay.module_width)
    n_z = _count(lay.z_max - lay.z_min, lay.module_length)
    iz, iphi = np.meshgrid(np.arange(n_z), np.arange(n_phi), indexing="ij")
    iz, iphi = iz.ravel(), iphi.ravel()
    dphi = 2.0 * math.pi / n_phi
    dz = (lay.z_max - lay.z_min) / n_z
    phi_c = phi_offset + (iphi + 0.5) * dphi
    z_c = lay.z_min + (iz + 0.5) * dz
    n = n_z * n_phi
    half_u = np.full(n, 0.5 * lay.radius * dphi)
    tile = _module_fields(
        lay,
        phi_c,
        np.full(n, lay.radius),
        z_c,
        half_u,
        half_u,
        np.full(n, 0.5 * dz),
        iz * n_phi + iphi + 1,
    )
    edges = np.linspace(lay.z_min, lay.z_max, n_z + 1)
    index = first_index + np.arange(n, dtype=np.int64).reshape(n_z, n_phi)
    seg = (
        edges,
        np.full(n_z, n_phi),
        np.full(n_z, phi_offset),
        [index[k] for k in range(n_z)],
    )
    return tile, seg


def _tile_disk(
    lay: Layer, phi_offset: float, first_index: int
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]]:
    n_r = _count(lay.r_max - lay.r_min, lay.module_length)
    edges = np.linspace(lay.r_min, lay.r_max, n_r + 1)
    parts: list[tuple[np.ndarray, ...]] = []
    n_phis, slots = [], []
    start = 0
    for k in range(n_r):
        r_lo, r_hi = edges[k], edges[k + 1]
        r_mid = 0.5 * (r_lo + r_hi)
        n_phi = _count(2.0 * math.pi * r_mid, lay.module_width)
        dphi = 2.0 * math.pi / n_phi
        j = np.arange(n_phi)
        parts.append(
            (
                phi_offset + (j + 0.5) * dphi,
                np.full(n_phi, r_mid),
                np.full(n_phi, 0.5 * r_lo * dphi),
                np.full(n_phi, 0.5 * r_hi * dphi),
                np.full(n_phi, 0.5 * (r_hi - r_lo)),
                start + j + 1,
            )
        )
        n_phis.append(n_phi)
        slots.append(first_index + start + j)
        start += n_phi
    phi_c, r_c, hu0, hu1, hv, mid = (np.concatenate(x) for x in zip(*parts, strict=True))
    tile = _module_fields(lay, phi_c, r_c, np.full(start, lay.z), hu0, hu1, hv, mid)
    seg = (edges, np.array(n_phis), np.full(n_r, phi_offset), slots)
    return tile, seg


def pad_segmentation(
    rows: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, Sequence[np.ndarray]]],
) -> Segmentation:
    """Pack per-layer (edges, n_phi, phi0, slots-per-row) into padded :class:`Segmentation`."""
    n_layers = len(rows)
    max_rows = max(len(r[1]) for r in rows)
    max_phi = max(len(s) for r in rows for s in r[3])
    edges = np.full((n_layers, max_rows + 1), np.inf)
    n_rows = np.zeros(n_layers, dtype=np.int32)
    n_phi = np.ones((n_layers, max_rows), dtype=np.int32)
    phi0 = np.zeros((n_layers, max_rows))
    module_index = np.full((n_layers, max_rows, max_phi), -1, dtype=np.int32)
    for li, (e, nphi, p0, slots) in enumerate(rows):
        k = len(nphi)
        n_rows[li] = k
        edges[li, : k + 1] = e
        n_phi[li, :k] = nphi
        phi0[li, :k] = p0
        for ri, s in enumerate(slots):
            module_index[li, ri, : len(s)] = s
    return Segmentation(edges, n_rows, n_phi, phi0, module_index)


__all__ = [
    "BARREL",
    "ENDCAP",
    "SCHEMA_VERSION",
    "Geometry",
    "Layer",
    "Modules",
    "Segmentation",
    "SurfaceArrays",
    "available_geometries",
    "geometry_from_dict",
    "load_geometry",
    "pad_segmentation",
]
