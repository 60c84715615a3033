"""The colour matrix of a colour-flow basis and its square-root factor.

For basis elements B_k (products of quark chains and gluon traces over external labels) the
colour matrix is G_kl = Σ_colours B_k B_l*, computed exactly. The colour-summed |M|² of one
helicity configuration is Jᴴ G J for the partial amplitudes J. We factor G = Lᵀ L by an
eigen-decomposition (dropping null directions, which linearly dependent elements produce) so
that |M|² = |L J|².
"""

import numpy as np

from colliderax.generation.amplitudes import colour


def colour_matrix(basis: list[colour.Term]) -> np.ndarray:
    """G_kl = Σ_colours B_k B_l* (real for these bases)."""
    m = np.zeros((len(basis), len(basis)))
    for k, tk in enumerate(basis):
        for l in range(k, len(basis)):
            value = colour.to_complex(colour.inner_product(tk, basis[l]))
            m[k, l] = m[l, k] = value.real
    return m


def colour_factor(matrix: np.ndarray) -> np.ndarray:
    """L with Lᵀ L = G, shape [rank, n_basis]."""
    eigval, eigvec = np.linalg.eigh(matrix)
    keep = eigval > 1e-12 * max(float(eigval.max(initial=0.0)), 1.0)
    return np.sqrt(eigval[keep])[:, None] * eigvec[:, keep].T
