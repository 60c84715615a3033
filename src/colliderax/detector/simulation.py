"""Fast tracker simulation: helices, layer crossings, material effects, hits (pure JAX).

:func:`simulate` transports a batch of particles through a :class:`~.geometry.Geometry` and
returns fixed-capacity hit buffers (:class:`SimResult`, one row per particle, one column per
crossing, with validity masks). :meth:`SimResult.to_tables` turns them into TrackML-style
hit/truth/particle tables on the host.

Per particle, each step finds the next forward crossing with every layer surface in closed form
(:mod:`.propagation`), moves there, records it, and, with ``material=True``, kicks the direction
by a Gaussian multiple-scattering angle (Highland width, PDG eq. 34.15) and optionally removes
the mean ionisation loss; the next helix starts from the crossing with the new momentum. The
field is evaluated at the start of every helix segment (exact for a uniform field). Steps stop
when no surface is ahead, when the particle leaves the tracking volume
(:attr:`~.geometry.Geometry.world_radius`, :attr:`~.geometry.Geometry.world_half_length`), after
``max_half_turns`` half turns, or after ``max_crossings`` steps (the particle is then flagged
``truncated``). Particles produced outside the tracking volume are not transported.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.dtypes import require_x64
from colliderax.core.errors import InvalidInput
from colliderax.detector.field import FieldMap, UniformField, as_field
from colliderax.detector.geometry import Geometry, SurfaceArrays
from colliderax.detector.particles import Particles
from colliderax.detector.propagation import (
    curvature,
    helix_point,
    next_cylinder_crossing,
    next_disk_crossing,
)
from colliderax.detector.trackml import trackml_hit_weights

logger = logging.getLogger(__name__)

HIGHLAND_E0 = 13.6e-3
"""Highland constant [GeV]."""
HIGHLAND_LOG = 0.038
"""Coefficient of the logarithmic term of the Highland formula."""
SI_MIP_LOSS_PER_X0 = 1.664e-3 * 21.82
"""Mean ionisation loss of a minimum-ionising particle in one radiation length of silicon [GeV]
((dE/dx)_min = 1.664 MeV cm^2/g times X0 = 21.82 g/cm^2, PDG silicon table)."""
_PT_MIN = 1e-9  # GeV; guards the transverse direction of particles along the beam
_P_MIN = 1e-3  # GeV; particles that range out below this stop
_COS_MIN = 1e-2  # smallest cos(incidence) used for the path length through a layer


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """Options of one :func:`simulate` call (frozen).

    Only ``noise_hits``, ``max_crossings`` and ``s_min`` (and a non-uniform field map) are
    compiled into the kernel; the switches and ``max_half_turns`` are traced values, so changing
    them does not recompile.

    Attributes:
        material: Apply multiple scattering at every crossing.
        energy_loss: Also subtract the mean ionisation loss (needs ``material``).
        smear: Smear hit positions by pitch/sqrt(12) along the module's u and v axes.
        inefficiency: Drop hits with each module's inefficiency.
        noise_hits: Number of random noise hits added per call.
        max_crossings: Capacity of the per-particle crossing buffer.
        max_half_turns: Loopers stop after turning this many times pi in azimuth.
        s_min: Smallest arc length [mm] to the next crossing (excludes the current surface).
    """

    material: bool = True
    energy_loss: bool = False
    smear: bool = True
    inefficiency: bool = True
    noise_hits: int = 0
    max_crossings: int = 64
    max_half_turns: float = 2.0
    s_min: float = 1e-6

    def static_part(self) -> tuple[int, int, float]:
        """The options that fix array shapes or constants of the compiled kernel."""
        return (self.noise_hits, self.max_crossings, self.s_min)

    def traced_part(self) -> dict[str, jax.Array]:
        """The options passed to the kernel as traced scalars."""
        return {
            "material": jnp.asarray(self.material),
            "energy_loss": jnp.asarray(self.energy_loss and self.material),
            "smear": jnp.asarray(self.smear),
            "inefficiency": jnp.asarray(self.inefficiency),
            "budget": jnp.asarray(self.max_half_turns * math.pi, dtype=jnp.float64),
        }


def bucket_size(n: int) -> int:
    """Padded batch size for ``n`` particles: at most 25% larger, four sizes per octave.

    Padding bounds the number of distinct compiled kernels when batch sizes vary (e.g. one
    generator event after another); padded slots hold neutral particles and are dropped.
    """
    if n <= 32:
        return 32
    grain = 1 << (n.bit_length() - 3)
    return -(-n // grain) * grain


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class SimResult:
    """Simulation output: per-particle buffers of shape (n, max_crossings) plus noise hits.

    Crossings are stored in order of path length. ``crossing_valid`` marks every layer crossing
    (material is applied there); ``hit_valid`` marks those that produced a hit (charged
    particle, inside a module, not lost to inefficiency).

    Attributes:
        particles: The input particles.
        crossing_valid: bool, a layer was crossed.
        hit_valid: bool, the crossing left a hit.
        layer_index: int32 index into ``Geometry.layers`` (-1 if none).
        volume_id: int32 volume id of the hit module (-1 if none).
        layer_id: int32 layer id (-1 if none).
        module_id: int64 module id (-1 if none).
        x: Measured (smeared) hit x [mm].
        y: Measured hit y [mm].
        z: Measured hit z [mm].
        tx: True crossing x [mm].
        ty: True crossing y [mm].
        tz: True crossing z [mm].
        tpx: True momentum x at the crossing, before scattering [GeV].
        tpy: True momentum y [GeV].
        tpz: True momentum z [GeV].
        n_hits: int32 (n,) hits per particle.
        truncated: bool (n,), the particle was still alive when the buffer was full.
        noise_x: (noise_hits,) noise hit x [mm].
        noise_y: Noise hit y [mm].
        noise_z: Noise hit z [mm].
        noise_volume_id: int32 volume ids of the noise hits.
        noise_layer_id: int32 layer ids of the noise hits.
        noise_module_id: int64 module ids of the noise hits.
    """

    particles: Particles
    crossing_valid: jax.Array
    hit_valid: jax.Array
    layer_index: jax.Array
    volume_id: jax.Array
    layer_id: jax.Array
    module_id: jax.Array
    x: jax.Array
    y: jax.Array
    z: jax.Array
    tx: jax.Array
    ty: jax.Array
    tz: jax.Array
    tpx: jax.Array
    tpy: jax.Array
    tpz: jax.Array
    n_hits: jax.Array
    truncated: jax.Array
    noise_x: jax.Array
    noise_y: jax.Array
    noise_z: jax.Array
    noise_volume_id: jax.Array
    noise_layer_id: jax.Array
    noise_module_id: jax.Array

    def to_tables(self) -> dict[str, dict[str, np.ndarray]]:
        """TrackML-style tables as numpy column dicts (host side).

        Hits are ordered particle by particle in path order, then noise hits; ``hit_id``
        counts from 1. Noise hits have ``particle_id`` 0. ``weight`` is the TrackML score's
        hit weight (:func:`.trackml.trackml_hit_weights`).

        Returns:
            ``{"hits": {...}, "truth": {...}, "particles": {...}}`` with the columns
            hits: hit_id, x, y, z, volume_id, layer_id, module_id;
            truth: hit_id, particle_id, tx, ty, tz, tpx, tpy, tpz, weight;
            particles: particle_id, vx, vy, vz, px, py, pz, q, nhits.
        """
        host = jax.device_get(self)
        n_trunc = int(np.count_nonzero(host.truncated))
        if n_trunc:
            logger.warning(
                "%d particle(s) filled all %d crossing slots; raise max_crossings to keep "
                "their later hits",
                n_trunc,
                host.hit_valid.shape[1],
            )
        pi, si = np.nonzero(np.asarray(host.hit_valid))
        n_sig, n_noise = len(pi), len(host.noise_x)
        n = n_sig + n_noise
        p = host.particles

        def cat(signal: np.ndarray, noise: np.ndarray, dtype: type) -> np.ndarray:
            return np.concatenate([np.asarray(signal)[pi, si], np.asarray(noise)]).astype(dtype)

        hit_id = np.arange(1, n + 1, dtype=np.int64)
        zeros = np.zeros(n_noise)
        hits = {
            "hit_id": hit_id,
            "x": cat(host.x, host.noise_x, np.float64),
            "y": cat(host.y, host.noise_y, np.float64),
            "z": cat(host.z, host.noise_z, np.float64),
            "volume_id": cat(host.volume_id, host.noise_volume_id, np.int32),
            "layer_id": cat(host.layer_id, host.noise_layer_id, np.int32),
            "module_id": cat(host.module_id, host.noise_module_id, np.int64),
        }
        truth = {
            "hit_id": hit_id.copy(),
            "particle_id": np.concatenate(
                [np.asarray(p.particle_id)[pi], np.zeros(n_noise, dtype=np.int64)]
            ).astype(np.int64),
            "tx": cat(host.tx, host.noise_x, np.float64),
            "ty": cat(host.ty, host.noise_y, np.float64),
            "tz": cat(host.tz, host.noise_z, np.float64),
            "tpx": cat(host.tpx, zeros, np.float64),
            "tpy": cat(host.tpy, zeros, np.float64),
            "tpz": cat(host.tpz, zeros, np.float64),
        }
        particles = {
            "particle_id": np.asarray(p.particle_id, dtype=np.int64),
            "vx": np.asarray(p.vx, dtype=np.float64),
            "vy": np.asarray(p.vy, dtype=np.float64),
            "vz": np.asarray(p.vz, dtype=np.float64),
            "px": np.asarray(p.px, dtype=np.float64),
            "py": np.asarray(p.py, dtype=np.float64),
            "pz": np.asarray(p.pz, dtype=np.float64),
            "q": np.rint(np.asarray(p.q)).astype(np.int32),
            "nhits": np.asarray(host.n_hits, dtype=np.int32),
        }
        truth["weight"] = trackml_hit_weights(truth["particle_id"], truth["tz"], particles)
        return {"hits": hits, "truth": truth, "particles": particles}


def highland_theta0(
    p: jax.Array, beta: jax.Array, q: jax.Array, x_over_x0: jax.Array
) -> jax.Array:
    """Width of the projected multiple-scattering angle (Highland, PDG eq. 34.15).

    .. math:: \\theta_0 = \\frac{13.6\\,\\mathrm{MeV}}{\\beta c p}\\,|q|\\,\\sqrt{x/X_0}
       \\left[1 + 0.038 \\ln\\frac{x q^2}{X_0 \\beta^2}\\right]

    Args:
        p: Momentum [GeV].
        beta: Velocity v/c.
        q: Charge [e].
        x_over_x0: Traversed thickness in radiation lengths.

    Returns:
        theta0 [rad]; 0 where ``x_over_x0 <= 0`` or ``q == 0``.
    """
    active = (x_over_x0 > 0) & (q != 0)
    xr = jnp.where(active, x_over_x0, 1.0)
    qs = jnp.where(active, q, 1.0)
    theta = (
        HIGHLAND_E0
        / (beta * p)
        * jnp.abs(qs)
        * jnp.sqrt(xr)
        * (1.0 + HIGHLAND_LOG * jnp.log(xr * qs * qs / (beta * beta)))
    )
    return jnp.where(active, jnp.maximum(theta, 0.0), 0.0)


def _lookup_module(
    surf: SurfaceArrays, layer: jax.Array, x: jax.Array, y: jax.Array, z: jax.Array
) -> jax.Array:
    """Module index (into the module table) at a point on ``layer``; -1 outside modules."""
    r = jnp.hypot(x, y)
    phi = jnp.arctan2(y, x)
    coord = jnp.where(surf.is_barrel[layer], z, r)
    edges = surf.seg_edges[layer]  # (..., R + 1)
    n_rows = surf.seg_n_rows[layer]
    first = edges[..., 0]
    last = jnp.take_along_axis(edges, n_rows[..., None], axis=-1)[..., 0]
    inside = (coord >= first) & (coord <= last)
    row = jnp.sum(edges <= coord[..., None], axis=-1) - 1
    row = jnp.clip(row, 0, jnp.maximum(n_rows - 1, 0))
    n_phi = surf.seg_n_phi[layer, row]
    phi0 = surf.seg_phi0[layer, row]
    width = 2.0 * jnp.pi / n_phi
    slot = jnp.floor(jnp.mod(phi - phi0, 2.0 * jnp.pi) / width).astype(jnp.int32)
    slot = jnp.clip(slot, 0, n_phi - 1)
    module = surf.seg_module[layer, row, slot]
    return jnp.where(inside, module, -1)


def _scatter(
    key: jax.Array,
    px: jax.Array,
    py: jax.Array,
    pz: jax.Array,
    theta0: jax.Array,
    p_new: jax.Array,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Rotate the momentum by Gaussian projected angles of width theta0 and rescale to p_new."""
    p = jnp.sqrt(px * px + py * py + pz * pz)
    dx, dy, dz = px / p, py / p, pz / p
    dt = jnp.maximum(jnp.hypot(dx, dy), 1e-300)
    e1 = (-dy / dt, dx / dt, jnp.zeros_like(dx))  # azimuthal
    e2 = (-dz * e1[1], dz * e1[0], dx * e1[1] - dy * e1[0])  # d x e1 (polar direction)
    g = jax.random.normal(key, (2, *px.shape), dtype=px.dtype)
    ta, tb = theta0 * g[0], theta0 * g[1]
    th = jnp.sqrt(ta * ta + tb * tb)
    small = th < 1e-8
    th_safe = jnp.where(small, 1.0, th)
    sinc = jnp.where(small, 1.0 - th * th / 6.0, jnp.sin(th_safe) / th_safe)
    cth = jnp.cos(th)
    nx = cth * dx + sinc * (ta * e1[0] + tb * e2[0])
    ny = cth * dy + sinc * (ta * e1[1] + tb * e2[1])
    nz = cth * dz + sinc * (ta * e1[2] + tb * e2[2])
    norm = jnp.sqrt(nx * nx + ny * ny + nz * nz)
    return p_new * nx / norm, p_new * ny / norm, p_new * nz / norm


@functools.partial(jax.jit, static_argnames=("static", "field_map", "n_barrel"))
def _simulate_kernel(
    key: jax.Array,
    particles: Particles,
    surf: SurfaceArrays,
    order: jax.Array,
    world: jax.Array,
    flags: dict[str, jax.Array],
    bz: jax.Array,
    *,
    static: tuple[int, int, float],
    field_map: FieldMap | None,
    n_barrel: int,
) -> SimResult:
    """The jitted kernel.

    ``order`` lists barrel layer indices first, then endcap ones; ``world`` is
    (radius, half length) [mm] of the tracking volume; ``flags`` holds the traced switches of
    :meth:`SimConfig.traced_part`; ``bz`` [T] is used unless a ``field_map`` is given.
    """
    n_noise, n_steps, s_min = static
    n = particles.px.shape[0]
    dtype = particles.px.dtype
    k_ms, k_smear, k_eff, k_noise = jax.random.split(key, 4)
    b_idx, d_idx = order[:n_barrel], order[n_barrel:]
    q, mass = particles.q, particles.mass

    def buf(dtype_: jnp.dtype, fill: float | int | bool) -> jax.Array:
        return jnp.full((n, n_steps), fill, dtype=dtype_)

    buffers = {
        "valid": buf(jnp.bool_, False),
        "layer": buf(jnp.int32, -1),
        "module": buf(jnp.int32, -1),
        "x": buf(dtype, 0.0),
        "y": buf(dtype, 0.0),
        "z": buf(dtype, 0.0),
        "px": buf(dtype, 0.0),
        "py": buf(dtype, 0.0),
        "pz": buf(dtype, 0.0),
    }
    state = (
        particles.vx,
        particles.vy,
        particles.vz,
        particles.px,
        particles.py,
        particles.pz,
        # alive: neutral particles leave no hits and are not transported
        (q != 0) & (jnp.hypot(particles.vx, particles.vy) < world[0])
        & (jnp.abs(particles.vz) < world[1]),
        jnp.full((n,), flags["budget"], dtype=dtype),  # turning budget [rad]
    )

    def cond(carry):
        step, st, _ = carry
        return (step < n_steps) & jnp.any(st[6])

    def body(carry):
        step, (x, y, z, px, py, pz, alive, budget), out = carry
        pt = jnp.maximum(jnp.hypot(px, py), _PT_MIN)
        phi0 = jnp.arctan2(py, px)
        lam = pz / pt
        b_field = bz if field_map is None else field_map.bz_at(x, y, z)
        rho = curvature(pt, q, b_field)
        s_max = jnp.where(rho != 0, budget / jnp.where(rho != 0, jnp.abs(rho), 1.0), jnp.inf)
        args = tuple(a[:, None] for a in (x, y, z, phi0, lam, rho))
        s_b = next_cylinder_crossing(
            *args,
            surf.radius[b_idx][None, :],
            surf.z_min[b_idx][None, :],
            surf.z_max[b_idx][None, :],
            s_min,
            s_max[:, None],
        )
        s_d = next_disk_crossing(
            *args,
            surf.z[d_idx][None, :],
            surf.r_min[d_idx][None, :],
            surf.r_max[d_idx][None, :],
            s_min,
            s_max[:, None],
        )
        s_exit = _exit_arc(x, y, z, phi0, lam, rho, world, s_min)
        s_all = jnp.concatenate([s_b, s_d], axis=1)
        j = jnp.argmin(s_all, axis=1)
        s = jnp.take_along_axis(s_all, j[:, None], axis=1)[:, 0]
        layer = order[j]
        crossed = alive & jnp.isfinite(s) & (s < s_exit)
        s = jnp.where(crossed, s, 0.0)
        xn, yn, zn, phin = helix_point(x, y, z, phi0, lam, rho, s)
        lay_safe = jnp.maximum(layer, 0)
        zn = jnp.where(crossed & ~surf.is_barrel[lay_safe], surf.z[lay_safe], zn)  # exact plane
        pxn, pyn = pt * jnp.cos(phin), pt * jnp.sin(phin)
        module = jnp.where(crossed, _lookup_module(surf, layer, xn, yn, zn), -1)
        layer = jnp.where(crossed, layer, -1)
        rec = {
            "valid": crossed,
            "layer": layer.astype(jnp.int32),
            "module": module.astype(jnp.int32),
            "x": xn,
            "y": yn,
            "z": zn,
            "px": pxn,
            "py": pyn,
            "pz": pz,
        }
        out = {k: out[k].at[:, step].set(rec[k]) for k in out}
        # material effects (computed always, selected by the traced switches)
        lay = jnp.maximum(layer, 0)
        rn = jnp.maximum(jnp.hypot(xn, yn), 1e-300)
        p = jnp.sqrt(pt * pt + pz * pz)
        cos_inc = jnp.where(
            surf.is_barrel[lay], jnp.abs(xn * pxn + yn * pyn) / (rn * p), jnp.abs(pz) / p
        )
        xr = surf.x_over_x0[lay] / jnp.maximum(cos_inc, _COS_MIN)
        energy = jnp.sqrt(p * p + mass * mass)
        beta = p / energy
        theta0 = jnp.where(crossed, highland_theta0(p, beta, q, xr), 0.0)
        loss = SI_MIP_LOSS_PER_X0 * xr * q * q / jnp.minimum(beta * beta, 1.0)
        e_new = jnp.maximum(energy - jnp.where(crossed, loss, 0.0), mass)
        p_new = jnp.where(
            flags["energy_loss"], jnp.sqrt(jnp.maximum(e_new * e_new - mass * mass, 0.0)), p
        )
        kicked = _scatter(jax.random.fold_in(k_ms, step), pxn, pyn, pz, theta0, p_new)
        unkicked = (pxn, pyn, pz)
        pxn, pyn, pzn = (
            jnp.where(flags["material"], a, b) for a, b in zip(kicked, unkicked, strict=True)
        )
        crossed = crossed & (~flags["material"] | (p_new > _P_MIN))
        budget = budget - jnp.abs(rho) * s
        new = (xn, yn, zn, pxn, pyn, pzn)
        old = (x, y, z, px, py, pz)
        st = (*(jnp.where(crossed, a, b) for a, b in zip(new, old, strict=True)), crossed, budget)
        return step + 1, st, out

    _, final, out = jax.lax.while_loop(cond, body, (jnp.int32(0), state, buffers))

    module = out["module"]
    mod_safe = jnp.maximum(module, 0)
    hit = out["valid"] & (module >= 0)
    u = jax.random.uniform(k_eff, (n, n_steps), dtype=dtype)
    hit = hit & (~flags["inefficiency"] | (u >= surf.mod_inefficiency[mod_safe]))
    tx, ty, tz = out["x"], out["y"], out["z"]
    g = jax.random.normal(k_smear, (2, n, n_steps), dtype=dtype)
    sig_u = surf.mod_pitch_u[mod_safe] / math.sqrt(12.0)
    sig_v = surf.mod_pitch_v[mod_safe] / math.sqrt(12.0)
    barrel = surf.is_barrel[jnp.maximum(out["layer"], 0)]
    r = jnp.hypot(tx, ty)
    r_safe = jnp.where(r > 0, r, 1.0)
    r_meas = jnp.where(barrel, r, r + sig_v * g[1])
    phi_meas = jnp.arctan2(ty, tx) + sig_u * g[0] / r_safe
    smeared = hit & flags["smear"]
    mx = jnp.where(smeared, r_meas * jnp.cos(phi_meas), tx)
    my = jnp.where(smeared, r_meas * jnp.sin(phi_meas), ty)
    mz = jnp.where(smeared & barrel, tz + sig_v * g[1], tz)

    def ids(table: jax.Array, fill: int) -> jax.Array:
        return jnp.where(hit, table[mod_safe], fill)

    noise = _noise_hits(k_noise, surf, n_noise, dtype)
    return SimResult(
        particles=particles,
        crossing_valid=out["valid"],
        hit_valid=hit,
        layer_index=out["layer"],
        volume_id=ids(surf.mod_volume_id, -1),
        layer_id=ids(surf.mod_layer_id, -1),
        module_id=ids(surf.mod_module_id, -1),
        x=mx,
        y=my,
        z=mz,
        tx=tx,
        ty=ty,
        tz=tz,
        tpx=out["px"],
        tpy=out["py"],
        tpz=out["pz"],
        n_hits=jnp.sum(hit, axis=1).astype(jnp.int32),
        truncated=final[6],
        **noise,
    )


def _exit_arc(
    x: jax.Array,
    y: jax.Array,
    z: jax.Array,
    phi0: jax.Array,
    lam: jax.Array,
    rho: jax.Array,
    world: jax.Array,
    s_min: float,
) -> jax.Array:
    """Arc length [mm] at which the helix leaves the tracking volume (inf if never)."""
    inf = jnp.inf
    s_side = next_cylinder_crossing(x, y, z, phi0, lam, rho, world[0], -inf, inf, s_min, inf)
    s_ends = [
        next_disk_crossing(x, y, z, phi0, lam, rho, zw, 0.0, inf, s_min, inf)
        for zw in (-world[1], world[1])
    ]
    return jnp.minimum(s_side, jnp.minimum(*s_ends))


def _noise_hits(
    key: jax.Array, surf: SurfaceArrays, count: int, dtype: jnp.dtype
) -> dict[str, jax.Array]:
    """``count`` hits uniform over the active area of all modules.

    A module is drawn with probability proportional to its area, then a point uniform over
    its patch of the layer surface: an azimuth slice of the cylinder (barrel) or of the annulus
    (endcap, uniform in r^2).
    """
    k_mod, k_u, k_v = jax.random.split(key, 3)
    area = surf.mod_area
    m = jax.random.choice(k_mod, area.shape[0], (count,), p=area / jnp.sum(area))
    fu = 2.0 * jax.random.uniform(k_u, (count,), dtype=dtype) - 1.0
    fv = jax.random.uniform(k_v, (count,), dtype=dtype)
    lay = surf.mod_layer_index[m]
    cx, cy, cz = surf.mod_center[m, 0], surf.mod_center[m, 1], surf.mod_center[m, 2]
    hu, hv = surf.mod_half_u[m], surf.mod_half_v[m]
    rc = jnp.hypot(cx, cy)
    barrel = surf.is_barrel[lay]
    r_lo, r_hi = rc - hv, rc + hv
    r_disk = jnp.sqrt(r_lo * r_lo + fv * (r_hi * r_hi - r_lo * r_lo))
    r = jnp.where(barrel, surf.radius[lay], r_disk)
    phi = jnp.arctan2(cy, cx) + fu * hu / rc  # half opening angle = mean half width / r_c
    return {
        "noise_x": r * jnp.cos(phi),
        "noise_y": r * jnp.sin(phi),
        "noise_z": jnp.where(barrel, cz + (2.0 * fv - 1.0) * hv, surf.z[lay]),
        "noise_volume_id": surf.mod_volume_id[m],
        "noise_layer_id": surf.mod_layer_id[m],
        "noise_module_id": surf.mod_module_id[m],
    }


def simulate(
    key: jax.Array,
    particles: Particles,
    geometry: Geometry,
    *,
    field: float | FieldMap = 3.8,
    material: bool = True,
    energy_loss: bool = False,
    smear: bool = True,
    inefficiency: bool = True,
    noise_hits: int = 0,
    max_crossings: int = 64,
    max_half_turns: float = 2.0,
) -> SimResult:
    """Simulate tracker hits for a batch of particles.

    Works on any particle arrays (gun, generator output, pileup overlays); the same code runs on
    CPU and GPU. All randomness comes from ``key``: the same key and inputs give the same output.

    Args:
        key: JAX PRNG key.
        particles: Production vertices [mm], momenta [GeV], charges [e], masses [GeV].
        geometry: The tracker (:func:`~.geometry.load_geometry` or
            :func:`~.trackml.load_trackml_detectors`).
        field: Solenoid field [T] along +z, or a :class:`~.field.FieldMap`.
        material: Multiple scattering at each crossing (Highland width, path length
            thickness/cos(incidence)).
        energy_loss: Subtract the mean ionisation loss at each crossing (with ``material``).
        smear: Smear hits with pitch/sqrt(12) along the module's u (azimuthal) and v axes.
        inefficiency: Drop hits with the per-module inefficiency.
        noise_hits: Number of random noise hits (uniform over the module area).
        max_crossings: Crossing-buffer capacity per particle.
        max_half_turns: Loopers stop after this many half turns.

    Returns:
        A :class:`SimResult` with (n, max_crossings) buffers and validity masks.

    Raises:
        InvalidInput: x64 mode is off, or an option is out of range.
    """
    require_x64()
    if max_crossings < 1:
        msg = f"max_crossings must be >= 1, got {max_crossings}"
        raise InvalidInput(msg)
    if noise_hits < 0:
        msg = f"noise_hits must be >= 0, got {noise_hits}"
        raise InvalidInput(msg)
    if not max_half_turns > 0:
        msg = f"max_half_turns must be > 0, got {max_half_turns}"
        raise InvalidInput(msg)
    cfg = SimConfig(
        material=bool(material),
        energy_loss=bool(energy_loss) and bool(material),
        smear=bool(smear),
        inefficiency=bool(inefficiency),
        noise_hits=int(noise_hits),
        max_crossings=int(max_crossings),
        max_half_turns=float(max_half_turns),
    )
    field = as_field(field)
    is_barrel = np.array([lay.is_barrel for lay in geometry.layers])
    order = np.concatenate([np.flatnonzero(is_barrel), np.flatnonzero(~is_barrel)])
    n = particles.n
    padded = _pad_particles(particles, bucket_size(n))
    uniform = isinstance(field, UniformField)
    result = _simulate_kernel(
        key,
        padded,
        geometry.device_surfaces,
        jnp.asarray(order, dtype=jnp.int32),
        jnp.asarray([geometry.world_radius, geometry.world_half_length], dtype=jnp.float64),
        cfg.traced_part(),
        jnp.asarray(field.bz if uniform else 0.0, dtype=jnp.float64),
        static=cfg.static_part(),
        field_map=None if uniform else field,
        n_barrel=int(is_barrel.sum()),
    )
    if padded is particles:
        return result
    return _unpad(result, particles)


def _pad_particles(particles: Particles, size: int) -> Particles:
    """Append neutral, inert particles up to ``size`` (they are never transported)."""
    extra = size - particles.n
    if extra <= 0:
        return particles

    def pad(a: jax.Array) -> jax.Array:
        return jnp.concatenate([a, jnp.zeros((extra,), dtype=a.dtype)])

    return jax.tree_util.tree_map(pad, particles)


@functools.partial(jax.jit, static_argnames=("n",))
def _first_rows(result: SimResult, n: int) -> SimResult:
    """Keep the first ``n`` rows of the per-particle buffers (noise hits untouched)."""
    fields = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if not f.name.startswith("noise_"):
            value = jax.tree_util.tree_map(lambda a: a[:n], value)
        fields[f.name] = value
    return SimResult(**fields)


def _unpad(result: SimResult, particles: Particles) -> SimResult:
    """Drop the padded rows and restore the caller's particle arrays."""
    return dataclasses.replace(_first_rows(result, particles.n), particles=particles)


__all__ = ["SimConfig", "SimResult", "bucket_size", "highland_theta0", "simulate"]
