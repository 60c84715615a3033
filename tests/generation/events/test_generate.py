"""Unweighted events from the integrator: valid records, the weighted distributions, files that
pylhe and PYTHIA 8 read."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.generation.events import chi2_compare, concatenate, histogram, rapidity
from colliderax.generation.events.generate import generate_events
from colliderax.generation.events.observables import invariant_mass, transverse_momentum
from colliderax.generation.events.scales import ScaleChoice
from colliderax.generation.integrate.cross_section import integrate, sample_points
from colliderax.generation.integrate.run import (
    RunSettings,
    compute_cross_section,
    default_batch,
    prepare,
)
from colliderax.io.lhe import write_lhe
from tests.io.test_lhe import pythia_reads_cleanly


def _run(process, n_events, scale="fixed:173", precision=0.01, seed=4):
    prepared = prepare(RunSettings(process, 13000.0, scale=ScaleChoice.parse(scale),
                                   precision=precision, seed=seed))
    xsec = compute_cross_section(prepared)
    return prepared, xsec, generate_events(prepared, xsec, n_events, seed=seed)


def _weighted(xsec, n_batches=8, batch=4096):
    """Fresh weighted points of every unit (another seed): arrays of lab momenta and weights
    whose sums estimate σ."""
    momenta, weights = [], []
    for u_index, unit in enumerate(xsec.units):
        for b in range(n_batches):
            pts = sample_points(jax.random.fold_in(jax.random.key(99), 100 * u_index + b),
                                unit, batch)
            momenta.append(np.asarray(pts.momenta))
            weights.append(np.asarray(pts.weight) / (n_batches * batch))
    return np.concatenate(momenta), np.concatenate(weights)


def _observables(p):
    top = p[:, 2]
    return {
        "pt_t": (transverse_momentum(top), np.linspace(0, 600, 13)),
        "y_t": (rapidity(top), np.linspace(-3, 3, 13)),
        "m_tt": (invariant_mass(p[:, 2:4], axis=1), np.linspace(340, 1400, 13)),
    }


def _chi2_p_values(events, xsec):
    ref_p, ref_w = _weighted(xsec)
    p_values = {}
    unweighted = _observables(events.momenta)
    for name, (values, edges) in _observables(ref_p).items():
        ref = histogram(values, ref_w, edges)
        ours = histogram(unweighted[name][0], events.weight, edges)
        # Pearson errors for the unweighted counts: the variance of n_i w is w² × (expected
        # n_i) = w × ref_i. The observed-count error (Neyman) underestimates sparse tail bins
        # that fluctuate low and fails good samples there.
        expected_err = np.sqrt(events.weight[0] * np.maximum(ref.values, 0.0))
        _, _, p = chi2_compare(ours.values, expected_err, ref.values, ref.errors)
        p_values[name] = p
    return p_values


@pytest.fixture(scope="module")
def ttbar():
    return _run("p p > t t~", 4000)


def test_events_are_valid_records(ttbar):
    prepared, xsec, generated = ttbar
    events = generated.events
    assert len(events) == 4000
    events.validate()  # 4-momentum to 1e-9, on shell, every colour line closes
    np.testing.assert_allclose(events.weight, xsec.sigma_pb / 4000)
    assert set(map(tuple, events.pdg[:, :2].tolist())) >= {(21, 21), (2, -2), (-2, 2)}
    assert generated.overweight_fraction < 5e-3
    # per-subprocess counts follow σ_sub (multinomial, 4σ)
    for s in xsec.subprocesses:
        expected = 4000 * s.sigma_pb / xsec.sigma_pb
        assert abs(generated.per_subprocess.get(s.name, 0) - expected) < 4 * np.sqrt(expected)
    # Scale weights (MG5 ids 1, 2, 3 = (μR, μF) × (1, 1), (2, 1), (½, 1)): at a fixed
    # μR = 173 GeV a μR-only variation is (α_s(kμR)/α_s(μR))² for every event.
    np.testing.assert_allclose(events.extra_weights[:, 0], events.weight, rtol=1e-12)
    ratio = events.extra_weights / events.weight[:, None]
    a = prepared.physics.alpha_s
    for column, k in ((1, 2.0), (2, 0.5)):
        expected = float((a(jnp.array([k * 173.0])) / a(jnp.array([173.0])))[0] ** 2)
        np.testing.assert_allclose(ratio[:, column], expected, rtol=1e-12)
    assert np.all(ratio[:, 3] != 1.0)  # μF variations move the PDFs


def test_unweighted_events_follow_the_weighted_distributions(ttbar):
    _, xsec, generated = ttbar
    p_values = _chi2_p_values(generated.events, xsec)
    assert all(p > 0.01 for p in p_values.values()), p_values


def test_pylhe_and_pythia_read_the_events(ttbar, tmp_path):
    pylhe = pytest.importorskip("pylhe")

    _, _, generated = ttbar
    events = generated.events[:40]
    path = write_lhe(tmp_path / "events.lhe.gz", generated.run_info, [events])
    read = list(pylhe.LHEFile.fromfile(str(path)).events)
    assert len(read) == 40
    assert [p.id for p in read[0].particles] == events.pdg[0].tolist()
    assert pythia_reads_cleanly(path, 20)


def test_worker_threads_change_nothing(ttbar):
    """Two threads (units integrated and unweighted concurrently) give the same σ and the same
    events as one: every unit has its own random streams."""
    prepared, xsec, generated = ttbar
    units = prepared.units
    saved = [dataclasses.replace(u, history=list(u.history)) for u in units]
    try:
        for u in units:
            u.reset()
        again = integrate(jax.random.key(prepared.settings.seed), units,
                          prepared.compiled.subprocesses, precision=0.01, batch=default_batch(),
                          workers=2)
        assert (again.sigma_pb, again.error_pb) == (xsec.sigma_pb, xsec.error_pb)
        threaded = generate_events(prepared, again, 4000, seed=4, workers=2)
    finally:
        for u, old in zip(units, saved, strict=True):
            u.__dict__.update(old.__dict__)
    np.testing.assert_array_equal(threaded.events.momenta, generated.events.momenta)
    np.testing.assert_array_equal(threaded.events.pdg, generated.events.pdg)
    np.testing.assert_array_equal(threaded.events.colour, generated.events.colour)
    np.testing.assert_array_equal(threaded.events.helicity, generated.events.helicity)


@pytest.mark.slow
def test_ttbar_jet_events_follow_the_weighted_distributions():
    _, xsec, generated = _run("p p > t t~ j", 3000, scale="mg5:-1", precision=0.02)
    generated.events.validate()
    p_values = _chi2_p_values(generated.events, xsec)
    assert all(p > 0.01 for p in p_values.values()), p_values
    assert concatenate([generated.events[:2], generated.events[2:4]]).n_events == 4
