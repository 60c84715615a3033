"""Metrics on hand-made events with known answers, and against a brute-force reference."""

from collections import Counter

import numpy as np
import pytest

from colliderax.tracking.metrics import event_metrics, match_tracks, summarize, trackml_score


def _truth(pids, weights=None):
    n = len(pids)
    return {
        "hit_id": np.arange(1, n + 1),
        "particle_id": np.asarray(pids),
        "weight": np.zeros(n) if weights is None else np.asarray(weights, dtype=float),
    }


def _particles(ids, pt=2.0, eta=0.0):
    ids = np.asarray(ids)
    n = len(ids)
    pt = np.broadcast_to(pt, n).astype(float)
    eta = np.broadcast_to(eta, n).astype(float)
    return {"particle_id": ids, "px": pt, "py": np.zeros(n), "pz": pt * np.sinh(eta)}


def test_hand_made_event():
    # particle 1: hits 1-4, particle 2: hits 5-8, particle 3: hits 9-11, noise: hit 12
    truth = _truth([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 0])
    parts = _particles([1, 2, 3])
    hit_ids = np.array([1, 2, 3, 4, 5, 6, 9, 12, 7, 8, 10, 11])
    # track 10: perfect p1; track 20: p2 x2 + p3 + noise (2/4 of track, 2/4 of p2: matched);
    # track 30: p2 x2 (also 2/4: matched, a duplicate of 20 with equal shared -> larger id);
    # track 40: p3 x2 (2/3 of p3, whole track) -> matched
    track_ids = np.array([10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 40, 40])
    m = match_tracks(hit_ids, track_ids, truth)
    np.testing.assert_array_equal(m.track_ids, [10, 20, 30, 40])
    np.testing.assert_array_equal(m.track_particle, [1, 2, 2, 3])
    np.testing.assert_array_equal(m.track_matched, [True, True, True, True])
    np.testing.assert_array_equal(m.track_duplicate, [False, False, True, False])
    np.testing.assert_array_equal(m.particle_track, [10, 20, 40])
    e = event_metrics(hit_ids, track_ids, truth, parts)
    assert (e.n_particles, e.n_matched_particles, e.n_tracks) == (3, 3, 4)
    assert (e.n_fake, e.n_duplicate) == (0, 1)
    # score (strict majority, uniform weight on particles with >= 4 hits: p1, p2, 8 hits):
    # track 10 gets 4 hits; tracks 20/30 have exactly half of p2 -> 0; p3 has 3 hits -> weight 0
    assert trackml_score(hit_ids, track_ids, truth) == pytest.approx(4 / 8)


def test_fake_and_inefficiency_and_selection():
    truth = _truth([1, 1, 1, 2, 2, 2, 3, 3, 3, 3])
    parts = _particles([1, 2, 3], pt=[2.0, 0.5, 3.0], eta=[0.0, 0.0, 3.0])
    # track 1 mixes p1 (1 hit) and p2 (1 hit) and p3 (1) -> majority tie, 1/3 each: fake
    hit_ids = np.array([1, 4, 7, 2, 3])
    track_ids = np.array([1, 1, 1, 2, 2])
    e = event_metrics(hit_ids, track_ids, truth, parts)
    # selected: p1 only (p2 fails pT, p3 fails eta); track 2 holds 2/3 of p1 -> matched
    assert (e.n_particles, e.n_matched_particles) == (1, 1)
    assert (e.n_tracks, e.n_fake, e.n_duplicate) == (2, 1, 0)
    s = summarize([e, e])
    assert s["efficiency"] == 1.0
    assert s["fake_rate"] == 0.5


def test_official_weights_are_used():
    truth = _truth([1, 1, 1, 1, 2, 2, 2, 2], weights=[0.2, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1])
    hit_ids = np.array([1, 2, 3, 5, 6, 7, 8])
    track_ids = np.array([1, 1, 1, 2, 2, 2, 2])
    assert trackml_score(hit_ids, track_ids, truth) == pytest.approx(0.4 + 0.4)


def _brute_force(hit_ids, track_ids, pids, weights):
    """Direct transcription of the definitions with Python loops."""
    hit_pid = {h: pids[h - 1] for h in range(1, len(pids) + 1)}
    p_count = Counter(pids)
    tracks = {}
    for h, t in zip(hit_ids, track_ids, strict=True):
        tracks.setdefault(t, []).append(h)
    score, matched_by = 0.0, {}
    for t, hs in sorted(tracks.items()):
        counts = Counter(hit_pid[h] for h in hs)
        best = max(counts.values())
        p = min(q for q, c in counts.items() if c == best)
        if 2 * best > len(hs) and 2 * best > p_count[p]:
            score += sum(weights[h - 1] for h in hs if hit_pid[h] == p)
        if p != 0 and best >= 0.5 * len(hs) and best >= 0.5 * p_count[p]:
            matched_by.setdefault(p, []).append((-best, t))
    fake = len(tracks) - sum(len(v) for v in matched_by.values())
    dup = sum(len(v) - 1 for v in matched_by.values())
    return score / sum(weights), set(matched_by), fake, dup


@pytest.mark.parametrize("seed", range(5))
def test_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_hits = 400
    pids = rng.integers(0, 40, n_hits)  # 0 = noise
    weights = np.where(pids > 0, rng.uniform(0.5, 1.5, n_hits), 0.0)
    truth = _truth(pids, weights)
    # tracks: mostly a particle's hits with some swaps, split and dropped hits
    assigned = rng.random(n_hits) < 0.9
    track = np.where(rng.random(n_hits) < 0.8, pids * 3 + rng.integers(0, 2, n_hits),
                     rng.integers(0, 120, n_hits))
    hit_ids = np.arange(1, n_hits + 1)[assigned]
    track_ids = track[assigned]
    ref_score, ref_matched, ref_fake, ref_dup = _brute_force(hit_ids, track_ids, list(pids),
                                                             list(weights))
    assert trackml_score(hit_ids, track_ids, truth) == pytest.approx(ref_score, rel=1e-12)
    m = match_tracks(hit_ids, track_ids, truth)
    assert set(m.particle_ids[m.particle_matched]) == ref_matched
    assert int((~m.track_matched).sum()) == ref_fake
    assert int(m.track_duplicate.sum()) == ref_dup
