"""Observables against hand-computed values; histograms, χ² and the PNG plots."""

import math

import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.events import (
    EventBatch,
    azimuth,
    chi2_compare,
    histogram,
    invariant_mass,
    plot_observables,
    pseudorapidity,
    rapidity,
    standard_observables,
    transverse_momentum,
    write_histograms_text,
)

from .samples import drell_yan_batch, ttbar_batch


def test_single_particle_observables_by_hand():
    # E = 5, p = (3, 0, 4): pT = 3, |p| = 5 (massless), η = asinh(4/3) = ln 3 = y.
    p = np.array([[5.0, 3.0, 0.0, 4.0], [13.0, 0.0, -5.0, 0.0], [2.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(transverse_momentum(p), [3.0, 5.0, 0.0])
    np.testing.assert_allclose(pseudorapidity(p)[:2], [math.log(3.0), 0.0], atol=1e-15)
    assert pseudorapidity(p)[2] == np.inf
    # massive: E = 13, p = (0, -5, 0) has m = 12 and y = 0; E = 2, pz = 1: y = ½ ln 3.
    np.testing.assert_allclose(rapidity(p), [math.log(3.0), 0.0, 0.5 * math.log(3.0)],
                               atol=1e-15)
    np.testing.assert_allclose(azimuth(p)[:2], [0.0, -math.pi / 2])
    np.testing.assert_allclose(invariant_mass(p[1]), 12.0)
    # Two photons back to back, 50 GeV each: m = 100.
    pair = np.array([[50.0, 0.0, 50.0, 0.0], [50.0, 0.0, -50.0, 0.0]])
    assert invariant_mass(pair, axis=0) == pytest.approx(100.0)


def test_standard_observables_of_a_batch():
    batch = drell_yan_batch(5)
    obs = standard_observables(batch)
    assert list(obs) == ["pt_3", "eta_3", "y_3", "phi_3", "pt_4", "eta_4", "y_4", "phi_4",
                         "m_final"]
    assert obs["pt_3"].label == "$p_T$($e^{+}$) [GeV]"
    # 2 -> 2 with incoming partons along z: the pair mass is √ŝ = the scale of the sample.
    np.testing.assert_allclose(obs["m_final"].values, batch.scale, rtol=1e-12)
    np.testing.assert_allclose(obs["pt_3"].values, obs["pt_4"].values, rtol=1e-12)
    np.testing.assert_allclose(np.abs(obs["phi_3"].values - obs["phi_4"].values), math.pi,
                               rtol=1e-12)


def test_pair_masses_with_three_outgoing_particles():
    p = np.array([[[5.0, 0, 0, 5.0], [5.0, 0, 0, -5.0], [3.0, 3.0, 0, 0], [3.0, -3.0, 0, 0],
                   [4.0, 0, 0, 0.0]]])
    batch = EventBatch(
        pdg=[[11, -11, 22, 22, 25]], status=[[-1, -1, 1, 1, 1]],
        mothers=np.zeros((1, 5, 2)), colour=np.zeros((1, 5, 2)), momenta=p,
        mass=[[0, 0, 0, 0, 4.0]], weight=[1.0], scale=[10.0], alpha_s=[0.1],
        alpha_qed=[0.0078])
    batch.validate()
    obs = standard_observables(batch)
    assert obs["m_3_4"].values[0] == pytest.approx(6.0)
    assert obs["m_3_5"].values[0] == pytest.approx(math.sqrt(49 - 9))
    assert obs["m_final"].values[0] == pytest.approx(10.0)


def test_histogram_and_chi2():
    h = histogram(np.array([0.1, 0.2, 0.7, np.nan]), np.array([1.0, 2.0, 3.0, 9.0]), 2, (0, 1))
    np.testing.assert_allclose(h.values, [3.0, 3.0])
    np.testing.assert_allclose(h.errors, [math.sqrt(5.0), 3.0])
    chi2, dof, p = chi2_compare([10.0, 20.0, 0.0], [3.0, 4.0, 0.0], [13.0, 20.0, 0.0],
                                [0.0, 1.0, 0.0])
    assert (chi2, dof) == (1.0, 2)
    assert p == pytest.approx(math.exp(-0.5))  # χ² survival for 2 dof is exp(-χ²/2)
    with pytest.raises(InvalidInput, match="ddof"):
        chi2_compare([1.0], [1.0], [1.0], [1.0], ddof=1)


def test_plots_are_written(tmp_path):
    events = ttbar_batch(200, seed=3)
    reference = ttbar_batch(400, seed=4)
    paths = plot_observables(events, tmp_path / "plots", weighted_reference=reference,
                             names=["pt_3", "m_final"], title="g g > t t~", bins=10)
    assert [p.name for p in paths] == ["pt_3.png", "m_final.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5000
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["m_final.png", "pt_3.png"]
    with pytest.raises(InvalidInput, match="unknown observables"):
        plot_observables(events, tmp_path, names=["pt_9"])
    table = write_histograms_text(events, tmp_path / "hists.txt", bins=5)
    assert len(table.read_text().splitlines()) == 1 + 9 * 5


def test_all_plots_without_reference(tmp_path):
    paths = plot_observables(drell_yan_batch(300), tmp_path)
    assert len(paths) == 9
    assert all(p.stat().st_size > 5000 for p in paths)
