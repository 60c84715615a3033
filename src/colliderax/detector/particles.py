"""Particle arrays fed to the tracker simulation, and a particle gun.

Any generator can feed :func:`colliderax.detector.simulate`: build a :class:`Particles` with
:meth:`Particles.from_arrays` from production vertices [mm], momenta [GeV], charges [e] and PDG
codes. Units: lengths mm, momenta and masses GeV, charges in units of e.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.dtypes import require_x64
from colliderax.core.errors import InvalidInput

# |PDG code| -> (mass [GeV], charge [e] of the particle with the positive code). PDG 2024 values.
_SPECIES: dict[int, tuple[float, float]] = {
    11: (0.51099895e-3, -1.0),  # e-
    13: (0.1056583755, -1.0),  # mu-
    15: (1.77686, -1.0),  # tau-
    22: (0.0, 0.0),  # photon
    111: (0.1349768, 0.0),  # pi0
    130: (0.497611, 0.0),  # K0_L
    211: (0.13957039, 1.0),  # pi+
    310: (0.497611, 0.0),  # K0_S
    321: (0.493677, 1.0),  # K+
    2112: (0.93956542052, 0.0),  # n
    2212: (0.93827208816, 1.0),  # p
    3112: (1.197449, -1.0),  # Sigma-
    3222: (1.18937, 1.0),  # Sigma+
    3312: (1.32171, -1.0),  # Xi-
    3334: (1.67245, -1.0),  # Omega-
}


def pdg_mass_charge(pdg: np.ndarray | Sequence[int] | int) -> tuple[np.ndarray, np.ndarray]:
    """Masses [GeV] and charges [e] for PDG codes (host-side lookup).

    Raises:
        InvalidInput: a code is not in the built-in table; pass ``mass`` explicitly then.
    """
    codes = np.asarray(pdg, dtype=np.int64).reshape(-1)
    mass = np.empty(codes.shape, dtype=np.float64)
    charge = np.empty(codes.shape, dtype=np.float64)
    for code in np.unique(codes):
        if abs(int(code)) not in _SPECIES:
            known = ", ".join(str(k) for k in sorted(_SPECIES))
            msg = f"unknown PDG code {int(code)}: pass mass= explicitly (known codes: {known})"
            raise InvalidInput(msg)
        m, q = _SPECIES[abs(int(code))]
        sel = codes == code
        mass[sel] = m
        charge[sel] = q if code > 0 else -q
    return mass.reshape(np.shape(pdg)), charge.reshape(np.shape(pdg))


def _to_device(a: jax.Array | np.ndarray, dtype: type) -> jax.Array:
    """A JAX array of ``dtype``; host arrays are cast on the host first (no conversion kernel)."""
    if isinstance(a, jax.Array):
        return jnp.asarray(a, dtype=dtype)
    return jnp.asarray(np.asarray(a, dtype=dtype))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Particles:
    """A batch of ``n`` particles (a JAX pytree; every field has shape ``(n,)``).

    Attributes:
        vx: Production vertex x [mm].
        vy: Production vertex y [mm].
        vz: Production vertex z [mm].
        px: Momentum x [GeV].
        py: Momentum y [GeV].
        pz: Momentum z [GeV].
        q: Charge [e].
        mass: Mass [GeV].
        pdg: PDG code (int32).
        particle_id: Identifier written to the truth tables (int64; 0 is reserved for noise).
    """

    vx: jax.Array
    vy: jax.Array
    vz: jax.Array
    px: jax.Array
    py: jax.Array
    pz: jax.Array
    q: jax.Array
    mass: jax.Array
    pdg: jax.Array
    particle_id: jax.Array

    @property
    def n(self) -> int:
        """Number of particles."""
        return int(self.px.shape[0])

    @classmethod
    def from_arrays(
        cls,
        *,
        vertex: jax.Array | np.ndarray,
        momentum: jax.Array | np.ndarray,
        q: jax.Array | np.ndarray | None = None,
        pdg: jax.Array | np.ndarray | None = None,
        mass: jax.Array | np.ndarray | None = None,
        particle_id: jax.Array | np.ndarray | None = None,
    ) -> Particles:
        """Build a batch from plain arrays (e.g. generator output).

        Args:
            vertex: (n, 3) production vertices [mm].
            momentum: (n, 3) momenta [GeV].
            q: (n,) charges [e]; from ``pdg`` when omitted.
            pdg: (n,) PDG codes; 0 when omitted (then ``q`` and ``mass`` are required).
            mass: (n,) masses [GeV]; from ``pdg`` when omitted.
            particle_id: (n,) ids; 1..n when omitted.

        Raises:
            InvalidInput: x64 mode is off, shapes disagree, or q/mass are missing and cannot
                come from pdg.
        """
        require_x64()
        # numpy input is split into columns on the host: slicing a device array compiles a
        # small kernel for every new n (one generator event after another)
        xp = jnp if isinstance(vertex, jax.Array) or isinstance(momentum, jax.Array) else np
        vertex = xp.asarray(vertex, dtype=float)
        momentum = xp.asarray(momentum, dtype=float)
        if vertex.ndim != 2 or vertex.shape[1] != 3 or momentum.shape != vertex.shape:
            msg = (
                f"vertex and momentum must both have shape (n, 3), got {vertex.shape} "
                f"and {momentum.shape}"
            )
            raise InvalidInput(msg)
        n = vertex.shape[0]
        if pdg is None:
            if q is None or mass is None:
                msg = "give pdg codes, or both q and mass"
                raise InvalidInput(msg)
            pdg_arr = jnp.zeros(n, dtype=jnp.int32)
        else:
            pdg_arr = _to_device(pdg, np.int32)
        if q is None or mass is None:
            m_tab, q_tab = pdg_mass_charge(np.asarray(pdg_arr))
            q = q_tab if q is None else q
            mass = m_tab if mass is None else mass
        if particle_id is None:
            particle_id = np.arange(1, n + 1, dtype=np.int64)
        fields = {
            "q": _to_device(q, np.float64),
            "mass": _to_device(mass, np.float64),
            "pdg": pdg_arr,
            "particle_id": _to_device(particle_id, np.int64),
        }
        for name, arr in fields.items():
            if arr.shape != (n,):
                msg = f"{name} must have shape ({n},), got {arr.shape}"
                raise InvalidInput(msg)
        return cls(
            vx=_to_device(vertex[:, 0], np.float64),
            vy=_to_device(vertex[:, 1], np.float64),
            vz=_to_device(vertex[:, 2], np.float64),
            px=_to_device(momentum[:, 0], np.float64),
            py=_to_device(momentum[:, 1], np.float64),
            pz=_to_device(momentum[:, 2], np.float64),
            **fields,
        )


def gun(
    key: jax.Array,
    n: int,
    *,
    pt_range: tuple[float, float] = (1.0, 10.0),
    eta_range: tuple[float, float] = (-2.5, 2.5),
    phi_range: tuple[float, float] = (-math.pi, math.pi),
    charge: int | None = None,
    pdg: int = 13,
    vertex_sigma: tuple[float, float, float] = (0.0125, 0.0125, 50.0),
    first_id: int = 1,
) -> Particles:
    """Particles uniform in p_T, pseudorapidity and azimuth from a Gaussian beam spot.

    Args:
        key: JAX PRNG key.
        n: Number of particles.
        pt_range: (min, max) transverse momentum [GeV]; uniform.
        eta_range: (min, max) pseudorapidity; uniform.
        phi_range: (min, max) azimuth [rad]; uniform.
        charge: +1 or -1 to fix the charge (the PDG sign follows), ``None`` for a random sign
            per particle (neutral species stay neutral), 0 for a neutral species.
        pdg: PDG code of the species, e.g. 13 (muon), 211 (pion), 11 (electron).
        vertex_sigma: Gaussian beam-spot widths (sx, sy, sz) [mm]; HL-LHC-like defaults.
        first_id: particle_id of the first particle; ids are consecutive.

    Returns:
        The particle batch (float64).

    Raises:
        InvalidInput: x64 mode is off, empty or inverted ranges, negative p_T or widths, or a
            charge the species cannot have.
    """
    require_x64()
    if n < 1:
        msg = f"n must be >= 1, got {n}"
        raise InvalidInput(msg)
    ranges = {"pt_range": pt_range, "eta_range": eta_range, "phi_range": phi_range}
    for label, (lo, hi) in ranges.items():
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            msg = f"{label} must be a finite (min, max) with min <= max, got {(lo, hi)}"
            raise InvalidInput(msg)
    if pt_range[0] <= 0.0:
        msg = f"pt_range must be positive GeV, got {pt_range}"
        raise InvalidInput(msg)
    if any(s < 0 for s in vertex_sigma) or len(vertex_sigma) != 3:
        msg = f"vertex_sigma must be three widths >= 0 mm, got {vertex_sigma}"
        raise InvalidInput(msg)
    mass, base_q = (float(x) for x in pdg_mass_charge(abs(pdg)))
    base_pdg = abs(pdg) if base_q >= 0 else -abs(pdg)  # the code whose charge is >= 0
    base_q = abs(base_q)
    k_pt, k_eta, k_phi, k_q, k_v = jax.random.split(key, 5)
    pt = jax.random.uniform(k_pt, (n,), minval=pt_range[0], maxval=pt_range[1], dtype=float)
    eta = jax.random.uniform(k_eta, (n,), minval=eta_range[0], maxval=eta_range[1], dtype=float)
    phi = jax.random.uniform(k_phi, (n,), minval=phi_range[0], maxval=phi_range[1], dtype=float)
    if base_q == 0.0:
        if charge not in (None, 0):
            msg = f"PDG {pdg} is neutral; charge must be 0 or None, got {charge}"
            raise InvalidInput(msg)
        sign = jnp.ones(n)
    elif charge is None:
        sign = jnp.where(jax.random.bernoulli(k_q, 0.5, (n,)), 1.0, -1.0)
    elif charge in (1, -1):
        sign = jnp.full(n, float(charge))
    else:
        msg = f"charge must be +1, -1 or None for PDG {pdg}, got {charge}"
        raise InvalidInput(msg)
    vtx = jax.random.normal(k_v, (n, 3), dtype=float) * jnp.asarray(vertex_sigma, dtype=float)
    return Particles(
        vx=vtx[:, 0],
        vy=vtx[:, 1],
        vz=vtx[:, 2],
        px=pt * jnp.cos(phi),
        py=pt * jnp.sin(phi),
        pz=pt * jnp.sinh(eta),
        q=sign * base_q,
        mass=jnp.full(n, mass, dtype=float),
        pdg=(sign * base_pdg).astype(jnp.int32),
        particle_id=jnp.arange(first_id, first_id + n, dtype=jnp.int64),
    )


__all__ = ["Particles", "gun", "pdg_mass_charge"]
