"""Acceptance 1: without material and smearing every hit lies on its particle's analytic helix."""

import jax
import numpy as np
import pytest

from colliderax.detector import gun, simulate
from colliderax.detector.propagation import KAPPA, cylinder_roots, helix_point

from .conftest import N_BATCH
from .helix_reference import Helix, reference_crossings

# Helix positions are O(100-3000) mm; the library's closed form and the brentq reference agree
# to ~1e-15 relative per crossing, and restarting the helix at each crossing accumulates at
# most a few dozen roundings. 1e-9 is the acceptance bound and leaves a 10^5 safety margin.
REL_TOL = 1e-9


def _simulate_clean(key, particles, geometry, field, max_half_turns=2.0):
    return simulate(
        key,
        particles,
        geometry,
        field=field,
        material=False,
        smear=False,
        inefficiency=False,
        max_half_turns=max_half_turns,
    )


def _check_against_reference(result, geometry, field, max_half_turns, first):
    """Compare the first ``first`` particles' hits with the reference; return worst deviation."""
    p = jax.device_get(result.particles)
    worst = 0.0
    n_hits = 0
    for i in range(first):
        helix = Helix((p.vx[i], p.vy[i], p.vz[i]), (p.px[i], p.py[i], p.pz[i]), p.q[i], field)
        ref = reference_crossings(helix, geometry, max_half_turns)
        valid = np.asarray(result.hit_valid[i])
        sim_layers = np.asarray(result.layer_index[i])[valid]
        sim_pts = np.stack(
            [np.asarray(result.x[i]), np.asarray(result.y[i]), np.asarray(result.z[i])], axis=-1
        )[valid]
        # same surfaces in the same (path-length) order
        assert [lay for _, lay, _ in ref] == sim_layers.tolist(), f"particle {i}"
        for (_, _, ref_pt), pt in zip(ref, sim_pts, strict=True):
            dev = np.linalg.norm(pt - ref_pt) / np.linalg.norm(ref_pt)
            worst = max(worst, dev)
            n_hits += 1
    return worst, n_hits


def test_hits_lie_on_analytic_helix_cms(cms_geometry):
    # p_T from 0.3 GeV (loopers: R = 263 mm at 3.8 T) to 20 GeV, |eta| < 3 covers barrel
    # layers, disks and several half turns. N_BATCH particles share the compiled kernel; the
    # (slow, pure-Python) reference checks the first 120.
    particles = gun(jax.random.key(11), N_BATCH, pt_range=(0.3, 20.0), eta_range=(-3.0, 3.0))
    result = _simulate_clean(jax.random.key(5), particles, cms_geometry, 3.8)
    worst, n_hits = _check_against_reference(result, cms_geometry, 3.8, 2.0, first=120)
    assert n_hits > 800
    assert worst < REL_TOL


def test_loopers_stop_after_configured_half_turns(cms_geometry):
    # 0.2 GeV in 3.8 T: R = 176 mm. From the beam line the circle reaches r = 352 mm, so each
    # half turn crosses the four TBPX layers and TBPS layer 1 (r = 230 mm) once.
    particles = gun(
        jax.random.key(3), N_BATCH, pt_range=(0.2, 0.2), eta_range=(-0.02, 0.02),
        vertex_sigma=(0.0, 0.0, 0.0),
    )
    for half_turns in (1.0, 3.0, 6.0):
        result = _simulate_clean(jax.random.key(0), particles, cms_geometry, 3.8, half_turns)
        worst, _ = _check_against_reference(result, cms_geometry, 3.8, half_turns, first=20)
        assert worst < REL_TOL
        assert np.all(np.asarray(result.n_hits) == 5 * int(half_turns))


def test_straight_lines_without_field(cms_geometry, muons):
    result = _simulate_clean(jax.random.key(1), muons, cms_geometry, 0.0)
    p = jax.device_get(result.particles)
    valid = np.asarray(result.hit_valid)
    pts = np.stack([np.asarray(result.x), np.asarray(result.y), np.asarray(result.z)], -1)
    vtx = np.stack([p.vx, p.vy, p.vz], -1)[:, None, :]
    mom = np.stack([p.px, p.py, p.pz], -1)[:, None, :]
    # every hit lies on the straight line vertex + t * momentum: cross product vanishes
    cross = np.cross(pts - vtx, mom / np.linalg.norm(mom, axis=-1, keepdims=True))
    dev = np.linalg.norm(cross, axis=-1)[valid] / np.linalg.norm(pts, axis=-1)[valid]
    assert valid.sum() > 3000
    assert dev.max() < REL_TOL


@pytest.mark.parametrize("pt", [0.1, 1.0, 100.0, 1e4])
def test_cylinder_roots_machine_precision(pt):
    # The closed-form roots must put the point on the cylinder to ~1e-15 relative even for
    # 10 TeV tracks (R = 8.8 km), where the centre-radius form loses ~7 digits.
    rng = np.random.default_rng(7)
    x0, y0 = rng.normal(0.0, 30.0, (2, 500))
    phi0 = rng.uniform(-np.pi, np.pi, 500)
    radius = rng.uniform(40.0, 1100.0, 500)
    q = rng.choice([-1.0, 1.0], 500)
    rho = -KAPPA * q * 3.8 / pt
    s1, s2, exists = cylinder_roots(x0, y0, phi0, rho, radius)
    for s in (s1, s2):
        x, y, _, _ = helix_point(x0, y0, 0.0, phi0, 0.0, rho, s)
        rel = np.abs(np.hypot(x, y) - radius)[np.asarray(exists)] / radius[np.asarray(exists)]
        # 1e-13: a few ulps of the O(1e3) coordinates
        assert rel.max() < 1e-13
