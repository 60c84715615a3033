"""The binned hit index returns exactly the hits a brute-force scan finds."""

import jax
import numpy as np
import pytest

from colliderax import detector
from colliderax.tracking import prepare_hits
from colliderax.tracking.search import LayerIndex

from .conftest import BZ


@pytest.fixture(scope="module")
def hits(cms_geometry):
    muons = detector.gun(jax.random.key(5), 300, pt_range=(0.5, 5.0), eta_range=(-2.5, 2.5))
    sim = detector.simulate(jax.random.key(6), muons, cms_geometry, field=BZ, noise_hits=2000)
    return prepare_hits(sim.to_tables()["hits"], cms_geometry)


def _brute(hits, layer, phi_lo, phi_hi, v_lo, v_hi):
    v = np.where(hits.is_barrel, hits.z, hits.r)
    lo = np.mod(phi_lo + np.pi, 2 * np.pi) - np.pi  # the index's rounding at the edges
    pairs = set()
    for q in range(len(layer)):
        inside = (
            (hits.layer == layer[q])
            & (np.mod(hits.phi - lo[q], 2 * np.pi) <= phi_hi[q] - phi_lo[q])
            & (v >= v_lo[q])
            & (v <= v_hi[q])
        )
        pairs |= {(q, int(h)) for h in np.flatnonzero(inside)}
    return pairs


@pytest.mark.parametrize(("v_bins", "phi_bins"), [(32, 256), (1, 1), (7, 13)])
def test_window_matches_brute_force(hits, cms_geometry, v_bins, phi_bins):
    index = LayerIndex(hits, cms_geometry.layers, v_bins=v_bins, phi_bins=phi_bins)
    rng = np.random.default_rng(3)
    n = 400
    layer = rng.integers(0, len(cms_geometry.layers), n)
    layer[300:] = 12
    centre = rng.uniform(-4.0, 4.0, n)  # also outside [-pi, pi)
    half = np.where(rng.uniform(size=n) < 0.1, 3.1, rng.exponential(0.05, n))
    v_mid = rng.uniform(-1200.0, 1200.0, n)
    v_mid = np.where(np.array([cms_geometry.layers[i].is_barrel for i in layer]), v_mid,
                     np.abs(v_mid) / 2)  # r on disks
    v_half = rng.exponential(50.0, n)
    v_lo, v_hi = v_mid - v_half, v_mid + v_half
    v_lo[:40], v_hi[:40] = -np.inf, np.inf  # unbounded in v
    v_lo[40:50], v_hi[40:50] = 5.0, -5.0  # empty
    # hits right on a window edge and windows around hits
    pick = rng.integers(0, len(hits), 100)
    layer[50:150] = hits.layer[pick]
    centre[50:150] = hits.phi[pick] + half[50:150]
    v_lo[50:150] = index.v[pick]
    centre[150:155] = np.nan  # a failed prediction finds nothing
    v_lo[155:160] = np.nan
    q, h = index.window(layer, centre - half, centre + half, v_lo, v_hi)
    found = set(zip(q.tolist(), h.tolist(), strict=True))
    assert len(found) == len(q)  # no hit twice
    assert found == _brute(hits, layer, centre - half, centre + half, v_lo, v_hi)
    assert len(found) > 1000
    # one layer for all queries
    on_12 = layer == 12
    q1, h1 = index.window(12, (centre - half)[on_12], (centre + half)[on_12], v_lo[on_12],
                          v_hi[on_12])
    expect = {(int(np.flatnonzero(on_12).tolist().index(a)), b) for a, b in found if on_12[a]}
    assert set(zip(q1.tolist(), h1.tolist(), strict=True)) == expect


def test_layer_hits_and_pos_range(hits, cms_geometry):
    index = LayerIndex(hits, cms_geometry.layers)
    for lay in (0, 12, 33, 53):
        assert np.array_equal(index.layer_hits(lay), np.flatnonzero(hits.layer == lay))
        pos = np.where(hits.is_barrel, hits.r, hits.z)[hits.layer == lay]
        assert index.pos_range[lay, 0] == pos.min()
        assert index.pos_range[lay, 1] == pos.max()
