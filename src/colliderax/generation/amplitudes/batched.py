"""Batched evaluation of a current graph: one array operation per group of like vertices.

The recursion of :mod:`currents` has hundreds to thousands of vertex evaluations; tracing each
as its own handful of XLA operations makes compile time grow with their number. Here every
current is stored with its helicity configurations flattened, ``[n_conf, components, N]`` with
``n_conf = Π_{legs in S} h_leg`` in canonical order (legs ascending, the first leg most
significant), in tables keyed by ``(level, components, n_conf)``. The evaluations of one recursion
level that share the vertex kind, the open slot and the child tables form a group, evaluated as
one broadcast operation over ``[group, n_conf₁, n_conf₂(, n_conf₃), components, N]``; the
child-major result is put in canonical order with one gather. Contributions are summed into
currents (evaluated once, see :func:`lorentz.materialize`), and
propagators are applied per (spin, row/column) with per-current masses and widths. The number
of traced operations grows with the number of groups, not of evaluations.
"""

import itertools
from collections import defaultdict

import jax.numpy as jnp
import numpy as np

from colliderax.core.dtypes import complex_dtype
from colliderax.generation.amplitudes import lorentz as lz
from colliderax.generation.amplitudes import wavefunctions as wf
from colliderax.generation.amplitudes.currents import CurrentGraph
from colliderax.generation.model.particles import Particle


def external_wavefunction(p, particle: Particle, incoming: bool, mass: float, lam: int):
    """HELAS wavefunction of an external leg (incoming convention ``particle``)."""
    if particle.spin == 1:
        return (jnp.ones(p[0].shape, dtype=complex_dtype(p[0].dtype)),)
    if particle.spin == 3:
        return wf.polarisation(p, mass, lam, outgoing=not incoming)
    if incoming:  # the physical particle is the leg's particle
        return wf.spinor_u(p, mass, lam) if particle.pdg > 0 else wf.spinor_vbar(p, mass, lam)
    # outgoing: the leg particle is the antiparticle of the physical one
    return wf.spinor_v(p, mass, lam) if particle.pdg > 0 else wf.spinor_ubar(p, mass, lam)


def evaluate_vertex(vertex, coupling, wfs, moms, open_slot):
    """Evaluate one vertex: an amplitude if ``open_slot`` is None, else the open current.

    Wavefunctions ``[..., C, N]`` and momenta ``[..., 4, N]`` as in :mod:`lorentz`; couplings
    are numbers or arrays without component axis. Returns an amplitude ``[..., N]`` or a
    current ``[..., C, N]``.
    """
    kind = vertex.kind
    if kind in ("FFV", "FFS"):
        cl, cr = coupling
        bar, psi, boson = wfs
        if kind == "FFV":
            if open_slot is None:
                return lz.ffv_amplitude(bar, psi, boson, cl, cr)
            if open_slot == 2:
                return lz.vector_current(bar, lz.chiral(psi, cl, cr))
            if open_slot == 1:
                return lz.chiral(lz.slash_row(bar, boson), cl, cr)
            return lz.slash_column(boson, lz.chiral(psi, cl, cr))
        if open_slot == 2:
            return lz.lift(lz.spinor_product(bar, lz.chiral(psi, cl, cr)))
        s = lz.comp(boson, 0)
        if open_slot is None:
            return lz.spinor_product(bar, lz.chiral(psi, cl, cr)) * s
        if open_slot == 1:
            return lz.chiral(bar, cl, cr) * lz.lift(s)
        return lz.chiral(psi, cl, cr) * lz.lift(s)
    if kind == "VVV":
        if open_slot is None:
            return coupling * lz.vvv_amplitude(*wfs, *moms)
        a, b = (open_slot + 1) % 3, (open_slot + 2) % 3
        pk = -(moms[a] + moms[b])
        return lz.vvv_current(wfs[a], wfs[b], moms[a], moms[b], pk) * lz.as_factor(coupling)
    if kind == "VVVV":
        if open_slot is None:
            return lz.vvvv_amplitude(wfs, coupling)
        return lz.vvvv_current(wfs, open_slot, coupling)
    # Vertices with scalars: VVS, VVSS, SSS, SSSS (vectors first).
    n_vec = {"VVS": 2, "VVSS": 2, "SSS": 0, "SSSS": 0}[kind]
    sprod = coupling
    for k in range(n_vec, len(wfs)):
        if k != open_slot:
            sprod = sprod * lz.comp(wfs[k], 0)
    if n_vec == 0:
        return sprod if open_slot is None else lz.lift(sprod)
    if open_slot is None:
        return lz.dot(wfs[0], wfs[1]) * sprod
    if open_slot < 2:
        return wfs[1 - open_slot] * lz.lift(sprod)
    return lz.lift(lz.dot(wfs[0], wfs[1]) * sprod)


def _legs(mask: int) -> tuple[int, ...]:
    return tuple(k for k in range(mask.bit_length()) if mask >> k & 1)


def _permutation(child_legs: list[tuple[int, ...]], hel_counts: list[int]) -> np.ndarray:
    """perm[c] = child-major flat index of the canonical configuration c of the union."""
    union = sorted(leg for legs in child_legs for leg in legs)
    child_sizes = [int(np.prod([hel_counts[leg] for leg in legs])) for legs in child_legs]
    perm = []
    for config in itertools.product(*(range(hel_counts[leg]) for leg in union)):
        hel = dict(zip(union, config, strict=True))
        flat = 0
        for legs, n_child in zip(child_legs, child_sizes, strict=True):
            index = 0
            for leg in legs:
                index = index * hel_counts[leg] + hel[leg]
            flat = flat * n_child + index
        perm.append(flat)
    return np.asarray(perm, dtype=np.int32)


class _Plan:
    """The static part: table positions, groups and index arrays, built once."""

    def __init__(self, graph: CurrentGraph, hel_counts: list[int], params):
        self.graph = graph
        self.hel_counts = hel_counts
        self.params = params
        currents = graph.currents
        n = graph.n_legs
        self.masks = sorted({c.mask for c in currents} | {(1 << n) - 1})
        self.mask_index = {m: i for i, m in enumerate(self.masks)}
        self.table_pos: dict[int, tuple[tuple[int, int, int], int]] = {}
        self.table_len: dict[tuple[int, int, int], int] = defaultdict(int)
        self.leaves = [c for c in currents if c.leg >= 0]
        for c in self.leaves:
            self._place(c.id)
        by_level: dict[int, list[int]] = defaultdict(list)
        for c in currents:
            if c.leg < 0:
                by_level[bin(c.mask).count("1")].append(c.id)
        self.levels = []  # [(level, evaluation groups, [(key, spin, is_row, current ids)])]
        for level in sorted(by_level):
            ids = by_level[level]
            evals = sorted({e for c in ids for _, e in currents[c].contributions})
            groups = self._groups(evals)
            by_type: dict[tuple, list[int]] = defaultdict(list)
            for c in ids:
                cur = currents[c]
                by_type[(self.key(cur), cur.particle.spin, cur.is_row)].append(c)
            blocks = []
            for (key, spin, is_row), cids in sorted(by_type.items()):
                for c in cids:
                    self._place(c)
                blocks.append((key, spin, is_row, cids))
            self.levels.append((level, groups, blocks))
        self.flow_groups = self._groups(sorted({e for f in graph.flows for _, e in f}))

    def n_conf(self, mask: int) -> int:
        return int(np.prod([self.hel_counts[k] for k in _legs(mask)]))

    def key(self, cur) -> tuple[int, int]:
        return (1 if cur.particle.spin == 1 else 4, self.n_conf(cur.mask))

    def table_of(self, cur) -> tuple[int, int, int]:
        """The table holding a current: (recursion level, components, n_conf)."""
        return (bin(cur.mask).count("1"), *self.key(cur))

    def _place(self, cur_id: int) -> None:
        table = self.table_of(self.graph.currents[cur_id])
        self.table_pos[cur_id] = (table, self.table_len[table])
        self.table_len[table] += 1

    def _groups(self, eval_ids):
        grouped: dict[tuple, list[int]] = defaultdict(list)
        for e in eval_ids:
            ev = self.graph.evaluations[e]
            slot_keys = [None] * len(ev.vertex.particles)
            for c, slot in zip(ev.children, ev.slots, strict=True):
                slot_keys[slot] = self.table_pos[c][0]
            grouped[(ev.vertex.kind, ev.open_slot, tuple(slot_keys))].append(e)
        out = []
        for (_, open_slot, slot_keys), ids in grouped.items():
            evs = [self.graph.evaluations[e] for e in ids]
            order = [s for s in range(len(slot_keys)) if s != open_slot]
            child_idx = {s: [] for s in order}
            child_mask = {s: [] for s in order}
            perms = []
            for ev in evs:
                by_slot = {slot: c for c, slot in zip(ev.children, ev.slots, strict=True)}
                for s in order:
                    child_idx[s].append(self.table_pos[by_slot[s]][1])
                    child_mask[s].append(self.mask_index[self.graph.currents[by_slot[s]].mask])
                perms.append(
                    _permutation(
                        [_legs(self.graph.currents[by_slot[s]].mask) for s in order],
                        self.hel_counts,
                    )
                )
            couplings = np.asarray([ev.vertex.coupling(self.params) for ev in evs],
                                   dtype=np.complex128)
            out.append({
                "ids": ids, "vertex": evs[0].vertex, "open_slot": open_slot,
                "slot_keys": slot_keys, "order": order,
                "child_idx": {s: np.asarray(v) for s, v in child_idx.items()},
                "child_mask": {s: np.asarray(v) for s, v in child_mask.items()},
                "perm": np.stack(perms), "couplings": couplings,
            })
        return out


def _run_group(group, tables, kmom, cdtype):
    """Evaluate one group: ``[G, n_conf, comps, N]`` (``[G, n_conf, N]`` for amplitudes)."""
    order = group["order"]
    g = len(group["ids"])
    n_axes = len(order)
    slots = len(group["slot_keys"])
    wfs: list = [None] * slots
    moms: list = [None] * slots
    sizes = []
    batch = kmom.shape[-1]
    for pos, s in enumerate(order):
        picked = tables[group["slot_keys"][s]][group["child_idx"][s]]  # [G, n_c, comps, N]
        shape = [1] * n_axes
        shape[pos] = picked.shape[1]
        sizes.append(picked.shape[1])
        wfs[s] = picked.reshape((g, *shape, picked.shape[2], batch))
        k = kmom[group["child_mask"][s]]  # [G, 4, N]
        moms[s] = k.reshape((g,) + (1,) * n_axes + (4, batch))
    cshape = (g,) + (1,) * (n_axes + 1)
    couplings = group["couplings"]
    if couplings.ndim == 1:
        coupling = jnp.asarray(couplings.reshape(cshape), dtype=cdtype)
    else:
        coupling = tuple(
            jnp.asarray(couplings[:, k].reshape(cshape), dtype=cdtype)
            for k in range(couplings.shape[1])
        )
    out = evaluate_vertex(group["vertex"], coupling, wfs, moms, group["open_slot"])
    is_current = group["open_slot"] is not None
    tail = (out.shape[-2], batch) if is_current else (batch,)
    flat = jnp.broadcast_to(out, (g, *sizes, *tail)).reshape(g, -1, *tail)
    return flat[np.arange(g)[:, None], group["perm"]]  # perm may select a subset of configurations


def _propagate(stacked, kc, mass, width, spin: int, is_row: bool):
    """Propagators for a block of currents ``[C, n_conf, comps, N]`` of one type."""
    k = kc[:, None]  # [C, 1, 4, N]
    if spin == 2:
        return (lz.propagate_row if is_row else lz.propagate_column)(stacked, k, mass, width)
    if spin == 3:
        return lz.propagate_vector(stacked, k, mass, width)
    return lz.propagate_scalar(stacked, k, mass, width)


def _sum_contributions(contributions, results):
    total = None
    for coef, e in contributions:
        out, j = results[e]
        term = out[j] * coef
        total = term if total is None else total + term
    return total


def build_flows(
    graph: CurrentGraph, phys: list[Particle], params, rdtype, gauge_leg=None, configs=None
):
    """Return ``flows(momenta [N, n, 4]) -> [n_flows, n_configs, N]`` and the helicity states.

    The helicity configurations run in canonical order (first leg most significant): all of
    them, or only the flat indices ``configs`` (to skip configurations known to vanish).
    ``gauge_leg`` replaces that leg's polarisation vectors by its momentum.
    """
    n = graph.n_legs
    n_initial = graph.n_initial
    masses = [params.value(p.mass) for p in phys]
    hel_states = [wf.helicities(p.spin, m > 0) for p, m in zip(phys, masses, strict=True)]
    plan = _Plan(graph, [len(h) for h in hel_states], params)
    if configs is not None:
        for group in plan.flow_groups:
            group["perm"] = group["perm"][:, np.asarray(configs)]
    cdtype = complex_dtype(rdtype)
    signs = np.array([1.0 if k < n_initial else -1.0 for k in range(n)], dtype=rdtype)
    currents = graph.currents
    block_info = []
    for _, _, blocks in plan.levels:
        info = []
        for key, spin, is_row, cids in blocks:
            info.append((
                key, spin, is_row, cids,
                np.asarray([plan.mask_index[currents[c].mask] for c in cids]),
                np.asarray([params.value(currents[c].particle.mass) for c in cids],
                           dtype=rdtype).reshape(-1, 1, 1),
                np.asarray([params.value(currents[c].particle.width) for c in cids],
                           dtype=rdtype).reshape(-1, 1, 1),
            ))
        block_info.append(info)

    def flows(momenta):
        momenta = jnp.moveaxis(momenta.astype(rdtype), 0, -1)  # [n, 4, N]
        k_in = momenta * signs[:, None, None]
        # Momentum of every leg set: explicit sums (a tiny matrix product is slower on CPUs).
        kmom = jnp.stack([sum(k_in[k] for k in _legs(m)) for m in plan.masks])  # [n_masks, 4, N]
        parts: dict[tuple[int, int, int], list] = defaultdict(list)
        for c in plan.leaves:
            k = c.leg
            p = tuple(momenta[k, i] for i in range(4))
            if k == gauge_leg:  # ε^μ → p^μ: a gauge-invariant |M|² vanishes
                states = [tuple(x.astype(cdtype) for x in p)] * len(hel_states[k])
            else:
                states = [
                    external_wavefunction(p, graph.legs[k], k < n_initial, masses[k], lam)
                    for lam in hel_states[k]
                ]
            comps = [jnp.stack([st[i] for st in states]) for i in range(len(states[0]))]
            parts[plan.table_of(c)].append(lz.stack(comps)[None])  # [1, n_hel, comps, N]
        tables = {key: jnp.concatenate(v) for key, v in parts.items()}
        for (level, groups, _), info in zip(plan.levels, block_info, strict=True):
            results = {}
            for group in groups:
                out = _run_group(group, tables, kmom, cdtype)
                for j, e in enumerate(group["ids"]):
                    results[e] = (out, j)
            for key, spin, is_row, cids, kidx, mass, width in info:
                stacked = jnp.stack(
                    [_sum_contributions(currents[c].contributions, results) for c in cids]
                )
                mixing = spin == 2 or (spin == 3 and mass.any())  # components mix
                if mixing and max(len(currents[c].contributions) for c in cids) > 1:
                    stacked = lz.materialize(stacked)  # sum the contributions once
                new = _propagate(stacked, kmom[kidx], mass, width, spin, is_row)
                table = (level, *key)
                tables[table] = jnp.concatenate([tables[table], new]) if table in tables else new
        results = {}
        for group in plan.flow_groups:
            out = _run_group(group, tables, kmom, cdtype)
            for j, e in enumerate(group["ids"]):
                results[e] = (out, j)
        return jnp.stack([_sum_contributions(flow, results) for flow in graph.flows])

    return flows, hel_states
