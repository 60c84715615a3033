"""MG5 generation cuts: defaults, particle classes and each cut on hand-built momenta."""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.events.cuts import Cuts, cut_mask, particle_class, rapidity
from colliderax.io.run_card import RunCard

BEAMS = np.array([[500.0, 0, 0, 500.0], [500.0, 0, 0, -500.0]])


def massless(pt, y, phi):
    """A massless 4-vector from p_T, rapidity (= η) and φ."""
    return np.array([pt * math.cosh(y), pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(y)])


def massive(pt, y, phi, m):
    mt = math.hypot(pt, m)
    return np.array([mt * math.cosh(y), pt * math.cos(phi), pt * math.sin(phi), mt * math.sinh(y)])


def event(*final):
    """One event [1, n, 4]: fixed beams (momentum balance is irrelevant to cuts)."""
    return jnp.asarray(np.concatenate([BEAMS, np.array(final)])[None])


def passes(cuts, final, pdgs):
    return bool(cut_mask(cuts, event(*final), (21, 21, *pdgs))[0])


def test_defaults_match_mg5_run_card():
    # MG5 madgraph/various/banner.py, RunCardLO.default_setup (the LO run_card defaults).
    c = Cuts()
    expected = {
        "ptj": 20.0,
        "ptb": 0.0,
        "pta": 10.0,
        "ptl": 10.0,
        "misset": 0.0,
        "ptheavy": 0.0,
        "ptjmax": -1.0,
        "ptbmax": -1.0,
        "ptamax": -1.0,
        "ptlmax": -1.0,
        "missetmax": -1.0,
        "etaj": 5.0,
        "etab": -1.0,
        "etaa": 2.5,
        "etal": 2.5,
        "etajmin": 0.0,
        "etabmin": 0.0,
        "etaamin": 0.0,
        "etalmin": 0.0,
        "drjj": 0.4,
        "drbb": 0.0,
        "drll": 0.4,
        "draa": 0.4,
        "drbj": 0.0,
        "draj": 0.4,
        "drjl": 0.4,
        "drab": 0.0,
        "drbl": 0.0,
        "dral": 0.4,
        "mmjj": 0.0,
        "mmbb": 0.0,
        "mmaa": 0.0,
        "mmll": 0.0,
        "mmjjmax": -1.0,
        "mmllmax": -1.0,
        "xptj": 0.0,
        "ihtmin": 0.0,
        "ihtmax": -1.0,
        "maxjetflavor": 4,
    }
    for name, value in expected.items():
        assert getattr(c, name) == value, name
    # The run card's defaults are the same numbers.
    assert Cuts.from_run_card(RunCard()) == c


def test_particle_classes_follow_setcuts():
    # setcuts.f: jets are g and |pdg| <= maxjetflavor; b for maxjetflavor < |pdg| <= 5.
    assert particle_class(21) == "j"
    assert particle_class(-4) == "j"
    assert particle_class(5) == "b"
    assert particle_class(5, maxjetflavor=5) == "j"
    assert particle_class(4, maxjetflavor=3) == "b"
    assert [particle_class(x) for x in (11, -13, 15)] == ["l"] * 3
    assert particle_class(22) == "a"
    assert [particle_class(x) for x in (12, 6, -6, 23, 24, 25)] == [None] * 6


def test_jet_pt_and_rapidity():
    assert passes(Cuts(), [massless(25, 0.0, 0), massless(25, 0.0, 3)], (21, 21))
    assert not passes(Cuts(), [massless(15, 0.0, 0), massless(25, 0.0, 3)], (21, 21))
    assert not passes(Cuts(), [massless(25, 5.2, 0), massless(25, 0.0, 3)], (1, -1))
    assert passes(Cuts(ptjmax=30), [massless(25, 0.0, 0), massless(25, 0.0, 3)], (2, -2))
    assert not passes(Cuts(ptjmax=30), [massless(35, 0.0, 0), massless(25, 0.0, 3)], (2, -2))
    assert not passes(Cuts(etajmin=1), [massless(25, 0.5, 0), massless(25, 2, 3)], (2, -2))


def test_b_is_not_a_jet_by_default():
    soft_b = [massless(5, 0.0, 0), massless(5, 0.0, 0.1)]
    assert passes(Cuts(), soft_b, (5, -5))  # ptb = 0, drbb = 0, etab = -1
    assert not passes(Cuts(maxjetflavor=5), soft_b, (5, -5))  # now jets: ptj and drjj
    assert not passes(Cuts(ptb=10), soft_b, (5, -5))
    # drbj = 0 by default: a b next to a jet passes; drjj would not.
    near = [massless(30, 0.0, 0), massless(30, 0.1, 0.1)]
    assert passes(Cuts(), near, (5, 21))
    assert not passes(Cuts(), near, (1, 21))


def test_lepton_and_photon_cuts():
    assert not passes(Cuts(), [massless(8, 0, 0), massless(30, 0, 3)], (11, -11))  # ptl
    assert not passes(Cuts(), [massless(30, 2.6, 0), massless(30, 0, 3)], (13, -13))  # etal
    assert not passes(Cuts(), [massless(30, 0, 0), massless(30, 0.2, 0.2)], (11, -13))  # drll
    assert not passes(Cuts(), [massless(8, 0, 0), massless(30, 0, 3)], (22, 22))  # pta
    assert not passes(Cuts(), [massless(30, 0, 0), massless(30, 0.3, 0)], (22, 11))  # dral
    assert not passes(Cuts(), [massless(30, 0, 0), massless(30, 0.3, 0)], (22, 21))  # draj
    assert not passes(Cuts(), [massless(30, 0, 0), massless(30, 0.3, 0)], (13, 21))  # drjl
    assert passes(Cuts(), [massless(30, 0, 0), massless(30, 0.5, 0)], (13, 21))


def test_heavy_and_neutrinos_are_not_cut():
    # do_cuts = .false. for m > 20 GeV and neutrinos: a soft, forward top or neutrino passes.
    final = [massive(1, 6.0, 0, 173.0), massive(1, -6.0, 0, 173.0)]
    assert passes(Cuts(), final, (6, -6))
    assert passes(Cuts(), [massless(30, 0, 0), massless(1, 7, 0)], (11, -12))


def test_ptheavy_needs_one_heavy_particle_above():
    final = [massive(40, 0, 0, 173.0), massive(60, 0, 3, 173.0)]
    assert passes(Cuts(ptheavy=50), final, (6, -6))
    assert not passes(Cuts(ptheavy=70), final, (6, -6))


def test_missing_et():
    nu = [massless(30, 0, 0), massless(30, 0, 3.0), massless(30, 0, 1.5)]
    pdgs = (11, 12, -12)
    met = math.hypot(30 + 30 * math.cos(0.2), 30 * math.sin(0.2))  # ν's at φ=0 and 0.2
    final = [massless(30, 0, 3.0), massless(30, 0, 0), massless(30, 0, 0.2)]
    assert passes(Cuts(misset=met - 0.1), final, pdgs)
    assert not passes(Cuts(misset=met + 0.1), final, pdgs)
    assert not passes(Cuts(missetmax=met - 0.1), final, pdgs)
    assert passes(Cuts(misset=100), nu, (11, -11, 22))  # no neutrinos: cut not applied


def test_invariant_mass_cuts():
    a, b = massless(50, 0.5, 0), massless(50, -0.5, 2.0)
    m2 = float(np.sum((a + b)[:1] ** 2) - np.sum((a + b)[1:] ** 2))
    m = math.sqrt(m2)
    assert passes(Cuts(mmjj=m - 1), [a, b], (21, 1))
    assert not passes(Cuts(mmjj=m + 1), [a, b], (21, 1))
    assert not passes(Cuts(mmjjmax=m - 1), [a, b], (21, 1))
    # mmll: same flavour, opposite sign only.
    assert not passes(Cuts(mmll=m + 1), [a, b], (11, -11))
    assert passes(Cuts(mmll=m + 1), [a, b], (11, -13))
    assert passes(Cuts(mmll=m + 1), [a, b], (11, 11))
    # min > max: MG5 vetoes the window (max, min).
    assert not passes(Cuts(mmjj=m + 1, mmjjmax=m - 1), [a, b], (21, 1))
    assert passes(Cuts(mmjj=m - 2, mmjjmax=m - 1), [a, b], (21, 1)) is False
    assert passes(Cuts(mmjj=m + 2, mmjjmax=m + 1), [a, b], (21, 1))


def test_inclusive_cuts():
    final = [massless(30, 0, 0), massless(25, 0, 3), massless(15, 1, 1)]
    pdgs = (21, 21, 5)
    assert passes(Cuts(xptj=29), final, pdgs)
    assert not passes(Cuts(xptj=31), final, pdgs)
    assert not passes(Cuts(xptl=1), final, pdgs)  # no lepton at all
    assert passes(Cuts(ihtmin=69), final, pdgs)  # 30 + 25 + 15 (b included)
    assert not passes(Cuts(ihtmin=71), final, pdgs)
    assert passes(Cuts(htjmin=54), final, pdgs)  # jets only: 55
    assert not passes(Cuts(htjmin=56), final, pdgs)
    assert not passes(Cuts(htjmax=50), final, pdgs)


def test_initial_state_is_never_cut():
    # The beams have p_T = 0 and infinite rapidity; only final-state particles are cut.
    assert passes(Cuts(), [massless(25, 0, 0), massless(25, 0, 3)], (21, 21))


def test_user_cut_and_jit_and_batch():
    rng = np.random.default_rng(1)
    n = 64
    pt = rng.uniform(5, 60, size=(n, 2))
    y = rng.uniform(-3, 3, size=(n, 2))
    phi = rng.uniform(0, 6, size=(n, 2))
    final = np.stack(
        [np.stack([massless(pt[k, i], y[k, i], phi[k, i]) for i in range(2)]) for k in range(n)]
    )
    p = jnp.asarray(np.concatenate([np.broadcast_to(BEAMS, (n, 2, 4)), final], axis=1))
    pdgs = (21, 21, 21, 21)

    def central(p, pdgs):
        return jnp.abs(rapidity(p[:, 2])) < 1.0

    f = jax.jit(lambda p: cut_mask(Cuts(drjj=0), p, pdgs, central))
    got = np.asarray(f(p))
    want = (pt.min(axis=1) >= 20) & (np.abs(y[:, 0]) < 1.0)
    np.testing.assert_array_equal(got, want)


def test_overrides_validate():
    assert Cuts().with_overrides({"ptj": 30}).ptj == 30.0
    with pytest.raises(InvalidInput, match=r"did you mean .*ptj"):
        Cuts().with_overrides({"pjt": 30})
    with pytest.raises(InvalidInput, match="exceeds ptjmax"):
        Cuts().with_overrides({"ptj": 50, "ptjmax": 40})
    with pytest.raises(InvalidInput, match=r"drjj = -0\.1 is negative"):
        Cuts(drjj=-0.1)
    with pytest.raises(InvalidInput, match=r"etajmin = 3\.0 exceeds etaj"):
        Cuts(etajmin=3.0, etaj=2.0)
    with pytest.raises(InvalidInput, match="ptgmin"):
        Cuts(ptgmin=10)
    assert Cuts(etab=-1).etab == -1  # a negative maximum is "no cut"
    assert dataclasses.asdict(Cuts()) == Cuts().describe()
    none = Cuts.none()
    assert (none.ptj, none.etaj, none.drjj) == (0, -1, 0)


def test_user_cut_shape_is_checked():
    with pytest.raises(InvalidInput, match="user cut must return bool"):
        cut_mask(
            Cuts(),
            event(massless(30, 0, 0), massless(30, 0, 3)),
            (21, 21, 21, 21),
            lambda p, pdgs: jnp.ones(p.shape[0]),
        )
