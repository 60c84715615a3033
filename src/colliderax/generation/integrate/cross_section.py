"""Cross sections: |M|² × PDFs × flux × phase space, integrated by multichannel VEGAS.

σ = Σ_subprocesses Σ_channels ∫ dx₁ dx₂ L(x₁, x₂; μF) (1/2ŝ) |M|²(α_s(μR)) w_c dΦ_n × Θ(cuts)

in pb (``CONV_PB`` converts GeV⁻²). The luminosity L sums f_a(x₁) f_b(x₂) over the flavour
assignments that share the subprocess's |M|² (beam 2 an antiproton: f_b^p̄ = f_{−b}^p); lepton
beams have no PDFs (ŝ = s). Channels are single-diagram enhanced as in MadEvent: channel c
gets |M|² × w_c with w_c = Σ_{d∈c} |A_d|² / Σ_d |A_d|² (Σ_c w_c = 1), so the channels add up
to σ and each is integrated with its own phase-space map (:mod:`phasespace.channels`) and its
own VEGAS grid. Hadron collisions add two dimensions: τ = ŝ/s, drawn with the channel's
Breit–Wigner when one line carries all of √ŝ and with dτ/τ otherwise, and the rapidity y of
the partonic system, flat in [ln√τ, −ln√τ]; x₁,₂ = √τ e^{±y}. |M|² is compiled at the model's
α_s and rescaled per point by (α_s(μR)/α_s^model)^k, k the QCD order of the subprocess.

Points are evaluated in fixed-size batches (one compiled shape), a batch size per device.
Iterations: warm-up iterations adapt grids and are discarded; then every iteration gives a
full estimate Σ_c I_c ± sqrt(Σ_c V_c), combined over iterations with inverse-variance
weights and χ²/dof, until the target relative precision or the iteration limit. Points are
shared among channels in proportion to their standard deviations (the optimal allocation).
Random numbers come from ``fold_in(key, iteration, channel)``: results are reproducible from
the seed on any device (up to floating-point reassociation) and with any number of worker
threads: the batches of one iteration are independent (each unit's grid is fixed until all
its batches are in), so ``workers`` threads evaluate them concurrently (one per CPU core; XLA
runs each thread's computations on its own core), and each unit sums its batches in order.
"""

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.generation.amplitudes.matrix_element import leg_set_masses
from colliderax.generation.integrate.vegas import (
    VegasGrid,
    allocate_strata,
    bin_sums,
    combine,
    n_strata,
    refine,
    stratified_uniform,
    vegas_init,
    vegas_map,
)
from colliderax.generation.model.particles import PARTICLES_BY_NAME
from colliderax.generation.pdf import fx
from colliderax.generation.phasespace.channels import (
    Channel,
    ChannelShape,
    ChannelValues,
    channels_for,
    generate_shaped,
    legs_of_mask,
    sample_invariant,
    split_channel,
)

#: (ħc)² in pb GeV² (CODATA/PDG): 1 GeV⁻² = 3.893793721e8 pb.
CONV_PB = 0.3893793721e9

BEAMS = {"pp": (2212, 2212), "ppbar": (2212, -2212), "ee": (-11, 11)}

#: Multichannel weights: ``"amplitudes"``, Σ_hel |A_d|² per diagram (MadEvent's original
#: single-diagram enhancement, one more amplitude evaluation per point); ``"propagators"``,
#: products of propagator denominators (only invariants per point).
CHANNEL_WEIGHTS = ("amplitudes", "propagators")


@dataclass(frozen=True)
class Beams:
    """Colliding beams: ``kind`` is ``"pp"``, ``"ppbar"`` or ``"ee"`` (no PDFs);
    ``sqrts`` the collision energy in GeV (symmetric beams)."""

    kind: str
    sqrts: float

    def __post_init__(self):
        if self.kind not in BEAMS:
            msg = f"unknown beams {self.kind!r}: use one of {', '.join(BEAMS)}"
            raise InvalidInput(msg)
        if not (self.sqrts > 0 and math.isfinite(self.sqrts)):
            msg = f"--sqrts must be a positive energy in GeV, got {self.sqrts}"
            raise InvalidInput(msg)

    @property
    def has_pdfs(self) -> bool:
        return self.kind != "ee"

    @property
    def pdg(self) -> tuple[int, int]:
        return BEAMS[self.kind]

    @property
    def energies(self) -> tuple[float, float]:
        return (self.sqrts / 2, self.sqrts / 2)


@dataclass(frozen=True)
class Physics:
    """Everything the integrand needs besides the compiled |M|².

    Attributes:
        beams: the colliding beams.
        pdf: the PDF member (hadron beams), else None.
        pdf_scheme: interpolation scheme (see :mod:`generation.pdf`).
        alpha_s: ``q → α_s(q)`` (jax), or None to keep the model's α_s.
        alpha_s_model: the α_s the matrix elements were compiled with.
        scales: ``(pdgs, diagram_options) → (p → (μR, μF₁, μF₂))`` built per subprocess
            (lab momenta; one μF per beam; the decay chain's required lines); a NaN scale
            drops the point.
        cuts: ``(pdgs, decay_products) → (p → bool mask)`` built per subprocess (lab
            momenta; ``decay_products``: legs from decay-chain resonances).
        min_pt: ``(pdgs, decay_products) → per final particle a pT below which every point
            is cut`` (bounds ŝ from below).
        flavour_class: ``pdgs → key``: flavour assignments of one subprocess with different
            keys (e.g. b and light quarks for cuts) get their own integrands.
        channel_weights: how |M|² is split among the channels (see :data:`CHANNEL_WEIGHTS`).
        bwcutoff: decay-chain resonances are kept within this many widths of their mass,
            ``$``-forbidden s-channel lines outside.
    """

    beams: Beams
    pdf: object | None
    pdf_scheme: str
    alpha_s: Callable | None
    alpha_s_model: float
    scales: Callable
    cuts: Callable
    min_pt: Callable = field(default=lambda pdgs, decay_products=(): (0.0,) * (len(pdgs) - 2))
    flavour_class: Callable = field(default=lambda pdgs: ())
    channel_weights: str = "propagators"
    bwcutoff: float = 15.0

    def __post_init__(self):
        if self.channel_weights not in CHANNEL_WEIGHTS:
            msg = (f"unknown channel weights {self.channel_weights!r}: use one of "
                   f"{', '.join(CHANNEL_WEIGHTS)}")
            raise InvalidInput(msg)


@dataclass(frozen=True)
class PointBatch:
    """Weighted points of one channel: lab-frame momenta ``[N, n, 4]`` (incoming first),
    momentum fractions, scales (GeV; μF per beam), α_s(μR) and the weight in pb (the mean
    weight estimates the channel's σ)."""

    momenta: jax.Array
    x1: jax.Array
    x2: jax.Array
    mu_r: jax.Array
    mu_f1: jax.Array
    mu_f2: jax.Array
    alpha_s: jax.Array
    weight: jax.Array


@dataclass
class Unit:
    """One (subprocess, channel) pair with its VEGAS grid and running statistics."""

    subprocess: int
    channel: int
    members: tuple[tuple[str, ...], ...]  # the flavour assignments this unit integrates
    dim: int
    sample: Callable  # u [N, dim] → PointBatch
    grid: VegasGrid
    counts: np.ndarray | None = None  # points per VEGAS+ hypercube in an iteration
    cube_variances: np.ndarray | None = None  # per hypercube, last iteration
    sigma_point: float = 1.0  # standard deviation of the weights (last iteration)
    history: list = field(default_factory=list)  # (mean, variance) per kept iteration

    def reset(self) -> None:
        """Forget the adaptation: a uniform grid and strata, no history."""
        self.grid = vegas_init(self.dim, self.grid.edges.shape[1] - 1, self.grid.edges.dtype)
        self.counts = None
        self.cube_variances = None
        self.sigma_point = 1.0
        self.history.clear()

    @property
    def sigma(self) -> tuple[float, float]:
        """This unit's σ ± δσ (pb) over the kept iterations."""
        value, error, _ = combine(self.history) if self.history else (0.0, 0.0, 0.0)
        return value, error


@dataclass(frozen=True)
class SubprocessResult:
    name: str
    same_me: tuple[str, ...]
    sigma_pb: float
    error_pb: float
    n_channels: int


@dataclass(frozen=True)
class CrossSection:
    """σ ± δσ (pb) with χ²/dof over iterations, per-subprocess values and the history."""

    sigma_pb: float
    error_pb: float
    chi2_dof: float
    n_evaluations: int
    iterations: tuple[tuple[float, float], ...]
    subprocesses: tuple[SubprocessResult, ...]
    wall_s: float
    units: tuple[Unit, ...] = field(repr=False)
    interrupted: bool = False

    @property
    def relative_error(self) -> float:
        return self.error_pb / abs(self.sigma_pb) if self.sigma_pb else math.inf


def _boost_z(p, rapidity):
    ch, sh = jnp.cosh(rapidity)[:, None], jnp.sinh(rapidity)[:, None]
    e, pz = p[..., 0], p[..., 3]
    return jnp.stack([e * ch + pz * sh, p[..., 1], p[..., 2], pz * ch + e * sh], -1)


def _member_partons(members):
    """PDG ids of the two incoming partons of each flavour assignment, ``[2, n_terms]``."""
    return np.array([[PARTICLES_BY_NAME[x].pdg for x in names[:2]] for names in members],
                    dtype=np.int32).T


def parton_densities(physics: Physics, pdg1, pdg2, x1, x2, mu_f1, mu_f2):
    """f_a(x₁, μF₁) f_b(x₂, μF₂) for partons a, b of beams 1 and 2 (arrays broadcast).

    Beam 2 an antiproton: f_b^p̄ = f_{−b}^p. A few LO grids dip below zero at x → 1 (NNPDF2.3
    LO gluon above x ≈ 0.95): densities are clipped at 0 so weights stay ≥ 0 (effect < 1e-8 of
    σ for t t̄). Lepton beams (no PDFs) give 1.
    """
    if physics.pdf is None:
        shapes = (jnp.shape(a) for a in (pdg1, pdg2, x1, x2, mu_f1, mu_f2))
        return jnp.ones(jnp.broadcast_shapes(*shapes), dtype=jnp.result_type(x1))
    if physics.beams.kind == "ppbar":
        pdg2 = -pdg2
    f1 = fx(physics.pdf, pdg1, x1, mu_f1, scheme=physics.pdf_scheme)
    f2 = fx(physics.pdf, pdg2, x2, mu_f2, scheme=physics.pdf_scheme)
    return jnp.maximum(f1, 0.0) * jnp.maximum(f2, 0.0)


def _check_partons(subprocess, beams: Beams):
    partons = {1, 2, 3, 4, 5, 21, 22}
    for names in subprocess.same_me:
        for k, x in enumerate(names[:2]):
            pdg = PARTICLES_BY_NAME[x].pdg
            if beams.has_pdfs and abs(pdg) not in partons:
                msg = (
                    f"{x} is not a parton of a {beams.kind} beam: use --beams ee for lepton "
                    "collisions"
                )
                raise InvalidInput(msg)
            if not beams.has_pdfs and pdg != beams.pdg[k]:
                msg = (
                    f"initial state {' '.join(names[:2])} does not match the {beams.kind} beams "
                    f"({beams.pdg[0]}, {beams.pdg[1]}); write the process as e+ e- > ..."
                )
                raise InvalidInput(msg)


def build_units(compiled, physics: Physics, params, *, n_bins: int = 64) -> tuple[Unit, ...]:
    """One :class:`Unit` per (subprocess, channel) of a compiled process."""
    beams = physics.beams
    units = []
    for s_index, sub in enumerate(compiled.subprocesses):
        if sub.n_initial != 2:
            msg = f"{sub.name} is a decay: cross sections need a 2 → n process"
            raise InvalidInput(msg)
        _check_partons(sub, beams)
        phys = [PARTICLES_BY_NAME[x] for x in sub.particles]
        masses = tuple(params.value(p.mass) for p in phys)
        if any(m > 0 for m in masses[:2]):
            msg = f"{sub.name}: massive incoming partons are not supported"
            raise InvalidInput(msg)
        channels = channels_for(sub, params)
        classes: dict = {}
        for names in sub.same_me:
            key = physics.flavour_class(tuple(PARTICLES_BY_NAME[x].pdg for x in names))
            classes.setdefault(key, []).append(names)
        for members in classes.values():
            member_pdgs = tuple(PARTICLES_BY_NAME[x].pdg for x in members[0])
            sqrt_shat_min = _sqrt_shat_min(" ".join(members[0]), member_pdgs, masses, physics,
                                           sub.decay_chain, params)
            weight_fn = _make_weight(sub, tuple(members), physics, channels, member_pdgs,
                                     params)
            for c_index, channel in enumerate(channels):
                dim = channel.dim + (2 if beams.has_pdfs else 0)
                sample = _make_sampler(channel, c_index, beams, sqrt_shat_min, weight_fn)
                units.append(Unit(s_index, c_index, tuple(members), dim, sample,
                                  vegas_init(dim, n_bins)))
    return tuple(units)


def _sqrt_shat_min(name, pdgs, masses, physics: Physics, chain, params) -> float:
    """Σ sqrt(m² + pT,min²) over the final state, a decay chain's products replaced by their
    resonance's lowest mass M − bwcutoff·Γ when that is larger: a lower bound on √ŝ with the
    cuts."""
    beams = physics.beams
    products = chain.products if chain is not None else ()
    min_pt = (0.0, 0.0, *physics.min_pt(pdgs, products))
    each = [math.hypot(m, pt) for m, pt in zip(masses, min_pt, strict=True)]
    value = sum(each[2:])
    if chain is not None:
        for particle, parent, mask in zip(chain.particles, chain.parents, chain.alternatives[0],
                                          strict=True):
            if parent is None:
                res = PARTICLES_BY_NAME[particle]
                low = params.value(res.mass) - physics.bwcutoff * params.value(res.width)
                value += max(0.0, low - sum(each[k] for k in legs_of_mask(mask)))
    if value >= beams.sqrts:
        msg = (
            f"√s = {beams.sqrts:g} GeV is below the threshold of {name} ({value:g} GeV with "
            "the cuts): raise --sqrts"
        )
        raise InvalidInput(msg)
    if beams.has_pdfs and value == 0:
        msg = (
            f"{name}: a massless final state with no pT cut has no lower bound on ŝ and its "
            "cross section diverges; add a cut such as --cut ptj=20"
        )
        raise InvalidInput(msg)
    return value


def _amplitude_enhancement(sub, channels):
    """MadEvent's single-diagram enhancement: channel c gets Σ_{d∈c} |A_d|² / Σ_d |A_d|²
    (d over the diagrams that are channels), from the per-diagram amplitudes."""
    membership = np.zeros((len(channels), sub.n_diagrams))
    for c, ch in enumerate(channels):
        membership[c, list(ch.diagrams)] = 1.0
    channel_mask = jnp.asarray(membership.sum(axis=0))
    membership = jnp.asarray(membership)

    def enhance(p, channel):
        dw = sub._diagrams()[0](p)
        return dw @ membership[channel] / jnp.maximum(dw @ channel_mask, 1e-300)

    return enhance


def _propagator_enhancement(sub, channels, params):
    """Channel c gets α_c / Σ_c' α_c' with α_c = Π_lines 1/|q² − M² + iMΓ|² over the internal
    lines of its diagrams (the propagator-denominator weights of Mattelaer and Ostrolenk,
    arXiv:2102.00773, MG5's ``sde_strategy = 2``): no amplitude beyond |M|² is evaluated.

    Lines are identified by the external legs on one side (all counted as incoming), so
    q = Σ_{k∈line, initial} p_k − Σ_{k∈line, final} p_k.
    """
    n_legs = len(sub.particles)
    lines: dict[tuple, int] = {}
    uses = []
    for ch in channels:
        row = []
        for mask, particle in sub.diagram_propagators[ch.diagrams[0]]:
            key = (mask, params.value(particle.mass), params.value(particle.width))
            row.append(lines.setdefault(key, len(lines)))
        uses.append(row)
    signs = np.zeros((len(lines), n_legs))
    mass2 = np.zeros(len(lines))
    mass_width2 = np.zeros(len(lines))
    for (mask, mass, width), k in lines.items():
        for leg in legs_of_mask(mask):
            signs[k, leg] = 1.0 if leg < sub.n_initial else -1.0
        mass2[k], mass_width2[k] = mass**2, (mass * width) ** 2
    counts = np.zeros((len(channels), len(lines)))
    for c, row in enumerate(uses):
        for k in row:
            counts[c, k] += 1.0
    signs, counts = jnp.asarray(signs), jnp.asarray(counts)
    metric = jnp.asarray([1.0, -1.0, -1.0, -1.0])

    def enhance(p, channel):
        q = jnp.einsum("kl,nlm->nkm", signs.astype(p.dtype), p)
        q2 = jnp.sum(q * q * metric.astype(p.dtype), axis=-1)
        log_den = jnp.log(jnp.maximum((q2 - mass2) ** 2 + mass_width2, 1e-300))
        log_alpha = -log_den @ counts.T.astype(p.dtype)  # [N, channels]
        return jax.nn.softmax(log_alpha, axis=-1)[:, channel]

    return enhance


def channel_enhancement(sub, channels, params, kind: str):
    """``(p [N, n, 4], c) → [N]``: the share of |M|² that channel c integrates (the shares of
    all channels add up to 1), by :data:`CHANNEL_WEIGHTS` ``kind``."""
    if kind == "propagators":
        return _propagator_enhancement(sub, channels, params)
    return _amplitude_enhancement(sub, channels)


def _resonance_windows(sub, params, bwcutoff: float):
    """``p [N, n, 4] → bool [N]``, MG5's Breit–Wigner windows |√(q²) − M| < bwcutoff·Γ: every
    decay-chain resonance inside its window (q the sum of its products), for at least one
    alternative assignment of identical products, and every s-channel line of a ``$``-forbidden
    particle outside (:attr:`Subprocess.onshell_vetoes`)."""
    chain = sub.decay_chain
    vetoes = [(m, PARTICLES_BY_NAME[x]) for m, x in sub.onshell_vetoes]
    vetoes = [(m, params.value(x.mass), params.value(x.width)) for m, x in vetoes]
    vetoes = [v for v in vetoes if v[2] > 0]  # a line without width is never on shell
    if vetoes:
        masks, veto_mass, veto_width = (np.array(c) for c in zip(*vetoes, strict=True))
    if chain is not None:
        mass, width = chain.poles(params)

    def allowed(p):
        ok = jnp.ones(p.shape[0], dtype=bool)
        if chain is not None:
            inside = jnp.abs(chain.virtual_masses(p) - mass) < bwcutoff * width
            ok = jnp.any(jnp.all(inside, axis=-1), axis=-1)
        if vetoes:
            near = jnp.abs(leg_set_masses(p, masks) - veto_mass) < bwcutoff * veto_width
            ok = ok & ~jnp.any(near, axis=-1)
        return ok

    return allowed


def _make_weight(sub, members, physics: Physics, channels, pdgs, params):
    beams = physics.beams
    flavours = _member_partons(members) if beams.has_pdfs else None
    k = sub.alpha_s_power
    if physics.alpha_s is not None and k is None:
        msg = (
            f"{sub.name}: amplitudes of several QCD orders interfere, so α_s(μR) cannot be "
            "factored out; fix the order with QCD=n in the process or use a fixed --alpha-s"
        )
        raise InvalidInput(msg)
    enhance = (channel_enhancement(sub, channels, params, physics.channel_weights)
               if len(channels) > 1 else None)
    chain = sub.decay_chain
    scales = physics.scales(pdgs, sub.diagram_options)
    cuts = physics.cuts(pdgs, chain.products if chain is not None else ())
    window = _resonance_windows(sub, params, physics.bwcutoff)

    def weight(p, x1, x2, jac, channel):
        mu_r, mu_f1, mu_f2 = scales(p)
        shat = x1 * x2 * beams.sqrts**2
        me = sub._me(p)
        if physics.alpha_s is not None:
            a_s = physics.alpha_s(mu_r)
            me = me * (a_s / physics.alpha_s_model) ** k
        else:
            a_s = jnp.full_like(mu_r, physics.alpha_s_model)
        if enhance is not None:
            me = me * enhance(p, channel)
        if flavours is not None:
            me = me * jnp.sum(parton_densities(
                physics, flavours[0][:, None], flavours[1][:, None], x1[None, :], x2[None, :],
                mu_f1[None, :], mu_f2[None, :]), axis=0)
        w = CONV_PB * me * jac / (2.0 * shat)
        w = jnp.where(cuts(p) & window(p) & (jac > 0), w, 0.0)
        return jnp.where(jnp.isfinite(w), w, 0.0), mu_r, mu_f1, mu_f2, a_s

    return jax.jit(weight)


@partial(jax.jit, static_argnums=(0, 1, 2))
def _phase_space(shape: ChannelShape, sqrts: float, has_pdfs: bool, values: ChannelValues,
                 sqrt_shat_min, u):
    """Lab-frame momenta ``[N, n, 4]``, x₁, x₂ and the phase-space Jacobian of points u of a
    channel; compiled once per channel shape (the channel's numbers are arguments)."""
    n = u.shape[0]
    s = sqrts**2
    values = values.cast(u.dtype)
    sqrt_shat_min = sqrt_shat_min.astype(u.dtype)
    if has_pdfs:
        shat, jac_s = sample_invariant(u[:, 0], sqrt_shat_min**2, s, shape.shat_line, values)
        tau = shat / s
        half_log = -0.5 * jnp.log(tau)
        y = (2.0 * u[:, 1] - 1.0) * half_log
        jac = jac_s / s * 2.0 * half_log
        u = u[:, 2:]
    else:
        shat = jnp.full(n, s, dtype=u.dtype)
        y = jnp.zeros(n, dtype=u.dtype)
        tau = jnp.ones(n, dtype=u.dtype)
        jac = jnp.ones(n, dtype=u.dtype)
    sqrt_shat = jnp.sqrt(shat)
    final, ps_weight = generate_shaped(shape, values, u, sqrt_shat)
    half = 0.5 * sqrt_shat
    zero = jnp.zeros_like(half)
    initial = jnp.stack(
        [jnp.stack([half, zero, zero, half], -1), jnp.stack([half, zero, zero, -half], -1)], 1
    )
    p = _boost_z(jnp.concatenate([initial, final], 1), y)
    x1 = jnp.sqrt(tau) * jnp.exp(y)
    x2 = jnp.sqrt(tau) * jnp.exp(-y)
    return p, x1, x2, jac * ps_weight


def _make_sampler(channel: Channel, c_index: int, beams: Beams, sqrt_shat_min, weight_fn):
    shape, values = split_channel(channel)
    values = values.cast(jnp.result_type(float))
    sqrt_shat_min = jnp.asarray(sqrt_shat_min, dtype=values.leg_masses.dtype)

    def sample(u):
        p, x1, x2, jac = _phase_space(shape, beams.sqrts, beams.has_pdfs, values,
                                      sqrt_shat_min, u)
        w, mu_r, mu_f1, mu_f2, a_s = weight_fn(p, x1, x2, jac, c_index)
        return PointBatch(p, x1, x2, mu_r, mu_f1, mu_f2, a_s, w)

    return sample


@partial(jax.jit, static_argnums=(3, 4))
def _vegas_points(key, grid: VegasGrid, counts, strata: int, n_points: int, start=0):
    """A batch of ``n_points`` stratified points (from position ``start`` of the iteration's
    Σ counts) through the VEGAS map: x, Jacobian times the stratification factor
    N/(H n_h) (N = Σ counts), bin index and hypercube index."""
    dim = grid.edges.shape[0]
    y, cube = stratified_uniform(key, counts, strata, dim, n_points, grid.edges.dtype, start)
    x, jac, index = vegas_map(grid, y)
    factor = jnp.sum(counts) / (counts.shape[0] * counts[cube])
    return x, jac * factor, index, cube


@partial(jax.jit, static_argnums=2)
def _cube_sums(cube, raw, n_cubes: int):
    """Per hypercube Σ f·J and Σ (f·J)² (the integrand without the strata factor)."""
    s1 = jax.ops.segment_sum(raw, cube, num_segments=n_cubes)
    s2 = jax.ops.segment_sum(raw**2, cube, num_segments=n_cubes)
    return s1, s2


_bin_sums = jax.jit(bin_sums)
_refine = jax.jit(refine, static_argnums=2)


def _strata_of(unit: Unit, n_points: int):
    """The unit's stratification of ``n_points`` (one iteration, possibly several batches):
    ∝ the last iteration's hypercube variances when the hypercubes are the same, else
    uniform."""
    strata = n_strata(unit.dim, n_points)
    n_cubes = strata**unit.dim
    if unit.counts is None or len(unit.counts) != n_cubes or unit.counts.sum() != n_points:
        same = unit.cube_variances is not None and len(unit.cube_variances) == n_cubes
        unit.counts = allocate_strata(unit.cube_variances if same else np.ones(n_cubes),
                                      n_points)
    return strata, n_cubes


def sample_points(key, unit: Unit, batch: int) -> PointBatch:
    """``batch`` weighted points from the unit's current grid and strata; the weight includes
    the VEGAS Jacobian and the stratification factor, so the mean weight estimates the unit's σ
    (pb)."""
    strata, _ = _strata_of(unit, batch)
    x, jac, _, _ = _vegas_points(key, unit.grid, jnp.asarray(unit.counts), strata, batch)
    points = unit.sample(x)
    return dataclasses.replace(points, weight=points.weight * jac)


def _batch_sums(key, unit: Unit, counts, strata: int, n_cubes: int, batch: int, start: int):
    """One batch (points ``start`` … ``start + batch`` of the iteration's stratification) of a
    unit: per-hypercube Σ fJ and Σ (fJ)², and the per-bin sums that adapt the grid."""
    x, jac, index, cube = _vegas_points(key, unit.grid, counts, strata, batch, start)
    w = unit.sample(x).weight * jac  # f J × N/(H n_h): its mean over the iteration estimates σ
    raw = w * (counts.shape[0] * counts[cube] / jnp.sum(counts))  # f J
    c1, c2 = _cube_sums(cube, raw, n_cubes)
    # Σ (fJ)² per bin, each point weighted by its cube's V_h/n_h (∝ w·fJ). Waiting for the
    # result keeps one batch in flight per thread (queued batches hold their buffers).
    return jax.block_until_ready((c1, c2, _bin_sums(unit.grid, index, w * raw)))


def _adapt_unit(unit: Unit, sums: list, batch: int, alpha: float = 1.5):
    """Combine a unit's batch sums (in batch order): its mean and variance of the mean; the
    grid is refined and the hypercube variances kept for the next allocation (VEGAS+)."""
    n_cubes = len(unit.counts)
    s1, s2, bins = sums[0]
    for c1, c2, d in sums[1:]:
        s1, s2, bins = s1 + c1, s2 + c2, bins + d
    n_h = np.asarray(unit.counts, dtype=float)
    s1, s2 = np.asarray(s1), np.asarray(s2)
    mean_h = s1 / n_h
    var_h = np.maximum(s2 / n_h - mean_h**2, 0.0) * n_h / np.maximum(n_h - 1, 1)
    mean = float(np.sum(mean_h) / n_cubes)
    var = float(np.sum(var_h / n_h) / n_cubes**2)
    if s2.sum() > 0:
        unit.grid = _refine(unit.grid, bins, alpha)
        unit.cube_variances = var_h
        unit.counts = None
    unit.sigma_point = math.sqrt(var * len(sums) * batch)
    return mean, var


def map_tasks(fn, n_tasks: int, workers: int, stop: threading.Event | None = None) -> list:
    """``[fn(0), …, fn(n_tasks − 1)]``, on ``workers`` threads when more than one.

    Tasks may read shared state but must not write what another task reads. Results come back
    in task order. On Ctrl-C (which reaches the main thread only) the tasks not yet started are
    cancelled, ``stop`` is set for the running ones to wind down, they are waited for, and
    KeyboardInterrupt is re-raised.
    """
    if workers <= 1 or n_tasks <= 1:
        return [fn(i) for i in range(n_tasks)]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="colliderax-task")
    try:
        futures = [pool.submit(fn, i) for i in range(n_tasks)]
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        if stop is not None:
            stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _adapting_pass(key, it: int, units, n_batches: list[int], batch: int, workers: int):
    """Every unit's batches of one iteration (spread over ``workers`` threads), then each unit
    adapts: returns ``[(mean, variance of the mean)]`` per unit."""
    plans = []
    for u_index, unit in enumerate(units):
        strata, n_cubes = _strata_of(unit, n_batches[u_index] * batch)
        plans.append((jax.random.fold_in(jax.random.fold_in(key, it), u_index),
                      jnp.asarray(unit.counts), strata, n_cubes))
    tasks = [(u, b) for u in range(len(units)) for b in range(n_batches[u])]

    def run(t):
        u, b = tasks[t]
        k, counts, strata, n_cubes = plans[u]
        return _batch_sums(jax.random.fold_in(k, b), units[u], counts, strata, n_cubes, batch,
                           b * batch)

    sums = map_tasks(run, len(tasks), workers)
    per_unit: list[list] = [[] for _ in units]
    for (u, _), result in zip(tasks, sums, strict=True):
        per_unit[u].append(result)
    return [_adapt_unit(unit, s, batch) for unit, s in zip(units, per_unit, strict=True)]


def _iteration(key, it, units, n_subprocesses, budget, batch, workers):
    """One iteration over all units, points shared by the units' standard deviations."""
    sigmas = np.array([u.sigma_point for u in units])
    n_units = len(units)
    share = sigmas / sigmas.sum() if sigmas.sum() > 0 else np.full(n_units, 1 / n_units)
    n_batches = [max(1, round(share[i] * budget / batch)) for i in range(n_units)]
    results = _adapting_pass(key, it, units, n_batches, batch, workers)
    total, variance = 0.0, 0.0
    sub_totals = np.zeros((n_subprocesses, 2))
    for unit, (mean, var) in zip(units, results, strict=True):
        unit.history.append((mean, var))
        total += mean
        variance += var
        sub_totals[unit.subprocess] += (mean, var)
    return total, variance, sub_totals, sum(n_batches) * batch


def integrate(
    key,
    units: tuple[Unit, ...],
    subprocesses,
    *,
    precision: float = 0.005,
    batch: int = 4096,
    warmup: int = 2,
    warmup_batches: int = 2,
    max_iterations: int = 20,
    min_iterations: int = 3,
    points_per_iteration: int | None = None,
    workers: int = 1,
    progress=None,
) -> CrossSection:
    """Integrate every unit: warm-up, then iterations until ``precision`` (relative).

    Args:
        key: JAX PRNG key (the seed of the run).
        units: from :func:`build_units`.
        subprocesses: the compiled subprocesses (names for the per-subprocess table).
        precision: target relative error of σ.
        batch: points per compiled batch.
        warmup: adapting iterations whose estimates are discarded.
        warmup_batches: batches per unit per warm-up iteration.
        max_iterations, min_iterations: bounds on the combined iterations.
        points_per_iteration: points shared among units per iteration (default
            4 batches per unit).
        workers: threads evaluating the batches of an iteration concurrently (use the number
            of CPU cores; the result does not depend on it).
        progress: optional callback ``(iteration, value, error)``.
    """
    if not 0 < precision < 1:
        msg = f"--precision must be a relative error in (0, 1), got {precision}"
        raise InvalidInput(msg)
    start = time.perf_counter()
    budget = points_per_iteration or 4 * batch * len(units)
    n_eval = 0
    for it in range(warmup):
        _adapting_pass(key, it, units, [warmup_batches] * len(units), batch, workers)
        n_eval += len(units) * warmup_batches * batch
    history, per_sub_history = [], []
    interrupted = False
    try:
        for it in range(warmup, warmup + max_iterations):
            total, variance, sub_totals, n = _iteration(key, it, units, len(subprocesses),
                                                        budget, batch, workers)
            n_eval += n
            history.append((total, variance))
            per_sub_history.append(sub_totals)
            value, error, chi2_dof = combine(history)
            if progress is not None:
                progress(len(history), value, error)
            if len(history) >= min_iterations and (error <= precision * abs(value) or value == 0):
                break
    except KeyboardInterrupt:
        if not history:
            raise
        interrupted = True  # keep what the finished iterations give
    value, error, chi2_dof = combine(history)
    if value == 0:
        msg = "every point was cut: the cuts remove all of phase space (relax --cut values)"
        raise InvalidInput(msg)
    results = []
    for s_index, sub in enumerate(subprocesses):
        sub_hist = [(h[s_index, 0], h[s_index, 1]) for h in per_sub_history]
        v, e, _ = combine(sub_hist)
        results.append(SubprocessResult(
            sub.name, tuple(" ".join(m) for m in sub.same_me), v, e,
            sum(1 for u in units if u.subprocess == s_index),
        ))
    return CrossSection(
        sigma_pb=value,
        error_pb=error,
        chi2_dof=chi2_dof,
        n_evaluations=n_eval,
        iterations=tuple((m, math.sqrt(v)) for m, v in history),
        subprocesses=tuple(results),
        wall_s=time.perf_counter() - start,
        units=units,
        interrupted=interrupted,
    )
