"""Two-body phase space from two uniform numbers: x₁ → cos θ, x₂ → φ.

dΦ₂ = |p*| / (16 π² √s) dcos θ dφ for final masses m₁, m₂ in the centre-of-mass frame
(|p*| = λ^{1/2}(s, m₁², m₂²)/(2√s)); the weight returned includes the Jacobian 4π.
"""

import jax.numpy as jnp


def two_body(x, sqrts: float, m1: float = 0.0, m2: float = 0.0):
    """Momenta of beams (massless, along ±z) and the two final particles, and dΦ₂ weights.

    Args:
        x: uniform numbers ``[N, 2]``.
        sqrts: √s in GeV (> m₁ + m₂).

    Returns:
        ``(momenta [N, 4, 4], weight [N])`` in GeV, weight in GeV⁰ (dΦ₂ is dimensionless).
    """
    s = sqrts * sqrts
    pstar = jnp.sqrt((s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)) / (2.0 * sqrts)
    cos_t = 2.0 * x[:, 0] - 1.0
    sin_t = jnp.sqrt(jnp.clip(1.0 - cos_t * cos_t, 0.0, 1.0))
    phi = 2.0 * jnp.pi * x[:, 1]
    px = pstar * sin_t * jnp.cos(phi)
    py = pstar * sin_t * jnp.sin(phi)
    pz = pstar * cos_t
    e1 = jnp.sqrt(pstar * pstar + m1 * m1)
    e2 = jnp.sqrt(pstar * pstar + m2 * m2)
    zeros = jnp.zeros_like(cos_t)
    half = sqrts / 2.0
    beams = [
        jnp.stack([zeros + half, zeros, zeros, zeros + half], axis=-1),
        jnp.stack([zeros + half, zeros, zeros, zeros - half], axis=-1),
    ]
    k1 = jnp.stack([zeros + e1, px, py, pz], axis=-1)
    k2 = jnp.stack([zeros + e2, -px, -py, -pz], axis=-1)
    weight = zeros + pstar / (16.0 * jnp.pi**2 * sqrts) * 4.0 * jnp.pi
    return jnp.stack([*beams, k1, k2], axis=1), weight
