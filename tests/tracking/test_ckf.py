"""CKF baseline on particle-gun events, and the one-line errors for bad input."""

import itertools

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


@pytest.mark.parametrize("n", [1, 255, 256, 257, 4095, 4096, 4097, 9000])
def test_kernel_chunks_cover_rows_with_little_padding(n):
    from colliderax.tracking.ckf import BUCKETS, _chunks

    chunks = _chunks(n)
    assert chunks[0][0] == 0
    assert chunks[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    assert all(size in BUCKETS and stop - start <= size for start, stop, size in chunks)
    assert sum(size for _, _, size in chunks) - n < BUCKETS[0]


def test_look_ahead_finds_the_next_crossed_layers(cms_geometry):
    """The kernel's next three layers equal a scan of every layer with the full helix point."""
    import jax.numpy as jnp

    from colliderax.tracking.ckf import _layer_arrays, _look_kernel
    from colliderax.tracking.helix import point_at, surface_arc

    rng = np.random.default_rng(11)
    n = 300
    x = np.stack([rng.normal(0, 20, n), rng.normal(0, 60, n), rng.uniform(-3, 3, n),
                  rng.uniform(0.15, 3.0, n), rng.choice([-1, 1], n) / rng.uniform(0.3, 5, n)], -1)
    lays = cms_geometry.layers
    last = rng.integers(0, len(lays), n)
    last_b = np.array([lays[i].is_barrel for i in last])
    last_pos = np.array([lays[i].radius if lays[i].is_barrel else lays[i].z for i in last])
    eye = np.broadcast_to(np.eye(5) * 1e-6, (n, 5, 5))
    k = np.asarray(_look_kernel(jnp.asarray(x), jnp.asarray(eye), jnp.zeros((n, 5, 5)),
                                jnp.asarray(last_b), jnp.asarray(last_pos), jnp.asarray(last),
                                _layer_arrays(cms_geometry), jnp.asarray(BZ), n_look=3)[0])
    is_b = np.array([l.is_barrel for l in lays])
    pos = np.array([l.radius if l.is_barrel else l.z for l in lays])
    lo = np.array([(l.z_min if l.is_barrel else l.r_min) - 5.0 for l in lays])
    hi = np.array([(l.z_max if l.is_barrel else l.r_max) + 5.0 for l in lays])
    s = np.asarray(surface_arc(jnp.asarray(x)[:, None, :], is_b, pos, BZ))
    px, py, pz, _ = (np.asarray(a) for a in point_at(jnp.asarray(x)[:, None, :], s, BZ))
    coord = np.where(is_b, pz, np.hypot(px, py))
    rho = -0.299792458e-3 * BZ * x[:, 4:5] / np.sin(x[:, 3:4])
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(s) & (coord >= lo) & (coord <= hi) & (np.abs(rho * s) < 0.9 * np.pi)
    s0 = np.asarray(surface_arc(jnp.asarray(x), last_b, last_pos, BZ))
    n_found = 0
    for i in range(n):
        prev_s, prev_l, expect = s0[i], last[i], []
        for _ in range(3):
            cand = np.where(ok[i] & (s[i] > prev_s + 0.5) & (np.arange(len(lays)) != prev_l),
                            s[i], np.inf)
            j = int(np.argmin(cand))
            if not np.isfinite(prev_s) or not np.isfinite(cand[j]):
                expect.append(-1)
                prev_s = np.inf
                continue
            expect.append(j)
            prev_s, prev_l = cand[j], j
        assert list(k[i]) == expect
        n_found += sum(e >= 0 for e in expect)
    assert n_found > 300
