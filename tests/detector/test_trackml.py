"""Acceptance 5: the TrackML detectors.csv loader on the public file (skipped when absent)."""

import gzip

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.detector import GeometryError, gun, load_trackml_detectors, simulate
from colliderax.detector.simulation import _lookup_module
from colliderax.detector.trackml import DETECTOR_COLUMNS


@pytest.fixture(scope="module")
def trackml(trackml_detectors_path):
    return load_trackml_detectors(trackml_detectors_path)


def test_module_and_layer_counts(trackml):
    assert trackml.n_modules == 18_728
    assert trackml.volume_ids() == (7, 8, 9, 12, 13, 14, 16, 17, 18)
    per_volume = {}
    for lay in trackml.layers:
        per_volume[lay.volume_id] = per_volume.get(lay.volume_id, 0) + 1
    assert per_volume == {7: 7, 8: 4, 9: 7, 12: 6, 13: 4, 14: 6, 16: 6, 17: 2, 18: 6}
    assert {v for v in per_volume if trackml.layer(v, 2).is_barrel} == {8, 13, 17}


def test_layer_positions_are_sensible(trackml):
    # pixel barrel ~32, 72, 116, 172 mm; short strips 260-660 mm; long strips 820, 1020 mm
    radii = [round(trackml.layer(8, l).radius) for l in (2, 4, 6, 8)]
    assert radii == [32, 72, 116, 172]
    assert round(trackml.layer(17, 4).radius) == 1020
    assert trackml.layer(9, 2).z == pytest.approx(600.0, abs=1.0)
    assert trackml.layer(7, 2).z == pytest.approx(-1500.0, abs=1.0)
    for lay in trackml.layers:
        assert lay.r_min <= lay.r_max
        assert lay.z_min <= lay.z_max
        assert 0.1 < lay.thickness < 0.5
        assert 0 < lay.pitch_u < lay.pitch_v <= 11.0
    rot = trackml.modules.rotation
    ortho = np.einsum("nji,njk->nik", rot, rot)
    np.testing.assert_allclose(ortho, np.broadcast_to(np.eye(3), ortho.shape), atol=1e-5)


def test_lookup_returns_module_for_its_centre(trackml):
    surf = trackml.surfaces()
    m = trackml.modules
    lay = m.layer_index
    barrel = np.array([trackml.layers[i].is_barrel for i in lay])
    phi = np.arctan2(m.center[:, 1], m.center[:, 0])
    r_layer = np.array([trackml.layers[i].radius for i in lay])
    z_layer = np.array([trackml.layers[i].z for i in lay])
    r = np.where(barrel, r_layer, np.hypot(m.center[:, 0], m.center[:, 1]))
    z = np.where(barrel, m.center[:, 2], z_layer)
    found = _lookup_module(surf, jnp.asarray(lay), r * np.cos(phi), r * np.sin(phi), z)
    np.testing.assert_array_equal(np.asarray(found), np.arange(len(m)))


def test_simulated_hits_fall_in_their_modules(trackml):
    particles = gun(jax.random.key(4), 300, eta_range=(-3.0, 3.0))
    result = simulate(jax.random.key(2), particles, trackml, field=2.0, material=False,
                      smear=False, inefficiency=False)
    hits = result.to_tables()["hits"]
    assert len(hits["hit_id"]) > 2000
    m = trackml.modules
    index = {k: i for i, k in enumerate(zip(m.volume_id.tolist(), m.layer_id.tolist(),
                                            m.module_id.tolist(), strict=True))}
    idx = np.array([index[k] for k in zip(hits["volume_id"].tolist(), hits["layer_id"].tolist(),
                                          hits["module_id"].tolist(), strict=True)])
    pos = np.stack([hits["x"], hits["y"], hits["z"]], -1) - m.center[idx]
    local = np.einsum("nji,nj->ni", m.rotation[idx], pos)
    # Hits sit on the ideal layer surface, not the (staggered, flat) module plane, so allow
    # the sagitta/stagger: 5% of the module half size in u and v.
    assert np.all(np.abs(local[:, 0]) <= 1.05 * np.maximum(m.half_u_min, m.half_u_max)[idx])
    assert np.all(np.abs(local[:, 1]) <= 1.05 * m.half_v[idx])


def test_missing_column_is_a_geometry_error(tmp_path):
    path = tmp_path / "detectors.csv.gz"
    cols = [c for c in DETECTOR_COLUMNS if c != "pitch_v"]
    with gzip.open(path, "wt") as fh:
        fh.write(",".join(cols) + "\n")
        fh.write(",".join(["1"] * len(cols)) + "\n")
    with pytest.raises(GeometryError, match="column 'pitch_v' missing"):
        load_trackml_detectors(path)
