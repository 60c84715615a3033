"""External wavefunctions in HELAS conventions, batched over events.

Chiral (Weyl) representation as in HELAS: γ⁰ = [[0, 1], [1, 0]], γᵏ = [[0, σᵏ], [−σᵏ, 0]],
γ⁵ = diag(−1, −1, 1, 1), so components 0, 1 of a spinor are left-handed. Momenta are
``(E, px, py, pz)`` in GeV, given as a 4-tuple of arrays; wavefunctions are tuples of
component arrays (see :mod:`colliderax.generation.amplitudes.lorentz`).

Spinors use HELAS's construction, also for massive fermions at light-like momenta:
ω₊ = sqrt(E + |p|), ω₋ = m/ω₊, and two-component helicity eigenstates χ_λ(p̂):

* ``u(p, λ) = (ω₋λ χ_λ, ω_λ χ_λ)``, ``v(p, λ) = (−λ ω_λ χ₋λ, λ ω₋λ χ₋λ)``
* ``ū = u†γ⁰``, ``v̄ = v†γ⁰`` (row spinors)

Vector bosons: ε(±1) = (∓ê₁ − i ê₂)/√2 for an incoming boson (its complex conjugate for an
outgoing one), ê₁ = ∂p̂/∂θ, ê₂ = ∂p̂/∂φ / sinθ; longitudinal ε(0) = (|p|/m, E p̂/m).
"""

import jax.numpy as jnp

# Helicity values per spin (2s+1) and mass: the order of the helicity axis.
FERMION_HELICITIES = (-1, 1)
MASSLESS_VECTOR_HELICITIES = (-1, 1)
MASSIVE_VECTOR_HELICITIES = (-1, 0, 1)


def helicities(spin: int, massive: bool) -> tuple[int, ...]:
    """The helicity states summed over for a particle of spin ``2s+1`` (scalars: ``(0,)``)."""
    if spin == 1:
        return (0,)
    if spin == 2:
        return FERMION_HELICITIES
    return MASSIVE_VECTOR_HELICITIES if massive else MASSLESS_VECTOR_HELICITIES


def _direction(p):
    """|p|, and χ-building pieces: (|p|, |p| + pz) with safe values along −z."""
    px, py, pz = p[1], p[2], p[3]
    pabs = jnp.sqrt(px * px + py * py + pz * pz)
    return px, py, pz, pabs


def _chi(p, lam: int):
    """Two-component helicity eigenstate χ_λ(p̂) as its two complex components."""
    px, py, pz, pabs = _direction(p)
    ppz = pabs + pz
    along_minus_z = ppz <= 0.0
    safe_ppz = jnp.where(along_minus_z, 1.0, ppz)
    safe_pabs = jnp.where(pabs > 0.0, pabs, 1.0)
    norm = 1.0 / jnp.sqrt(2.0 * safe_pabs * safe_ppz)
    if lam == 1:
        c1 = jnp.where(along_minus_z, 0.0, ppz * norm) + 0j
        c2 = jnp.where(along_minus_z, 1.0 + 0j, (px + 1j * py) * norm)
    else:
        c1 = jnp.where(along_minus_z, -1.0 + 0j, (-px + 1j * py) * norm)
        c2 = jnp.where(along_minus_z, 0.0, ppz * norm) + 0j
    # A particle at rest has no direction: take p̂ = +z (χ₊ = (1, 0), χ₋ = (0, 1)).
    at_rest = pabs <= 0.0
    if lam == 1:
        c1 = jnp.where(at_rest, 1.0 + 0j, c1)
        c2 = jnp.where(at_rest, 0.0 + 0j, c2)
    else:
        c1 = jnp.where(at_rest, 0.0 + 0j, c1)
        c2 = jnp.where(at_rest, 1.0 + 0j, c2)
    return c1, c2


def _omegas(p, mass: float):
    """HELAS ω₊ = sqrt(E + pp), ω₋ = m/ω₊ with pp = min(E, |p|)."""
    _, _, _, pabs = _direction(p)
    energy = p[0]
    pp = jnp.minimum(energy, pabs)
    w_plus = jnp.sqrt(energy + pp)
    w_minus = mass / w_plus if mass != 0.0 else jnp.zeros_like(w_plus)
    return w_plus, w_minus


def spinor_u(p, mass: float, lam: int):
    """Column spinor u(p, λ) of an incoming fermion, a 4-tuple."""
    w_plus, w_minus = _omegas(p, mass)
    c1, c2 = _chi(p, lam)
    upper = w_minus if lam == 1 else w_plus
    lower = w_plus if lam == 1 else w_minus
    return (upper * c1, upper * c2, lower * c1, lower * c2)


def spinor_v(p, mass: float, lam: int):
    """Column spinor v(p, λ) of an outgoing antifermion, a 4-tuple."""
    w_plus, w_minus = _omegas(p, mass)
    c1, c2 = _chi(p, -lam)
    w_lam = w_plus if lam == 1 else w_minus
    w_mlam = w_minus if lam == 1 else w_plus
    return (-lam * w_lam * c1, -lam * w_lam * c2, lam * w_mlam * c1, lam * w_mlam * c2)


def _bar(col):
    """ψ̄ = ψ†γ⁰ in the chiral representation: swap the chiral halves and conjugate."""
    return tuple(jnp.conj(x) for x in (col[2], col[3], col[0], col[1]))


def spinor_ubar(p, mass: float, lam: int):
    """Row spinor ū(p, λ) of an outgoing fermion, a 4-tuple."""
    return _bar(spinor_u(p, mass, lam))


def spinor_vbar(p, mass: float, lam: int):
    """Row spinor v̄(p, λ) of an incoming antifermion, a 4-tuple."""
    return _bar(spinor_v(p, mass, lam))


def polarisation(p, mass: float, lam: int, outgoing: bool):
    """Polarisation vector ε^μ(p, λ) (upper index), a 4-tuple of complex arrays.

    ε for an incoming boson, ε* for an outgoing one. λ = 0 needs ``mass > 0``.
    """
    px, py, pz, pabs = _direction(p)
    energy = p[0]
    pt = jnp.sqrt(px * px + py * py)
    safe_pabs = jnp.where(pabs > 0.0, pabs, 1.0)
    safe_pt = jnp.where(pt > 0.0, pt, 1.0)
    cos_t = jnp.where(pabs > 0.0, pz / safe_pabs, 1.0)
    sin_t = pt / safe_pabs
    cos_p = jnp.where(pt > 0.0, px / safe_pt, 1.0)
    sin_p = jnp.where(pt > 0.0, py / safe_pt, 0.0)
    if lam == 0:
        # At rest the longitudinal state is along +z, as the transverse ones assume.
        scale = energy / (mass * safe_pabs)
        at_rest = pabs <= 0.0
        vec = [
            pabs / mass + 0j,
            px * scale + 0j,
            py * scale + 0j,
            jnp.where(at_rest, 1.0, pz * scale) + 0j,
        ]
    else:
        s = 1.0 / jnp.sqrt(2.0)
        e1 = (cos_t * cos_p, cos_t * sin_p, -sin_t)
        e2 = (-sin_p, cos_p, jnp.zeros_like(cos_p))
        spatial = [(-lam * a - 1j * b) * s for a, b in zip(e1, e2, strict=True)]
        vec = [jnp.zeros_like(energy) + 0j, *spatial]
    return tuple(jnp.conj(x) for x in vec) if outgoing else tuple(vec)
