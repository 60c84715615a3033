"""Geometry loading, module tiling and validation errors (acceptance 4)."""

import copy
import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.detector import (
    GeometryError,
    available_geometries,
    geometry_from_dict,
    load_geometry,
)
from colliderax.detector.simulation import _lookup_module

BASE = {
    "schema_version": 1,
    "name": "mini",
    "field": {"bz": 3.8},
    "volumes": [
        {
            "id": 8,
            "name": "B",
            "kind": "barrel",
            "defaults": {
                "module_length": 40.0,
                "module_width": 20.0,
                "pitch_u": 0.025,
                "pitch_v": 0.1,
                "thickness": 0.15,
                "x_over_x0": 0.01,
            },
            "layers": [
                {"radius": 30.0, "half_length": 200.0},
                {"radius": 60.0, "half_length": 200.0},
            ],
        },
        {
            "id": 9,
            "mirror_id": 7,
            "name": "E",
            "kind": "endcap",
            "defaults": {
                "module_length": 40.0,
                "module_width": 30.0,
                "pitch_u": 0.025,
                "pitch_v": 0.1,
                "thickness": 0.15,
                "x_over_x0": 0.015,
            },
            "layers": [{"z": 300.0, "r_min": 40.0, "r_max": 160.0}],
        },
    ],
}


def _config(**changes):
    cfg = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = cfg
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        last = keys[-1]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return cfg


_DELETE = object()


def _expect_error(cfg, *fragments):
    with pytest.raises(GeometryError) as info:
        geometry_from_dict(cfg, source="mini.toml")
    message = str(info.value)
    assert "\n" not in message  # one line
    for fragment in fragments:
        assert fragment in message, message
    assert isinstance(info.value, InvalidInput)
    return message


def test_shipped_geometry_loads(cms_geometry):
    g = cms_geometry
    assert "cms_phase2_like" in available_geometries()
    assert g.schema_version == 1
    assert g.bz == pytest.approx(3.8)
    # 4 TBPX + 3 TBPS + 3 TB2S barrels; 8 TFPX + 4 TEPX + 5 TEDD-PS + 5 TEDD-2S disks per side
    assert sum(lay.is_barrel for lay in g.layers) == 10
    assert sum(not lay.is_barrel for lay in g.layers) == 2 * (8 + 4 + 5 + 5)
    assert g.volume_ids() == (6, 7, 8, 9, 10, 12, 13, 14, 16, 17, 18)
    radii = [lay.radius for lay in g.layers if lay.is_barrel]
    assert sorted(radii) == [30.0, 61.0, 104.0, 146.0, 230.0, 360.0, 510.0, 680.0, 880.0, 1080.0]
    tbpx = g.layer(8, 2)
    assert (tbpx.pitch_u, tbpx.pitch_v, tbpx.thickness) == (0.025, 0.1, 0.15)
    assert g.layer(17, 2).pitch_v == 50.0  # 2S strips
    assert 10_000 < g.n_modules < 25_000


def test_module_ids_unique_and_layer_ids_trackml_style(cms_geometry):
    m = cms_geometry.modules
    keys = set(zip(m.volume_id.tolist(), m.layer_id.tolist(), m.module_id.tolist(), strict=True))
    assert len(keys) == len(m)
    assert set(m.layer_id.tolist()) <= {2, 4, 6, 8, 10, 12, 14, 16}
    assert m.module_id.min() == 1
    # modules are read-only
    with pytest.raises(ValueError, match="read-only"):
        m.center[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        cms_geometry.bz = 2.0


def test_module_frames_are_orthonormal_and_tile_area(cms_geometry):
    m = cms_geometry.modules
    eye = np.einsum("nji,njk->nik", m.rotation, m.rotation)
    np.testing.assert_allclose(eye, np.broadcast_to(np.eye(3), eye.shape), atol=1e-12)
    for lay in cms_geometry.layers[:: 7]:
        area = m.area[m.layer_index == lay.index].sum()
        if lay.is_barrel:
            expected = 2 * np.pi * lay.radius * (lay.z_max - lay.z_min)
        else:
            expected = np.pi * (lay.r_max**2 - lay.r_min**2)
        # modules tile the surface exactly (trapezoids on disks, arcs on cylinders)
        assert area == pytest.approx(expected, rel=1e-12)


def test_segmentation_maps_every_module_centre_to_itself(cms_geometry):
    surf = cms_geometry.surfaces()
    m = cms_geometry.modules
    # project the centre onto the layer surface (the exact centre for this geometry)
    lay = jnp.asarray(m.layer_index)
    found = _lookup_module(surf, lay, m.center[:, 0], m.center[:, 1], m.center[:, 2])
    np.testing.assert_array_equal(np.asarray(found), np.arange(len(m)))


def test_load_by_path(tmp_path):
    import importlib.resources

    text = (importlib.resources.files("colliderax.detector") / "geometries" /
            "cms_phase2_like.toml").read_text()
    path = tmp_path / "copy.toml"
    path.write_text(text)
    assert load_geometry(path).n_modules == load_geometry().n_modules


def test_mini_geometry_mirror():
    g = geometry_from_dict(BASE)
    assert g.volume_ids() == (7, 8, 9)
    assert g.layer(7, 2).z == -300.0
    assert g.layer(9, 2).z == 300.0
    assert g.layer(8, 4).radius == 60.0


def test_overlapping_barrel_layers():
    cfg = _config(volumes__0__layers__1__radius=30.05)  # within the 0.15 mm thickness
    _expect_error(cfg, "volumes[0].layers[1]", "overlaps volumes[0].layers[0]", "mini.toml")


def test_disk_cutting_through_barrel():
    cfg = _config(volumes__1__layers__0__z=150.0)  # |z| < 200 mm barrel, r range 40-160
    _expect_error(cfg, "volumes[1].layers[0]", "overlaps volumes[0].layers[1]")


def test_negative_radius():
    msg = _expect_error(_config(volumes__0__layers__0__radius=-5.0),
                        "volumes[0].layers[0].radius", "must be > 0 mm", "-5.0")
    assert msg.startswith("volumes[0].layers[0].radius:")


def test_negative_default_inherited_names_defaults_path():
    _expect_error(_config(volumes__0__defaults__pitch_u=-0.1), "volumes[0].defaults.pitch_u")


def test_missing_key():
    _expect_error(_config(volumes__1__layers__0__r_max=_DELETE),
                  "volumes[1].layers[0].r_max", "missing required key")
    _expect_error(_config(volumes__0__defaults__thickness=_DELETE),
                  "volumes[0].layers[0].thickness", "missing")
    _expect_error(_config(name=_DELETE), "name: missing")


def test_unknown_key_and_schema_version():
    _expect_error(_config(volumes__0__layers__0__raduis=3.0), "volumes[0].layers[0].raduis",
                  "unknown key")
    _expect_error(_config(schema_version=2), "schema_version", "unsupported value 2")
    _expect_error(_config(schema_version=_DELETE), "schema_version", "missing")


def test_bad_values():
    _expect_error(_config(volumes__1__layers__0__r_max=30.0), "volumes[1].layers[0].r_max",
                  "must be > r_min")
    _expect_error(_config(volumes__0__kind="cone"), "volumes[0].kind")
    _expect_error(_config(volumes__0__layers__0__radius="30"), "must be a number")
    _expect_error(_config(volumes__0__layers__0__inefficiency=1.5), "inefficiency", "<= 1")
    _expect_error(_config(volumes__1__mirror_id=8), "volumes[1].mirror_id", "already used")
    _expect_error(_config(volumes__0__layers__0__pitch_u=25.0), "pitch_u",
                  "larger than module_width")


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = [\n")
    with pytest.raises(GeometryError, match=r"bad\.toml: not valid TOML") as info:
        load_geometry(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(GeometryError, match="unknown geometry"):
        load_geometry("no_such_detector")
    with pytest.raises(GeometryError, match="cannot read"):
        load_geometry(tmp_path / "missing.toml")
