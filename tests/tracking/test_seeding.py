"""Triplet seeding: the windowed search finds exactly the triplets a scan of all hit triples
passing the same cuts finds."""

import jax
import numpy as np
import pytest

from colliderax import detector
from colliderax.detector.propagation import KAPPA
from colliderax.tracking import prepare_hits
from colliderax.tracking.search import LayerIndex
from colliderax.tracking.seeding import (
    SeedConfig,
    circle_through,
    find_doublets,
    find_seeds,
    layer_triplets,
)

from .conftest import BZ


def _in_phi(phi, lo, hi):
    lo_n = np.mod(lo + np.pi, 2 * np.pi) - np.pi
    return np.mod(phi - lo_n, 2 * np.pi) <= hi - lo


def _brute_seeds(hits, layers, trip, cfg):
    """Every hit triple on the layer triplet, with the cuts of find_seeds written out."""
    _, lb, lc = trip
    ia, ib, ic = (np.flatnonzero(hits.layer == lay) for lay in trip)
    a, b, c = (g.ravel() for g in np.meshgrid(ia, ib, ic, indexing="ij"))
    r, z, phi = hits.r, hits.z, hits.phi
    k = KAPPA * BZ / (2 * cfg.pt_min)
    rb_max = layers[lb].r_max
    dphi = (np.arcsin(np.clip(k * rb_max, 0, 1)) - np.arcsin(np.clip(k * r[a], 0, 1))
            + cfg.d0_max * np.abs(1 / r[a] - 1 / rb_max) + cfg.phi_slack)
    ok = _in_phi(phi[b], phi[a] - dphi, phi[a] + dphi) & (r[b] - r[a] > 1.0)
    cot = (z[b] - z[a]) / np.where(ok, r[b] - r[a], 1.0)
    ok &= (np.abs(z[a] - r[a] * cot) < cfg.z0_max) & (np.abs(np.arcsinh(cot)) < cfg.eta_max)
    lay_c = layers[lc]
    if lay_c.is_barrel:
        rc = np.full(len(a), lay_c.radius)
        zc = z[b] + cot * (rc - r[b])
        ok &= (zc > lay_c.z_min - 10.0) & (zc < lay_c.z_max + 10.0)
    else:
        rc = r[b] + (lay_c.z - z[b]) / np.where(cot != 0, cot, 1e-9)
        ok &= (rc > lay_c.r_min - 10.0) & (rc < lay_c.r_max + 10.0) & (rc > r[b] + 1.0)
    dab = np.mod(phi[b] - phi[a] + np.pi, 2 * np.pi) - np.pi
    lever = (rc - r[b]) / (r[b] - r[a])
    centre = phi[b] + dab * lever
    d0_term = cfg.d0_max * np.abs(1 / r[b] - 1 / rc - lever * (1 / r[a] - 1 / r[b]))
    half = 0.1 * np.abs(dab) * lever + cfg.phi_slack + d0_term
    ok &= _in_phi(phi[c], centre - half, centre + half) & (r[c] - r[b] > 1.0)
    cot_bc = (z[c] - z[b]) / np.where(ok, r[c] - r[b], 1.0)
    ok &= np.abs(cot_bc - cot) < cfg.cot_tolerance * (1 + cot * cot)
    cx, cy, radius, _ = circle_through(hits.x[a], hits.y[a], hits.x[b], hits.y[b],
                                       hits.x[c], hits.y[c])
    ok &= (KAPPA * BZ * radius > cfg.pt_min) & (np.abs(np.hypot(cx, cy) - radius) < cfg.d0_max)
    return {(int(i), int(j), int(m)) for i, j, m in zip(a[ok], b[ok], c[ok], strict=True)}


@pytest.mark.parametrize("cfg", [SeedConfig(), SeedConfig(d0_max=4.0, pt_min=0.5)])
def test_seeds_match_brute_force(cms_geometry, cfg):
    muons = detector.gun(jax.random.key(7), 60, pt_range=(0.5, 5.0), eta_range=(-2.7, 2.7))
    sim = detector.simulate(jax.random.key(8), muons, cms_geometry, field=BZ, noise_hits=1500)
    hits = prepare_hits(sim.to_tables()["hits"], cms_geometry)
    index = LayerIndex(hits, cms_geometry.layers)
    trips = layer_triplets(cms_geometry, cfg)[:8]
    n = 0
    for trip in trips:
        seeds, params = find_seeds(hits, index, [trip], BZ, cfg)
        found = {tuple(int(i) for i in s) for s in seeds}
        assert found == _brute_seeds(hits, cms_geometry.layers, trip, cfg)
        assert params.shape == (len(seeds), 5)
        n += len(found)
    assert n > 50


def test_doublets_reused_with_fewer_free_hits(cms_geometry):
    """Doublets found once (with the hits used then) give the seeds of a fresh search later."""
    muons = detector.gun(jax.random.key(9), 80, pt_range=(0.8, 5.0), eta_range=(-2.5, 2.5))
    sim = detector.simulate(jax.random.key(10), muons, cms_geometry, field=BZ, noise_hits=800)
    hits = prepare_hits(sim.to_tables()["hits"], cms_geometry)
    index = LayerIndex(hits, cms_geometry.layers)
    cfg = SeedConfig()
    trips = layer_triplets(cms_geometry, cfg)[:6]
    rng = np.random.default_rng(4)
    used_before = rng.uniform(size=len(hits)) < 0.1
    used_now = used_before | (rng.uniform(size=len(hits)) < 0.2)
    doublets = {(la, lb): find_doublets(hits, index, la, lb, BZ, cfg, used_before)
                for la, lb, _ in trips}
    cached, _ = find_seeds(hits, index, trips, BZ, cfg, used=used_now, doublets=doublets)
    fresh, _ = find_seeds(hits, index, trips, BZ, cfg, used=used_now)
    assert len(fresh) > 20
    assert np.array_equal(cached, fresh)
    assert not used_now[fresh].any()
