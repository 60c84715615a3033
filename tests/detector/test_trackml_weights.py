"""The TrackML score's hit weights against the challenge's definition, worked by hand."""

import numpy as np
import pytest

from colliderax.detector.trackml import ORDER_PROFILE, trackml_hit_weights
from colliderax.tracking.metrics import event_metrics


def _particles(ids, pt, vz=0.0):
    ids = np.asarray(ids)
    pt = np.broadcast_to(np.asarray(pt, dtype=float), ids.shape)
    return {"particle_id": ids, "px": pt, "py": np.zeros(len(ids)), "pz": np.zeros(len(ids)),
            "vz": np.broadcast_to(np.asarray(vz, dtype=float), ids.shape)}


def test_nine_hits_follow_the_profile_in_distance_order():
    # 9 hits: the profile itself; hits given in shuffled order, ranked by |tz - vz| (vz = 50 mm,
    # hits on both sides of the vertex)
    rng = np.random.default_rng(1)
    dist = np.arange(1, 10) * 100.0
    tz = 50.0 + dist * np.where(np.arange(9) % 2, 1, -1)
    perm = rng.permutation(9)
    w = trackml_hit_weights(np.full(9, 7), tz[perm], _particles([7], 5.0, vz=50.0))
    np.testing.assert_allclose(w[np.argsort(perm)], ORDER_PROFILE / ORDER_PROFILE.sum(),
                               rtol=1e-14)


def test_four_hits_interpolate_the_profile():
    # profile nodes at ranks 0, 3/8, 6/8, ..., 3: rank 1 lies 1/3 of the way from 6 (node 2,
    # rank 0.75) to 5 (node 3, rank 1.125) -> 16/3; rank 2 between two 3s; rank 3 is the last 6
    raw = np.array([10.0, 16.0 / 3.0, 3.0, 6.0])
    w = trackml_hit_weights(np.full(4, 1), np.array([1.0, 2.0, 3.0, 4.0]), _particles([1], 10.0))
    np.testing.assert_allclose(w, raw / raw.sum(), rtol=1e-14)


def test_pt_weights_short_particles_and_noise():
    # four particles with 9 hits each (same order weights) at pT 5, 1.75, 0.3 and 0.01 GeV:
    # pT weights 1, 0.2 + 0.8 * (1.25 / 2.5) = 0.6, 0.2, 0; a 3-hit particle and noise weigh 0
    pid = np.concatenate([np.repeat([1, 2, 3, 4], 9), [5, 5, 5], [0, 0]])
    tz = np.concatenate([np.tile(np.arange(1.0, 10.0), 4), [1.0, 2.0, 3.0], [5.0, 6.0]])
    w = trackml_hit_weights(pid, tz, _particles([1, 2, 3, 4, 5], [5.0, 1.75, 0.3, 0.01, 5.0]))
    per_particle = np.bincount(pid, weights=w)
    np.testing.assert_allclose(per_particle[1:5] / per_particle[1], [1.0, 0.6, 0.2, 0.0],
                               rtol=1e-14)
    assert per_particle[0] == 0.0
    assert per_particle[5] == 0.0
    assert w.sum() == pytest.approx(1.0, rel=1e-14)


def test_long_particles_use_the_twenty_hit_row():
    # 25 hits: the nearest 20 weigh as a 20-hit particle's, the rest 0 (the challenge's cap)
    tz = np.arange(25.0)
    pid = np.concatenate([np.full(25, 3), np.full(20, 4)])
    w = trackml_hit_weights(pid, np.concatenate([tz, tz[:20]]), _particles([3, 4], 5.0))
    np.testing.assert_allclose(w[:20], w[25:], rtol=1e-14)
    assert np.all(w[20:25] == 0.0)


def test_evaluation_fills_missing_weights():
    # a truth table written with weight = 0: event_metrics computes the official weights.
    # Two 9-hit particles of equal pT: a perfect track of particle 1 scores 1/2; a track of its
    # first hit and four farthest hits (ranks 0, 5-8; a majority) scores their share
    # (10 + 3 + 3 + 5 + 6) / 49 / 2, not the unweighted 5/18
    pid = np.repeat([1, 2], 9)
    tz = np.tile(np.arange(1.0, 10.0), 2)
    truth = {"hit_id": np.arange(1, 19), "particle_id": pid, "tz": tz, "weight": np.zeros(18)}
    parts = _particles([1, 2], [5.0, 5.0])
    e = event_metrics(np.arange(1, 10), np.ones(9, dtype=int), truth, parts)
    assert e.score == pytest.approx(0.5, rel=1e-14)
    e = event_metrics(np.array([6, 7, 8, 9, 1]), np.ones(5, dtype=int), truth, parts)
    expected = (ORDER_PROFILE[5:].sum() + ORDER_PROFILE[0]) / ORDER_PROFILE.sum() / 2
    assert e.score == pytest.approx(expected, rel=1e-14)
