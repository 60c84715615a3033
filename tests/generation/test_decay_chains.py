"""Decay chains (``p p > t t~, t > b w+``): parsing, required s-channel propagators in the
amplitudes, the Breit–Wigner window, and status-2 resonances in the event record."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.core.errors import InvalidProcess
from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.events.generate import generate_events
from colliderax.generation.events.scales import ScaleChoice
from colliderax.generation.integrate.run import RunSettings, compute_cross_section, prepare
from colliderax.generation.model import ModelParameters
from colliderax.generation.model.particles import PARTICLES_BY_NAME
from colliderax.generation.phasespace import rambo, two_to_n
from colliderax.generation.process import parse_process
from colliderax.generation.process.parser import Decay
from colliderax.io.lhe import write_lhe
from tests.io.test_lhe import pythia_reads_cleanly


def test_decays_replace_their_particle_in_place():
    spec = parse_process("p p > t t~, (t > b w+, w+ > e+ ve), t~ > b~ w-")
    assert [leg[0] for leg in spec.final] == ["b", "e+", "ve", "b~", "w-"]
    assert spec.decays == (Decay("t", (0, 1, 2), None), Decay("w+", (1, 2), 0),
                           Decay("t~", (3, 4), None))
    # a top-level decay may act on a product of an earlier decay
    flat = parse_process("p p > t t~, t > b w+, w+ > e+ ve")
    assert flat.decays == (Decay("t", (0, 1, 2), None), Decay("w+", (1, 2), 0))
    # leftover instances take the last decay of their particle (MG5's same-sign WW idiom)
    ww = parse_process("p p > w+ w+ j j, w+ > l+ vl")
    assert [d.legs for d in ww.decays] == [(0, 1), (2, 3)]
    assert ww.final[0] == ("e+", "mu+")
    two = parse_process("p p > w+ w+, w+ > e+ ve, w+ > mu+ vm")
    assert [leg[0] for leg in two.final] == ["e+", "ve", "mu+", "vm"]


def _momenta(sub, n=6, sqrts=1000.0, seed=1):
    params = ModelParameters()
    masses = [params.value(PARTICLES_BY_NAME[x].mass) for x in sub.particles]
    if sub.n_initial == 2:
        return two_to_n(jax.random.key(seed), n, sqrts, masses[2:])[0]
    final, _ = rambo(jax.random.key(seed), n, masses[0], masses[1:])
    parent = jnp.tile(jnp.asarray([masses[0], 0.0, 0.0, 0.0]), (n, 1, 1))
    return jnp.concatenate([parent, final], axis=1)


@pytest.mark.parametrize(("chain", "full"), [
    ("e+ e- > z, z > mu+ mu-", "e+ e- > mu+ mu- / a"),  # only the Z diagram
    ("t > b w+, w+ > e+ ve", "t > b e+ ve"),  # the W line is in the only diagram
])
def test_chain_equals_the_process_whose_diagrams_all_have_the_resonance(chain, full):
    sub = compile_matrix_element(chain).subprocesses[0]
    ref = compile_matrix_element(full).subprocesses[0]
    assert sub.particles == ref.particles
    p = _momenta(sub)
    np.testing.assert_allclose(np.asarray(sub(p)), np.asarray(ref(p)), rtol=1e-12)


def test_only_diagrams_with_the_required_line_are_kept():
    sub = compile_matrix_element("g g > t t~, t > b w+").subprocesses[0]
    full = compile_matrix_element("g g > b w+ t~").subprocesses[0]
    assert sub.name == "g g > t t~, t > b w+"
    assert sub.particles == full.particles == ("g", "g", "b", "w+", "t~")
    top = PARTICLES_BY_NAME["t"]
    b_w = (1 << 2) | (1 << 3)
    with_top = [any(mask in (b_w, 31 ^ b_w) and particle.name in ("t", "t~")
                    for mask, particle in lines) for lines in full.diagram_propagators]
    assert sub.n_diagrams == sum(with_top) == 3  # g g > t t~ (s, t, u) times t > b w+
    assert full.n_diagrams > sub.n_diagrams
    assert all(any(mask in (b_w, 31 ^ b_w) and particle in (top, PARTICLES_BY_NAME["t~"])
                   for mask, particle in lines) for lines in sub.diagram_propagators)
    # the root of the recursion (last leg) inside or outside the decay: same |M|²
    swapped = compile_matrix_element("g g > t~ t, t > w+ b").subprocesses[0]
    p = _momenta(sub)
    np.testing.assert_allclose(np.asarray(swapped(p[:, [0, 1, 4, 3, 2]])), np.asarray(sub(p)),
                               rtol=1e-12)


def test_identical_particles_in_different_decays_are_symmetrised():
    """e+ e- > z z, z > e+ e-: both pairings of the electrons are resonant diagrams, so |M|²
    is symmetric under exchanging identical particles (1/2!·1/2! in the average)."""
    sub = compile_matrix_element("e+ e- > z z, z > e+ e-").subprocesses[0]
    assert sub.name == "e+ e- > z z, z > e+ e-, z > e+ e-"
    assert len(sub.decay_chain.alternatives) == 2
    assert sub.denominator == 4 * 4
    p = _momenta(sub, sqrts=500.0)
    me = np.asarray(sub(p))
    for perm in ([0, 1, 4, 3, 2, 5], [0, 1, 2, 5, 4, 3], [0, 1, 4, 5, 2, 3]):
        np.testing.assert_allclose(np.asarray(sub(p[:, perm])), me, rtol=1e-10)


def test_decay_chain_errors():
    params = ModelParameters()
    with pytest.raises(InvalidProcess, match="has no width"):
        compile_matrix_element("e+ e- > mu+ mu-, mu+ > e+ ve vm~", params)
    with pytest.raises(InvalidProcess, match="no tree-level diagram"):
        compile_matrix_element("e+ e- > z, z > e+ mu-", params)


def _breit_wigner_fraction(bwcutoff, mass, width):
    """Share of a Breit–Wigner in p² = m² with |m − M| < bwcutoff·Γ."""
    hi = ((mass + bwcutoff * width) ** 2 - mass**2) / (mass * width)
    lo = ((mass - bwcutoff * width) ** 2 - mass**2) / (mass * width)
    return (math.atan(hi) - math.atan(lo)) / math.pi


def _sigma(process, **kw):
    result = compute_cross_section(prepare(RunSettings(process, 500.0, precision=2e-3, seed=2,
                                                       **kw)))
    return result.sigma_pb, result.error_pb


def test_narrow_width_factorisation_and_the_breit_wigner_window():
    """σ(e+ e- > t t~, t > b w+) / σ(e+ e- > t t~) = Γ(t → b W)/Γ_t × the Breit–Wigner share
    inside the window; Γ_t of the sm card is the tree-level Γ(t → b W) (1.4915 GeV), so the
    ratio is the window's share (0.979 at MG5's bwcutoff = 15, 0.937 at 5). Off-shell effects
    are O(Γ/M) ≈ 0.9 % for the cross section; they are below 0.2 % for this ratio, so 0.6 %
    (and 3σ) separates the two windows (4 % apart) safely."""
    params = ModelParameters()
    tt, tt_err = _sigma("e+ e- > t t~")
    for bwcutoff in (15.0, 5.0):
        chain, chain_err = _sigma("e+ e- > t t~, t > b w+", bwcutoff=bwcutoff)
        expected = _breit_wigner_fraction(bwcutoff, params.MT, params.WT)
        ratio = chain / tt
        error = ratio * math.hypot(chain_err / chain, tt_err / tt)
        assert abs(ratio / expected - 1) < 6e-3, (bwcutoff, ratio, expected)
        assert abs(ratio - expected) < 3 * error + 2e-3, (bwcutoff, ratio, expected, error)


@pytest.fixture(scope="module")
def top_pair_events():
    prepared = prepare(RunSettings("p p > t t~, t > b w+, t~ > b~ w-", 13000.0,
                                   scale=ScaleChoice.parse("fixed:173"), precision=0.01, seed=3))
    xsec = compute_cross_section(prepared)
    return prepared, generate_events(prepared, xsec, 300, seed=3)


def test_resonances_are_written_in_the_event_record(top_pair_events):
    prepared, generated = top_pair_events
    events = generated.events
    events.validate()  # resonances carry their daughters' momenta; colour lines close
    assert events.pdg.shape[1] == 2 + 2 + 4
    np.testing.assert_array_equal(events.status[0], [-1, -1, 2, 2, 1, 1, 1, 1])
    np.testing.assert_array_equal(events.pdg[0, 2:], [6, -6, 5, 24, -5, -24])
    np.testing.assert_array_equal(events.mothers[:, 2:4], [[[1, 2], [1, 2]]] * len(events))
    np.testing.assert_array_equal(events.mothers[:, 4:], [[[3, 3]] * 2 + [[4, 4]] * 2]
                                  * len(events))
    mt, wt = prepared.params.MT, prepared.params.WT
    assert np.all(np.abs(events.mass[:, 2:4] - mt) < 15 * wt)  # MG5's bwcutoff window
    # the top's colour is its b quark's, the antitop's anticolour its b~'s
    np.testing.assert_array_equal(events.colour[:, 2], events.colour[:, 4])
    np.testing.assert_array_equal(events.colour[:, 3], events.colour[:, 6])
    assert np.all(events.colour[:, 2, 0] > 0)
    assert np.all(events.colour[:, 3, 1] > 0)


def test_pylhe_and_pythia_read_resonances(top_pair_events, tmp_path):
    pylhe = pytest.importorskip("pylhe")

    _, generated = top_pair_events
    events = generated.events[:30]
    path = write_lhe(tmp_path / "events.lhe.gz", generated.run_info, [events])
    read = list(pylhe.LHEFile.fromfile(str(path)).events)
    assert [p.status for p in read[0].particles] == [-1, -1, 2, 2, 1, 1, 1, 1]
    assert pythia_reads_cleanly(path, 15)
