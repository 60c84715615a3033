"""The particle gun and Particles.from_arrays."""

import jax
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.detector import Particles, gun
from colliderax.detector.particles import pdg_mass_charge


def test_gun_ranges_and_ids():
    p = gun(jax.random.key(0), 5000, pt_range=(2.0, 4.0), eta_range=(-1.0, 0.5),
            phi_range=(0.0, 1.0), vertex_sigma=(0.01, 0.02, 40.0), first_id=100)
    px, py, pz = (np.asarray(a) for a in (p.px, p.py, p.pz))
    pt = np.hypot(px, py)
    eta = np.arcsinh(pz / pt)
    phi = np.arctan2(py, px)
    assert pt.min() >= 2.0
    assert pt.max() <= 4.0
    assert eta.min() >= -1.0 - 1e-12  # arcsinh round trip
    assert eta.max() <= 0.5 + 1e-12
    assert phi.min() >= 0.0
    assert phi.max() <= 1.0
    # beam-spot widths within 5% (5000 samples: 1% statistical)
    assert np.std(np.asarray(p.vz)) == pytest.approx(40.0, rel=0.05)
    assert np.std(np.asarray(p.vy)) == pytest.approx(0.02, rel=0.05)
    np.testing.assert_array_equal(np.asarray(p.particle_id), np.arange(100, 5100))
    assert np.asarray(p.px).dtype == np.float64
    assert p.n == 5000


def test_gun_charges_follow_pdg():
    mu = gun(jax.random.key(1), 2000, pdg=13)
    q, pdg = np.asarray(mu.q), np.asarray(mu.pdg)
    assert set(np.unique(q).tolist()) == {-1.0, 1.0}
    np.testing.assert_array_equal(pdg, np.where(q < 0, 13, -13))  # mu- is +13
    assert abs(q.mean()) < 0.1
    pions = gun(jax.random.key(2), 10, pdg=211, charge=-1)
    np.testing.assert_array_equal(np.asarray(pions.pdg), -211)
    np.testing.assert_array_equal(np.asarray(pions.q), -1.0)
    np.testing.assert_allclose(np.asarray(pions.mass), 0.13957039)
    photons = gun(jax.random.key(3), 10, pdg=22)
    np.testing.assert_array_equal(np.asarray(photons.q), 0.0)


def test_same_key_same_particles():
    a = gun(jax.random.key(9), 100)
    b = gun(jax.random.key(9), 100)
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_gun_rejects_bad_input():
    key = jax.random.key(0)
    with pytest.raises(InvalidInput, match="pt_range"):
        gun(key, 10, pt_range=(5.0, 1.0))
    with pytest.raises(InvalidInput, match="pt_range"):
        gun(key, 10, pt_range=(0.0, 1.0))
    with pytest.raises(InvalidInput, match="charge"):
        gun(key, 10, pdg=13, charge=2)
    with pytest.raises(InvalidInput, match="neutral"):
        gun(key, 10, pdg=22, charge=1)
    with pytest.raises(InvalidInput, match="unknown PDG code 999"):
        gun(key, 10, pdg=999)
    with pytest.raises(InvalidInput, match="n must be"):
        gun(key, 0)


def test_from_arrays():
    p = Particles.from_arrays(vertex=np.zeros((3, 3)), momentum=np.ones((3, 3)),
                              pdg=[11, -11, 2212])
    np.testing.assert_array_equal(np.asarray(p.q), [-1.0, 1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(p.particle_id), [1, 2, 3])
    custom = Particles.from_arrays(vertex=np.zeros((2, 3)), momentum=np.ones((2, 3)),
                                   q=[1.0, -1.0], mass=[0.1, 0.2], particle_id=[7, 8])
    np.testing.assert_array_equal(np.asarray(custom.pdg), [0, 0])
    with pytest.raises(InvalidInput, match=r"shape \(n, 3\)"):
        Particles.from_arrays(vertex=np.zeros((2, 2)), momentum=np.ones((2, 3)), pdg=[13, 13])
    with pytest.raises(InvalidInput, match="give pdg codes"):
        Particles.from_arrays(vertex=np.zeros((2, 3)), momentum=np.ones((2, 3)))
    with pytest.raises(InvalidInput, match="unknown PDG"):
        pdg_mass_charge([13, 12345])
