"""CKF baseline on particle-gun events, and the one-line errors for bad input."""

import jax
import numpy as np
import pytest

from colliderax import detector
from colliderax.core.errors import ColliderAxError
from colliderax.tracking import EmptyEvent, GeometryMismatch, prepare_hits
from colliderax.tracking.ckf import CKFConfig, find_tracks_ckf
from colliderax.tracking.metrics import event_metrics, summarize

from .conftest import BZ


@pytest.fixture(scope="module")
def gun_event(cms_geometry):
    """120 muons (1 < pT < 10 GeV, |eta| < 2.5) and 300 noise hits."""
    muons = detector.gun(jax.random.key(21), 120, pt_range=(1.0, 10.0), eta_range=(-2.5, 2.5))
    sim = detector.simulate(jax.random.key(22), muons, cms_geometry, field=BZ, noise_hits=300)
    return sim.to_tables()


def test_ckf_finds_gun_muons(gun_event, cms_geometry):
    hits = prepare_hits(gun_event["hits"], cms_geometry)
    tracks = find_tracks_ckf(hits, cms_geometry, bz=BZ, config=CKFConfig(displaced_seed=None))
    assert len(np.unique(tracks.hit_ids)) == len(tracks.hit_ids)  # a hit is on one track
    m = summarize([event_metrics(tracks.hit_ids, tracks.track_ids, gun_event["truth"],
                                 gun_event["particles"])])
    assert m["efficiency"] > 0.97
    assert m["fake_rate"] < 0.02
    assert m["duplicate_rate"] < 0.02
    assert m["trackml_score"] > 0.9
    assert tracks.fit is not None
    assert np.all(np.asarray(tracks.fit.ok))


def test_hits_from_another_geometry(gun_event, cms_geometry):
    hits = dict(gun_event["hits"])
    hits["volume_id"] = np.where(hits["volume_id"] == 8, 99, hits["volume_id"])
    with pytest.raises(GeometryMismatch, match="another geometry"):
        prepare_hits(hits, cms_geometry)
    hits = dict(gun_event["hits"])
    hits["x"] = hits["x"] * 1.5  # right ids, wrong radii
    with pytest.raises(GeometryMismatch, match="off their layer"):
        prepare_hits(hits, cms_geometry)


def test_empty_event(cms_geometry):
    empty = {c: np.zeros(0) for c in ("hit_id", "x", "y", "z", "volume_id", "layer_id")}
    with pytest.raises(EmptyEvent) as info:
        prepare_hits(empty, cms_geometry)
    assert isinstance(info.value, ColliderAxError)
    assert "\n" not in str(info.value)
    hits = prepare_hits(empty, cms_geometry, allow_empty=True)
    tracks = find_tracks_ckf(hits, cms_geometry, bz=BZ)
    assert tracks.n_tracks == 0
