"""GNN track finding: learned layer map, interaction-network edge classifier, track building.

1. **Graph** (:func:`learn_layer_map`, :func:`build_graph`): from simulated training events the
   pairs of layers that consecutive hits of a particle (pT > ``pt_min``, ordered by r) occupy are
   recorded, with the 99.9 % quantile of their azimuthal difference per pair and of the r-z
   line's intercept z0. In an event, every hit is joined to the hits of its successor layers
   inside those windows (a layer-level "module map").
2. **Edge classifier** (:class:`InteractionNetwork`, equinox): node and edge encoders, a few
   rounds of interaction-network message passing (Battaglia et al., arXiv:1612.00222; the
   Exa.TrkX variant, arXiv:2103.06995), and an edge MLP giving a logit per edge. Features are
   float32; the weights take JAX's default float (float64 under x64, as in the CLI).
3. **Training** (:func:`train`): weighted binary cross-entropy on edges labelled true when both
   hits belong to the same particle, Adam (optax), one event graph per step.
4. **Track building** (:func:`build_tracks`): edges scoring above a threshold form connected
   components (scipy); a component that is a simple path is a track, a branching one is walked
   from its innermost hits along the highest-scoring outgoing edge.
5. The tracks are fitted with the Kalman smoother (:func:`.ckf.fit_tracks`).

Checkpoints (:func:`save_checkpoint`, :func:`load_checkpoint`) are directories with
``meta.json`` (format version, colliderax version, geometry name and fingerprint, sizes),
``layer_map.npz`` and ``model.eqx``; loading checks the format and the geometry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from colliderax.detector.geometry import Geometry
from colliderax.tracking.errors import CheckpointError
from colliderax.tracking.hits import HitSet
from colliderax.tracking.search import LayerIndex

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "colliderax-gnn/1"


def geometry_fingerprint(geometry: Geometry) -> str:
    """A short hash of the layer ids and positions (checkpoints are per geometry)."""
    text = ";".join(
        f"{l.volume_id},{l.layer_id},{l.kind},{l.radius:.3f},{l.z:.3f}" for l in geometry.layers
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# graph construction
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class LayerMap:
    """Connected layer pairs with their azimuthal windows.

    Attributes:
        inner: (P,) inner layer index of each pair.
        outer: (P,) outer layer index.
        dphi: (P,) largest |phi_outer - phi_inner| [rad] accepted.
        slope: (P,) largest |dphi / dr| [rad/mm] (a curvature bound).
        z0: (P,) largest |z0| [mm] of the r-z line through the two hits.
    """

    inner: np.ndarray
    outer: np.ndarray
    dphi: np.ndarray
    slope: np.ndarray
    z0: np.ndarray


def _wrap(a: np.ndarray) -> np.ndarray:
    return np.mod(a + np.pi, 2.0 * np.pi) - np.pi


def _consecutive_pairs(hits: HitSet, truth: dict, particles: dict, pt_min: float):
    """(inner, outer) hit-index pairs of consecutive hits of particles with pT > pt_min."""
    pid = np.asarray(truth["particle_id"])
    p_ids = np.asarray(particles["particle_id"])
    pt = np.hypot(np.asarray(particles["px"]), np.asarray(particles["py"]))
    order = np.argsort(p_ids)
    pos = np.clip(np.searchsorted(p_ids[order], pid), 0, len(p_ids) - 1)
    hit_pt = np.where(p_ids[order][pos] == pid, pt[order][pos], 0.0)
    sel = (pid != 0) & (hit_pt > pt_min)
    idx = np.flatnonzero(sel)
    idx = idx[np.lexsort((hits.r[idx], pid[idx]))]
    same = pid[idx][1:] == pid[idx][:-1]
    return idx[:-1][same], idx[1:][same]


def learn_layer_map(
    events: Sequence[tuple[HitSet, dict, dict]],
    *,
    pt_min: float = 0.9,
    min_count: int = 3,
    quantile: float = 0.995,
) -> LayerMap:
    """Learn the connected layer pairs and their windows from simulated events.

    Args:
        events: (hits, truth table, particles table) per training event.
        pt_min: Particles below this pT [GeV] are ignored.
        min_count: Pairs seen fewer times are dropped.
        quantile: Quantile of |dphi|, |dphi/dr| and |z0| per pair that sets the windows
            (times 1.1).
    """
    pairs, dphis, slopes, z0s = [], [], [], []
    for hits, truth, particles in events:
        a, b = _consecutive_pairs(hits, truth, particles, pt_min)
        keep = hits.r[b] > hits.r[a] + 1.0
        a, b = a[keep], b[keep]
        pairs.append(np.stack([hits.layer[a], hits.layer[b]], 1))
        dphi = np.abs(_wrap(hits.phi[b] - hits.phi[a]))
        dphis.append(dphi)
        slopes.append(dphi / (hits.r[b] - hits.r[a]))
        cot = (hits.z[b] - hits.z[a]) / (hits.r[b] - hits.r[a])
        z0s.append(np.abs(hits.z[a] - hits.r[a] * cot))
    pairs_all = np.concatenate(pairs)
    values = [np.concatenate(v) for v in (dphis, slopes, z0s)]
    uniq, inverse, counts = np.unique(pairs_all, axis=0, return_inverse=True,
                                      return_counts=True)
    inverse = inverse.ravel()
    keep = np.flatnonzero(counts >= min_count)
    q = np.zeros((3, len(keep)))
    for j, i in enumerate(keep):
        sel = inverse == i
        q[:, j] = [np.quantile(v[sel], quantile) for v in values]
    return LayerMap(inner=uniq[keep, 0].astype(np.int32), outer=uniq[keep, 1].astype(np.int32),
                    dphi=1.1 * q[0] + 1e-3, slope=1.1 * q[1] + 1e-5, z0=1.1 * q[2] + 1.0)


def build_graph(hits: HitSet, layer_map: LayerMap, index: LayerIndex | None = None):
    """Candidate edges (inner hit, outer hit) of one event from the layer map."""
    index = index or LayerIndex(hits)
    senders, receivers = [], []
    by_layer = {int(l): np.flatnonzero(hits.layer == l) for l in np.unique(hits.layer)}
    lm = layer_map
    for la, lb, dphi, slope, z0 in zip(lm.inner, lm.outer, lm.dphi, lm.slope, lm.z0,
                                       strict=True):
        a = by_layer.get(int(la))
        if a is None or int(lb) not in by_layer:
            continue
        q, b = index.window(np.full(len(a), lb), hits.phi[a] - dphi, hits.phi[a] + dphi)
        a2 = a[q]
        dr = hits.r[b] - hits.r[a2]
        ok = dr > 1.0
        dr_safe = np.where(ok, dr, 1.0)
        cot = (hits.z[b] - hits.z[a2]) / dr_safe
        ok &= np.abs(hits.z[a2] - hits.r[a2] * cot) < z0
        ok &= np.abs(_wrap(hits.phi[b] - hits.phi[a2])) < slope * dr_safe
        senders.append(a2[ok])
        receivers.append(b[ok])
    if not senders:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(senders), np.concatenate(receivers)


def graph_features(hits: HitSet, senders: np.ndarray, receivers: np.ndarray):
    """Node features (r, phi, z scaled) and edge features (dr, dphi, dz, deta, line z0)."""
    nodes = np.stack([hits.r / 1000.0, hits.phi / np.pi, hits.z / 1000.0], 1)
    dr = hits.r[receivers] - hits.r[senders]
    dz = hits.z[receivers] - hits.z[senders]
    dphi = _wrap(hits.phi[receivers] - hits.phi[senders])
    eta = np.arcsinh(hits.z / np.maximum(hits.r, 1e-3))
    deta = eta[receivers] - eta[senders]
    z0 = hits.z[senders] - hits.r[senders] * dz / np.maximum(dr, 1e-3)
    edges = np.stack([dr / 100.0, dphi * 10.0, dz / 100.0, deta, z0 / 100.0], 1)
    return nodes.astype(np.float32), edges.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# the network
# ---------------------------------------------------------------------------------------------


def _mlp(key, n_in, n_out, width, depth=2):
    return eqx.nn.MLP(n_in, n_out, width, depth, activation=jax.nn.silu, key=key)


class InteractionNetwork(eqx.Module):
    """Edge classifier: encoders, ``n_iter`` interaction-network rounds, edge head."""

    node_encoder: eqx.nn.MLP
    edge_encoder: eqx.nn.MLP
    edge_blocks: tuple
    node_blocks: tuple
    head: eqx.nn.MLP
    hidden: int = eqx.field(static=True)

    def __init__(self, *, key, hidden: int = 32, n_iter: int = 3, n_node: int = 3,
                 n_edge: int = 5):
        keys = jax.random.split(key, 3 + 2 * n_iter)
        self.hidden = hidden
        self.node_encoder = _mlp(keys[0], n_node, hidden, hidden)
        self.edge_encoder = _mlp(keys[1], n_edge, hidden, hidden)
        self.edge_blocks = tuple(_mlp(keys[3 + i], 3 * hidden, hidden, hidden)
                                 for i in range(n_iter))
        self.node_blocks = tuple(_mlp(keys[3 + n_iter + i], 3 * hidden, hidden, hidden)
                                 for i in range(n_iter))
        self.head = _mlp(keys[2], 3 * hidden, 1, hidden)

    def __call__(self, nodes, edges, senders, receivers, edge_mask):
        """Logits (E,) for padded arrays; ``edge_mask`` marks real edges."""
        n = nodes.shape[0]
        h = jax.vmap(self.node_encoder)(nodes)
        e = jax.vmap(self.edge_encoder)(edges)
        w = edge_mask[:, None].astype(h.dtype)
        for eb, nb in zip(self.edge_blocks, self.node_blocks, strict=True):
            e = e + jax.vmap(eb)(jnp.concatenate([h[senders], h[receivers], e], 1))
            m_in = jax.ops.segment_sum(e * w, receivers, num_segments=n)
            m_out = jax.ops.segment_sum(e * w, senders, num_segments=n)
            h = h + jax.vmap(nb)(jnp.concatenate([h, m_in, m_out], 1))
        return jax.vmap(self.head)(jnp.concatenate([h[senders], h[receivers], e], 1))[:, 0]


def _bucket(n: int) -> int:
    return max(1024, 1 << math.ceil(math.log2(max(n, 1))))


def _padded_graph(hits: HitSet, senders, receivers):
    nodes, edges = graph_features(hits, senders, receivers)
    nn_, ne = _bucket(len(nodes)), _bucket(len(edges))
    nodes_p = np.zeros((nn_, nodes.shape[1]), np.float32)
    nodes_p[: len(nodes)] = nodes
    edges_p = np.zeros((ne, edges.shape[1]), np.float32)
    edges_p[: len(edges)] = edges
    s = np.zeros(ne, np.int32)
    r = np.zeros(ne, np.int32)
    s[: len(senders)] = senders
    r[: len(receivers)] = receivers
    mask = np.zeros(ne, bool)
    mask[: len(senders)] = True
    return nodes_p, edges_p, s, r, mask


@eqx.filter_jit
def _scores(model, nodes, edges, s, r, mask):
    return jax.nn.sigmoid(model(nodes, edges, s, r, mask))


def edge_scores(model: InteractionNetwork, hits: HitSet, senders, receivers) -> np.ndarray:
    """Edge probabilities (E,) for one event graph."""
    if len(senders) == 0:
        return np.zeros(0)
    args = _padded_graph(hits, senders, receivers)
    out = _scores(model, *(jnp.asarray(a) for a in args))
    return np.asarray(out)[: len(senders)]


def train(
    key: jax.Array,
    events: Sequence[tuple[HitSet, dict, dict]],
    layer_map: LayerMap,
    *,
    steps: int = 300,
    learning_rate: float = 2e-3,
    hidden: int = 32,
    n_iter: int = 3,
    progress: Any = None,
) -> tuple[InteractionNetwork, list[float]]:
    """Train the edge classifier on simulated events (one graph per step, cycling).

    Args:
        key: PRNG key for the initialisation.
        events: (hits, truth, particles) per training event.
        layer_map: Graph construction (:func:`learn_layer_map`).
        steps: Optimiser steps.
        learning_rate: Adam learning rate.
        hidden: Width of the latent features.
        n_iter: Message-passing rounds.
        progress: Optional object with ``advance(n)`` (a progress bar).

    Returns:
        (the trained model, the loss per step).
    """
    model = InteractionNetwork(key=key, hidden=hidden, n_iter=n_iter)
    opt = optax.adam(learning_rate)
    state = opt.init(eqx.filter(model, eqx.is_array))
    graphs = []
    for hits, truth, _ in events:
        s, r = build_graph(hits, layer_map)
        pid = np.asarray(truth["particle_id"])
        label = ((pid[s] == pid[r]) & (pid[s] != 0)).astype(np.float32)
        args = _padded_graph(hits, s, r)
        lab = np.zeros(len(args[2]), np.float32)
        lab[: len(label)] = label
        pos_frac = max(label.mean(), 1e-3) if len(label) else 0.5
        graphs.append((tuple(jnp.asarray(a) for a in args), jnp.asarray(lab),
                       jnp.asarray((1.0 - pos_frac) / pos_frac, dtype=jnp.float32)))

    @eqx.filter_jit
    def step(model, state, graph, label, pos_weight):
        def loss_fn(m):
            logits = m(*graph)
            mask = graph[4].astype(jnp.float32)
            ll = optax.sigmoid_binary_cross_entropy(logits, label)
            w = jnp.where(label > 0, pos_weight, 1.0) * mask
            return jnp.sum(ll * w) / jnp.sum(w)

        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        updates, state = opt.update(grads, state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), state, loss

    losses = []
    for i in range(steps):
        graph, label, pw = graphs[i % len(graphs)]
        model, state, loss = step(model, state, graph, label, pw)
        losses.append(float(loss))
        if progress is not None:
            progress.advance(1)
    return model, losses


# ---------------------------------------------------------------------------------------------
# track building
# ---------------------------------------------------------------------------------------------


def build_tracks(
    hits: HitSet,
    senders: np.ndarray,
    receivers: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float = 0.5,
    min_hits: int = 5,
) -> list[np.ndarray]:
    """Tracks (hit-index arrays) from scored edges: connected components plus a walk-through.

    A component whose hits each have at most one selected inner and one selected outer edge is
    one track; otherwise tracks are walked from the component's hits without a selected inner
    edge, always along the best-scoring outer edge to a hit not used yet.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keep = scores > threshold
    s, r, sc = senders[keep], receivers[keep], scores[keep]
    n = len(hits)
    if len(s) == 0:
        return []
    adj = coo_matrix((np.ones(len(s)), (s, r)), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    n_out = np.bincount(s, minlength=n)
    n_in = np.bincount(r, minlength=n)
    in_graph = (n_out + n_in) > 0
    comp_size = np.bincount(label[in_graph], minlength=label.max() + 1)
    branching = np.zeros(label.max() + 1, dtype=bool)
    np.logical_or.at(branching, label, (n_out > 1) | (n_in > 1))
    tracks = []
    simple = np.flatnonzero(~branching & (comp_size >= min_hits))
    if len(simple):
        nodes = np.flatnonzero(in_graph & np.isin(label, simple))
        order = np.argsort(label[nodes], kind="stable")
        nodes = nodes[order]
        _, starts = np.unique(label[nodes], return_index=True)
        tracks += [g for g in np.split(nodes, starts[1:]) if len(g) >= min_hits]
    # walk-through of branching components
    comps = set(np.flatnonzero(branching & (comp_size >= min_hits)).tolist())
    if comps:
        out_edges: dict[int, list[tuple[float, int]]] = {}
        for a, b, w in zip(s, r, sc, strict=True):
            if label[a] in comps:
                out_edges.setdefault(int(a), []).append((float(w), int(b)))
        used = np.zeros(n, dtype=bool)
        starts_ = [i for i in np.flatnonzero(in_graph & (n_in == 0)) if label[i] in comps]
        starts_.sort(key=lambda i: hits.r[i])
        for start in starts_:
            path, node = [start], start
            while True:
                nxt = [b for w, b in sorted(out_edges.get(node, []), reverse=True)
                       if not used[b]]
                if not nxt:
                    break
                node = nxt[0]
                path.append(node)
            if len(path) >= min_hits:
                used[path] = True
                tracks.append(np.asarray(path))
    return tracks


# ---------------------------------------------------------------------------------------------
# checkpoints
# ---------------------------------------------------------------------------------------------


def save_checkpoint(path: str | Path, model: InteractionNetwork, layer_map: LayerMap,
                    geometry: Geometry, *, n_iter: int, extra: dict | None = None) -> Path:
    """Write a checkpoint directory (meta.json, layer_map.npz, model.eqx)."""
    from colliderax._version import __version__

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": CHECKPOINT_FORMAT,
        "colliderax": __version__,
        "geometry": geometry.name,
        "geometry_fingerprint": geometry_fingerprint(geometry),
        "hidden": model.hidden,
        "n_iter": n_iter,
        **(extra or {}),
    }
    np.savez(path / "layer_map.npz", inner=layer_map.inner, outer=layer_map.outer,
             dphi=layer_map.dphi, slope=layer_map.slope, z0=layer_map.z0)
    eqx.tree_serialise_leaves(path / "model.eqx", model)
    (path / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return path


def load_checkpoint(path: str | Path, geometry: Geometry):
    """Read a checkpoint made for ``geometry``.

    Raises:
        CheckpointError: missing files, another format version, or another geometry.
    """
    path = Path(path)
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        msg = f"{path}: not a GNN checkpoint (no meta.json)"
        raise CheckpointError(msg)
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        msg = f"{meta_path}: malformed ({exc})"
        raise CheckpointError(msg) from exc
    if meta.get("format") != CHECKPOINT_FORMAT:
        msg = (f"{path}: checkpoint format {meta.get('format')!r} is not the one this "
               f"colliderax reads ({CHECKPOINT_FORMAT}); retrain with colliderax train")
        raise CheckpointError(msg)
    if meta.get("geometry_fingerprint") != geometry_fingerprint(geometry):
        msg = (f"{path}: checkpoint was trained for geometry {meta.get('geometry')!r}, "
               f"not {geometry.name!r} as given; train one for this geometry")
        raise CheckpointError(msg)
    try:
        lm = np.load(path / "layer_map.npz")
        layer_map = LayerMap(inner=lm["inner"], outer=lm["outer"], dphi=lm["dphi"],
                             slope=lm["slope"], z0=lm["z0"])
        skeleton = InteractionNetwork(key=jax.random.key(0), hidden=int(meta["hidden"]),
                                      n_iter=int(meta["n_iter"]))
        model = eqx.tree_deserialise_leaves(path / "model.eqx", skeleton)
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        msg = f"{path}: cannot read the checkpoint ({exc})".replace("\n", " ")
        raise CheckpointError(msg) from exc
    return model, layer_map, meta


def default_checkpoint(geometry: Geometry) -> Path:
    """The checkpoint shipped for a geometry (``tracking/checkpoints/<name>``)."""
    import importlib.resources

    root = importlib.resources.files("colliderax.tracking") / "checkpoints" / geometry.name
    return Path(str(root))


__all__ = [
    "CHECKPOINT_FORMAT",
    "InteractionNetwork",
    "LayerMap",
    "build_graph",
    "build_tracks",
    "default_checkpoint",
    "edge_scores",
    "geometry_fingerprint",
    "learn_layer_map",
    "load_checkpoint",
    "save_checkpoint",
    "train",
]
