"""Particle sources: Pythia 8 determinism, pileup statistics, luminous region, truth, LHE input.

Pythia-based tests are small (a few events, μ <= 5) and use the non-diffractive minimum-bias
model for pileup, whose initialisation takes ~0.3 s instead of ~4 s for the inelastic one.
They skip when no Pythia 8 Python module is installed.
"""

import math

import jax
import numpy as np
import pytest

from colliderax.detector.errors import SourceError, SourceExhausted
from colliderax.detector.sources import (
    EventSource,
    LuminousRegion,
    PythiaGenerator,
    check_pileup,
    gun_source,
    pileup_settings,
    process_settings,
    pythia_available,
    pythia_seed,
    pythia_source,
)

from .lhe_files import write_test_lhe

needs_pythia = pytest.mark.skipif(not pythia_available(), reason="Pythia 8 is not installed")

MU = 5.0
N_EVENTS = 40


def _arrays(event):
    p = event.particles
    return {name: np.asarray(getattr(p, name)) for name in
            ("vx", "vy", "vz", "px", "py", "pz", "q", "mass", "pdg", "particle_id")}


def _same_event(a, b):
    xa, xb = _arrays(a), _arrays(b)
    return (
        all(np.array_equal(xa[k], xb[k]) for k in xa)
        and np.array_equal(a.collision, b.collision)
        and np.array_equal(a.vertices, b.vertices)
        and np.array_equal(a.time, b.time)
    )


@pytest.fixture(scope="module")
def minbias():
    """A non-diffractive minimum-bias generator (charged particles only)."""
    if not pythia_available():
        pytest.skip("Pythia 8 is not installed")
    return PythiaGenerator(pileup_settings("nondiffractive"), label="pileup")


@pytest.fixture(scope="module")
def pileup_events(minbias):
    """N_EVENTS bunch crossings of μ = 5 pileup, no hard collision."""
    source = EventSource(jax.random.key(11), hard=None, pileup=MU, minbias=minbias)
    return [source.event(i) for i in range(N_EVENTS)]


@pytest.fixture(scope="module")
def zmumu_source(minbias):
    """Z -> μμ plus μ = 2 pileup."""
    return pythia_source(jax.random.key(5), process="zmumu", pileup=2.0,
                         pileup_model="nondiffractive")


# ---- seeds and settings (no Pythia needed) -------------------------------------------------


def test_pythia_seed_is_deterministic_and_in_range():
    key = jax.random.key(42)
    seeds = {pythia_seed(key, s) for s in range(50)}
    assert len(seeds) == 50  # independent streams
    assert all(1 <= s <= 900_000_000 for s in seeds)
    assert pythia_seed(key, 3) == pythia_seed(jax.random.key(42), 3)
    assert pythia_seed(42, 3) == pythia_seed(key, 3)  # an int seed means jax.random.key(seed)
    assert pythia_seed(43, 3) != pythia_seed(42, 3)


def test_process_settings_and_errors(tmp_path):
    ttbar = process_settings("ttbar")
    assert "Top:gg2ttbar = on" in ttbar
    assert "Top:qqbar2ttbar = on" in ttbar
    assert "Beams:eCM = 14000.0" in ttbar
    zmumu = process_settings("ZMuMu", sqrt_s=13600)
    assert "23:onIfAny = 13" in zmumu
    assert "Beams:eCM = 13600.0" in zmumu
    with pytest.raises(SourceError, match="unknown process 'wprime'"):
        process_settings("wprime")
    with pytest.raises(SourceError, match="sqrt_s"):
        process_settings("ttbar", sqrt_s=-1.0)
    with pytest.raises(SourceError, match="unknown pileup model"):
        pileup_settings("elastic")
    for bad in (-0.5, math.nan, math.inf):
        with pytest.raises(SourceError, match="pileup"):
            check_pileup(bad)
    with pytest.raises(SourceError, match="no such LHE file"):
        pythia_source(1, process=None, lhe=tmp_path / "missing.lhe", pileup=0)
    with pytest.raises(SourceError, match="one hard source"):
        pythia_source(1, process="ttbar", gun_particles=3, pileup=0)
    with pytest.raises(SourceError, match="minimum-bias"):
        EventSource(jax.random.key(0), hard=None, pileup=1.0, minbias=None)


def test_luminous_region_widths():
    # 20000 draws: the relative standard error of a sample width is 1/sqrt(2N) = 0.5 %;
    # a 2.5 % tolerance is 5 standard errors.
    region = LuminousRegion(sigma_t=0.18)
    v = region.sample(np.random.default_rng(1), 20_000)
    widths = v.std(axis=0)
    np.testing.assert_allclose(widths, [0.01, 0.01, 50.0, 0.18], rtol=0.025)
    assert np.all(np.abs(v.mean(axis=0)) < 5 * widths / np.sqrt(len(v)))
    with pytest.raises(SourceError, match="sigma_z"):
        LuminousRegion(sigma_z=-1.0)


def test_gun_source_without_pythia():
    source = EventSource(jax.random.key(3), hard=gun_source(7), pileup=0.0)
    a, b = source.event(0), source.event(1)
    assert a.particles.n == 7
    assert a.n_pileup == 0
    np.testing.assert_array_equal(a.collision, 0)
    # every particle starts at the one collision vertex of its event
    np.testing.assert_array_equal(np.asarray(a.particles.vz), a.vertices[0, 2])
    assert not np.array_equal(np.asarray(a.particles.px), np.asarray(b.particles.px))
    assert _same_event(a, EventSource(jax.random.key(3), hard=gun_source(7), pileup=0).event(0))
    with pytest.raises(SourceError, match="n >= 1"):
        gun_source(0)


# ---- Pythia ----------------------------------------------------------------------------------


@needs_pythia
def test_same_seed_same_particles(zmumu_source):
    first = zmumu_source.event(0)
    again = pythia_source(jax.random.key(5), process="zmumu", pileup=2.0,
                          pileup_model="nondiffractive")
    assert _same_event(again.event(0), first)
    # random access: event 1 does not depend on which events were generated before
    second = zmumu_source.event(1)
    assert _same_event(again.event(1), second)
    assert _same_event(zmumu_source.event(0), first)
    assert not np.array_equal(np.asarray(first.particles.px)[:5],
                              np.asarray(second.particles.px)[:5])
    other = pythia_source(jax.random.key(6), process="zmumu", pileup=0)
    assert not _same_event(other.event(0), first)


@needs_pythia
def test_hard_process_and_truth(zmumu_source):
    event = zmumu_source.event(0)
    hard = event.collision == 0
    pdg = np.asarray(event.particles.pdg)
    assert np.count_nonzero(pdg[hard] == 13) >= 1
    assert np.count_nonzero(pdg[hard] == -13) >= 1
    assert set(np.unique(event.collision)) <= set(range(event.n_pileup + 1))
    np.testing.assert_array_equal(np.asarray(event.particles.particle_id),
                                  np.arange(1, event.particles.n + 1))
    # production vertices = collision vertex + Pythia's displacement: most particles are prompt
    v = np.stack([np.asarray(event.particles.vx), np.asarray(event.particles.vy),
                  np.asarray(event.particles.vz)], axis=1)
    offset = np.linalg.norm(v - event.vertices[event.collision, :3], axis=1)
    assert np.mean(offset < 1e-6) > 0.5
    assert np.any(offset > 0.1)  # and some come from K0_S, Λ, ... decays
    truth = event.truth_columns()
    assert set(truth) == {"pdg_id", "collision", "vt"}
    assert all(len(col) == event.particles.n for col in truth.values())


@needs_pythia
def test_charged_only_and_neutrals(minbias):
    # charged-only pileup: every particle is charged
    event = EventSource(jax.random.key(2), hard=None, pileup=MU, minbias=minbias).event(0)
    assert event.particles.n > 0
    assert np.all(np.asarray(event.particles.q) != 0)
    assert event.n_charged == event.particles.n
    # keeping neutrals adds photons from pi0 decays
    everything = PythiaGenerator(pileup_settings("nondiffractive"), label="all",
                                 charged_only=False)
    event = EventSource(jax.random.key(2), hard=None, pileup=MU, minbias=everything,
                        charged_only=False).event(0)
    q, pdg = np.asarray(event.particles.q), np.asarray(event.particles.pdg)
    assert np.any(q == 0)
    assert np.any(pdg == 22)
    assert event.n_charged < event.particles.n


@needs_pythia
def test_eta_max_drops_forward_particles(minbias):
    event = EventSource(jax.random.key(4), hard=None, pileup=MU, minbias=minbias,
                        eta_max=2.5).event(0)
    p = event.particles
    eta = np.arcsinh(np.asarray(p.pz) / np.hypot(np.asarray(p.px), np.asarray(p.py)))
    assert p.n > 0
    assert np.all(np.abs(eta) <= 2.5)


@needs_pythia
def test_pileup_count_statistics(pileup_events):
    # The number of pileup collisions is Poisson(μ = 5): over 40 events the mean has a standard
    # error sqrt(5/40) = 0.35, so 4 standard errors is 1.4; the variance is also ~ μ.
    counts = np.array([e.n_pileup for e in pileup_events])
    assert abs(counts.mean() - MU) < 4 * math.sqrt(MU / N_EVENTS)
    assert 0.4 * MU < counts.var() < 1.8 * MU
    # every non-diffractive collision leaves charged particles, so all of them are present
    for e in pileup_events:
        assert set(np.unique(e.collision).tolist()) == set(range(1, e.n_pileup + 1))
        assert e.vertices.shape == (e.n_pileup + 1, 4)


@needs_pythia
def test_vertex_spread(pileup_events):
    # ~240 collision vertices: the standard error of the sample width is
    # sigma / sqrt(2 N) ~ 2.3 mm, so 50 mm +- 10 mm is > 4 standard errors.
    vertices = np.concatenate([e.vertices for e in pileup_events])
    assert len(vertices) > 150
    assert abs(vertices[:, 2].std() - 50.0) < 10.0
    assert vertices[:, 0].std() < 0.02
    assert vertices[:, 1].std() < 0.02
    # the particles of a collision sit around its vertex (prompt ones exactly on it)
    e = pileup_events[0]
    vz = np.asarray(e.particles.vz)
    for c in range(1, e.n_pileup + 1):
        assert np.median(np.abs(vz[e.collision == c] - e.vertices[c, 2])) < 1e-6


@needs_pythia
def test_lhe_input_and_end_of_file(tmp_path):
    lhe = write_test_lhe(tmp_path / "zmumu.lhe", n_events=2)
    source = pythia_source(jax.random.key(1), process=None, lhe=lhe, pileup=0)
    for i in range(2):
        event = source.event(i)
        pdg = np.asarray(event.particles.pdg)
        assert np.count_nonzero(np.abs(pdg) == 13) >= 2
    with pytest.raises(SourceExhausted, match="no more events"):
        source.event(2)
    bad = tmp_path / "bad.lhe"
    bad.write_text("not an LHE file\n")
    with pytest.raises(SourceError, match=r"initialisation failed.*Abort"):
        pythia_source(1, process=None, lhe=bad, pileup=0)
