"""Vertex and propagator kernels on batched wavefunctions (HELAS chiral representation).

A wavefunction is a tuple of component arrays: 4 for spinors and vectors (vectors with upper
indices ε^μ), 1 for scalars. Keeping components as separate arrays (rather than one stacked
axis) lets XLA fuse the arithmetic of whole vertices and vectorise it over the event axis,
which is last. The other axes broadcast, which is how the helicity axes of different external
legs combine; masses, widths and couplings may be numbers or broadcasting arrays. Fermion
wavefunctions are *columns* (ψ-like: u, v, and currents flowing into the rest of the diagram)
or *rows* (ψ̄-like). Momenta are 4-tuples of real arrays; in vertex functions every momentum
flows *into* the vertex.
"""

import jax.numpy as jnp


def dot(a, b):
    """Minkowski product a·b with metric (+, −, −, −)."""
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def add(a, b):
    return tuple(x + y for x, y in zip(a, b, strict=True))


def sub(a, b):
    return tuple(x - y for x, y in zip(a, b, strict=True))


def scale(a, s):
    """Every component of ``a`` times ``s`` (a number or an array without component axis)."""
    return tuple(x * s for x in a)


def slash_column(v, psi):
    """V̸ ψ for a column spinor ψ (V with upper indices)."""
    v0, vx, vy, vz = v
    p1, p2, p3, p4 = psi
    vm = vx - 1j * vy
    vp = vx + 1j * vy
    return (
        (v0 - vz) * p3 - vm * p4,
        -vp * p3 + (v0 + vz) * p4,
        (v0 + vz) * p1 + vm * p2,
        vp * p1 + (v0 - vz) * p2,
    )


def slash_row(psibar, v):
    """ψ̄ V̸ for a row spinor ψ̄."""
    v0, vx, vy, vz = v
    b1, b2, b3, b4 = psibar
    vm = vx - 1j * vy
    vp = vx + 1j * vy
    return (
        b3 * (v0 + vz) + b4 * vp,
        b3 * vm + b4 * (v0 - vz),
        b1 * (v0 - vz) - b2 * vp,
        -b1 * vm + b2 * (v0 + vz),
    )


def chiral(psi, c_left, c_right):
    """(c_L P_L + c_R P_R) ψ (the same for a row spinor, acting from the right)."""
    if isinstance(c_left, complex | float) and c_left == c_right:
        return scale(psi, c_left)
    return (c_left * psi[0], c_left * psi[1], c_right * psi[2], c_right * psi[3])


def spinor_product(psibar, psi):
    """ψ̄ ψ."""
    return psibar[0] * psi[0] + psibar[1] * psi[1] + psibar[2] * psi[2] + psibar[3] * psi[3]


def vector_current(psibar, psi):
    """J^μ = ψ̄ γ^μ ψ (upper index)."""
    b1, b2, b3, b4 = psibar
    p1, p2, p3, p4 = psi
    return (
        b1 * p3 + b2 * p4 + b3 * p1 + b4 * p2,
        (b1 * p4 + b2 * p3) - (b3 * p2 + b4 * p1),
        -1j * (b1 * p4 - b2 * p3) + 1j * (b3 * p2 - b4 * p1),
        (b1 * p3 - b2 * p4) - (b3 * p1 - b4 * p2),
    )


# --- propagators ------------------------------------------------------------------------
def denominator(k, mass, width):
    """k² − m² + i m Γ (fixed width, used in s- and t-channel alike)."""
    return dot(k, k) - mass * mass + 1j * mass * width


def propagate_column(x, k, mass, width):
    """i (k̸ + m) x / (k² − m² + i m Γ) for a column spinor x; k along the fermion flow."""
    num = add(slash_column(k, x), scale(x, mass))
    return scale(num, 1j / denominator(k, mass, width))


def propagate_row(x, k, mass, width):
    """x i (−k̸ + m) / (k² − m² + i m Γ) for a row spinor x; k flows against the fermion flow."""
    num = sub(scale(x, mass), slash_row(x, k))
    return scale(num, 1j / denominator(k, mass, width))


def propagate_vector(j, k, mass, width):
    """−i (g^{μν} − k^μ k^ν/M²) J_ν / (k² − M² + i M Γ); for M = 0 the Feynman-gauge −i g^{μν}/k².

    ``mass`` and ``width`` may be arrays (one value per current, massless entries allowed).
    """
    massive = jnp.asarray(mass) > 0
    safe = jnp.where(massive, mass, 1.0)
    inv_m2 = jnp.where(massive, 1.0 / (safe * safe), 0.0)
    num = sub(j, scale(k, dot(k, j) * inv_m2))
    return scale(num, -1j / denominator(k, mass, width))


def propagate_scalar(s, k, mass, width):
    """i S / (k² − M² + i M Γ)."""
    return scale(s, 1j / denominator(k, mass, width))


# --- triple and quartic vector structures ----------------------------------------------
def vvv_amplitude(e1, e2, e3, p1, p2, p3):
    """UFO ``VVV1``: (ε1·ε2)(p1−p2)·ε3 + (ε2·ε3)(p2−p3)·ε1 + (ε3·ε1)(p3−p1)·ε2."""
    return (
        dot(e1, e2) * dot(sub(p1, p2), e3)
        + dot(e2, e3) * dot(sub(p2, p3), e1)
        + dot(e3, e1) * dot(sub(p3, p1), e2)
    )


def vvv_current(ea, eb, pa, pb, pk):
    """Open-index VVV1 current for slot k given the next two slots (a, b) in cyclic order."""
    return add(
        add(scale(sub(pa, pb), dot(ea, eb)), scale(eb, dot(sub(pb, pk), ea))),
        scale(ea, dot(sub(pk, pa), eb)),
    )


_PAIRINGS = (((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2)))


def _is_zero(w) -> bool:
    """A weight known at trace time to be zero (arrays of per-vertex weights never are)."""
    return isinstance(w, int | float | complex) and w == 0


def vvvv_amplitude(e, weights):
    """Σ of metric pairings: w₀ (ε1·ε2)(ε3·ε4) + w₁ (ε1·ε3)(ε2·ε4) + w₂ (ε1·ε4)(ε2·ε3)."""
    out = 0
    for w, (a, b) in zip(weights, _PAIRINGS, strict=True):
        if not _is_zero(w):
            out = out + w * dot(e[a[0]], e[a[1]]) * dot(e[b[0]], e[b[1]])
    return out


def vvvv_current(e, open_slot: int, weights):
    """Open-index current of the quartic vector vertex; ``e[open_slot]`` is ignored."""
    out = None
    for w, (a, b) in zip(weights, _PAIRINGS, strict=True):
        if _is_zero(w):
            continue
        pair, other = (a, b) if open_slot in a else (b, a)
        partner = pair[1] if pair[0] == open_slot else pair[0]
        term = scale(e[partner], w * dot(e[other[0]], e[other[1]]))
        out = term if out is None else add(out, term)
    return out
