"""Unweighted events from an integrated process (what ``colliderax generate`` does).

After :func:`generation.integrate.run.compute_cross_section`, every (subprocess, channel) unit
keeps its adapted VEGAS grid and its σ_u. Generation then

1. splits the N events among the units in proportion to σ_u (multinomial, as
   :func:`unweighting.allocate_events` explains),
2. per unit, fixes w_max on a presample of fresh weighted points (4 batches): the smallest
   w_max whose overweight fraction is at most ``tolerance`` (:func:`unweighting.max_weight`); keeps
   fresh points with probability min(1, w/w_max) until the unit has its events,
3. dresses each kept point: the flavour assignment among those sharing the |M|², drawn ∝ its
   parton luminosity f_a(x₁, μF₁) f_b(x₂, μF₂); helicities drawn ∝ |M_λ|² (physical
   helicities, HELAS convention); a leading colour flow drawn ∝ Σ_hel |J_b|²
   (:mod:`colour_flow`); μF, μR, α_s(μR); the 7-point μR/μF variation weights
   w_k = w (α_s(k_R μR)/α_s(μR))^p f_a(x₁, k_F μF₁) f_b(x₂, k_F μF₂)/(f_a f_b) (p the QCD order;
   MG5's ids, :data:`record.SEVEN_POINT`),
4. shuffles the events (units are generated one after another) and gives each the weight
   σ/N (MG5's convention for unweighted files, IDWTUP = 3).

A unit's events are kept in tasks of at most 512, each with its own random streams (JAX key
and NumPy generator from the seed, the unit and the task index), so ``workers`` threads can run
tasks concurrently and the events are the same for any number of them. Ctrl-C stops generation
and returns the events kept so far, dressed, flagged ``interrupted``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.generation.events.colour_flow import draw_flows, draw_index, flow_tables
from colliderax.generation.events.record import (
    SCALE_VARIATION_IDS,
    SEVEN_POINT,
    EventBatch,
    ProcessInfo,
    RunInfo,
    concatenate,
    insert_resonances,
    scale_variation_group,
)
from colliderax.generation.events.unweighting import (
    DEFAULT_TOLERANCE,
    max_weight,
)
from colliderax.generation.integrate.cross_section import (
    map_tasks,
    parton_densities,
    sample_points,
)
from colliderax.generation.model.particles import PARTICLES_BY_NAME

DRESS_CHUNK = 512  # kept points are dressed in chunks of this size (one compiled shape)


@dataclass(frozen=True)
class GeneratedEvents:
    """Unweighted events and how they were obtained.

    Attributes:
        events: the events (weight σ/N each, pb), shuffled.
        run_info: the LHE ``<init>``/header information.
        n_points: weighted points evaluated (presamples included).
        efficiency: events kept / points evaluated.
        overweight_fraction: realised Σ max(w − w_max, 0)/Σ w over all generated points (the
            bound on the bias of any binned fraction; see :mod:`unweighting`).
        per_subprocess: events per subprocess name.
        weighted_reference: the presample points with weights such that their sum estimates
            σ (for plots and χ² comparisons), or None.
        interrupted: Ctrl-C stopped the generation.
    """

    events: EventBatch
    run_info: RunInfo
    n_points: int
    efficiency: float
    overweight_fraction: float
    per_subprocess: dict[str, int]
    weighted_reference: EventBatch | None
    interrupted: bool = False


def _alpha_s(prepared, q):
    if prepared.physics.alpha_s is None:
        return jnp.full_like(q, prepared.physics.alpha_s_model)
    return prepared.physics.alpha_s(q)


def _kernels(prepared, unit, cache: dict):
    """Luminosity-per-flavour and scale-variation functions of a unit (cached); each makes
    one batched PDF call per beam (the PDF evaluation is compiled once per shape)."""
    key = (unit.subprocess, unit.members)
    if key in cache:
        return cache[key]
    sub = prepared.compiled.subprocesses[unit.subprocess]
    member_pdgs = np.array([[PARTICLES_BY_NAME[x].pdg for x in m] for m in unit.members])
    k_qcd = sub.alpha_s_power or 0
    factors = np.array(SEVEN_POINT)  # [7, 2]: (μR, μF) factors

    def lumi(x1, x2, f1, f2):
        pdg = jnp.asarray(member_pdgs[:, :2])
        return parton_densities(prepared.physics, pdg[:, :1], pdg[:, 1:], x1[None], x2[None],
                                f1[None], f2[None])

    def variations(x1, x2, mu_r, f1, f2, pdg1, pdg2):
        kf = jnp.asarray(np.concatenate([[1.0], factors[:, 1]]))[:, None]
        pdf = parton_densities(prepared.physics, pdg1[None], pdg2[None], x1[None], x2[None],
                               kf * f1[None], kf * f2[None])
        kr = jnp.asarray(np.concatenate([[1.0], factors[:, 0]]))[:, None]
        a_s = _alpha_s(prepared, kr * mu_r[None])
        ratio = (a_s[1:] / a_s[:1]) ** k_qcd * pdf[1:] / pdf[:1]
        return ratio.T

    cache[key] = (member_pdgs, lumi, variations)
    return cache[key]


def _dress(prepared, unit, kept: dict, rng: np.random.Generator, event_weight: float,
           process_id: int, cache: dict) -> EventBatch:
    """Flavours, colour flow, scales and scale-variation weights for a unit's kept points."""
    sub = prepared.compiled.subprocesses[unit.subprocess]
    n = len(kept["weight"])
    members = unit.members
    member_pdgs, lumi, variations = _kernels(prepared, unit, cache)
    n_legs = member_pdgs.shape[1]
    tags, leading = flow_tables(sub.colour_basis, n_legs, 2)
    pad = -n % DRESS_CHUNK
    padded = {k: np.concatenate([v, np.repeat(v[-1:], pad, axis=0)]) for k, v in kept.items()}
    flavour = np.zeros(n, dtype=np.int64)
    flow = np.zeros(n, dtype=np.int64)
    config = np.zeros(n, dtype=np.int64)
    extra = np.ones((n, len(SEVEN_POINT)))
    for start in range(0, n, DRESS_CHUNK):
        sl = slice(start, start + DRESS_CHUNK)
        x1, x2 = jnp.asarray(padded["x1"][sl]), jnp.asarray(padded["x2"][sl])
        mu_r, f1, f2 = (jnp.asarray(padded[k][sl]) for k in ("mu_r", "mu_f1", "mu_f2"))
        m = min(DRESS_CHUNK, n - start)
        if len(members) > 1:
            flavour[start:start + m] = draw_index(rng, np.asarray(lumi(x1, x2, f1, f2)).T[:m])
        p = jnp.asarray(padded["momenta"][sl])
        per_hel, weights = (np.asarray(x) for x in sub.helicity_and_flow_weights(p))
        if len(tags) > 1:
            flow[start:start + m] = draw_flows(rng, weights[:m], leading)
        per_hel = per_hel.reshape(DRESS_CHUNK, -1)[:m]
        config[start:start + m] = draw_index(rng, per_hel)
        chosen = member_pdgs[flavour[start:start + m]]
        fill = DRESS_CHUNK - m
        pdg1 = jnp.asarray(np.concatenate([chosen[:, 0], np.repeat(chosen[-1:, 0], fill)]))
        pdg2 = jnp.asarray(np.concatenate([chosen[:, 1], np.repeat(chosen[-1:, 1], fill)]))
        extra[start:start + m] = np.asarray(variations(x1, x2, mu_r, f1, f2, pdg1, pdg2))[:m]
    pdg = member_pdgs[flavour]
    values = np.array(list(itertools.product(*sub.helicities)))  # [n_configs, n_legs]
    helicity = values[config]
    status = np.tile(np.array([-1, -1] + [1] * (n_legs - 2)), (n, 1))
    mothers = np.zeros((n, n_legs, 2), dtype=np.int64)
    mothers[:, 2:] = (1, 2)
    params = prepared.params
    mass = np.array([params.value(PARTICLES_BY_NAME[x].mass) for x in members[0]])
    weight = np.full(n, event_weight)
    mu_f = np.sqrt(kept["mu_f1"] * kept["mu_f2"])
    batch = EventBatch(
        pdg=pdg,
        status=status,
        mothers=mothers,
        colour=tags[flow],
        momenta=kept["momenta"],
        weight=weight,
        scale=mu_f,
        alpha_s=kept["alpha_s"],
        alpha_qed=np.full(n, params.alpha_ew),
        mass=np.tile(mass, (n, 1)),
        helicity=helicity,
        process_id=np.full(n, process_id),
        mu_f=mu_f,
        mu_r=kept["mu_r"],
        extra_weights=weight[:, None] * extra,
        extra_weight_ids=tuple(SCALE_VARIATION_IDS[pt] for pt in SEVEN_POINT),
    )
    return _with_resonances(batch, sub.decay_chain, params)


def _with_resonances(batch: EventBatch, chain, params) -> EventBatch:
    """The batch with a decay chain's resonances (status 2) in it; unchanged without one."""
    if chain is None:
        return batch
    return insert_resonances(batch, [PARTICLES_BY_NAME[x].pdg for x in chain.particles],
                             chain.parents, _resonance_products(chain, batch.momenta, params))


def _resonance_products(chain, momenta: np.ndarray, params) -> np.ndarray:
    """Per event, the decay products' leg masks ``[N, decays]`` of the alternative assignment
    (identical particles) nearest the resonances' poles: smallest Σ ((m − M)/Γ)²."""
    pole, width = chain.poles(params)
    m = np.asarray(chain.virtual_masses(jnp.asarray(momenta)))
    best = np.argmin(np.sum(((m - pole) / width) ** 2, axis=-1), axis=-1)
    return np.array(chain.alternatives)[best]


def _reference(prepared, unit, points, n_points_total):
    """Weighted presample points as an event batch (weights sum to the unit's σ estimate)."""
    n = len(points["weight"])
    pdgs = np.array([PARTICLES_BY_NAME[x].pdg for x in unit.members[0]])
    n_legs = len(pdgs)
    status = np.array([-1, -1] + [1] * (n_legs - 2))
    batch = EventBatch(
        pdg=np.tile(pdgs, (n, 1)),
        status=np.tile(status, (n, 1)),
        mothers=np.zeros((n, n_legs, 2), dtype=np.int64),
        colour=np.zeros((n, n_legs, 2), dtype=np.int64),
        momenta=points["momenta"],
        weight=points["weight"] / n_points_total,
        scale=points["mu_r"],
        alpha_s=points["alpha_s"],
        alpha_qed=np.zeros(n),
    )
    sub = prepared.compiled.subprocesses[unit.subprocess]
    return _with_resonances(batch, sub.decay_chain, prepared.params)


def _to_numpy(points) -> dict:
    return {
        "momenta": np.asarray(points.momenta), "x1": np.asarray(points.x1),
        "x2": np.asarray(points.x2), "mu_r": np.asarray(points.mu_r),
        "mu_f1": np.asarray(points.mu_f1), "mu_f2": np.asarray(points.mu_f2),
        "alpha_s": np.asarray(points.alpha_s), "weight": np.asarray(points.weight),
    }


def run_info_for(prepared, xsec, n_events: int, per_sub_events: dict) -> RunInfo:
    """The LHE ``<init>`` of a run: one process row per subprocess."""
    from colliderax._version import __version__
    from colliderax.generation.integrate.run import LHAPDF_IDS

    beams = prepared.physics.beams
    sigma = xsec.sigma_pb
    rows = []
    for index, s in enumerate(xsec.subprocesses):
        rows.append(ProcessInfo(index + 1, s.sigma_pb, s.error_pb, sigma / max(n_events, 1)))
    lhaid = LHAPDF_IDS.get(prepared.settings.pdf, 0) if beams.has_pdfs else -1
    group = scale_variation_group(pdf=lhaid if beams.has_pdfs else None)
    del per_sub_events
    return RunInfo(
        beam_pdg=beams.pdg,
        beam_energy=beams.energies,
        processes=tuple(rows),
        pdf_group=(0, 0) if beams.has_pdfs else (-1, -1),
        pdf_set=(lhaid, lhaid),
        weighting_strategy=3,
        generator_name="colliderax",
        generator_version=__version__,
        weight_groups=(group,),
    )


EVENTS_PER_TASK = 512  # a unit's events are kept in tasks of at most this many (threads)


@dataclass
class _Kept:
    """What one task of a unit's unweighting produced."""

    batch: EventBatch | None
    n_points: int
    over: float
    total: float


def _presample(unit, ukey, batch: int, n_batches: int, tolerance: float):
    """Fresh weighted points of a unit and the w_max they give."""
    pre = [_to_numpy(sample_points(jax.random.fold_in(ukey, b), unit, batch))
           for b in range(n_batches)]
    pre = {k: np.concatenate([p[k] for p in pre]) for k in pre[0]}
    return pre, max_weight(pre["weight"], tolerance)


def _keep(prepared, unit, count: int, w_max: float, key, rng, batch: int, event_weight: float,
          kernels: dict, stop: threading.Event, progress) -> _Kept:
    """Keep ``count`` fresh points of a unit with probability min(1, w/w_max) and dress them."""
    kept: list[dict] = []
    n_kept = n_points = 0
    over = total = 0.0
    b = 0
    while n_kept < count and not stop.is_set():
        try:
            points = _to_numpy(sample_points(jax.random.fold_in(key, b), unit, batch))
        except KeyboardInterrupt:  # single-threaded: keep (and dress) what this task has
            stop.set()
            break
        b += 1
        w = points["weight"]
        n_points += len(w)
        over += float(np.sum(np.maximum(w - w_max, 0.0)))
        total += float(np.sum(w))
        keep = rng.random(len(w)) * w_max < w
        # A random subset when the batch holds more than needed: the points come sorted by
        # VEGAS hypercube, so its first ones would favour one corner of phase space.
        take = np.sort(rng.permutation(np.flatnonzero(keep))[: count - n_kept])
        if len(take):
            kept.append({k: v[take] for k, v in points.items()})
            n_kept += len(take)
            if progress is not None:
                progress(len(take))
        if b > 10_000:
            msg = "unweighting stalls: no point passes; is the cross section zero?"
            raise InvalidInput(msg)
    events = None
    if kept:
        merged = {k: np.concatenate([c[k] for c in kept]) for k in kept[0]}
        events = _dress(prepared, unit, merged, rng, event_weight, unit.subprocess + 1, kernels)
    return _Kept(events, n_points, over, total)


def generate_events(
    prepared,
    xsec,
    n_events: int,
    *,
    seed: int = 0,
    tolerance: float = DEFAULT_TOLERANCE,
    batch: int = 4096,
    presample_batches: int = 4,
    workers: int = 1,
    progress=None,
) -> GeneratedEvents:
    """``n_events`` unweighted events of an integrated process.

    Args:
        prepared: from :func:`generation.integrate.run.prepare`.
        xsec: its :class:`CrossSection` (units adapted, σ per unit known).
        n_events: events to generate (> 0).
        seed: random seed (a different stream from the integration's).
        tolerance: bound on the overweight fraction when choosing w_max.
        batch: points per compiled batch.
        presample_batches: batches per unit used to fix w_max.
        workers: threads running unweighting tasks concurrently (every task has its own
            random streams, so the events do not depend on it).
        progress: optional callback ``(n_new_events)``.
    """
    if n_events <= 0:
        msg = f"--events must be a positive number of events, got {n_events}"
        raise InvalidInput(msg)
    key = jax.random.fold_in(jax.random.key(seed), 0x6E6)
    rng = np.random.default_rng([seed, 0x6E6])
    units = xsec.units
    sigmas = np.array([max(u.sigma[0], 0.0) for u in units])
    # Multinomial split (what one run over the sum of all units gives; see allocate_events).
    counts = rng.multinomial(n_events, sigmas / sigmas.sum())
    active = [i for i in range(len(units)) if counts[i] > 0]
    ukeys = {i: jax.random.fold_in(key, i + 1) for i in active}
    # Tasks of at most EVENTS_PER_TASK events, each with its own streams: the events do not
    # depend on how many threads run them.
    tasks = [(i, j, min(EVENTS_PER_TASK, int(counts[i]) - start))
             for i in active for j, start in enumerate(range(0, int(counts[i]), EVENTS_PER_TASK))]
    kernels: dict = {}
    stop = threading.Event()
    presamples: dict[int, tuple] = {}
    kept: dict[int, _Kept] = {}

    def presample(n: int) -> None:
        i = active[n]
        presamples[i] = _presample(units[i], ukeys[i], batch, presample_batches, tolerance)

    def keep(t: int) -> None:
        i, j, count = tasks[t]
        if stop.is_set():
            return
        task_key = jax.random.fold_in(ukeys[i], presample_batches + j)
        task_rng = np.random.default_rng([seed, 0x6E6, i + 1, j])
        kept[t] = _keep(prepared, units[i], count, presamples[i][1], task_key, task_rng, batch,
                        xsec.sigma_pb / n_events, kernels, stop, progress)

    interrupted = False
    try:
        map_tasks(presample, len(active), workers, stop)
        map_tasks(keep, len(tasks), workers, stop)
    except KeyboardInterrupt:
        interrupted = True
    done = [kept[t] for t in sorted(kept)]
    batches = [r.batch for r in done if r.batch is not None]
    if not batches:
        msg = "generation was interrupted before any event was kept"
        raise KeyboardInterrupt(msg)
    interrupted = interrupted or sum(len(b) for b in batches) < n_events
    per_sub: dict[str, int] = {}
    for t in sorted(kept):
        if kept[t].batch is not None:
            name = prepared.compiled.subprocesses[units[tasks[t][0]].subprocess].name
            per_sub[name] = per_sub.get(name, 0) + len(kept[t].batch)
    events = concatenate(batches)
    events = events[rng.permutation(len(events))]
    reference = concatenate([
        _reference(prepared, units[i], pre, len(pre["weight"]))
        for i, (pre, _) in sorted(presamples.items())
    ])
    n_points = sum(len(pre["weight"]) for pre, _ in presamples.values())
    n_points += sum(r.n_points for r in done)
    over_total = sum(r.over for r in done)
    weight_total = sum(r.total for r in done)
    return GeneratedEvents(
        events=events,
        run_info=run_info_for(prepared, xsec, n_events, per_sub),
        n_points=n_points,
        efficiency=len(events) / max(n_points, 1),
        overweight_fraction=over_total / weight_total if weight_total > 0 else 0.0,
        per_subprocess=per_sub,
        weighted_reference=reference,
        interrupted=interrupted,
    )


__all__ = ["GeneratedEvents", "generate_events", "run_info_for"]
