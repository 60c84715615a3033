"""Baseline track finder: triplet seeds, combinatorial Kalman filter, greedy ambiguity solving.

1. **Seeding** (:mod:`.seeding`): hit triplets on layer triplets of the innermost layers, with
   curvature (pT > 0.5 GeV) and impact-parameter (d0, z0) cuts, in groups of layer triplets
   whose accepted tracks' hits start no further seeds. A second pass with looser
   impact-parameter cuts (|d0| < 4 mm, pT > 0.9 GeV) on the hits left over finds displaced
   tracks (K0_S, Lambda, b-hadron daughters, conversions).
2. **Extension**: each seed is filtered (extended Kalman filter, :func:`.kalman.kalman_update`)
   and then followed outwards: each step predicts the next ``max_holes + 1`` layers the helix
   crosses beyond the last hit (a layer without a hit leaves the state unchanged), the hits
   there inside a window from the predicted covariance are tried (:class:`.search.LayerIndex`),
   and every hit with chi^2 below ``chi2_max`` on the first of those layers that has one starts
   a branch, the layers skipped counting as holes (at most ``max_holes``). Each seed keeps at
   most ``max_branches`` branches, ranked by hits then chi^2; all candidates of all seeds
   advance together in one batched JAX call per step.
3. **Ambiguity resolution**: candidates are sorted by number of hits (then chi^2/ndf) and
   accepted greedily when at most ``max_shared`` of their hits are already taken and at least
   ``min_hits`` are free; a hit belongs to the first track that took it.
4. **Fit**: the accepted tracks are refitted with the Kalman filter and smoother
   (:func:`.kalman.fit`).

All of it is host-side control flow around jitted, batched kernels called on chunks of
:data:`BUCKETS` rows (bounded recompilation).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.detector.geometry import Geometry
from colliderax.tracking.helix import (
    _sinc,
    barrel_arc,
    curvature_from_params,
    disk_arc,
    surface_arc,
)
from colliderax.tracking.hits import HitSet, measurements_for
from colliderax.tracking.kalman import (
    DEFAULT_PRIOR_SIGMA,
    PION_MASS,
    FitResult,
    _local,
    fit,
    kalman_update,
)
from colliderax.tracking.search import LayerIndex
from colliderax.tracking.seeding import SeedConfig, find_doublets, find_seeds, layer_triplets

logger = logging.getLogger(__name__)


PRIMARY = SeedConfig(pt_min=0.5)
"""Cuts of the first seeding pass: tracks from the luminous region (|d0| < 0.5 mm) down to
0.5 GeV. Finding the low-pT tracks first also takes their hits away from the displaced pass,
whose random triplets are mostly made of them."""
DISPLACED = SeedConfig(pt_min=0.9, d0_max=4.0, z0_max=200.0)
"""Cuts of the second seeding pass (displaced tracks), on the hits the first pass left."""


@dataclasses.dataclass(frozen=True)
class CKFConfig:
    """Options of :func:`find_tracks_ckf` (frozen).

    Attributes:
        seed: Cuts of the primary seeding pass.
        displaced_seed: Cuts of the second, displaced pass (None to skip it).
        chi2_max: Largest chi^2 (2 dof) of a hit added to a branch.
        window_sigma: Half width of the hit-search window in predicted standard deviations.
        max_branches: Branches kept per seed.
        max_hits_per_layer: Compatible hits tried per branch and layer (nearest first).
        max_holes: Layers without a hit allowed per track.
        max_steps: Layers followed per track.
        min_hits: Smallest number of (free) hits of an accepted track.
        max_shared: Largest number of hits an accepted track may share with earlier tracks.
        mass: Mass hypothesis [GeV] for multiple scattering.
        triplet_group: Layer triplets seeded together before the hits they used are removed.
    """

    seed: SeedConfig = dataclasses.field(default_factory=lambda: PRIMARY)
    displaced_seed: SeedConfig | None = dataclasses.field(default_factory=lambda: DISPLACED)
    chi2_max: float = 20.0
    window_sigma: float = 6.0
    max_branches: int = 3
    max_hits_per_layer: int = 3
    max_holes: int = 2
    max_steps: int = 30
    min_hits: int = 7
    max_shared: int = 1
    mass: float = PION_MASS
    triplet_group: int = 6


@dataclasses.dataclass(frozen=True)
class Tracks:
    """Reconstructed tracks of one event.

    Attributes:
        hit_ids: (n,) hit ids on tracks.
        track_ids: (n,) their track id (0, 1, ...).
        hit_index: (T, n_max) hit indices per track into the :class:`~.hits.HitSet` (-1 pad).
        fit: The Kalman fit of the tracks (perigee parameters, covariance, chi^2).
        timing: Seconds per stage.
        n_seeds: Seeds per group of layer triplets.
    """

    hit_ids: np.ndarray
    track_ids: np.ndarray
    hit_index: np.ndarray
    fit: FitResult | None
    timing: dict[str, float]
    n_seeds: tuple[int, ...] = ()

    @property
    def n_tracks(self) -> int:
        """Number of tracks."""
        return int(self.hit_index.shape[0])


# ---------------------------------------------------------------------------------------------
# jitted kernels
# ---------------------------------------------------------------------------------------------


def _hit_dict(hits: HitSet, idx: np.ndarray) -> dict[str, np.ndarray]:
    safe = np.maximum(idx, 0)
    return {
        "phi": hits.phi[safe],
        "r": hits.r[safe],
        "z": hits.z[safe],
        "is_barrel": hits.is_barrel[safe],
        "sigma_u": hits.sigma_u[safe],
        "sigma_v": hits.sigma_v[safe],
        "x_over_x0": hits.x_over_x0[safe],
    }


@jax.jit
def _update_kernel(x, p, q_prev, hit, bz, mass):
    """Batched EKF update (linearised at the prediction)."""

    def one(x, p, q, h):
        return kalman_update(x, p + q, x, h, bz, mass)

    return jax.vmap(one)(x, p, q_prev, hit)


def _look_ahead(x, p, last_barrel, last_pos, l0, layers, bz, n_look):
    """The next ``n_look`` layers a track crosses after its last hit (on the cylinder of
    radius or the plane at z ``last_pos`` [mm], on layer ``l0``) and the predicted (phi, v)
    there with their variances.

    Each layer is the nearest crossing more than 0.5 mm of arc beyond the previous one, inside
    the layer's extent (plus a margin) and within 0.9 pi of turning. ``p`` is the covariance
    with the scattering of the last crossing. Returns (layer index or -1, phi, v,
    var_u [mm^2] (r-phi), var_v [mm^2]), each of shape (n_look,), and whether the last hit's
    arc is finite.
    """
    s0 = surface_arc(x, last_barrel, last_pos, bz)
    lay_barrel, lay_pos = layers["is_barrel"], layers["pos"]
    nb = layers["n_barrel"].shape[0]
    rho = curvature_from_params(x, bz)
    s_barrel = barrel_arc(x[None, :], lay_pos[:nb], bz)
    s_disk = disk_arc(x[None, :], lay_pos[nb:])
    # z on the cylinders; r on the planes, r^2 = d0^2 + (1 + rho d0) (s sinc(rho s / 2))^2
    chord = s_disk * _sinc(0.5 * rho * s_disk)
    r_disk = jnp.sqrt(jnp.maximum(x[0] * x[0] + (1.0 + rho * x[0]) * chord * chord, 0.0))
    s = jnp.concatenate([s_barrel, s_disk])
    coord = jnp.concatenate([x[1] + s_barrel / jnp.tan(x[3]), r_disk])
    ok = (
        jnp.isfinite(s)
        & (coord >= layers["lo"])
        & (coord <= layers["hi"])
        & (jnp.abs(rho * s) < 0.9 * jnp.pi)
    )
    s_ok = jnp.where(ok, s, jnp.inf)
    ids = layers["ids"]

    def next_layer(carry, _):
        s0, l0 = carry
        cand = jnp.where((s_ok > s0 + 0.5) & (ids != l0), s_ok, jnp.inf)
        k = jnp.argmin(cand)
        found = jnp.isfinite(cand[k])
        is_b, pos = lay_barrel[k], lay_pos[k]
        pred = _local(x, is_b, pos, bz)
        jac = jax.jacfwd(_local)(x, is_b, pos, bz)
        r_here = jnp.where(is_b, pos, pred[1])
        cov = jac @ p @ jac.T
        out = (jnp.where(found, ids[k], -1), pred[0], pred[1], cov[0, 0] * r_here * r_here,
               cov[1, 1])
        return (jnp.where(found, cand[k], jnp.inf), ids[k]), out

    _, out = jax.lax.scan(next_layer, (s0, jnp.asarray(l0, dtype=ids.dtype)), None,
                          length=n_look)
    return (*out, jnp.isfinite(s0))


@functools.partial(jax.jit, static_argnames=("n_look",))
def _look_kernel(x, p, q_prev, last_barrel, last_pos, last_layer, layers, bz, *, n_look):
    """Batched :func:`_look_ahead`."""

    def one(x, p, q, *last):
        return _look_ahead(x, p + q, *last, layers, bz, n_look)

    return jax.vmap(one)(x, p, q_prev, last_barrel, last_pos, last_layer)


def _pad(arrays, n):
    """Pad the leading axis of numpy/jax arrays to ``n`` by repeating row 0."""
    out = []
    for a in arrays:
        a = np.asarray(a)
        extra = n - a.shape[0]
        if extra > 0:
            a = np.concatenate([a, np.repeat(a[:1], extra, axis=0)], axis=0)
        out.append(a)
    return out


FIT_HITS = 16
"""Hit slots of the final fit (tracks with more hits use the next power of two)."""
BUCKETS = (256, 4096)
"""Batch sizes of the jitted kernels: each compiles at most twice per process."""


def _chunks(n: int) -> list[tuple[int, int, int]]:
    """Split ``n`` rows into (start, stop, padded size) chunks of the :data:`BUCKETS` sizes:
    the largest that fits while one does, then the smallest for the rest (< 256 rows
    padded per call)."""
    out, start = [], 0
    while start < n:
        size = next((b for b in reversed(BUCKETS) if b <= n - start), BUCKETS[0])
        out.append((start, min(start + size, n), size))
        start += size
    return out


def _run_padded(kernel, arrays, hit, *static):
    """Call a batched kernel in chunks padded to :data:`BUCKETS` sizes (see :func:`_chunks`)."""
    n = arrays[0].shape[0]
    if n == 0:
        return None
    outs = []
    for start, stop, chunk in _chunks(n):
        # numpy arguments go to the device in the jitted call itself
        args = _pad([np.asarray(a)[start:stop] for a in arrays], chunk)
        if hit is not None:
            vals = _pad([np.asarray(v)[start:stop] for v in hit.values()], chunk)
            args.append(dict(zip(hit, vals, strict=True)))
        result = kernel(*args, *static)
        if not isinstance(result, tuple | list):
            result = (result,)
        outs.append([np.asarray(r)[: stop - start] for r in result])
    return [np.concatenate([o[i] for o in outs]) for i in range(len(outs[0]))]


# ---------------------------------------------------------------------------------------------
# the finder
# ---------------------------------------------------------------------------------------------


def _layer_arrays(geometry: Geometry) -> dict[str, jax.Array]:
    """The layers for :func:`_look_ahead`: barrels first, then disks (``ids``: the layer
    index of each entry), with position (radius or z) and extent (z or r range, plus 5 mm)
    [mm]."""
    lays = sorted(geometry.layers, key=lambda l: not l.is_barrel)
    margin = 5.0
    return {
        "ids": jnp.asarray([l.index for l in lays]),
        "is_barrel": jnp.asarray([l.is_barrel for l in lays]),
        "n_barrel": jnp.zeros(sum(l.is_barrel for l in lays)),  # its shape is the count
        "pos": jnp.asarray([l.radius if l.is_barrel else l.z for l in lays]),
        "lo": jnp.asarray([(l.z_min if l.is_barrel else l.r_min) - margin for l in lays]),
        "hi": jnp.asarray([(l.z_max if l.is_barrel else l.r_max) + margin for l in lays]),
    }


_STATE = ("x", "p", "q", "chi2", "track_hits", "nh", "holes", "seed_id", "last_hit")
_RESULT = ("chi2", "track_hits", "nh", "seed_id")  # what an ended candidate keeps


def _extend(
    hits: HitSet,
    index: LayerIndex,
    seeds: np.ndarray,
    params: np.ndarray,
    layer_arrays,
    bz: float,
    cfg: CKFConfig,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Follow seeds outwards; returns the best candidate per seed (hit indices, chi2, hits).

    Every step looks ``max_holes + 1`` layers ahead of each candidate at once (a layer
    without a compatible hit leaves the state unchanged), so a candidate goes to the first of
    them with a hit of chi^2 below ``chi2_max``, counting the layers before it as holes, or
    ends there.
    """
    n_seed = len(seeds)
    n_look = cfg.max_holes + 1
    bzj, massj = jnp.asarray(bz, dtype=jnp.float64), jnp.asarray(cfg.mass)
    lay_b = np.array([l.is_barrel for l in index.hits_layers])
    lay_pos = np.array([l.radius if l.is_barrel else l.z for l in index.hits_layers])
    sig_u_l = np.array([l.pitch_u for l in index.hits_layers]) / np.sqrt(12.0)
    sig_v_l = np.array([l.pitch_v for l in index.hits_layers]) / np.sqrt(12.0)
    # filter the three seed hits (EKF from the triplet helix with a wide prior)
    x = params.astype(np.float64)
    p = np.broadcast_to(np.diag(np.asarray(DEFAULT_PRIOR_SIGMA) ** 2), (n_seed, 5, 5)).copy()
    q = np.zeros((n_seed, 5, 5))
    chi2 = np.zeros(n_seed)
    ok = np.ones(n_seed, dtype=bool)
    for j in range(3):
        x, p, c2, q, ok_j = _run_padded(_update_kernel, [x, p, q], _hit_dict(hits, seeds[:, j]),
                                        bzj, massj)
        chi2 += np.where(ok_j, c2, 0.0)
        ok &= ok_j
    track_hits = np.full((n_seed, 3 + cfg.max_steps), -1, dtype=np.int64)
    track_hits[:, :3] = seeds
    state = {"x": x, "p": p, "q": q, "chi2": chi2, "track_hits": track_hits,
             "nh": np.full(n_seed, 3), "holes": np.zeros(n_seed, dtype=np.int64),
             "seed_id": np.arange(n_seed), "last_hit": seeds[:, 2]}
    state = {k: a[ok] for k, a in state.items()}
    done: list[dict[str, np.ndarray]] = []
    for _ in range(cfg.max_steps):
        m = len(state["x"])
        if m == 0:
            break
        last = state["last_hit"]
        k, phi_p, v_p, var_u, var_v, ok = _run_padded(
            functools.partial(_look_kernel, n_look=n_look),
            [state["x"], state["p"], state["q"], hits.is_barrel[last],
             np.where(hits.is_barrel[last], hits.r[last], hits.z[last]), hits.layer[last]],
            None, layer_arrays, bzj,
        )
        k = np.where(ok[:, None], k, -1)
        # (candidate, look-ahead layer) pairs within the holes left
        allowed = (k >= 0) & (np.arange(n_look) <= cfg.max_holes - state["holes"][:, None])
        ci, cj = np.nonzero(allowed)
        kk, phi_c, v_c = k[ci, cj], phi_p[ci, cj], v_p[ci, cj]
        # window: predicted spread plus the layer's resolution
        r_pred = np.where(lay_b[kk], lay_pos[kk], v_c)
        w_u = cfg.window_sigma * np.sqrt(var_u[ci, cj] + sig_u_l[kk] ** 2)
        w_v = cfg.window_sigma * np.sqrt(var_v[ci, cj] + sig_v_l[kk] ** 2)
        dphi = w_u / np.maximum(r_pred, 1.0)
        pi_, hi = index.window(kk, phi_c - dphi, phi_c + dphi, v_c - w_v, v_c + w_v)
        # nearest max_hits_per_layer per pair (normalised distance); pairs are in (candidate,
        # layer) order, so the rows of a candidate come nearest layer first
        du = (np.mod(hits.phi[hi] - phi_c[pi_] + np.pi, 2 * np.pi) - np.pi) * r_pred[pi_]
        dv = index.v[hi] - v_c[pi_]
        order = np.lexsort(((du / w_u[pi_]) ** 2 + (dv / w_v[pi_]) ** 2, pi_))
        pi_, hi = pi_[order], hi[order]
        rank = np.arange(len(pi_)) - np.searchsorted(pi_, pi_)
        pi_, hi = pi_[rank < cfg.max_hits_per_layer], hi[rank < cfg.max_hits_per_layer]
        row_c, row_j = ci[pi_], cj[pi_]
        resolved = np.zeros(m, dtype=bool)
        new = []
        remaining = np.ones(len(pi_), dtype=bool)
        while remaining.any():
            # each unresolved candidate's nearest layer not tried yet
            rem = np.flatnonzero(remaining)
            first = np.ones(len(rem), dtype=bool)
            first[1:] = row_c[rem[1:]] != row_c[rem[:-1]]
            j_try = np.full(m, n_look)
            j_try[row_c[rem[first]]] = row_j[rem[first]]
            rows = rem[row_j[rem] == j_try[row_c[rem]]]
            c = row_c[rows]
            xu, pu, c2, qn, ok = _run_padded(
                _update_kernel, [state["x"][c], state["p"][c], state["q"][c]],
                _hit_dict(hits, hi[rows]), bzj, massj,
            )
            good = ok & (c2 < cfg.chi2_max)
            resolved[c[good]] = True
            remaining[rows] = False
            remaining &= ~resolved[row_c]
            c, rows, j = c[good], rows[good], row_j[rows[good]]
            th = state["track_hits"][c]
            th[np.arange(len(c)), state["nh"][c]] = hi[rows]
            new.append({"x": xu[good], "p": pu[good], "q": qn[good],
                        "chi2": state["chi2"][c] + c2[good], "track_hits": th,
                        "nh": state["nh"][c] + 1, "holes": state["holes"][c] + j,
                        "seed_id": state["seed_id"][c], "last_hit": hi[rows]})
        done.append({key: state[key][~resolved] for key in _RESULT})
        if not new:
            state = {key: a[:0] for key, a in state.items()}
            break
        state = {key: np.concatenate([b[key] for b in new]) for key in _STATE}
        # at most max_branches per seed: most hits, then smallest chi2
        order = np.lexsort((state["chi2"], -state["nh"], state["seed_id"]))
        seed_sorted = state["seed_id"][order]
        rank = np.arange(len(order)) - np.searchsorted(seed_sorted, seed_sorted)
        state = {key: a[order[rank < cfg.max_branches]] for key, a in state.items()}
    done.append(state)
    chi2, track_hits, nh, seed_id = (np.concatenate([d[key] for d in done]) for key in _RESULT)
    # best candidate per seed
    order = np.lexsort((chi2, -nh, seed_id))
    seed_sorted = seed_id[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = seed_sorted[1:] != seed_sorted[:-1]
    best = order[first]
    return [track_hits[b][: nh[b]] for b in best], chi2[best], nh[best]


def _resolve(candidates, chi2, nh, used, cfg: CKFConfig):
    """Greedy ambiguity resolution; marks accepted hits in ``used``."""
    ndf = np.maximum(2 * nh - 5, 1)
    order = np.lexsort((chi2 / ndf, -nh))
    order = order[nh[order] >= cfg.min_hits]  # shorter ones can never have min_hits free
    accepted = []
    for i in order:
        h = np.unique(candidates[i])
        taken = used[h]
        n_taken = int(taken.sum())
        if n_taken > cfg.max_shared or len(h) - n_taken < cfg.min_hits:
            continue
        free = h[~taken]
        used[free] = True
        accepted.append(free)
    return accepted


def find_tracks_ckf(
    hits: HitSet,
    geometry: Geometry,
    *,
    bz: float,
    config: CKFConfig = CKFConfig(),
    refit: bool = True,
) -> Tracks:
    """Find and fit the tracks of one event with the CKF baseline (see the module docstring).

    Args:
        hits: The event's hits (:func:`.hits.prepare_hits`).
        geometry: The tracker.
        bz: Field [T].
        config: Options.
        refit: Fit the accepted tracks with the Kalman smoother.

    Returns:
        :class:`Tracks`.
    """
    timing = {"seeding": 0.0, "extension": 0.0, "ambiguity": 0.0, "fit": 0.0}
    index = LayerIndex(hits, geometry.layers)
    layer_arrays = _layer_arrays(geometry)
    used = np.zeros(len(hits), dtype=bool)
    tracks: list[np.ndarray] = []
    n_seeds = []
    passes = [config.seed] + ([config.displaced_seed] if config.displaced_seed else [])
    triplets = {id(c): layer_triplets(geometry, c) for c in passes}
    followed: list[np.ndarray] = []  # seeds followed, as (a n + b) n + c
    for seed_cfg in passes:
        trips = triplets[id(seed_cfg)]
        tried = np.sort(np.concatenate([np.zeros(0, dtype=np.int64), *followed]))
        doublets: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        # layer triplets in groups, most common first: hits taken by the tracks of one group
        # start no seeds in the next (iterative tracking keeps the combinatorics down)
        for g in range(0, len(trips), config.triplet_group):
            t0 = time.perf_counter()
            # hit pairs of a layer pair seeded again later are found once per pass
            for la, lb, _ in trips[g : g + config.triplet_group]:
                if (la, lb) not in doublets:
                    doublets[(la, lb)] = find_doublets(hits, index, la, lb, bz, seed_cfg, used)
            seeds, params = find_seeds(hits, index, trips[g : g + config.triplet_group], bz,
                                       seed_cfg, used=used, doublets=doublets)
            # a triplet followed in an earlier pass (tighter cuts) gives the same candidate
            # again, which the ambiguity resolution rejected then and would now
            key = (seeds[:, 0] * len(hits) + seeds[:, 1]) * len(hits) + seeds[:, 2]
            pos = np.minimum(np.searchsorted(tried, key), max(len(tried) - 1, 0))
            new = tried[pos] != key if len(tried) else np.ones(len(key), dtype=bool)
            seeds, params = seeds[new], params[new]
            followed.append(key[new])
            t1 = time.perf_counter()
            timing["seeding"] += t1 - t0
            n_seeds.append(len(seeds))
            if len(seeds) == 0:
                continue
            cands, chi2, nh = _extend(hits, index, seeds, params, layer_arrays, bz, config)
            t2 = time.perf_counter()
            timing["extension"] += t2 - t1
            tracks += _resolve(cands, chi2, nh, used, config)
            timing["ambiguity"] += time.perf_counter() - t2
    return _finish(hits, tracks, bz, config.mass, timing, tuple(n_seeds), refit=refit)


def _finish(hits, tracks, bz, mass, timing, n_seeds=(), *, refit=True) -> Tracks:
    """Assemble :class:`Tracks` and refit them."""
    t0 = time.perf_counter()
    n_max = max((len(t) for t in tracks), default=1)
    n_max = max(FIT_HITS, 1 << int(np.ceil(np.log2(max(n_max, 1)))))
    idx = np.full((len(tracks), n_max), -1, dtype=np.int64)
    for i, t in enumerate(tracks):
        t = t[np.argsort(hits.r[t], kind="stable")]
        idx[i, : len(t)] = t
    hit_ids = np.concatenate([hits.hit_id[t] for t in tracks]) if tracks else np.zeros(0, int)
    track_ids = (np.concatenate([np.full(len(t), i) for i, t in enumerate(tracks)])
                 if tracks else np.zeros(0, int))
    result = None
    if refit and tracks:
        result = fit_tracks(hits, idx, bz, mass)
    timing["fit"] = time.perf_counter() - t0
    return Tracks(hit_ids=hit_ids, track_ids=track_ids.astype(np.int64), hit_index=idx,
                  fit=result, timing=timing, n_seeds=n_seeds)


def fit_tracks(hits: HitSet, idx: np.ndarray, bz: float, mass: float = PION_MASS) -> FitResult:
    """Kalman fit of tracks given as (T, n_max) hit indices sorted outwards (-1 padded).

    Starting values from the first, middle and last hit; the batch is padded to a power of two.
    """
    from colliderax.tracking.seeding import helix_from_triplet

    n = len(idx)
    nh = (idx >= 0).sum(1)
    ar = np.arange(n)

    def xyz(j: np.ndarray) -> np.ndarray:
        return np.stack([hits.x[j], hits.y[j], hits.z[j]], -1)

    seed = helix_from_triplet(xyz(idx[:, 0]), xyz(idx[ar, nh // 2]), xyz(idx[ar, nh - 1]), bz)
    parts = []
    for start, stop, chunk in _chunks(n):
        i_c, s_c = idx[start:stop], seed[start:stop]
        m = len(i_c)
        i_c = np.concatenate([i_c, np.full((chunk - m, idx.shape[1]), -1)])
        s_c = np.concatenate([s_c, np.tile(s_c[:1], (chunk - m, 1))])
        res = fit(measurements_for(hits, i_c), s_c, bz=bz, mass=mass)
        parts.append(jax.tree_util.tree_map(lambda a, m=m: np.asarray(a)[:m], res))
    return jax.tree_util.tree_map(lambda *a: np.concatenate(a), *parts)


__all__ = ["CKFConfig", "Tracks", "find_tracks_ckf", "fit_tracks"]
