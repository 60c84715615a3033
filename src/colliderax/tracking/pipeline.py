"""One-call reconstruction and evaluation of events (what the CLI runs).

:func:`reconstruct_event` turns a hits table into :class:`~.ckf.Tracks`; :func:`track_table`
gives the fitted parameters as columns (for Parquet); :func:`evaluate_event` matches tracks to
the truth and returns the metrics and the matched pairs for resolutions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.detector.geometry import Geometry
from colliderax.tracking.ckf import CKFConfig, Tracks, find_tracks_ckf
from colliderax.tracking.errors import EmptyEvent, TrackingError
from colliderax.tracking.helix import perigee_from_momentum
from colliderax.tracking.hits import prepare_hits
from colliderax.tracking.metrics import EventMetrics, event_metrics, match_tracks

METHODS = ("ckf", "gnn")
_EVENT_RE = re.compile(r"^event(\d+)-hits\.(parquet|csv|csv\.gz)$")


def event_ids(path: str | Path) -> tuple[Path, list[int]]:
    """The directory and event ids an ``--input`` names: one hits file or a directory.

    Raises:
        InvalidInput: nothing that looks like an event is there.
    """
    path = Path(path)
    if path.is_file():
        m = _EVENT_RE.match(path.name)
        if not m:
            msg = f"{path}: not an event hits file (expected event<id>-hits.parquet/.csv/.csv.gz)"
            raise InvalidInput(msg)
        return path.parent, [int(m.group(1))]
    if path.is_dir():
        ids = sorted({int(m.group(1)) for p in path.iterdir() if (m := _EVENT_RE.match(p.name))})
        if not ids:
            msg = f"{path}: no event*-hits.parquet/.csv/.csv.gz files"
            raise InvalidInput(msg)
        return path, ids
    msg = f"{path}: no such file or directory"
    raise InvalidInput(msg)


def reconstruct_event(
    hits_table: Mapping[str, Any],
    geometry: Geometry,
    *,
    bz: float,
    method: str = "ckf",
    config: CKFConfig | None = None,
    gnn_model: Any = None,
    threshold: float = 0.5,
) -> Tracks:
    """Find and fit the tracks of one event.

    Args:
        hits_table: The event's hits table.
        geometry: The tracker.
        bz: Field [T].
        method: ``"ckf"`` or ``"gnn"``.
        config: CKF options.
        gnn_model: ``(model, layer_map)`` from :func:`.gnn.load_checkpoint` (method gnn).
        threshold: Edge-score cut of the GNN track building.

    Raises:
        GeometryMismatch: the hits are not from ``geometry``.
        EmptyEvent: the event has no hits.
        TrackingError: unknown method, or gnn without a model.
    """
    if method not in METHODS:
        msg = f"unknown method {method!r}: choose one of {', '.join(METHODS)}"
        raise TrackingError(msg)
    hits = prepare_hits(hits_table, geometry)
    if method == "ckf":
        return find_tracks_ckf(hits, geometry, bz=bz, config=config or CKFConfig())
    if gnn_model is None:
        msg = "method gnn needs a trained model (a checkpoint)"
        raise TrackingError(msg)
    return find_tracks_gnn(hits, gnn_model[0], gnn_model[1], bz=bz, threshold=threshold)


def find_tracks_gnn(hits, model, layer_map, *, bz: float, threshold: float = 0.5,
                    mass: float = 0.13957039) -> Tracks:
    """GNN pipeline on prepared hits: graph, edge scores, track building, Kalman fit."""
    import time

    from colliderax.tracking import gnn
    from colliderax.tracking.ckf import _finish

    t0 = time.perf_counter()
    senders, receivers = gnn.build_graph(hits, layer_map)
    t1 = time.perf_counter()
    scores = gnn.edge_scores(model, hits, senders, receivers)
    t2 = time.perf_counter()
    tracks = gnn.build_tracks(hits, senders, receivers, scores, threshold=threshold)
    t3 = time.perf_counter()
    timing = {"graph": t1 - t0, "gnn": t2 - t1, "building": t3 - t2}
    return _finish(hits, tracks, bz, mass, timing, (len(senders),))


def track_table(tracks: Tracks) -> dict[str, np.ndarray]:
    """Fitted parameters per track: ids, perigee, pT, eta, chi^2, ndf, hits, covariance."""
    n = tracks.n_tracks
    cols: dict[str, np.ndarray] = {"track_id": np.arange(n, dtype=np.int64)}
    n_hits = (tracks.hit_index >= 0).sum(axis=1).astype(np.int32)
    if tracks.fit is None or n == 0:
        for name in ("d0", "z0", "phi", "theta", "qop", "pt", "eta", "chi2"):
            cols[name] = np.zeros(n)
        cols["ndf"] = np.zeros(n, dtype=np.int32)
        cols["n_hits"] = n_hits
        cols["fit_ok"] = np.zeros(n, dtype=bool)
        return cols
    par = np.asarray(tracks.fit.params)
    cov = np.asarray(tracks.fit.cov)
    for i, name in enumerate(("d0", "z0", "phi", "theta", "qop")):
        cols[name] = par[:, i]
    with np.errstate(divide="ignore"):
        cols["pt"] = np.sin(par[:, 3]) / np.abs(par[:, 4])
    cols["eta"] = -np.log(np.tan(0.5 * par[:, 3]))
    cols["chi2"] = np.asarray(tracks.fit.chi2)
    cols["ndf"] = np.asarray(tracks.fit.ndf).astype(np.int32)
    cols["n_hits"] = n_hits
    cols["fit_ok"] = np.asarray(tracks.fit.ok)
    for i in range(5):
        for j in range(i, 5):
            cols[f"cov_{i}{j}"] = cov[:, i, j]
    return cols


def params_from_table(table: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 5) parameters and (n, 5, 5) covariances back from :func:`track_table` columns."""
    par = np.stack([np.asarray(table[c]) for c in ("d0", "z0", "phi", "theta", "qop")], -1)
    cov = np.zeros((len(par), 5, 5))
    for i in range(5):
        for j in range(i, 5):
            cov[:, i, j] = cov[:, j, i] = np.asarray(table[f"cov_{i}{j}"])
    return par, cov


def evaluate_event(
    hit_ids: np.ndarray,
    track_ids: np.ndarray,
    event: Mapping[str, Mapping[str, Any]],
    params: Mapping[str, Any] | None,
    *,
    bz: float,
    pt_min: float = 1.0,
    eta_max: float = 2.5,
    min_hits: int = 3,
) -> tuple[EventMetrics, np.ndarray, np.ndarray, np.ndarray]:
    """Metrics of one event and the (fitted, covariance, truth) perigee of matched tracks.

    Args:
        hit_ids: Hit ids on tracks.
        track_ids: Their track ids.
        event: ``{"truth": ..., "particles": ...}`` tables.
        params: :func:`track_table` columns (``track_id`` + parameters) or None.
        bz: Field [T] for the truth perigee.
        pt_min: Particle selection pT [GeV].
        eta_max: Particle selection |eta|.
        min_hits: Particle selection, hits.

    Raises:
        EmptyEvent: the truth or particles table is missing or empty.
    """
    for part in ("truth", "particles"):
        if part not in event or len(np.asarray(event[part]["particle_id"])) == 0:
            msg = f"the event has no {part} table: evaluation needs simulation truth"
            raise EmptyEvent(msg)
    truth, particles = event["truth"], event["particles"]
    t_pt = t_eta = None
    if params is not None and len(params["track_id"]):
        ids = np.unique(track_ids)
        pos = np.searchsorted(np.asarray(params["track_id"]), ids)
        t_pt = np.asarray(params["pt"])[pos]
        t_eta = np.asarray(params["eta"])[pos]
    metrics = event_metrics(hit_ids, track_ids, truth, particles, track_pt=t_pt,
                            track_eta=t_eta, pt_min=pt_min, eta_max=eta_max, min_hits=min_hits)
    empty = np.zeros((0, 5))
    if params is None or len(params["track_id"]) == 0:
        return metrics, empty, np.zeros((0, 5, 5)), empty
    m = match_tracks(hit_ids, track_ids, truth)
    good = m.track_matched & ~m.track_duplicate
    tid = m.track_ids[good]
    pid = m.track_particle[good]
    par, cov = params_from_table(params)
    pos = np.searchsorted(np.asarray(params["track_id"]), tid)
    ok = np.asarray(params.get("fit_ok", np.ones(len(par), dtype=bool)))[pos]
    p_ids = np.asarray(particles["particle_id"])
    order = np.argsort(p_ids)
    ppos = order[np.searchsorted(p_ids[order], pid)]
    vtx = np.stack([np.asarray(particles[c], dtype=float)[ppos] for c in ("vx", "vy", "vz")], -1)
    mom = np.stack([np.asarray(particles[c], dtype=float)[ppos] for c in ("px", "py", "pz")], -1)
    q = np.asarray(particles["q"], dtype=float)[ppos]
    truth_par = np.asarray(perigee_from_momentum(jnp.asarray(vtx), jnp.asarray(mom),
                                                 jnp.asarray(q), bz))
    return metrics, par[pos][ok], cov[pos][ok], truth_par[ok]


__all__ = [
    "METHODS",
    "evaluate_event",
    "event_ids",
    "find_tracks_gnn",
    "params_from_table",
    "reconstruct_event",
    "track_table",
]
