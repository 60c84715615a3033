"""RAMBO: flat n-body phase space (Kleiss, Stirling, Ellis, Comput. Phys. Commun. 40 (1986) 359).

Massless momenta are generated isotropically and boosted/scaled to the centre-of-mass frame of
total energy √s; masses are then introduced by a common rescaling ξ of the three-momenta,
found by Newton iteration so that Σ sqrt(m_i² + ξ²|p_i|²) = √s. The weight is the phase-space
volume element dΦ_n = (2π)^{4−3n} Π d³p_i/(2E_i) δ⁴(P − Σp_i), which is constant for massless
particles: (2π)^{4−3n} (π/2)^{n−1} s^{n−2} / ((n−1)! (n−2)!).
"""

import math

import jax
import jax.numpy as jnp


def _massless_weight(n: int, sqrts: float) -> float:
    s = sqrts * sqrts
    return (
        (2 * math.pi) ** (4 - 3 * n)
        * (math.pi / 2) ** (n - 1)
        * s ** (n - 2)
        / (math.factorial(n - 1) * math.factorial(n - 2))
    )


def rambo(key, n_events: int, sqrts: float, masses, *, dtype=jnp.float64, newton_steps: int = 12):
    """Flat n-body momenta in the centre-of-mass frame.

    Args:
        key: JAX PRNG key.
        n_events: number of phase-space points.
        sqrts: total energy √s in GeV (must exceed Σ masses).
        masses: the n final-state masses in GeV (a sequence of Python floats).
        dtype: real dtype of the output.
        newton_steps: Newton iterations for the mass rescaling (converges quadratically).

    Returns:
        ``(momenta [n_events, n, 4], weight [n_events])`` with the weight dΦ_n as defined in
        the module docstring (GeV^(2n−4)).
    """
    masses = tuple(float(m) for m in masses)
    n = len(masses)
    u = jax.random.uniform(key, (n_events, n, 4), dtype=dtype)
    cos_t = 2.0 * u[..., 0] - 1.0
    sin_t = jnp.sqrt(1.0 - cos_t * cos_t)
    phi = 2.0 * jnp.pi * u[..., 1]
    energy = -jnp.log(u[..., 2] * u[..., 3])
    q = jnp.stack(
        [energy, energy * sin_t * jnp.cos(phi), energy * sin_t * jnp.sin(phi), energy * cos_t],
        axis=-1,
    )
    total = jnp.sum(q, axis=1)
    mass_q = jnp.sqrt(total[:, 0] ** 2 - jnp.sum(total[:, 1:] ** 2, axis=-1))
    b = -total[:, 1:] / mass_q[:, None]
    x = sqrts / mass_q
    gamma = total[:, 0] / mass_q
    a = 1.0 / (1.0 + gamma)
    bq = jnp.sum(b[:, None, :] * q[..., 1:], axis=-1)
    p0 = x[:, None] * (gamma[:, None] * q[..., 0] + bq)
    p3 = x[:, None, None] * (
        q[..., 1:] + b[:, None, :] * q[..., :1] + (a[:, None] * bq)[..., None] * b[:, None, :]
    )
    weight = jnp.full((n_events,), _massless_weight(n, sqrts), dtype=dtype)
    if not any(masses):
        return jnp.concatenate([p0[..., None], p3], axis=-1), weight
    m2 = jnp.asarray(masses, dtype=dtype) ** 2
    pabs2 = p0 * p0  # massless: |p|² = E²
    xi = jnp.full((n_events,), math.sqrt(1.0 - (sum(masses) / sqrts) ** 2), dtype=dtype)
    for _ in range(newton_steps):
        e = jnp.sqrt(m2 + (xi * xi)[:, None] * pabs2)
        f = jnp.sum(e, axis=1) - sqrts
        df = jnp.sum(xi[:, None] * pabs2 / e, axis=1)
        xi = xi - f / df
    e = jnp.sqrt(m2 + (xi * xi)[:, None] * pabs2)
    k3 = xi[:, None, None] * p3
    kabs = xi[:, None] * p0
    factor = (
        xi ** (2 * n - 3) * jnp.prod(kabs / e, axis=1) * sqrts / jnp.sum(kabs * kabs / e, axis=1)
    )
    return jnp.concatenate([e[..., None], k3], axis=-1), weight * factor


def two_to_n(key, n_events: int, sqrts: float, masses, *, dtype=jnp.float64):
    """Momenta ``[n_events, 2 + n, 4]`` for massless beams along ±z plus RAMBO final states."""
    final, weight = rambo(key, n_events, sqrts, masses, dtype=dtype)
    half = sqrts / 2
    beams = jnp.array([[half, 0.0, 0.0, half], [half, 0.0, 0.0, -half]], dtype=dtype)
    beams = jnp.broadcast_to(beams, (n_events, 2, 4))
    return jnp.concatenate([beams, final], axis=1), weight
