"""VEGAS: importance sampling on an adaptive, separable grid (G. P. Lepage, J. Comput. Phys.
27 (1978) 192; the damped grid refinement of Lepage's later notes, α = 1.5).

The unit hypercube is mapped through a piecewise-linear map per dimension whose bins carry
equal probability; after each iteration the bin edges move so that every bin holds an equal
share of the smoothed, damped Σ (f J)² of the points that fell in it. Iterations are combined
with inverse-variance weights, with χ²/dof as the consistency check. Pure functions:
``vegas_init`` → grid, ``vegas_step(key, grid, f, n)`` → (grid, estimate).
"""

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class VegasGrid:
    """Bin edges ``[dim, n_bins + 1]`` in [0, 1] (first edge 0, last 1)."""

    edges: jax.Array


@dataclass(frozen=True)
class VegasResult:
    """Combined estimate: ``value ± error``, χ²/dof over iterations, per-iteration history."""

    value: float
    error: float
    chi2_dof: float
    iterations: tuple[tuple[float, float], ...]
    n_evaluations: int
    grid: VegasGrid


def vegas_init(dim: int, n_bins: int = 64, dtype=jnp.float64) -> VegasGrid:
    """A uniform grid."""
    edges = jnp.tile(jnp.linspace(0.0, 1.0, n_bins + 1, dtype=dtype), (dim, 1))
    return VegasGrid(edges)


def vegas_map(grid: VegasGrid, y):
    """Map uniform y ``[N, dim]`` → x; returns ``(x, jacobian [N], bin index [N, dim])``."""
    edges = grid.edges
    n_bins = edges.shape[1] - 1
    scaled = y * n_bins
    index = jnp.clip(jnp.floor(scaled).astype(jnp.int32), 0, n_bins - 1)
    frac = scaled - index
    lo = _gather(edges, index)
    hi = _gather(edges, index + 1)
    width = hi - lo
    x = lo + frac * width
    jac = jnp.prod(n_bins * width, axis=1)
    return x, jac, index


def _gather(edges, index):
    dims = jnp.arange(edges.shape[0])[None, :]
    return edges[dims, index]


def bin_sums(grid: VegasGrid, index, f2):
    """Σ (f J)² of the points per bin, ``[dim, n_bins]`` (add these up over batches)."""
    dim, n_edges = grid.edges.shape
    d = jnp.zeros((dim, n_edges - 1), dtype=grid.edges.dtype)
    return d.at[jnp.arange(dim)[None, :], index].add(f2[:, None])


def refine(grid: VegasGrid, d, alpha: float = 1.5) -> VegasGrid:
    """New edges from the bin sums ``d``: smooth, damp with α, then equalise bin contents."""
    edges = grid.edges
    dim, n_edges = edges.shape
    n_bins = n_edges - 1
    # Smooth each bin with its neighbours (weights 1, 6, 1 inside; 1, 7 at the ends).
    left = jnp.concatenate([d[:, :1], d[:, :-1]], axis=1)
    right = jnp.concatenate([d[:, 1:], d[:, -1:]], axis=1)
    smooth = jnp.where(
        jnp.arange(n_bins)[None, :] == 0, (7 * d + right) / 8,
        jnp.where(jnp.arange(n_bins)[None, :] == n_bins - 1, (left + 7 * d) / 8,
                  (left + 6 * d + right) / 8),
    )
    total = jnp.sum(smooth, axis=1, keepdims=True)
    r = smooth / jnp.where(total > 0, total, 1.0)
    r = jnp.clip(r, 1e-30, 1.0)
    weights = jnp.where(r < 1.0, ((r - 1.0) / jnp.log(r)) ** alpha, 1.0)
    weights = jnp.where(total > 0, weights, 1.0)
    cum = jnp.concatenate([jnp.zeros((dim, 1), edges.dtype), jnp.cumsum(weights, axis=1)], axis=1)
    targets = jnp.linspace(0.0, 1.0, n_bins + 1, dtype=edges.dtype)[None, :] * cum[:, -1:]
    # Invert the piecewise-linear cumulative weight (edges → cum) at the targets.
    new = jax.vmap(jnp.interp)(targets, cum, edges)
    return VegasGrid(new.at[:, 0].set(0.0).at[:, -1].set(1.0))


# --- adaptive stratified sampling (VEGAS+, Lepage 2021) -------------------------------------


def n_strata(dim: int, n_points: int) -> int:
    """Stratifications per axis so that the n_st^dim hypercubes hold ≥ 2 points on average."""
    return max(1, int((n_points / 2) ** (1.0 / dim) + 1e-9))


def stratified_uniform(key, counts, strata: int, dim: int, n_points: int, dtype=jnp.float64,
                       start=0):
    """Uniform points in [0, 1)^dim, ``counts[h]`` of them in hypercube h, in cube order:
    the ``n_points`` of them from position ``start`` on (a batch of a stratification that
    spans several batches; by default all of them, ``sum(counts) = n_points``).

    Returns ``(y [n_points, dim], cube [n_points])``. ``counts`` and ``start`` are data, not
    shape, so a new allocation does not recompile.
    """
    ends = jnp.cumsum(counts)
    cube = jnp.searchsorted(ends, start + jnp.arange(n_points), side="right")
    digits = (cube[:, None] // (strata ** jnp.arange(dim))[None, :]) % strata
    u = jax.random.uniform(key, (n_points, dim), dtype=dtype)
    return (digits + u) / strata, cube


def allocate_strata(variances, n_points: int, beta: float = 0.75, minimum: int = 2):
    """Points per hypercube ∝ σ_h^β (VEGAS+'s damped optimum), at least ``minimum`` each, summing
    to ``n_points`` (largest remainders)."""
    sigma = np.sqrt(np.maximum(np.asarray(variances, dtype=float), 0.0)) ** beta
    n_cubes = len(sigma)
    spare = n_points - minimum * n_cubes
    if spare <= 0 or sigma.sum() <= 0:
        base = np.full(n_cubes, n_points // n_cubes)
        base[: n_points - base.sum()] += 1
        return base
    share = spare * sigma / sigma.sum()
    counts = minimum + np.floor(share).astype(int)
    rest = n_points - counts.sum()
    counts[np.argsort(share - np.floor(share))[::-1][:rest]] += 1
    return counts


def combine(history) -> tuple[float, float, float]:
    """Inverse-variance mean of ``(mean, variance)`` pairs: ``(value, error, χ²/dof)``."""
    means = np.array([m for m, _ in history], dtype=float)
    variances = np.array([v for _, v in history], dtype=float)
    if np.any(variances <= 0):
        # Exact iterations (zero variance, e.g. a constant integrand): plain mean.
        return float(np.mean(means)), 0.0, 0.0
    weights = 1.0 / variances
    value = float(np.sum(weights * means) / np.sum(weights))
    error = float(np.sqrt(1.0 / np.sum(weights)))
    chi2 = float(np.sum((means - value) ** 2 * weights))
    return value, error, chi2 / max(len(history) - 1, 1)


@partial(jax.jit, static_argnums=(2, 3, 4))
def vegas_step(key, grid: VegasGrid, f, n_points: int, alpha: float = 1.5):
    """One iteration: ``n_points`` samples of ``f`` (a jax function of x [N, dim] → [N]).

    Returns ``(new_grid, mean, variance_of_mean)``; the grid is refined with damping α.
    """
    dim = grid.edges.shape[0]
    y = jax.random.uniform(key, (n_points, dim), dtype=grid.edges.dtype)
    x, jac, index = vegas_map(grid, y)
    w = f(x) * jac
    mean = jnp.mean(w)
    var = jnp.var(w, ddof=1) / n_points
    new = refine(grid, bin_sums(grid, index, w * w), alpha) if alpha > 0 else grid
    return new, mean, var


def vegas(
    key,
    f,
    dim: int,
    *,
    n_points: int = 10_000,
    iterations: int = 10,
    warmup: int = 5,
    n_bins: int = 64,
    alpha: float = 1.5,
) -> VegasResult:
    """Integrate ``f`` over [0, 1]^dim: ``warmup`` adapting iterations (discarded), then
    ``iterations`` whose estimates are combined (the grid keeps adapting).

    Args:
        key: JAX PRNG key.
        f: jit-able function x [N, dim] → [N].
    """
    if dim < 1 or n_points < 2 or iterations < 1:
        msg = "vegas needs dim >= 1, n_points >= 2 and iterations >= 1"
        raise InvalidInput(msg)
    grid = vegas_init(dim, n_bins)
    keys = jax.random.split(key, warmup + iterations)
    for k in keys[:warmup]:
        grid, _, _ = vegas_step(k, grid, f, n_points, alpha)
    history = []
    for k in keys[warmup:]:
        grid, mean, var = vegas_step(k, grid, f, n_points, alpha)
        history.append((float(mean), float(var)))
    value, error, chi2_dof = combine(history)
    return VegasResult(
        value=value,
        error=error,
        chi2_dof=chi2_dof,
        iterations=tuple((m, float(np.sqrt(v))) for m, v in history),
        n_evaluations=(warmup + iterations) * n_points,
        grid=grid,
    )
