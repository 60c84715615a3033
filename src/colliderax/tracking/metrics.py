"""Track-reconstruction metrics: TrackML score, double-majority matching, resolutions and pulls.

Everything here is host-side numpy over one event's tables.

* **Matching** (double majority): a track matches a particle when at least half of the track's
  hits come from the particle and at least half of the particle's hits are on the track
  (``>= 0.5`` both ways, as in the issue; the TrackML score uses strict ``> 0.5``). Noise hits
  (``particle_id == 0``) never match.
* **Efficiency**: matched selected particles over selected particles; the default selection is
  pT > 1 GeV, |eta| < 2.5 and at least 3 hits.
* **Fake rate**: tracks matching no particle over all tracks.
* **Duplicate rate**: tracks matching a particle that another track also matches (all but one
  per particle) over all tracks.
* **TrackML score** (Amrouche et al., *The Tracking Machine Learning challenge: Accuracy phase*,
  arXiv:1904.06778, sect. 3): the sum of the weights of the hits of every track-particle pair in
  which strictly more than half of the track's hits and of the particle's hits are shared (the
  shared hits' weights), divided by the total weight. The weights are the truth table's
  ``weight`` column: TrackML's truth files and our simulation carry the official ones (pT and
  hit-order dependent, :func:`colliderax.detector.trackml.trackml_hit_weights`). A table without
  weights (all zero) gets them computed from ``tz`` and the particles table in
  :func:`event_metrics`; failing that (no ``tz``), every hit of a particle with at least 4 hits
  weighs the same and noise weighs 0 (the "unweighted" score).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from colliderax.detector.trackml import trackml_hit_weights
from colliderax.tracking.errors import EmptyEvent

PT_EDGES = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0])
ETA_EDGES = np.linspace(-4.0, 4.0, 17)


@dataclasses.dataclass(frozen=True)
class Matching:
    """Result of the double-majority matching of one event.

    Attributes:
        track_ids: (T,) distinct track ids.
        track_nhits: (T,) hits per track.
        track_particle: (T,) particle id holding most of the track's hits (0 if noise).
        track_shared: (T,) number of those hits.
        track_matched: (T,) the track passes the double-majority condition.
        track_duplicate: (T,) matched, but another track with more shared hits (or the same
            number and a smaller id) matches the same particle.
        particle_ids: (P,) particle ids.
        particle_nhits: (P,) hits per particle.
        particle_matched: (P,) some track matches the particle.
        particle_track: (P,) the best matching track's id (-1 if none).
    """

    track_ids: np.ndarray
    track_nhits: np.ndarray
    track_particle: np.ndarray
    track_shared: np.ndarray
    track_matched: np.ndarray
    track_duplicate: np.ndarray
    particle_ids: np.ndarray
    particle_nhits: np.ndarray
    particle_matched: np.ndarray
    particle_track: np.ndarray


def _pairs(hit_track: np.ndarray, hit_particle: np.ndarray):
    """Distinct (track, particle) pairs with their shared-hit counts."""
    pairs = np.stack([hit_track, hit_particle], axis=1)
    uniq, counts = np.unique(pairs, axis=0, return_counts=True)
    return uniq[:, 0], uniq[:, 1], counts


def match_tracks(
    hit_ids: np.ndarray,
    track_ids: np.ndarray,
    truth: Mapping[str, Any],
    *,
    fraction: float = 0.5,
    strict: bool = False,
) -> Matching:
    """Double-majority matching of reconstructed tracks to particles.

    Args:
        hit_ids: (n,) hit ids assigned to tracks (each hit at most once).
        track_ids: (n,) the track id of each of those hits.
        truth: Truth table with ``hit_id`` and ``particle_id`` for every hit of the event.
        fraction: Required shared fraction both ways (0.5).
        strict: ``>`` instead of ``>=`` (the TrackML-score convention).

    Returns:
        A :class:`Matching`.
    """
    hit_ids = np.asarray(hit_ids, dtype=np.int64)
    track_ids = np.asarray(track_ids, dtype=np.int64)
    t_hit = np.asarray(truth["hit_id"], dtype=np.int64)
    t_pid = np.asarray(truth["particle_id"], dtype=np.int64)
    order = np.argsort(t_hit)
    pos = np.searchsorted(t_hit[order], hit_ids)
    pos = np.clip(pos, 0, max(len(t_hit) - 1, 0))
    if len(hit_ids) and not np.all(t_hit[order][pos] == hit_ids):
        msg = "tracks reference hit ids that are not in the truth table"
        raise EmptyEvent(msg)
    hit_particle = t_pid[order][pos] if len(hit_ids) else np.zeros(0, dtype=np.int64)

    p_ids, p_nhits = np.unique(t_pid[t_pid != 0], return_counts=True)
    tr_ids, tr_nhits = np.unique(track_ids, return_counts=True)
    pt, pp, shared = _pairs(track_ids, hit_particle)
    # majority particle per track: largest count, ties to the smaller particle id
    # (noise counts as a particle here, so a mostly-noise track has majority 0)
    key = np.lexsort((pp, -shared, pt))
    pt, pp, shared = pt[key], pp[key], shared[key]
    first = np.ones(len(pt), dtype=bool)
    first[1:] = pt[1:] != pt[:-1]
    maj_particle, maj_shared = pp[first], shared[first]
    # pt[first] are the sorted distinct track ids, i.e. tr_ids
    pidx = np.searchsorted(p_ids, maj_particle)
    pidx_safe = np.clip(pidx, 0, max(len(p_ids) - 1, 0))
    known = (maj_particle != 0) & (len(p_ids) > 0)
    known = known & (p_ids[pidx_safe] == maj_particle) if len(p_ids) else known & False
    part_n = np.where(known, p_nhits[pidx_safe] if len(p_ids) else 0, 1)
    if strict:
        good = (maj_shared > fraction * tr_nhits) & (maj_shared > fraction * part_n)
    else:
        good = (maj_shared >= fraction * tr_nhits) & (maj_shared >= fraction * part_n)
    good = good & known
    # best track per particle: most shared hits, then smallest track id
    dup = np.zeros(len(tr_ids), dtype=bool)
    particle_track = np.full(len(p_ids), -1, dtype=np.int64)
    g = np.flatnonzero(good)
    if len(g):
        k = np.lexsort((tr_ids[g], -maj_shared[g], maj_particle[g]))
        g = g[k]
        best = np.ones(len(g), dtype=bool)
        best[1:] = maj_particle[g][1:] != maj_particle[g][:-1]
        dup[g[~best]] = True
        particle_track[pidx[g[best]]] = tr_ids[g[best]]
    return Matching(
        track_ids=tr_ids,
        track_nhits=tr_nhits,
        track_particle=maj_particle,
        track_shared=maj_shared,
        track_matched=good,
        track_duplicate=dup,
        particle_ids=p_ids,
        particle_nhits=p_nhits,
        particle_matched=particle_track >= 0,
        particle_track=particle_track,
    )


def _hit_weights(truth: Mapping[str, Any], keep: np.ndarray | None = None) -> np.ndarray:
    """Official weights when present, else uniform over hits of particles with >= 4 hits
    (and, if given, in the id list ``keep``)."""
    pid = np.asarray(truth["particle_id"], dtype=np.int64)
    w = np.asarray(truth.get("weight", np.zeros(len(pid))), dtype=np.float64)
    if np.any(w != 0) and keep is None:
        return w
    _, inverse, counts = np.unique(pid, return_inverse=True, return_counts=True)
    base = w if np.any(w != 0) else ((pid != 0) & (counts[inverse] >= 4)).astype(np.float64)
    if keep is not None:
        base = base * np.isin(pid, keep)
    return base


def _with_official_weights(truth: Mapping[str, Any], particles: Mapping[str, Any]):
    """``truth`` with the official hit weights when it has none but has ``tz``."""
    w = np.asarray(truth.get("weight", ()), dtype=np.float64)
    if np.any(w != 0) or "tz" not in truth or "vz" not in particles:
        return truth
    return {**truth, "weight": trackml_hit_weights(truth["particle_id"], truth["tz"], particles)}


def trackml_score(
    hit_ids: np.ndarray,
    track_ids: np.ndarray,
    truth: Mapping[str, Any],
    *,
    only_particles: np.ndarray | None = None,
) -> float:
    """The TrackML score of one event (see the module docstring).

    Args:
        hit_ids: (n,) hit ids assigned to tracks.
        track_ids: (n,) their track ids.
        truth: ``hit_id, particle_id`` and optionally ``weight`` for every hit.
        only_particles: If given, the hits of other particles weigh 0 (e.g. to score only
            particles above a pT threshold).

    Returns:
        The score in [0, 1].
    """
    t_hit = np.asarray(truth["hit_id"], dtype=np.int64)
    t_pid = np.asarray(truth["particle_id"], dtype=np.int64)
    weight = _hit_weights(truth, only_particles)
    total = weight.sum()
    if total <= 0:
        msg = "the truth table has no particle hits to score"
        raise EmptyEvent(msg)
    order = np.argsort(t_hit)
    pos = np.searchsorted(t_hit[order], np.asarray(hit_ids, dtype=np.int64))
    pos = np.clip(pos, 0, len(t_hit) - 1)
    hit_particle = t_pid[order][pos]
    hit_weight = weight[order][pos]
    # particle hit counts over the whole event, track counts over assigned hits
    p_ids, p_n = np.unique(t_pid, return_counts=True)
    tr = np.asarray(track_ids, dtype=np.int64)
    tr_ids, tr_n = np.unique(tr, return_counts=True)
    pairs = np.stack([tr, hit_particle], axis=1)
    uniq, inverse, counts = np.unique(pairs, axis=0, return_inverse=True, return_counts=True)
    pair_weight = np.bincount(inverse.ravel(), weights=hit_weight, minlength=len(uniq))
    n_track = tr_n[np.searchsorted(tr_ids, uniq[:, 0])]
    n_part = p_n[np.searchsorted(p_ids, uniq[:, 1])]
    good = (2 * counts > n_track) & (2 * counts > n_part)
    return float(pair_weight[good].sum() / total)


def particle_kinematics(particles: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """pT [GeV] and eta of every particle (from ``px, py, pz``)."""
    px, py, pz = (np.asarray(particles[c], dtype=np.float64) for c in ("px", "py", "pz"))
    pt = np.hypot(px, py)
    with np.errstate(divide="ignore"):
        eta = np.arcsinh(np.divide(pz, pt, out=np.copysign(np.full(len(pt), np.inf), pz),
                                   where=pt > 0))
    return {"particle_id": np.asarray(particles["particle_id"], dtype=np.int64), "pt": pt,
            "eta": eta}


@dataclasses.dataclass(frozen=True)
class EventMetrics:
    """Counts of one event (sum them over events, then take ratios).

    Attributes:
        n_particles: Selected particles.
        n_matched_particles: Selected particles matched by a track.
        n_tracks: Reconstructed tracks.
        n_fake: Tracks matching no particle.
        n_duplicate: Tracks that duplicate a better match.
        score: TrackML score of the event.
        score_selected: The score counting only the selected particles' hits.
        score_weight: Weight of the event in the average score (1).
        eff_pt: (len(PT_EDGES) - 1, 2) selected/matched particle counts per pT bin.
        eff_eta: (len(ETA_EDGES) - 1, 2) the same per eta bin (pT cut applied).
        fake_pt: (bins, 3) tracks / fakes / duplicates per pT bin of the track.
        fake_eta: (bins, 3) the same per eta bin of the track.
    """

    n_particles: int
    n_matched_particles: int
    n_tracks: int
    n_fake: int
    n_duplicate: int
    score: float
    score_selected: float
    score_weight: float
    eff_pt: np.ndarray
    eff_eta: np.ndarray
    fake_pt: np.ndarray
    fake_eta: np.ndarray


def _hist(values: np.ndarray, edges: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.histogram(values[mask], bins=edges)[0]


def event_metrics(
    hit_ids: np.ndarray,
    track_ids: np.ndarray,
    truth: Mapping[str, Any],
    particles: Mapping[str, Any],
    *,
    track_pt: np.ndarray | None = None,
    track_eta: np.ndarray | None = None,
    pt_min: float = 1.0,
    eta_max: float = 2.5,
    min_hits: int = 3,
) -> EventMetrics:
    """Efficiency, fake and duplicate counts and the TrackML score of one event.

    Args:
        hit_ids: (n,) hit ids assigned to tracks.
        track_ids: (n,) their track ids.
        truth: The event's truth table (``hit_id, particle_id[, weight]``).
        particles: The particles table (``particle_id, px, py, pz``).
        track_pt: Fitted pT per distinct track id (sorted ids) for the fake/duplicate bins;
            the majority particle's pT when omitted.
        track_eta: Fitted eta per track, likewise.
        pt_min: Particle selection, pT [GeV].
        eta_max: Particle selection, |eta|.
        min_hits: Particle selection, hits.
    """
    truth = _with_official_weights(truth, particles)
    m = match_tracks(hit_ids, track_ids, truth)
    kin = particle_kinematics(particles)
    # particles: hits counted from the truth table, kinematics from the particles table
    order = np.argsort(kin["particle_id"])
    pos = np.clip(np.searchsorted(kin["particle_id"][order], m.particle_ids), 0,
                  max(len(order) - 1, 0))
    if len(order) == 0 and len(m.particle_ids):
        msg = "the particles table is empty but the truth table has particle hits"
        raise EmptyEvent(msg)
    pt = kin["pt"][order][pos] if len(order) else np.zeros(0)
    eta = kin["eta"][order][pos] if len(order) else np.zeros(0)
    sel_hits = m.particle_nhits >= min_hits
    sel = sel_hits & (pt > pt_min) & (np.abs(eta) < eta_max)
    eff_pt = np.stack([
        _hist(pt, PT_EDGES, sel_hits & (np.abs(eta) < eta_max)),
        _hist(pt, PT_EDGES, sel_hits & (np.abs(eta) < eta_max) & m.particle_matched),
    ], -1)
    eff_eta = np.stack([
        _hist(eta, ETA_EDGES, sel_hits & (pt > pt_min)),
        _hist(eta, ETA_EDGES, sel_hits & (pt > pt_min) & m.particle_matched),
    ], -1)
    if track_pt is None or track_eta is None:
        ppos = np.clip(np.searchsorted(m.particle_ids, m.track_particle), 0,
                       max(len(m.particle_ids) - 1, 0))
        t_pt = pt[ppos] if len(pt) else np.zeros(len(m.track_ids))
        t_eta = eta[ppos] if len(eta) else np.zeros(len(m.track_ids))
    else:
        t_pt, t_eta = np.asarray(track_pt), np.asarray(track_eta)
    fake = ~m.track_matched
    every = np.ones(len(m.track_ids), dtype=bool)
    fake_pt = np.stack([_hist(t_pt, PT_EDGES, every), _hist(t_pt, PT_EDGES, fake),
                        _hist(t_pt, PT_EDGES, m.track_duplicate)], -1)
    fake_eta = np.stack([_hist(t_eta, ETA_EDGES, every), _hist(t_eta, ETA_EDGES, fake),
                         _hist(t_eta, ETA_EDGES, m.track_duplicate)], -1)
    has_hits = np.any(np.asarray(truth["particle_id"]) != 0)
    return EventMetrics(
        n_particles=int(sel.sum()),
        n_matched_particles=int((sel & m.particle_matched).sum()),
        n_tracks=len(m.track_ids),
        n_fake=int(fake.sum()),
        n_duplicate=int(m.track_duplicate.sum()),
        score=trackml_score(hit_ids, track_ids, truth) if has_hits else 0.0,
        score_selected=(trackml_score(hit_ids, track_ids, truth,
                                      only_particles=m.particle_ids[sel])
                        if _hit_weights(truth, m.particle_ids[sel]).sum() > 0 else 0.0),
        score_weight=1.0 if has_hits else 0.0,
        eff_pt=eff_pt,
        eff_eta=eff_eta,
        fake_pt=fake_pt,
        fake_eta=fake_eta,
    )


def summarize(events: list[EventMetrics]) -> dict[str, float]:
    """Efficiency, fake rate, duplicate rate and mean TrackML score over events."""
    n_p = sum(e.n_particles for e in events)
    n_m = sum(e.n_matched_particles for e in events)
    n_t = sum(e.n_tracks for e in events)
    n_f = sum(e.n_fake for e in events)
    n_d = sum(e.n_duplicate for e in events)
    w = sum(e.score_weight for e in events)
    return {
        "events": len(events),
        "particles": n_p,
        "tracks": n_t,
        "efficiency": n_m / n_p if n_p else float("nan"),
        "fake_rate": n_f / n_t if n_t else float("nan"),
        "duplicate_rate": n_d / n_t if n_t else float("nan"),
        "trackml_score": sum(e.score * e.score_weight for e in events) / w if w else float("nan"),
        "trackml_score_selected": (
            sum(e.score_selected * e.score_weight for e in events) / w if w else float("nan")
        ),
    }


def binned(events: list[EventMetrics]) -> dict[str, np.ndarray]:
    """Per-bin efficiency (vs pT and eta) and fake/duplicate rates (vs track pT and eta)."""
    out: dict[str, np.ndarray] = {"pt_edges": PT_EDGES, "eta_edges": ETA_EDGES}
    for name in ("eff_pt", "eff_eta", "fake_pt", "fake_eta"):
        total = sum(getattr(e, name) for e in events)
        with np.errstate(invalid="ignore", divide="ignore"):
            if name.startswith("eff"):
                out[name.replace("eff", "efficiency")] = total[:, 1] / total[:, 0]
            else:
                axis = name.split("_")[1]
                out[f"fake_rate_{axis}"] = total[:, 1] / total[:, 0]
                out[f"duplicate_rate_{axis}"] = total[:, 2] / total[:, 0]
    return out


def resolutions(
    fitted: np.ndarray, cov: np.ndarray, truth: np.ndarray
) -> dict[str, dict[str, float]]:
    """Residual and pull statistics of fitted perigee parameters against the truth.

    Args:
        fitted: (n, 5) fitted (d0, z0, phi, theta, q/p).
        cov: (n, 5, 5) their covariances.
        truth: (n, 5) true perigee parameters (:func:`.helix.perigee_from_momentum`).

    Returns:
        For ``d0`` [mm], ``z0`` [mm], ``phi``, ``theta`` [rad], ``qop`` [e/GeV] and ``pt_rel``
        (relative pT residual): ``mean``, ``rms`` (68% half-width for robustness, ``sigma68``)
        and, except pt_rel, the pull ``pull_mean`` and ``pull_std``.
    """
    fitted, cov, truth = (np.asarray(a, dtype=np.float64) for a in (fitted, cov, truth))
    diff = fitted - truth
    diff[:, 2] = np.mod(diff[:, 2] + np.pi, 2 * np.pi) - np.pi
    sig = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    out = {}
    names = ("d0", "z0", "phi", "theta", "qop")
    for i, name in enumerate(names):
        d = diff[:, i]
        p = d / sig[:, i]
        q16, q84 = np.percentile(d, [16, 84]) if len(d) else (np.nan, np.nan)
        out[name] = {
            "mean": float(np.mean(d)) if len(d) else float("nan"),
            "sigma68": float(0.5 * (q84 - q16)),
            "pull_mean": float(np.mean(p)) if len(d) else float("nan"),
            "pull_std": float(np.std(p)) if len(d) else float("nan"),
        }
    pt_f = np.sin(fitted[:, 3]) / np.abs(fitted[:, 4])
    pt_t = np.sin(truth[:, 3]) / np.abs(truth[:, 4])
    rel = (pt_f - pt_t) / pt_t
    q16, q84 = np.percentile(rel, [16, 84]) if len(rel) else (np.nan, np.nan)
    out["pt_rel"] = {"mean": float(np.mean(rel)) if len(rel) else float("nan"),
                     "sigma68": float(0.5 * (q84 - q16))}
    return out


__all__ = [
    "ETA_EDGES",
    "PT_EDGES",
    "EventMetrics",
    "Matching",
    "binned",
    "event_metrics",
    "match_tracks",
    "particle_kinematics",
    "resolutions",
    "summarize",
    "trackml_score",
]
