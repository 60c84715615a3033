"""Unweighting: exact w_max, the bias bound, efficiency, a χ² test of the accepted sample."""

import jax
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.events import (
    allocate_events,
    chi2_compare,
    histogram,
    max_weight,
    overweight_fraction,
    unweight,
    unweight_init,
    unweight_step,
)


def _points(seed, n):
    """x ~ U(0, 1) with a peaked weight: a narrow Gaussian on a flat pedestal plus a tail."""
    x = np.random.default_rng(seed).uniform(0.0, 1.0, n)
    w = np.exp(-0.5 * ((x - 0.3) / 0.03) ** 2) + 0.2 + 0.02 / (1.02 - x)
    return x, w


@pytest.mark.parametrize("tolerance", [0.0, 1e-4, 1e-3, 1e-2, 0.2])
def test_max_weight_is_the_smallest_within_tolerance(tolerance):
    _, w = _points(1, 50_000)
    w_max = max_weight(w, tolerance)
    f = overweight_fraction(w, w_max)
    assert f <= tolerance * (1 + 1e-12)
    if tolerance == 0:
        assert w_max == w.max()
    else:
        assert f == pytest.approx(tolerance, rel=1e-9)  # the bound is reached exactly ...
        assert overweight_fraction(w, w_max * (1 - 1e-9)) > tolerance  # ... and is minimal


@pytest.mark.parametrize("tolerance", [1e-3, 1e-2, 0.1])
def test_bias_bound_holds_for_binned_fractions(tolerance):
    """Unweighting samples ∝ min(w, w_max): every bin's fraction moves by at most f."""
    x, w = _points(2, 50_000)
    w_max = max_weight(w, tolerance)
    f = overweight_fraction(w, w_max)
    exact = histogram(x, w, 50, (0, 1)).values
    clipped = histogram(x, np.minimum(w, w_max), 50, (0, 1)).values
    shift = np.abs(clipped / clipped.sum() - exact / exact.sum())
    assert shift.max() <= f
    assert 0.5 * shift.sum() <= f  # total-variation distance


def test_accepted_sample_matches_the_weighted_distribution():
    """χ² test at a fixed key: the unweighted x distribution equals the weighted one."""
    _, w_int = _points(3, 200_000)  # integrator points fix w_max
    w_max = max_weight(w_int, 1e-3)
    x, w = _points(4, 200_000)  # fresh points are unweighted ...
    result = unweight(jax.random.key(5), w, w_max=w_max)
    x_ref, w_ref = _points(6, 200_000)  # ... and compared with an independent weighted sample
    edges = np.linspace(0, 1, 41)
    ref = histogram(x_ref, w_ref / w_ref.sum(), edges)
    n_acc = len(result.indices)
    acc = histogram(x[result.indices], np.full(n_acc, 1.0 / n_acc), edges)
    chi2, dof, p = chi2_compare(acc.values, acc.errors, ref.values, ref.errors, ddof=1)
    assert dof == 39
    assert p > 0.01, (chi2, dof)
    # Measured at this key: χ²/dof = 36.5/39 (p = 0.58); 58 529 of 200 000 accepted,
    # efficiency 0.2959, realised overweight fraction 1.006e-3.
    assert 55_000 < n_acc < 62_000
    # efficiency = <w>/w_max; the acceptance is efficiency (1 - f) within binomial errors.
    assert result.efficiency == pytest.approx(w.mean() / w_max, rel=1e-12)
    expected = result.efficiency * (1 - result.overweight_fraction)
    sigma = np.sqrt(expected * (1 - expected) / w.size)
    assert abs(result.acceptance - expected) < 4 * sigma
    assert result.bias_bound == result.overweight_fraction < 2e-3  # realised; chosen at 1e-3


def test_chi2_detects_a_too_small_w_max():
    """The same test fails when w_max clips 20% of the weight: the test has power."""
    x, w = _points(4, 200_000)
    result = unweight(jax.random.key(5), w, tolerance=0.2)
    x_ref, w_ref = _points(6, 200_000)
    edges = np.linspace(0, 1, 41)
    ref = histogram(x_ref, w_ref / w_ref.sum(), edges)
    n_acc = len(result.indices)
    acc = histogram(x[result.indices], np.full(n_acc, 1.0 / n_acc), edges)
    chi2, _, p = chi2_compare(acc.values, acc.errors, ref.values, ref.errors, ddof=1)
    assert p < 1e-6, chi2  # measured: χ² = 7570 for 39 dof


def test_streaming_steps_accumulate_the_totals():
    x, w = _points(7, 30_000)
    w_max = max_weight(w, 1e-2)
    state = unweight_init(w_max)
    keys = jax.random.split(jax.random.key(8), 3)
    accepted = 0
    for key, chunk in zip(keys, np.array_split(w, 3), strict=True):
        state, keep = unweight_step(key, state, chunk)
        assert keep.shape == chunk.shape
        accepted += int(keep.sum())
    assert int(state.n_tried) == w.size
    assert int(state.n_accepted) == accepted
    assert float(state.sum_w) == pytest.approx(w.sum(), rel=1e-12)
    assert int(state.n_overweight) == np.count_nonzero(w > w_max)
    assert state.overweight_fraction == pytest.approx(overweight_fraction(w, w_max), rel=1e-9)
    assert state.efficiency == pytest.approx(w.mean() / w_max, rel=1e-12)
    _ = x


def test_zero_weights_are_never_accepted_and_large_ones_always():
    w = np.array([0.0, 0.0, 5.0, 10.0, 0.0])
    result = unweight(jax.random.key(0), w, w_max=4.0)
    assert result.indices.tolist() == [2, 3]
    assert result.n_overweight == 2


@pytest.mark.parametrize("bad", [[1.0, -0.1], [1.0, np.nan], [[1.0]], [0.0, 0.0]])
def test_bad_weights_raise(bad):
    with pytest.raises(InvalidInput):
        max_weight(np.array(bad))


def test_allocate_events():
    sigmas = np.array([10.0, 5.0, 0.01, 0.0])
    lr = allocate_events(None, sigmas, 1000, method="largest_remainder")
    assert lr.tolist() == [666, 333, 1, 0]
    counts = allocate_events(jax.random.key(3), sigmas, 1_000_000)
    assert counts.sum() == 1_000_000
    assert counts[3] == 0
    p = sigmas / sigmas.sum()
    z = (counts - 1_000_000 * p)[:3] / np.sqrt(1_000_000 * p * (1 - p))[:3]
    assert np.all(np.abs(z) < 4)
    with pytest.raises(InvalidInput, match="key"):
        allocate_events(None, sigmas, 10)
    with pytest.raises(InvalidInput, match="method"):
        allocate_events(None, sigmas, 10, method="round")
    with pytest.raises(InvalidInput, match="sigmas"):
        allocate_events(None, [0.0, 0.0], 10, method="largest_remainder")
