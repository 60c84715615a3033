"""The `generate` data flow end to end: weighted points -> unweighted events -> LHE, Parquet,
plots, and back; the events read from the files follow the weighted distribution."""

import jax
import numpy as np
import pytest

from colliderax.generation.events import (
    ProcessInfo,
    allocate_events,
    chi2_compare,
    concatenate,
    histogram,
    max_weight,
    plot_observables,
    rapidity,
    unweight_init,
    unweight_step,
)
from colliderax.io.events_parquet import ParquetEventWriter, load_events
from colliderax.io.lhe import LHEWriter, read_lhe

from .samples import drell_yan_batch, run_info


def _points(seed, n):
    """Weighted u u~ > e+ e- points: a made-up weight, forward-peaked in the e+ rapidity."""
    batch = drell_yan_batch(n, seed=seed)
    y = rapidity(batch.momenta[:, 2])
    return batch.replace(weight=0.05 * (1.0 + 0.5 * np.tanh(y)) ** 2)


def test_points_to_files_and_back(tmp_path):
    n_events = 3000
    integration = _points(100, 20_000)
    sigma = float(integration.weight.mean())
    info = run_info(processes=(ProcessInfo(1, sigma, 0.01 * sigma, sigma / n_events),))
    counts = allocate_events(jax.random.key(0), [sigma], n_events)
    assert counts.tolist() == [n_events]

    state = unweight_init(max_weight(integration.weight, 1e-3))
    keys = iter(jax.random.split(jax.random.key(1), 100))
    kept, n_kept, seed = [], 0, 200
    lhe = LHEWriter(tmp_path / "events.lhe.gz", info)
    parquet = ParquetEventWriter(tmp_path / "events.parquet", info)
    try:
        while n_kept < n_events:
            points = _points(seed, 5000)
            seed += 1
            state, keep = unweight_step(next(keys), state, points.weight)
            events = points[np.asarray(keep)][: n_events - n_kept]
            events = events.replace(weight=np.full(len(events), sigma / n_events))
            lhe.write(events)
            parquet.write(events)
            kept.append(events)
            n_kept += len(events)
        partial = False
    finally:
        lhe.close(partial=partial)
        parquet.close(partial=partial)
    assert 0 < state.overweight_fraction < 3e-3

    from_lhe = read_lhe(tmp_path / "events.lhe.gz").events
    from_parquet = load_events(tmp_path / "events.parquet", library="numpy")
    assert len(from_lhe) == len(from_parquet) == n_events
    np.testing.assert_array_equal(from_lhe.momenta, concatenate(kept).momenta)
    np.testing.assert_array_equal(from_parquet.momenta, from_lhe.momenta)
    assert from_lhe.weight.sum() == pytest.approx(sigma, rel=1e-12)

    reference = _points(300, 20_000)
    edges = np.linspace(-3, 3, 21)
    got = histogram(rapidity(from_lhe.momenta[:, 2]), from_lhe.weight, edges)
    ref = histogram(rapidity(reference.momenta[:, 2]), reference.weight, edges)
    scale = got.values.sum() / ref.values.sum()
    chi2, dof, p = chi2_compare(got.values, got.errors, ref.values * scale, ref.errors * scale,
                                ddof=1)
    assert p > 0.01, (chi2, dof)
    paths = plot_observables(from_lhe, tmp_path / "plots", weighted_reference=reference,
                             names=["y_3"])
    assert paths[0].stat().st_size > 5000
