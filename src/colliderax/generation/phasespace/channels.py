"""Multichannel phase space: one mapping per Feynman-diagram topology, as in MadEvent.

A channel follows the propagators of one diagram of a 2 → n process. Its internal lines split
into *s-channel* lines (final-state legs only on one side: timelike invariants s) and
*t-channel* lines (one incoming leg on one side: spacelike invariants t). The t-channel lines
form a chain (the "spine") from incoming leg 1 to incoming leg 0; the final state hangs off
the spine as clusters C_1 … C_{k+1}, each a single leg or a tree of s-channel lines.

Generation (all in the partonic centre-of-mass frame, incoming leg 0 along +z):

1. cluster and sub-cluster invariant masses, top down; a massive line with a width gets the
   Breit–Wigner map s = M² + MΓ tan θ, any other line the map ds/(s + a) (``a`` = M² or a
   regulator for massless lines);
2. the spine: in the rest frame of what is left, R_{i−1} = p_0 + q_{i−1}, cluster C_i recoils
   against R_i with its t_i = (q_{i−1} − p_{C_i})² drawn from dt/(a − t) and a flat azimuth;
   the remainder masses R_i are drawn like massless s-channel lines;
3. every s-channel cluster decays isotropically, pair by pair, in its own rest frame.

Each step is an exact factor of dΦ_n = (2π)^{4−3n} Π d³p_i/(2E_i) δ⁴(P − Σp_i):
dΦ_2(P; a, b) = |p*|/(16π² √P²) dΩ and ds/(2π) per intermediate invariant. So the weight
returned with every point is the exact phase-space density, and every channel alone
integrates the whole phase space (a test checks this). Diagrams with a four-point vertex have
no channel of their own (MG5's choice); diagrams with the same propagators share one channel.
A pure s-channel diagram (one line carrying all of √ŝ) has no spine; its top line maps ŝ
itself (see :attr:`Channel.shat_line`), which hadron-collider integrands use for τ.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

#: Regulator a (GeV²) of the ds/(s + a) and dt/(a − t) maps for massless lines.
MASSLESS_REGULATOR = 100.0


@dataclass(frozen=True)
class Line:
    """An internal line: its mass and width (GeV)."""

    mass: float
    width: float


@dataclass(frozen=True)
class Node:
    """A final-state leg (``leg >= 0``, no children) or an s-channel line over its legs."""

    legs: frozenset[int]
    leg: int = -1
    line: Line | None = None
    children: tuple["Node", ...] = ()
    min_mass: float = 0.0


class _Spine:
    """What a channel's layout says: ``clusters`` along the spine, ``t_lines``, ``n_final``."""

    @property
    def dim(self) -> int:
        """Random numbers per point for the final state at fixed ŝ: 3n − 4."""
        return 3 * self.n_final - 4

    @property
    def shat_line(self):
        """The line carrying all of √ŝ (pure s-channel topology), if any."""
        return self.clusters[0].line if not self.t_lines else None


@dataclass(frozen=True)
class Channel(_Spine):
    """The phase-space map of one diagram topology.

    Attributes:
        clusters: C_1 … C_{k+1} along the spine from incoming leg 1 to incoming leg 0.
        t_lines: the k t-channel lines, in spine order.
        diagrams: the diagram numbers (0-based) that share this channel.
        n_final: number of final-state particles.
    """

    clusters: tuple[Node, ...]
    t_lines: tuple[Line, ...]
    diagrams: tuple[int, ...]
    n_final: int


def legs_of_mask(mask: int) -> frozenset[int]:
    """The legs k whose bit is set in a line's ``mask``."""
    return frozenset(k for k in range(mask.bit_length()) if mask >> k & 1)


def _node(legs: frozenset[int], s_lines: dict, masses: tuple[float, ...]) -> Node:
    if len(legs) == 1:
        (leg,) = legs
        return Node(legs, leg=leg, min_mass=masses[leg])
    inner = [m for m in s_lines if m < legs]
    tops = [m for m in inner if not any(m < o for o in inner)]
    covered = frozenset().union(*tops) if tops else frozenset()
    parts = [*tops, *(frozenset([leg]) for leg in sorted(legs - covered))]
    if len(parts) != 2:
        msg = f"s-channel line over legs {sorted(legs)} does not split in two"
        raise ValueError(msg)
    children = tuple(sorted((_node(p, s_lines, masses) for p in parts), key=lambda n: min(n.legs)))
    return Node(legs, line=s_lines[legs], children=children,
                min_mass=sum(c.min_mass for c in children))


def build_channel(propagators, masses, line_of, diagrams=()) -> Channel:
    """The channel of one diagram of a 2 → n process.

    Args:
        propagators: the diagram's internal lines as ``(mask, particle)`` (bit k: leg k on
            one side), as :attr:`Subprocess.diagram_propagators` gives them.
        masses: the n + 2 external masses (GeV), incoming first.
        line_of: ``particle → Line`` (mass and width values).
        diagrams: diagram numbers to record on the channel.
    """
    n_legs = len(masses)
    full = (1 << n_legs) - 1
    final = frozenset(range(2, n_legs))
    s_lines: dict[frozenset, Line] = {}
    t_masks: dict[frozenset, Line] = {}
    for mask, particle in propagators:
        if mask & 1:
            mask = full ^ mask
        legs = legs_of_mask(mask)
        (t_masks if 1 in legs else s_lines)[legs] = line_of(particle)
    chain = sorted(t_masks, key=len)
    clusters, t_lines, previous = [], [], frozenset([1])
    for legs in [*chain, frozenset([1]) | final]:
        clusters.append(_node(legs - previous, s_lines, tuple(masses)))
        previous = legs
    t_lines = [t_masks[legs] for legs in chain]
    return Channel(tuple(clusters), tuple(t_lines), tuple(diagrams), n_legs - 2)


def channels_for(subprocess, params) -> tuple[Channel, ...]:
    """The integration channels of a compiled 2 → n subprocess: one per distinct propagator
    structure among its diagrams without four-point vertices."""
    from colliderax.generation.model.particles import PARTICLES_BY_NAME

    phys = [PARTICLES_BY_NAME[p] for p in subprocess.particles]
    masses = tuple(params.value(p.mass) for p in phys)

    def line_of(particle):
        return Line(params.value(particle.mass), params.value(particle.width))

    groups: dict[Channel, list[int]] = {}
    for d, (props, is_channel) in enumerate(
        zip(subprocess.diagram_propagators, subprocess.channel_diagrams, strict=True)
    ):
        if is_channel:
            groups.setdefault(build_channel(props, masses, line_of), []).append(d)
    return tuple(
        Channel(c.clusters, c.t_lines, tuple(ds), c.n_final) for c, ds in groups.items()
    )


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class LineRef:
    """A line of a :class:`ChannelShape`: its index into :class:`ChannelValues` and the kind
    of its map: ``"bw"`` (Breit–Wigner: mass and width), ``"massive"`` (no width) or
    ``"massless"``."""

    index: int
    kind: str


@dataclass(frozen=True)
class ChannelShape(_Spine):
    """A channel with its numbers and leg labels taken out: nodes hold *slots* 0…n−1 instead
    of legs and :class:`LineRef` instead of lines. Channels of one shape (the same tree of
    line kinds, whatever the particles) share one compiled phase-space map; the many channels
    of a 2 → 4 process have a few dozen shapes."""

    clusters: tuple[Node, ...]
    t_lines: tuple[LineRef, ...]
    n_final: int


class ChannelValues(NamedTuple):
    """The numbers of one channel of a :class:`ChannelShape` (a pytree of arrays): final-state
    masses per slot, line masses and widths per :attr:`LineRef.index` (GeV), and the slot of
    each final-state leg."""

    leg_masses: np.ndarray
    line_masses: np.ndarray
    line_widths: np.ndarray
    slot_of_leg: np.ndarray

    def cast(self, dtype) -> "ChannelValues":
        """The masses and widths as arrays of ``dtype`` (that of the random numbers)."""
        return ChannelValues(*(jnp.asarray(v, dtype=dtype) for v in self[:3]),
                             jnp.asarray(self.slot_of_leg))


def _kind(line: Line) -> str:
    if line.mass > 0:
        return "bw" if line.width > 0 else "massive"
    return "massless"


def _signature(node: Node) -> tuple:
    """The node's tree of line kinds, without leg labels (orders the children of a shape)."""
    if node.leg >= 0:
        return ()
    return (_kind(node.line), *sorted(_signature(c) for c in node.children))


def split_channel(channel: Channel) -> tuple[ChannelShape, ChannelValues]:
    """A channel as its shape (static: compiled once per shape) and its values (arrays)."""
    slots: list[Node] = []
    lines: list[Line] = []

    def line_ref(line: Line) -> LineRef:
        lines.append(line)
        return LineRef(len(lines) - 1, _kind(line))

    def shaped(node: Node) -> Node:
        if node.leg >= 0:
            slots.append(node)
            return Node(frozenset([len(slots) - 1]), leg=len(slots) - 1)
        kids = tuple(shaped(c) for c in sorted(node.children, key=_signature))
        return Node(frozenset().union(*(k.legs for k in kids)), line=line_ref(node.line),
                    children=kids)

    clusters = tuple(shaped(c) for c in channel.clusters)
    t_lines = tuple(line_ref(line) for line in channel.t_lines)
    slot_of_leg = np.zeros(channel.n_final, dtype=np.int32)
    for slot, leaf in enumerate(slots):
        slot_of_leg[leaf.leg - 2] = slot
    values = ChannelValues(
        leg_masses=np.array([leaf.min_mass for leaf in slots]),
        line_masses=np.array([line.mass for line in lines]),
        line_widths=np.array([line.width for line in lines]),
        slot_of_leg=slot_of_leg,
    )
    return ChannelShape(clusters, t_lines, channel.n_final), values


# --------------------------------------------------------------------------- kinematics


def _kallen_sqrt(a, b, c):
    return jnp.sqrt(jnp.maximum((a - b - c) ** 2 - 4.0 * b * c, 0.0))


def _boost_from_rest(p, frame):
    """p given in the rest frame of ``frame`` → the frame where ``frame`` has its momentum."""
    m = jnp.sqrt(jnp.maximum(frame[..., 0] ** 2 - jnp.sum(frame[..., 1:] ** 2, -1), 1e-300))
    pdot = jnp.sum(p[..., 1:] * frame[..., 1:], -1)
    energy = (p[..., 0] * frame[..., 0] + pdot) / m
    factor = (p[..., 0] + energy) / (frame[..., 0] + m)
    return jnp.concatenate([energy[..., None], p[..., 1:] + factor[..., None] * frame[..., 1:]], -1)


def _to_rest(p, frame):
    """p → the rest frame of ``frame``."""
    return _boost_from_rest(p, frame * jnp.array([1.0, -1.0, -1.0, -1.0], dtype=frame.dtype))


def _direction(cos_t, phi, axis):
    """Unit vectors at polar angle θ, azimuth φ about the unit vectors ``axis`` [N, 3]."""
    sin_t = jnp.sqrt(jnp.maximum(1.0 - cos_t * cos_t, 0.0))
    # An orthonormal pair perpendicular to the axis.
    helper = jnp.where(
        (jnp.abs(axis[:, 2]) < 0.9)[:, None],
        jnp.array([0.0, 0.0, 1.0], dtype=axis.dtype),
        jnp.array([1.0, 0.0, 0.0], dtype=axis.dtype),
    )
    e1 = jnp.cross(helper, axis)
    e1 = e1 / jnp.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = jnp.cross(axis, e1)
    return (
        cos_t[:, None] * axis
        + (sin_t * jnp.cos(phi))[:, None] * e1
        + (sin_t * jnp.sin(phi))[:, None] * e2
    )


def sample_invariant(u, s_lo, s_hi, line: LineRef | None, values: ChannelValues | None = None):
    """Draw s in [s_lo, s_hi] from the map of a line of a shape (None: a line without mass,
    e.g. the remainder of a t-channel chain); returns ``(s, ds/du)``."""
    kind = line.kind if line is not None else "massless"
    if kind != "massless":
        mass = values.line_masses[line.index]
        m2 = mass**2
    if kind == "bw":
        mg = mass * values.line_widths[line.index]
        lo, hi = jnp.arctan((s_lo - m2) / mg), jnp.arctan((s_hi - m2) / mg)
        angle = lo + u * (hi - lo)
        s = m2 + mg * jnp.tan(angle)
        return s, (hi - lo) * ((s - m2) ** 2 + mg * mg) / mg
    a = m2 if kind != "massless" else MASSLESS_REGULATOR
    lo, hi = jnp.log(s_lo + a), jnp.log(jnp.maximum(s_hi, s_lo) + a)
    s = jnp.exp(lo + u * (hi - lo)) - a
    return s, (s + a) * (hi - lo)


def _two_body_momentum(m, m1, m2):
    return _kallen_sqrt(m * m, m1 * m1, m2 * m2) / (2.0 * m)


class _Draw:
    """Hands out the columns of u [N, dim] in order."""

    def __init__(self, u):
        self.u, self.k = u, 0

    def __call__(self):
        self.k += 1
        return self.u[:, self.k - 1]


def generate(channel: Channel, u, sqrt_shat):
    """Final-state momenta for one channel: :func:`generate_shaped` of its shape and values."""
    shape, values = split_channel(channel)
    return generate_shaped(shape, values, u, sqrt_shat)


def generate_shaped(shape: ChannelShape, values: ChannelValues, u, sqrt_shat):
    """Final-state momenta for one channel, given as its shape and values.

    Args:
        shape, values: from :func:`split_channel`.
        u: uniform numbers ``[N, shape.dim]``.
        sqrt_shat: partonic √ŝ ``[N]`` (GeV); incoming legs are massless, leg 0 along +z.

    Returns:
        ``(momenta [N, n_final, 4], weight [N])``: final-state momenta in leg order in the
        partonic centre-of-mass frame and the phase-space density dΦ_n/d^{3n−4}u (GeV^{2n−4});
        the weight is 0 where the point is kinematically impossible.
    """
    draw = _Draw(u)
    dtype = u.dtype
    n = u.shape[0]
    values = values.cast(dtype)
    weight = jnp.ones(n, dtype=dtype)
    ok = jnp.ones(n, dtype=bool)
    mass: dict[frozenset, jnp.ndarray] = {}

    def min_mass(node: Node):
        return sum(values.leg_masses[slot] for slot in sorted(node.legs))

    def sample_node(node: Node, upper):
        """Invariant masses of node's lines (node's own mass when ``upper`` is not None)."""
        nonlocal weight, ok
        if node.leg >= 0:
            mass[node.legs] = jnp.full(n, values.leg_masses[node.leg], dtype=dtype)
            return
        if upper is not None:
            lowest = min_mass(node)
            s_lo = lowest**2
            ok = ok & (upper > lowest)
            s, jac = sample_invariant(draw(), s_lo, jnp.maximum(upper, lowest) ** 2,
                                      node.line, values)
            weight = weight * jac / (2.0 * math.pi)
            mass[node.legs] = jnp.sqrt(jnp.maximum(s, s_lo))
        first, second = node.children
        sample_node(first, mass[node.legs] - min_mass(second))
        sample_node(second, mass[node.legs] - mass[first.legs])

    clusters = shape.clusters
    if not shape.t_lines:
        mass[clusters[0].legs] = sqrt_shat
        sample_node(clusters[0], None)
    else:
        left = sqrt_shat - sum(min_mass(c) for c in clusters)
        for c in clusters:
            left = left + min_mass(c)
            sample_node(c, left)
            left = left - mass[c.legs]

    half = 0.5 * sqrt_shat
    zero = jnp.zeros_like(half)
    p_a = jnp.stack([half, zero, zero, half], -1)
    momenta: dict[frozenset, jnp.ndarray] = {}
    if not shape.t_lines:
        momenta[clusters[0].legs] = jnp.stack([sqrt_shat, zero, zero, zero], -1)
    else:
        q = jnp.stack([half, zero, zero, -half], -1)  # incoming leg 1
        rest_mass = sqrt_shat
        for i, (cluster, line) in enumerate(zip(clusters[:-1], shape.t_lines, strict=True)):
            m_c = mass[cluster.legs]
            later = clusters[i + 1 :]
            if len(later) == 1:
                m_r = mass[later[0].legs]
            else:
                r_lo = sum(mass[c.legs] for c in later)
                ok = ok & (rest_mass - m_c > r_lo)
                s_r, jac = sample_invariant(
                    draw(), r_lo**2, jnp.maximum(rest_mass - m_c, r_lo) ** 2, None
                )
                weight = weight * jac / (2.0 * math.pi)
                m_r = jnp.sqrt(jnp.maximum(s_r, r_lo**2))
            frame = p_a + q
            q_rest = _to_rest(q, frame)
            q_abs = jnp.linalg.norm(q_rest[:, 1:], axis=-1)
            p_abs = _two_body_momentum(rest_mass, m_c, m_r)
            e_c = jnp.sqrt(p_abs**2 + m_c**2)
            q2 = q[:, 0] ** 2 - jnp.sum(q[:, 1:] ** 2, -1)
            base = q2 + m_c**2 - 2.0 * q_rest[:, 0] * e_c
            t_lo, t_hi = base - 2.0 * q_abs * p_abs, base + 2.0 * q_abs * p_abs
            pole = (values.line_masses[line.index] ** 2 if line.kind != "massless"
                    else MASSLESS_REGULATOR)
            a = jnp.maximum(pole, t_hi + MASSLESS_REGULATOR)
            log_lo, log_hi = jnp.log(a - t_hi), jnp.log(a - t_lo)
            t = a - jnp.exp(log_lo + draw() * (log_hi - log_lo))
            cos_t = jnp.clip((t - base) / (2.0 * q_abs * p_abs), -1.0, 1.0)
            phi = 2.0 * math.pi * draw()
            axis = q_rest[:, 1:] / q_abs[:, None]
            p_c = jnp.concatenate([e_c[:, None], p_abs[:, None] * _direction(cos_t, phi, axis)], -1)
            p_c = _boost_from_rest(p_c, frame)
            dt_du = (a - t) * (log_hi - log_lo)
            two_body = p_abs / (16.0 * math.pi**2 * rest_mass)
            weight = weight * two_body * 2.0 * math.pi * dt_du / (2.0 * q_abs * p_abs)
            momenta[cluster.legs] = p_c
            q = q - p_c
            rest_mass = m_r
        momenta[clusters[-1].legs] = p_a + q

    def decay(node: Node):
        nonlocal weight
        if node.leg >= 0:
            return
        first, second = node.children
        parent = momenta[node.legs]
        m, m1, m2 = mass[node.legs], mass[first.legs], mass[second.legs]
        p_abs = _two_body_momentum(m, m1, m2)
        cos_t = 2.0 * draw() - 1.0
        phi = 2.0 * math.pi * draw()
        z = jnp.broadcast_to(jnp.array([0.0, 0.0, 1.0], dtype=dtype), (n, 3))
        direction = p_abs[:, None] * _direction(cos_t, phi, z)
        e1 = jnp.sqrt(p_abs**2 + m1**2)
        momenta[first.legs] = _boost_from_rest(jnp.concatenate([e1[:, None], direction], -1),
                                               parent)
        # The second daughter by subtraction: four-momentum is conserved to rounding.
        momenta[second.legs] = parent - momenta[first.legs]
        weight = weight * p_abs / (16.0 * math.pi**2 * m) * 4.0 * math.pi
        decay(first)
        decay(second)

    for c in clusters:
        decay(c)
    if draw.k != shape.dim:
        msg = f"channel used {draw.k} random numbers, expected {shape.dim}"
        raise AssertionError(msg)
    by_slot = jnp.stack([momenta[frozenset([slot])] for slot in range(shape.n_final)], 1)
    out = by_slot[:, values.slot_of_leg]
    weight = jnp.where(ok & jnp.isfinite(weight), weight, 0.0)
    out = jnp.where((weight > 0)[:, None, None], out, 0.0)
    return out, weight
