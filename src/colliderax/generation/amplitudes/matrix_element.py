"""Compile a process into a jit-compiled, batched |M|² function.

The Python work (parse, expand flavours, build the colour-dressed current recursion, reduce
colour exactly) happens once; the result is a pure, jit-compiled function of momenta
``[N, n, 4]`` (GeV, ``(E, px, py, pz)``, initial legs first, in the order of the process
string) returning |M|² ``[N]``: summed over final and averaged over initial helicities and
colours, divided by the identical-final-state factor, as MG5 does (no flux, phase-space
weight or PDF). Mass dimension GeV^(8−2n). Every current carries only the helicity
configurations of its own legs (see :mod:`batched`), so it is computed once for all
helicities of the other legs.
"""

import itertools
import logging
import math
from collections import Counter
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.dtypes import real_dtype
from colliderax.core.errors import InvalidInput, InvalidProcess
from colliderax.generation.amplitudes import wavefunctions as wf
from colliderax.generation.amplitudes.batched import build_flows
from colliderax.generation.amplitudes.colour_basis import colour_factor, colour_matrix
from colliderax.generation.amplitudes.currents import (
    CurrentGraph,
    build_currents,
    lowest_weighted_order,
)
from colliderax.generation.amplitudes.diagrams import build_diagrams
from colliderax.generation.model.parameters import ModelParameters
from colliderax.generation.model.particles import PARTICLES_BY_NAME, Particle, antiparticle
from colliderax.generation.model.vertices import active_vertices
from colliderax.generation.phasespace import rambo, two_to_n
from colliderax.generation.process.parser import ProcessSpec, expand_process, parse_process

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecayChain:
    """The required s-channel resonances of a decay-chain subprocess.

    Attributes:
        particles: per decay, the resonance (MG5 name, final-state orientation).
        parents: per decay, the index of the decay that produced it (None: the core process);
            parents come before their daughters.
        alternatives: per alternative, per decay, the leg mask of its decay products (bit k:
            leg k, initial legs first). Several alternatives when identical particles sit in
            different decay groups; a diagram needs the lines of one of them.
    """

    particles: tuple[str, ...]
    parents: tuple[int | None, ...]
    alternatives: tuple[tuple[int, ...], ...]

    def describe(self, particles: tuple[str, ...], n_initial: int) -> str:
        """The subprocess in MG5 decay-chain syntax, e.g. ``g g > t t~, (t > b w+, w+ > e+
        ve)`` (products as assigned in the first alternative)."""
        masks = self.alternatives[0]
        children = [[d for d, p in enumerate(self.parents) if p == r] for r in range(len(masks))]

        def listing(legs: int, inner: list[int]) -> str:
            slots = [(k, particles[k]) for k in range(len(particles)) if legs >> k & 1
                     and not any(masks[d] >> k & 1 for d in inner)]
            slots += [((masks[d] & -masks[d]).bit_length() - 1, self.particles[d])
                      for d in inner]
            return " ".join(name for _, name in sorted(slots))

        def decay(d: int) -> str:
            text = f"{self.particles[d]} > {listing(masks[d], children[d])}"
            if not children[d]:
                return text
            return "(" + ", ".join([text, *(decay(c) for c in children[d])]) + ")"

        top = [d for d, p in enumerate(self.parents) if p is None]
        final = ((1 << len(particles)) - 1) ^ ((1 << n_initial) - 1)
        core = " ".join(particles[:n_initial]) + " > " + listing(final, top)
        return ", ".join([core, *(decay(d) for d in top)])

    def poles(self, params: ModelParameters) -> tuple[np.ndarray, np.ndarray]:
        """Mass and width [GeV] of each decay's resonance, ``([decays], [decays])``."""
        res = [PARTICLES_BY_NAME[x] for x in self.particles]
        return (np.array([params.value(r.mass) for r in res]),
                np.array([params.value(r.width) for r in res]))

    def virtual_masses(self, momenta):
        """√(p_D²) [GeV] of each decay's products, ``[N, alternatives, decays]``, for momenta
        ``[N, n, 4]`` (jax-traceable)."""
        return leg_set_masses(momenta, np.array(self.alternatives))

    @property
    def products(self) -> tuple[int, ...]:
        """Legs that are decay products in every alternative (exempt from generation cuts
        unless MG5's ``cut_decays`` is set)."""
        common = -1
        for masks in self.alternatives:
            common &= sum(m for m, parent in zip(masks, self.parents, strict=True)
                          if parent is None)
        return tuple(k for k in range(common.bit_length()) if common >> k & 1)

    @property
    def required_lines(self) -> tuple[tuple[tuple[int, str], ...], ...]:
        """Per alternative, the ``(leg mask, particle)`` lines a diagram must have."""
        return tuple(tuple(zip(masks, self.particles, strict=True))
                     for masks in self.alternatives)


def leg_set_masses(momenta, masks: np.ndarray):
    """√(q²) [GeV] of the summed momenta q of the legs in each bit mask (bit k: leg k), shape
    ``[N, *masks.shape]`` for momenta ``[N, n, 4]`` (jax-traceable; q² < 0 gives 0)."""
    legs = np.arange(momenta.shape[1])
    select = jnp.asarray((masks[..., None] >> legs) & 1, dtype=momenta.dtype)
    q = jnp.einsum("...l,nlm->n...m", select, momenta)
    return jnp.sqrt(jnp.maximum(q[..., 0] ** 2 - jnp.sum(q[..., 1:] ** 2, axis=-1), 0.0))


_MAX_ASSIGNMENTS = 720  # permutations of identical decay products tried (6!)


def _decay_chain(spec: ProcessSpec, final: tuple[str, ...], n_initial: int,
                 params: ModelParameters) -> DecayChain | None:
    """The decay chain of one flavour assignment, with one alternative per distinct
    assignment of identical final-state particles to the decays."""
    if not spec.decays:
        return None
    for d in spec.decays:
        particle = PARTICLES_BY_NAME[d.particle]
        if params.value(particle.width) <= 0 or params.value(particle.mass) <= 0:
            msg = (f"{spec.text!r}: {d.particle} has no width in the param card, so it cannot "
                   "be a decay-chain resonance (give it a width)")
            raise InvalidProcess(msg)
    positions: dict[str, list[int]] = {}
    for k, name in enumerate(final):
        positions.setdefault(name, []).append(k)
    groups = [pos for pos in positions.values() if len(pos) > 1]
    if math.prod(math.factorial(len(pos)) for pos in groups) > _MAX_ASSIGNMENTS:
        msg = (f"{spec.text!r}: too many identical particles in the decay chain (at most "
               f"{_MAX_ASSIGNMENTS} assignments)")
        raise InvalidProcess(msg)
    alternatives: dict[tuple, tuple[int, ...]] = {}
    for perms in itertools.product(*(itertools.permutations(pos) for pos in groups)):
        relabel = {k: v for pos, perm in zip(groups, perms, strict=True)
                   for k, v in zip(pos, perm, strict=True)}
        masks = tuple(sum(1 << (n_initial + relabel.get(k, k)) for k in d.legs)
                      for d in spec.decays)
        alternatives.setdefault(tuple(sorted(zip(masks, (d.particle for d in spec.decays),
                                                 strict=True))), masks)
    return DecayChain(
        particles=tuple(d.particle for d in spec.decays),
        parents=tuple(d.parent for d in spec.decays),
        alternatives=tuple(alternatives.values()),
    )


@dataclass(frozen=True)
class Subprocess:
    """One partonic process with its compiled |M|².

    Attributes:
        particles: MG5 names, initial then final.
        n_initial: 1 (decay) or 2.
        same_me: every flavour assignment of the process string with this same |M|².
        denominator: D = initial spins × initial colours × identical-final-state factor.
        n_colour_flows: size of the colour-flow basis (MG5's JAMPs).
        helicity_shape: number of helicity states per leg.
        helicities: the helicity values per leg, in the order of the :meth:`per_helicity`
            axes (physical helicities of the particles as listed, HELAS convention).
        alpha_s_power: k in |M|² ∝ α_s^k (QCD vertices per amplitude); None when
            amplitudes of different QCD orders interfere.
        colour_matrix: the exact colour matrix of the colour-flow basis.
        colour_basis: the basis elements (products of chains, see :mod:`colour`), legs as
            labels 0…n−1 (all counted as incoming).
        decay_chain: the required resonances of a decay-chain process, else None.
        forbid_onshell: particles that the process's ``$`` keeps off shell in the s-channel
            (see :attr:`onshell_vetoes`).
        diagram_options: the keywords that select the diagrams (coupling-order bounds,
            exclusions, required s-channel lines) of
            :class:`~colliderax.generation.amplitudes.currents.Enumerator`; the −1 scale's
            clustering uses the same diagrams.
    """

    particles: tuple[str, ...]
    n_initial: int
    same_me: tuple[tuple[str, ...], ...]
    denominator: int
    n_colour_flows: int
    helicity_shape: tuple[int, ...]
    helicities: tuple[tuple[int, ...], ...]
    alpha_s_power: int | None
    colour_matrix: np.ndarray = field(repr=False)
    colour_basis: tuple = field(repr=False)
    decay_chain: DecayChain | None
    forbid_onshell: frozenset[str]
    diagram_options: dict = field(repr=False)
    _me: object = field(repr=False)
    _dressing: object = field(repr=False)
    _diagrams: object = field(repr=False)

    @property
    def pdg_ids(self) -> tuple[int, ...]:
        return tuple(PARTICLES_BY_NAME[p].pdg for p in self.particles)

    @property
    def name(self) -> str:
        """MG5 notation, with the decay chain when there is one."""
        n = self.n_initial
        if self.decay_chain is not None:
            return self.decay_chain.describe(self.particles, n)
        return " ".join(self.particles[:n]) + " > " + " ".join(self.particles[n:])

    def __call__(self, momenta):
        """|M|² for momenta ``[N, n, 4]`` → ``[N]``."""
        return self._me(jnp.asarray(momenta))

    def per_helicity(self, momenta):
        """|M|²/D per helicity configuration, ``[N, *helicity_shape]`` (summed: ``__call__``)."""
        return self.helicity_and_flow_weights(momenta)[0]

    def colour_flow_weights(self, momenta):
        """Σ_hel |J_b|² per colour-flow basis element b (partial amplitudes, no colour
        matrix), ``[N, n_colour_flows]``: the weights for drawing an event's colour flow."""
        return self.helicity_and_flow_weights(momenta)[1]

    def helicity_and_flow_weights(self, momenta):
        """``(per_helicity, colour_flow_weights)`` from one amplitude evaluation (one compiled
        function serves both; event generation needs both for every event)."""
        return self._dressing(jnp.asarray(momenta))

    @property
    def n_diagrams(self) -> int:
        """Number of Feynman diagrams (MG5 counting; built on first use)."""
        return self._diagrams()[1]

    @property
    def channel_diagrams(self) -> np.ndarray:
        """Boolean ``[n_diagrams]``: diagrams that are integration channels (those without a
        four-point vertex, as in MG5)."""
        return self._diagrams()[2]

    @property
    def diagram_propagators(self) -> tuple[frozenset, ...]:
        """Per diagram, its internal lines ``(mask, Particle)`` (see :class:`diagrams.Diagrams`):
        the propagator structure that the multichannel phase space maps."""
        return self._diagrams()[3]

    @property
    def onshell_vetoes(self) -> tuple[tuple[int, str], ...]:
        """``(leg mask, particle)`` of every s-channel line of a ``$``-forbidden particle in the
        diagrams, the mask holding the final-state legs whose summed momentum flows through
        it: MG5's ``$ x`` cuts events with any of these within ``bwcutoff`` widths of the pole."""
        if not self.forbid_onshell:
            return ()
        initial = (1 << self.n_initial) - 1
        every = (1 << len(self.particles)) - 1
        lines = set()
        for propagators in self.diagram_propagators:
            for mask, particle in propagators:
                if not {particle.name, particle.antiname} & self.forbid_onshell:
                    continue
                if mask & initial == 0:
                    lines.add((mask, particle.name))
                elif mask & initial == initial:
                    lines.add((every ^ mask, particle.name))
        return tuple(sorted(lines))

    def diagram_weights(self, momenta):
        """Σ_hel |A_d|² per Feynman diagram d (no colour), ``[N, n_diagrams]``.

        The single-diagram-enhancement weights of MG5's multichannel integration, with the
        diagrams in order of construction; compiled on first use. MG5's enhancement factor for
        channel c is ``w_c / Σ_d w_d`` with d over :attr:`channel_diagrams`.
        """
        return self._diagrams()[0](jnp.asarray(momenta))


@dataclass(frozen=True)
class CompiledProcess:
    """All subprocesses of a process string; callable directly when there is only one."""

    process: str
    subprocesses: tuple[Subprocess, ...]
    params: ModelParameters

    def __call__(self, momenta):
        if len(self.subprocesses) != 1:
            names = ", ".join(s.name for s in self.subprocesses)
            msg = f"{self.process!r} has {len(self.subprocesses)} subprocesses ({names}): call one"
            raise InvalidInput(msg)
        return self.subprocesses[0](momenta)


def _denominator(initial: list[Particle], final: list[Particle], params: ModelParameters) -> int:
    d = 1
    for p in initial:
        d *= len(wf.helicities(p.spin, params.value(p.mass) > 0))
        d *= {1: 1, 3: 3, -3: 3, 8: 8}[p.colour]
    for count in Counter(p.name for p in final).values():
        d *= math.factorial(count)
    return d


def _structure_key(graph: CurrentGraph, params: ModelParameters) -> tuple:
    """Everything the numerical |M|² depends on, for grouping identical subprocesses."""
    currents = tuple(
        (
            c.mask,
            params.value(c.particle.mass),
            params.value(c.particle.width),
            c.particle.spin,
            c.is_row,
            c.leg,
            tuple(c.contributions),
        )
        for c in graph.currents
    )
    evaluations = tuple(
        (repr(e.vertex.coupling(params)), e.vertex.kind, e.children, e.slots, e.open_slot)
        for e in graph.evaluations
    )
    return currents, evaluations, tuple(tuple(f) for f in graph.flows), tuple(graph.basis)


def _alpha_s_power(graph: CurrentGraph) -> int | None:
    """The QCD order k of the amplitudes (|M|² ∝ α_s^k), or None when amplitudes of several
    orders interfere (possible with explicit ``QCD<=n QED<=m``)."""
    orders = set()
    for flow in graph.flows:
        for _, e in flow:
            ev = graph.evaluations[e]
            orders.add(ev.vertex.qcd + sum(graph.currents[c].qcd for c in ev.children))
    return orders.pop() if len(orders) == 1 else None


def _order_bounds(spec: ProcessSpec, legs, n_initial, vertices, exclusions) -> dict:
    if spec.has_orders:
        return {"max_qcd": spec.max_qcd, "max_qed": spec.max_qed}
    weighted = lowest_weighted_order(legs, n_initial, vertices, **exclusions)
    if weighted is None:
        msg = (
            f"{spec.text!r}: no tree-level diagram (charge, colour or fermion number is not "
            "conserved)"
        )
        raise InvalidProcess(msg)
    return {"max_weighted": weighted}


def _blocked(fn, block: int):
    """Apply a batched function in blocks of ``block`` events inside one compiled loop.

    The working set of one block of helicity-resolved currents stays in the CPU caches; the
    batch is padded with copies of its last event and the padding dropped afterwards.
    """

    def run(momenta):
        n_events = momenta.shape[0]
        if n_events <= block:
            return fn(momenta)
        n_blocks = -(-n_events // block)
        pad = n_blocks * block - n_events
        if pad:
            momenta = jnp.concatenate([momenta, jnp.repeat(momenta[-1:], pad, axis=0)])
        blocks = momenta.reshape(n_blocks, block, *momenta.shape[1:])
        out = jax.lax.map(fn, blocks)
        return jax.tree_util.tree_map(
            lambda x: x.reshape(n_blocks * block, *x.shape[2:])[:n_events], out)

    return run


def default_block_size() -> int:
    """Events per block: small on CPUs (cache), large on accelerators (parallelism)."""
    return 64 if jax.default_backend() == "cpu" else 8192


def _probe_momenta(phys, params, n_initial: int, rdtype, n_points: int = 8):
    """A few generic phase-space points for probing which helicity configurations vanish."""
    final_masses = [params.value(p.mass) for p in phys[n_initial:]]
    if n_initial == 2:
        sqrts = max(1000.0, 3.0 * sum(final_masses))
        momenta, _ = two_to_n(jax.random.key(20261127), n_points, sqrts, final_masses)
        return momenta.astype(rdtype)
    mass = params.value(phys[0].mass)
    final, _ = rambo(jax.random.key(20261127), n_points, mass, final_masses)
    parent = jnp.tile(jnp.asarray([mass, 0.0, 0.0, 0.0]), (n_points, 1, 1))
    return jnp.concatenate([parent, final], axis=1).astype(rdtype)


def _compile_graph(graph: CurrentGraph, phys, params, rdtype, gauge_leg, block):
    matrix = colour_matrix(graph.basis)
    factor = colour_factor(matrix).astype(rdtype)
    denominator = _denominator(phys[: graph.n_initial], phys[graph.n_initial :], params)

    def colour_sum(flows):  # [n_flows, n_configs, N] → |M|²/D per configuration
        # Real factor: two real matrix products instead of one complex one.
        re = jnp.tensordot(factor, flows.real, axes=1)
        im = jnp.tensordot(factor, flows.imag, axes=1)
        return jnp.sum(re**2 + im**2, axis=0) / denominator

    def build(configs):
        flows_fn, hel_states = build_flows(graph, phys, params, rdtype, gauge_leg, configs)
        return (lambda momenta: colour_sum(flows_fn(momenta))), flows_fn, hel_states

    summed, flows_fn, hel_states = build(None)
    hel_shape = tuple(len(h) for h in hel_states)
    n_conf = int(np.prod(hel_shape))
    configs = np.arange(n_conf)
    massless_fermion = any(p.is_fermion and params.value(p.mass) == 0 for p in phys)
    if massless_fermion and gauge_leg is None:
        # Helicity conservation on massless fermion lines makes whole configurations vanish;
        # like MG5, find them numerically at a few generic points and skip them.
        probe = np.asarray(jax.jit(summed)(_probe_momenta(phys, params, graph.n_initial, rdtype)))
        scale = probe.max()
        good = np.flatnonzero(probe.max(axis=1) > 1e-20 * scale) if scale > 0 else configs
        if 0 < len(good) < n_conf:
            configs = good
            summed, flows_fn, _ = build(configs)

    def me(momenta):
        return jnp.sum(summed(momenta), axis=0)

    def dressing(momenta):
        """Per-helicity |M|²/D and per-flow Σ_hel |J_b|² from one amplitude evaluation."""
        flows = flows_fn(momenta)  # [n_flows, n_configs, N]
        total = jnp.zeros((n_conf, momenta.shape[0]), dtype=rdtype)
        total = total.at[configs].set(colour_sum(flows))
        per_hel = total.T.reshape((momenta.shape[0], *hel_shape))
        return per_hel, jnp.sum(flows.real**2 + flows.imag**2, axis=1).T

    return (
        jax.jit(_blocked(me, block)),
        jax.jit(_blocked(dressing, block)),
        matrix,
        denominator,
        hel_states,
    )


def _diagram_builder(legs, n_initial, vertices, bounds, exclusions, phys, params, rdtype, block):
    """Lazily build (and cache) the per-diagram weight function and the diagram count."""
    cache = {}

    def get():
        if not cache:
            diagrams = build_diagrams(legs, n_initial, vertices, **bounds, **exclusions)
            flows_fn, _ = build_flows(diagrams.graph, phys, params, rdtype)
            index = np.asarray(diagrams.diagram_of_flow)
            n_diagrams = int(index.max()) + 1

            def weights(momenta):
                amps = flows_fn(momenta)  # [n_amplitudes, n_conf, N]
                a2 = jnp.sum(amps.real**2 + amps.imag**2, axis=1)
                return jax.ops.segment_sum(a2, index, num_segments=n_diagrams).T

            channels = np.logical_not(np.asarray(diagrams.quartic))
            cache["value"] = (
                jax.jit(_blocked(weights, block)),
                n_diagrams,
                channels,
                tuple(diagrams.propagators),
            )
        return cache["value"]

    return get


def compile_matrix_element(
    process: str,
    params: ModelParameters | None = None,
    *,
    dtype: str = "float64",
    definitions=None,
    gauge_check_leg: int | None = None,
    block_size: int | None = None,
) -> CompiledProcess:
    """Build |M|² for every subprocess of ``process`` (MG5 syntax).

    Args:
        process: e.g. ``"g g > t t~ g"`` or ``"p p > t t~"``.
        params: model parameters (default: MG5 ``sm`` defaults, α_s = 0.118).
        dtype: ``"float64"`` (default) or ``"float32"``.
        definitions: extra multiparticle labels, ``{"p": "g u d u~ d~"}``.
        gauge_check_leg: diagnostics only: replace the polarisation vectors of this massless
            vector leg (0-based) by its momentum; gauge invariance then makes |M|² vanish.
        block_size: events evaluated together inside the compiled function (default:
            :func:`default_block_size`).

    Returns:
        A :class:`CompiledProcess`; each of its subprocesses maps momenta ``[N, n, 4]`` (GeV)
        to |M|² ``[N]``.

    Raises:
        InvalidProcess: unknown particles, no diagram (charge, colour or fermion number not
        conserved, or not at the requested coupling orders).
    """
    rdtype = real_dtype(dtype)
    params = params or ModelParameters()
    block = block_size or default_block_size()
    spec = parse_process(process, definitions, params.restriction)
    flavours = expand_process(spec)
    if not flavours:
        msg = f"{process!r}: no assignment of the particles conserves electric charge"
        raise InvalidProcess(msg)
    vertices = active_vertices(params)
    exclusions = {
        "forbid_internal": spec.forbid_internal,
        "forbid_s_channel": spec.forbid_s_channel,
        "s_channel_particles": spec.s_channel,
    }
    groups: dict[tuple, list[tuple[str, ...]]] = {}
    built: dict[tuple, tuple] = {}
    errors = []
    for initial, final in flavours:
        phys = [PARTICLES_BY_NAME[x] for x in (*initial, *final)]
        n_initial = len(initial)
        legs = tuple(p if k < n_initial else antiparticle(p) for k, p in enumerate(phys))
        chain = _decay_chain(spec, final, n_initial, params)
        constraints = dict(exclusions)
        if chain is not None:
            constraints["required_s_channel"] = chain.required_lines
        try:
            bounds = _order_bounds(spec, legs, n_initial, vertices, constraints)
        except InvalidProcess as exc:
            errors.append(str(exc))
            continue
        graph = build_currents(legs, n_initial, vertices, **bounds, **constraints)
        if not graph.flows:
            errors.append(f"{spec.text!r}: no tree-level diagram at the requested coupling orders")
            continue
        key = (n_initial, _structure_key(graph, params))
        groups.setdefault(key, []).append(tuple(p.name for p in phys))
        built.setdefault(key, (graph, phys, legs, bounds, constraints, chain))
    if not groups:
        msg = errors[0] if len(flavours) == 1 else f"{process!r}: no subprocess has a diagram"
        raise InvalidProcess(msg)
    subprocesses = []
    for key, members in groups.items():
        graph, phys, legs, bounds, constraints, chain = built[key]
        me, dressing, matrix, denominator, hel_states = _compile_graph(
            graph, phys, params, rdtype, gauge_check_leg, block
        )
        logger.info(
            "%s: %d currents, %d vertex evaluations, %d colour flows",
            " ".join(members[0]),
            len(graph.currents),
            len(graph.evaluations),
            len(graph.basis),
        )
        subprocesses.append(
            Subprocess(
                particles=members[0],
                n_initial=graph.n_initial,
                same_me=tuple(members),
                denominator=denominator,
                n_colour_flows=len(graph.basis),
                helicity_shape=tuple(len(h) for h in hel_states),
                helicities=tuple(tuple(int(x) for x in h) for h in hel_states),
                alpha_s_power=_alpha_s_power(graph),
                colour_matrix=matrix,
                colour_basis=tuple(graph.basis),
                decay_chain=chain,
                forbid_onshell=spec.forbid_onshell,
                diagram_options={**bounds, **constraints},
                _me=me,
                _dressing=dressing,
                _diagrams=_diagram_builder(
                    legs,
                    graph.n_initial,
                    vertices,
                    bounds,
                    constraints,
                    phys,
                    params,
                    rdtype,
                    block,
                ),
            )
        )
    return CompiledProcess(process, tuple(subprocesses), params)
