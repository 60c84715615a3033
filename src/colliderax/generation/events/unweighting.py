"""Unweighting: weighted integrator points to unweighted events, and events per subprocess.

**Acceptance.** A point with weight ``w ≥ 0`` is kept with probability ``min(1, w / w_max)``
(hit-or-miss: keep if ``u · w_max < w`` with ``u ~ U[0, 1)`` from an explicit
``jax.random`` key). Every kept event then carries the same weight σ/N. The expected fraction
kept is ``⟨min(w, w_max)⟩ / w_max``; the *efficiency* reported is ``⟨w⟩ / w_max``, the usual
figure of merit (the two differ by the overweight fraction below).

**Choice of w_max.** Taking the largest weight seen makes the efficiency hostage to a single
outlier; taking a fixed quantile gives no control of the error made. We take the smallest
``w_max`` whose *overweight fraction*

    f(w_max) = Σ_i max(w_i − w_max, 0) / Σ_i w_i

is at most ``tolerance`` (default 1e-3). Points above ``w_max`` are accepted with probability
1 but should have counted ``w / w_max > 1`` times, so the unweighted sample follows the
density ∝ ``min(w, w_max)`` instead of ∝ ``w``. **Bias bound:** the total-variation distance
between the two normalised distributions is at most ``f``, so the fraction of events in any
histogram bin (or any cut) is biased by at most ``f`` in absolute terms; the total cross
section is unaffected because it comes from the weighted integral, not from the event count.
``f`` is convex and decreasing in ``w_max`` with ``Σ max(w_i − w, 0) = max_k (S_k − k w)``
(``S_k`` the sum of the ``k`` largest weights), so the optimum is exact and closed-form:
``w_max = max_k (S_k − tolerance · Σw) / k``. It is a high quantile of the weight
distribution, chosen by the bias it causes rather than by a fixed percentile.

``w_max`` is chosen on one sample (typically the integrator's last, adapted iterations) and
applied to fresh points, where the realised overweight fraction can be larger if the tail of
the weight distribution was under-sampled; :func:`unweight_step` accumulates the realised value
so the driver can report it (use ≥ 10⁵ points to fix ``w_max``).

**Negative weights.** Tree-level (LO) weights are ``|M|²`` times positive factors, so they are
never negative; a negative or non-finite weight means a bug upstream and raises
:class:`~colliderax.core.errors.InvalidInput` (NLO-style ±|w| unweighting is not supported).

**Events per subprocess.** :func:`allocate_events` splits the requested number of events
between subprocesses in proportion to their cross sections. The default draws the counts from
a multinomial distribution, which is exactly what one unweighted run over the sum of all
subprocesses would give: the event sample is then statistically a sample of the total. The
deterministic largest-remainder split (floors of ``N σ_i / σ``, remaining events to the
largest fractional parts) has less variance but always gives 0 events to a subprocess with
``N σ_i / σ < 1/2``, a systematic bias for rare channels; it is available as an option.

Example::

    w_max = max_weight(integrator_weights, tolerance=1e-3)
    state = unweight_init(w_max)
    state, keep = unweight_step(key, state, weights)   # keep: bool mask, per batch
    counts = allocate_events(key2, sigmas, 10_000)
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.dtypes import require_x64
from colliderax.core.errors import InvalidInput

DEFAULT_TOLERANCE = 1e-3
"""Default bound on the overweight fraction (and so on the bias of any binned fraction)."""


def _host_weights(weights: np.ndarray | jax.Array) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        msg = f"weights must be a 1-d array (one per point), got shape {w.shape}"
        raise InvalidInput(msg)
    if not np.all(np.isfinite(w)):
        msg = "weights contain NaN or inf: fix the integrand (matrix element, PDF, cuts)"
        raise InvalidInput(msg)
    if np.any(w < 0):
        msg = ("negative weights: tree-level weights are |M|² times positive factors, so this "
               "is an upstream bug (NLO-style ±w unweighting is not supported)")
        raise InvalidInput(msg)
    return w


def _check_tolerance(tolerance: float) -> float:
    tolerance = float(tolerance)
    if not 0 <= tolerance < 1:
        msg = f"tolerance must be in [0, 1), got {tolerance}: 1e-3 is a good default"
        raise InvalidInput(msg)
    return tolerance


def max_weight(weights: np.ndarray | jax.Array, tolerance: float = DEFAULT_TOLERANCE) -> float:
    """The smallest ``w_max`` whose overweight fraction on ``weights`` is ≤ ``tolerance``.

    Args:
        weights: (n,) point weights ≥ 0 [pb] (any common unit).
        tolerance: Bound on ``Σ max(w − w_max, 0) / Σ w``; 0 gives the largest weight.

    Returns:
        ``w_max = max_k (S_k − tolerance · Σw) / k`` (see the module docstring).

    Raises:
        InvalidInput: weights negative, non-finite, all zero or empty; tolerance not in [0, 1).

    Example:
        >>> max_weight([1.0, 1.0, 10.0], tolerance=0.0)
        10.0
        >>> max_weight([1.0, 1.0, 10.0], tolerance=0.25)  # excess 10 − 7 = 3 = 0.25 · 12
        7.0
    """
    tolerance = _check_tolerance(tolerance)
    w = _host_weights(weights)
    total = w.sum()
    if w.size == 0 or total <= 0:
        msg = "cannot choose w_max: no point has a positive weight (check cuts and phase space)"
        raise InvalidInput(msg)
    top = np.sort(w)[::-1]
    k = np.arange(1, top.size + 1)
    return float(np.max((np.cumsum(top) - tolerance * total) / k))


def overweight_fraction(weights: np.ndarray | jax.Array, w_max: float) -> float:
    """``Σ max(w − w_max, 0) / Σ w``: the bias bound of unweighting ``weights`` at ``w_max``."""
    w = _host_weights(weights)
    total = w.sum()
    return float(np.maximum(w - w_max, 0.0).sum() / total) if total > 0 else 0.0


class UnweightResult(NamedTuple):
    """Result of :func:`unweight`.

    Attributes:
        indices: (n_accepted,) indices of the accepted points, increasing.
        w_max: The maximum weight used.
        efficiency: ``⟨w⟩ / w_max``.
        acceptance: Fraction of points accepted (expected ``efficiency · (1 − f)``).
        overweight_fraction: ``f``, the bound on the bias of any binned fraction.
        n_overweight: Number of points with ``w > w_max``.
    """

    indices: np.ndarray
    w_max: float
    efficiency: float
    acceptance: float
    overweight_fraction: float
    n_overweight: int

    @property
    def bias_bound(self) -> float:
        """Bound on the absolute bias of any binned fraction: the overweight fraction."""
        return self.overweight_fraction


@jax.jit
def _accept(key: jax.Array, weights: jax.Array, w_max: jax.Array) -> jax.Array:
    u = jax.random.uniform(key, weights.shape, dtype=weights.dtype)
    return u * w_max < weights


def unweight(key: jax.Array, weights: np.ndarray | jax.Array, *, w_max: float | None = None,
             tolerance: float = DEFAULT_TOLERANCE) -> UnweightResult:
    """Hit-or-miss unweighting of one sample of weighted points.

    Args:
        key: ``jax.random`` key (consumed).
        weights: (n,) point weights ≥ 0.
        w_max: Maximum weight; default :func:`max_weight` of ``weights`` at ``tolerance``.
        tolerance: Overweight tolerance used when ``w_max`` is not given.

    Returns:
        The accepted indices and the efficiency, acceptance and overweight diagnostics.

    Raises:
        InvalidInput: negative or non-finite weights, ``w_max ≤ 0``, or JAX's x64 mode off.
    """
    require_x64()
    w = _host_weights(weights)
    if w_max is None:
        w_max = max_weight(w, tolerance)
    w_max = float(w_max)
    if not (np.isfinite(w_max) and w_max > 0):
        msg = f"w_max must be a positive weight, got {w_max}"
        raise InvalidInput(msg)
    keep = np.asarray(_accept(key, jnp.asarray(w), jnp.asarray(w_max, dtype=w.dtype)))
    indices = np.flatnonzero(keep)
    n = max(w.size, 1)
    return UnweightResult(
        indices=indices,
        w_max=w_max,
        efficiency=float(w.mean() / w_max) if w.size else 0.0,
        acceptance=indices.size / n,
        overweight_fraction=overweight_fraction(w, w_max),
        n_overweight=int(np.count_nonzero(w > w_max)),
    )


class UnweightState(NamedTuple):
    """Running totals of :func:`unweight_step` (a pytree; all scalars are float64 arrays).

    Attributes:
        w_max: Maximum weight in use.
        n_tried: Points seen.
        n_accepted: Points accepted.
        sum_w: Σ w over the points seen.
        sum_w2: Σ w² (for the error of the cross section ``sum_w / n_tried``).
        sum_excess: Σ max(w − w_max, 0).
        n_overweight: Points with ``w > w_max``.
    """

    w_max: jax.Array
    n_tried: jax.Array
    n_accepted: jax.Array
    sum_w: jax.Array
    sum_w2: jax.Array
    sum_excess: jax.Array
    n_overweight: jax.Array

    @property
    def efficiency(self) -> float:
        """``⟨w⟩ / w_max`` over the points seen."""
        return float(self.sum_w / jnp.maximum(self.n_tried, 1) / self.w_max)

    @property
    def overweight_fraction(self) -> float:
        """Realised ``Σ max(w − w_max, 0) / Σ w`` over the points seen (the bias bound)."""
        return float(self.sum_excess / self.sum_w) if float(self.sum_w) > 0 else 0.0


def unweight_init(w_max: float) -> UnweightState:
    """A fresh :class:`UnweightState` using ``w_max`` (e.g. from :func:`max_weight`).

    Raises:
        InvalidInput: ``w_max`` is not a positive number, or JAX's x64 mode is off (the running
            sums are float64).
    """
    require_x64()
    w_max = float(w_max)
    if not (np.isfinite(w_max) and w_max > 0):
        msg = f"w_max must be a positive weight, got {w_max}"
        raise InvalidInput(msg)
    zero = jnp.zeros((), dtype=jnp.float64)
    return UnweightState(jnp.asarray(w_max, dtype=jnp.float64), zero, zero, zero, zero, zero,
                         zero)


@jax.jit
def _step(key: jax.Array, state: UnweightState, weights: jax.Array
          ) -> tuple[UnweightState, jax.Array]:
    keep = _accept(key, weights, state.w_max)
    excess = jnp.maximum(weights - state.w_max, 0.0)
    new = UnweightState(
        w_max=state.w_max,
        n_tried=state.n_tried + weights.shape[0],
        n_accepted=state.n_accepted + jnp.sum(keep),
        sum_w=state.sum_w + jnp.sum(weights),
        sum_w2=state.sum_w2 + jnp.sum(weights**2),
        sum_excess=state.sum_excess + jnp.sum(excess),
        n_overweight=state.n_overweight + jnp.sum(excess > 0),
    )
    return new, keep


def unweight_step(key: jax.Array, state: UnweightState, weights: np.ndarray | jax.Array,
                  *, check: bool = True) -> tuple[UnweightState, jax.Array]:
    """Unweight one batch of points and update the running totals.

    Args:
        key: ``jax.random`` key (consumed; split a fresh one per batch).
        state: Totals so far (from :func:`unweight_init` or the previous step).
        weights: (n,) weights of fresh points ≥ 0, on any device.
        check: Check on the host that weights are finite and ≥ 0 (one device sync).

    Returns:
        The new state and an (n,) bool mask of the accepted points (on the weights' device).

    Raises:
        InvalidInput: (``check``) negative or non-finite weights.
    """
    if check:
        _host_weights(weights)
    return _step(key, state, jnp.asarray(weights, dtype=jnp.float64))


def allocate_events(key: jax.Array | None, sigmas: np.ndarray | jax.Array, n_events: int, *,
                    method: str = "multinomial") -> np.ndarray:
    """Split ``n_events`` between subprocesses in proportion to their cross sections.

    Args:
        key: ``jax.random`` key for ``"multinomial"`` (ignored, may be None, otherwise).
        sigmas: (k,) cross sections ≥ 0 [pb], not all zero.
        n_events: Total number of events ≥ 0.
        method: ``"multinomial"`` (default; see the module docstring) or
            ``"largest_remainder"``.

    Returns:
        (k,) int64 counts summing to ``n_events``.

    Raises:
        InvalidInput: negative/non-finite or all-zero cross sections, bad ``n_events``,
            unknown method, or no key for the multinomial.

    Example:
        >>> allocate_events(None, [1.0, 2.0, 0.6], 7, method="largest_remainder").tolist()
        [2, 4, 1]
    """
    s = np.asarray(sigmas, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0) or s.sum() <= 0:
        msg = f"sigmas must be a 1-d array of cross sections >= 0, not all zero; got {s}"
        raise InvalidInput(msg)
    if int(n_events) != n_events or n_events < 0:
        msg = f"n_events must be an integer >= 0, got {n_events}"
        raise InvalidInput(msg)
    n_events = int(n_events)
    p = s / s.sum()
    if method == "largest_remainder":
        exact = n_events * p
        counts = np.floor(exact).astype(np.int64)
        rest = n_events - int(counts.sum())
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:rest]] += 1
        return counts
    if method != "multinomial":
        msg = f"method must be 'multinomial' or 'largest_remainder', got {method!r}"
        raise InvalidInput(msg)
    if key is None:
        msg = "allocate_events(method='multinomial') needs a jax.random key"
        raise InvalidInput(msg)
    counts = jax.random.multinomial(key, float(n_events), jnp.asarray(p))
    counts = np.rint(np.asarray(counts)).astype(np.int64)
    if counts.sum() != n_events:  # the sampler works in floating point: guard exactness
        msg = "internal error in allocate_events: counts do not sum up; please report a bug"
        raise RuntimeError(msg)
    return counts


__all__ = [
    "DEFAULT_TOLERANCE",
    "UnweightResult",
    "UnweightState",
    "allocate_events",
    "max_weight",
    "overweight_fraction",
    "unweight",
    "unweight_init",
    "unweight_step",
]
