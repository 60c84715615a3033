"""Scale choices: fixed, MG5 dynamical 1-4 (closed forms) and MG5's -1 clustering scale."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.events.scales import (
    ScaleChoice,
    clustering_for,
    clustering_options,
    event_scales,
    event_scales_per_beam,
    mg5_scale_veto,
)
from colliderax.io.run_card import RunCard

MT = 173.0


def on_shell(pt, y, phi, m=0.0):
    mt = math.hypot(pt, m)
    return np.array([mt * math.cosh(y), pt * math.cos(phi), pt * math.sin(phi), mt * math.sinh(y)])


def with_beams(*final):
    """Prepend the two incoming partons that balance ``final`` (total p_T must be 0)."""
    tot = np.sum(final, axis=0)
    assert abs(tot[1]) < 1e-9
    assert abs(tot[2]) < 1e-9
    plus, minus = (tot[0] + tot[3]) / 2, (tot[0] - tot[3]) / 2
    return np.stack([[plus, 0, 0, plus], [minus, 0, 0, -minus], *final])


def mass2(p):
    return p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)


def top_pairs(n=16, seed=3):
    rng = np.random.default_rng(seed)
    events = []
    for _ in range(n):
        pt, phi = rng.uniform(10, 400), rng.uniform(0, 2 * np.pi)
        events.append(
            with_beams(
                on_shell(pt, rng.uniform(-2, 2), phi, MT),
                on_shell(pt, rng.uniform(-2, 2), phi + np.pi, MT),
            )
        )
    return np.stack(events)


# --- fixed and MG5 choices 1-4 --------------------------------------------------------


def test_fixed_and_factors():
    p = jnp.asarray(top_pairs(4))
    mu_r, mu_f = event_scales(ScaleChoice.parse("fixed:173"), p, (21, 21, 6, -6))
    np.testing.assert_allclose(mu_r, 173.0)
    np.testing.assert_allclose(mu_f, 173.0)
    choice = ScaleChoice.parse("fixed:100,50", mur_factor=2.0, muf_factor=0.5)
    mu_r, f1, f2 = event_scales_per_beam(choice, p, (21, 21, 6, -6))
    np.testing.assert_allclose(mu_r, 200.0)
    np.testing.assert_allclose(f1, 25.0)
    np.testing.assert_allclose(f2, 25.0)


def test_mg5_choices_1_to_4_closed_forms():
    p = top_pairs(8)
    final = p[:, 2:]
    pt = np.hypot(final[..., 1], final[..., 2])
    et = final[..., 0] * pt / np.linalg.norm(final[..., 1:], axis=-1)
    mt = np.sqrt(MT**2 + pt**2)
    shat = np.sqrt(mass2(p[:, 0] + p[:, 1]))
    expected = {"mg5:1": et.sum(1), "ht": mt.sum(1), "ht/2": mt.sum(1) / 2, "sqrt-shat": shat}
    for text, want in expected.items():
        mu_r, mu_f = event_scales(ScaleChoice.parse(text), jnp.asarray(p), (21, 21, 6, -6))
        np.testing.assert_allclose(mu_r, want, rtol=1e-12, err_msg=text)
        np.testing.assert_allclose(mu_f, want, rtol=1e-12, err_msg=text)
    choice = ScaleChoice.parse("ht/2").with_factors(0.5, 2.0)
    mu_r, mu_f = event_scales(choice, jnp.asarray(p), (21, 21, 6, -6))
    np.testing.assert_allclose(mu_r, mt.sum(1) / 4, rtol=1e-12)
    np.testing.assert_allclose(mu_f, mt.sum(1), rtol=1e-12)


def test_fixed_ren_dynamic_fac():
    p = jnp.asarray(top_pairs(4))
    choice = ScaleChoice(kind="mg5:4", fixed_ren=True, mu_r=91.188)
    mu_r, mu_f = event_scales(choice, p, (21, 21, 6, -6))
    np.testing.assert_allclose(mu_r, 91.188)
    np.testing.assert_allclose(mu_f, np.sqrt(mass2(np.asarray(p[:, 0] + p[:, 1]))), rtol=1e-12)


def test_parse_and_describe():
    assert ScaleChoice.parse("mg5:-1").kind == "mg5:-1"
    assert ScaleChoice.parse("default").kind == "mg5:-1"
    assert ScaleChoice.parse("HT/2").kind == "mg5:3"
    assert ScaleChoice.parse("sqrt-shat").kind == "mg5:4"
    fixed = ScaleChoice.parse("fixed:173")
    assert (fixed.kind, fixed.mu_r, fixed.mu_f1, fixed.mu_f2) == ("fixed", 173.0, 173.0, 173.0)
    assert fixed.describe()["mu_f"] == [173.0, 173.0]
    assert ScaleChoice().describe()["mg5_dynamical_scale_choice"] == -1
    with pytest.raises(InvalidInput, match="unknown scale choice 'mt'"):
        ScaleChoice.parse("mt")
    with pytest.raises(InvalidInput, match="fixed:MU"):
        ScaleChoice.parse("fixed:abc")
    with pytest.raises(InvalidInput, match="positive"):
        ScaleChoice(mur_factor=0.0)


def test_from_run_card_follows_mg5():
    assert ScaleChoice.from_run_card(RunCard()) == ScaleChoice()
    card = RunCard(dynamical_scale_choice=3, scalefact=2.0, use_syst=False)
    assert ScaleChoice.from_run_card(card) == ScaleChoice(
        kind="mg5:3", mur_factor=2.0, muf_factor=2.0
    )
    # use_syst = True makes MG5 reset scalefact to 1 (banner.py check_validity).
    assert ScaleChoice.from_run_card(RunCard(scalefact=2.0)).mur_factor == 1.0
    # scalefact never touches a fixed scale.
    card = RunCard(fixed_ren_scale=True, scale=173.0, scalefact=2.0, use_syst=False)
    choice = ScaleChoice.from_run_card(card)
    assert (choice.kind, choice.fixed_ren, choice.mur_factor, choice.muf_factor) == (
        "mg5:-1",
        True,
        1.0,
        2.0,
    )
    both = ScaleChoice.from_run_card(RunCard(fixed_ren_scale=True, fixed_fac_scale=True))
    assert both.kind == "fixed"
    with pytest.raises(InvalidInput, match="dynamical_scale_choice = 7"):
        ScaleChoice.from_run_card(RunCard(dynamical_scale_choice=7))


# --- MG5 -1 ---------------------------------------------------------------------------


def test_cluster_gg_ttbar_is_top_transverse_mass():
    # Pure 2 -> 2: one beam merge then the last vertex, both measured by m_T² of a top
    # (equal for the two tops), so μR = μF = m_T = sqrt(m_t² + p_T²).
    p = top_pairs(16)
    pt = np.hypot(p[:, 2, 1], p[:, 2, 2])
    want = np.sqrt(MT**2 + pt**2)
    cl = clustering_for((21, 21, 6, -6))
    f = jax.jit(lambda p: event_scales(ScaleChoice(), p, (21, 21, 6, -6), cl))
    mu_r, mu_f = f(jnp.asarray(p))
    np.testing.assert_allclose(mu_r, want, rtol=1e-12)
    np.testing.assert_allclose(mu_f, want, rtol=1e-12)
    # vectorised: events do not talk to each other (reversing the batch reverses the result)
    np.testing.assert_allclose(f(jnp.asarray(p[::-1]))[0], np.asarray(mu_r)[::-1], rtol=1e-14)


def test_cluster_uubar_ttbar_uses_mt2last():
    # Only the s-channel gluon: a final-state QCD merge, so the core takes mt2last =
    # sqrt(mT_t² mT_tbar²), i.e. μ = m_T again.
    p = top_pairs(6, seed=5)
    pt = np.hypot(p[:, 2, 1], p[:, 2, 2])
    cl = clustering_for("u u~ > t t~")
    mu_r, mu_f = event_scales(ScaleChoice(), jnp.asarray(p), (2, -2, 6, -6), cl)
    np.testing.assert_allclose(mu_r, np.sqrt(MT**2 + pt**2), rtol=1e-12)
    np.testing.assert_allclose(mu_f, np.sqrt(MT**2 + pt**2), rtol=1e-12)


@pytest.mark.parametrize("lepton_collider", [True, False])
def test_cluster_ee_to_mumu_is_sqrt_shat(lepton_collider):
    rng = np.random.default_rng(7)
    events = []
    for _ in range(8):
        e = rng.uniform(40, 300)
        th, phi = rng.uniform(0.2, 3.0), rng.uniform(0, 6)
        d = np.array([math.sin(th) * math.cos(phi), math.sin(th) * math.sin(phi), math.cos(th)])
        events.append(np.stack([[e, 0, 0, e], [e, 0, 0, -e], [e, *(e * d)], [e, *(-e * d)]]))
    p = np.stack(events)
    cl = clustering_for("e+ e- > mu+ mu-", lepton_collider=lepton_collider)
    mu_r, f1, f2 = event_scales_per_beam(ScaleChoice(), jnp.asarray(p), (-11, 11, -13, 13), cl)
    want = 2 * p[:, 0, 0]
    np.testing.assert_allclose(mu_r, want, rtol=1e-12)
    np.testing.assert_allclose(f1, want, rtol=1e-12)
    np.testing.assert_allclose(f2, want, rtol=1e-12)


def test_cluster_drell_yan_is_sqrt_shat():
    ee = with_beams(on_shell(30.0, 0.4, 1.0), on_shell(30.0, -1.1, 1.0 + np.pi))
    p = jnp.asarray(ee[None])
    cl = clustering_for("u u~ > e+ e-")
    mu_r, mu_f = event_scales(ScaleChoice(), p, (2, -2, -11, 11), cl)
    want = math.sqrt(mass2(ee[2] + ee[3]))
    np.testing.assert_allclose(mu_r, want, rtol=1e-12)
    np.testing.assert_allclose(mu_f, want, rtol=1e-12)


def _boost_to_rest(p, total):
    """Boost ``p`` into the rest frame of ``total`` (an independent textbook formula)."""
    beta = total[1:] / total[0]
    b2 = beta @ beta
    gamma = 1 / math.sqrt(1 - b2)
    bp = beta @ p[1:]
    e = gamma * (p[0] - bp)
    vec = p[1:] + ((gamma - 1) * bp / b2 - gamma * p[0]) * beta
    return np.concatenate([[e], vec])


@pytest.fixture(scope="module")
def ttg():
    """One Clustering for g g > t t~ g, so its compiled scale function is shared."""
    return clustering_for("g g > t t~ g")


def test_cluster_gg_ttbar_g_soft_gluon(ttg):
    # A soft gluon along beam 1 is merged with beam 1 first (smallest k_T); the 2 -> 2 core
    # is then g* g -> t tbar, measured in the tt~ rest frame with the spacelike line p1 - p_g
    # along +z: μ = m_T of the top relative to that axis.
    t = on_shell(150.0, 0.5, 0.3, MT)
    g = on_shell(2.0, 3.0, 2.0)
    tb_pt = -(t[1:3] + g[1:3])
    tb = on_shell(float(np.hypot(*tb_pt)), -0.7, float(np.arctan2(tb_pt[1], tb_pt[0])), MT)
    ev = with_beams(t, tb, g)
    total = t + tb
    axis = _boost_to_rest(ev[0] - g, total)[1:]
    axis /= np.linalg.norm(axis)
    top = _boost_to_rest(t, total)[1:]
    pt_star2 = top @ top - (top @ axis) ** 2
    want = math.sqrt(MT**2 + pt_star2)
    batch = jnp.asarray(np.broadcast_to(ev, (6, 5, 4)))  # the batch size of the next test
    mu_r, mu_f = event_scales(ScaleChoice(), batch, (21, 21, 6, -6, 21), ttg)
    np.testing.assert_allclose(mu_r, want, rtol=1e-9)
    np.testing.assert_allclose(mu_f, want, rtol=1e-9)
    # close to, but not exactly, the lab-frame top m_T
    assert abs(float(mu_r[0]) - math.hypot(150.0, MT)) / want < 0.05


def test_cluster_hard_gluon_batch_is_per_event(ttg):
    rng = np.random.default_rng(11)
    events = []
    for _ in range(6):
        t = on_shell(rng.uniform(20, 200), rng.uniform(-1, 1), rng.uniform(0, 6), MT)
        g = on_shell(rng.uniform(20, 300), rng.uniform(-2, 2), rng.uniform(0, 6))
        tb_pt = -(t[1:3] + g[1:3])
        tb = on_shell(
            float(np.hypot(*tb_pt)), rng.uniform(-1, 1), float(np.arctan2(tb_pt[1], tb_pt[0])), MT
        )
        events.append(with_beams(t, tb, g))
    p = jnp.asarray(np.stack(events))
    pdgs = (21, 21, 6, -6, 21)

    def f(p):
        return event_scales(ScaleChoice(), p, pdgs, ttg)

    mu_r, mu_f = f(p)
    assert np.all(np.isfinite(mu_r))
    assert np.all(mu_r > 0)
    assert np.all(np.isfinite(mu_f))
    assert np.all(mu_f > 0)
    np.testing.assert_allclose(f(p[::-1])[0], np.asarray(mu_r)[::-1], rtol=1e-13)


def test_cluster_factors_and_2_to_1():
    p = jnp.asarray(top_pairs(16))
    cl = clustering_for((21, 21, 6, -6))
    base = event_scales(ScaleChoice(), p, (21, 21, 6, -6), cl)  # one compile for both calls
    scaled = event_scales(ScaleChoice(mur_factor=2, muf_factor=0.5), p, (21, 21, 6, -6), cl)
    np.testing.assert_allclose(scaled[0], 2 * base[0])
    np.testing.assert_allclose(scaled[1], 0.5 * base[1])
    h = np.array([[62.5, 0, 0, 62.5], [62.5, 0, 0, -62.5], [125.0, 0, 0, 0]])
    mu_r, mu_f = event_scales(
        ScaleChoice(), jnp.asarray(h[None]), (21, 21, 25), clustering_for("g g > h")
    )
    np.testing.assert_allclose(mu_r, 125.0)
    np.testing.assert_allclose(mu_f, 125.0)


def test_cluster_errors_and_veto():
    p = jnp.asarray(top_pairs(1))
    with pytest.raises(InvalidInput, match="needs a Clustering"):
        event_scales(ScaleChoice(), p, (21, 21, 6, -6))
    with pytest.raises(InvalidInput, match="is for"):
        event_scales(ScaleChoice(), p, (21, 21, 6, -6), clustering_for("u u~ > t t~"))
    with pytest.raises(InvalidInput, match="2 -> n"):
        clustering_for("t > b w+")
    veto = mg5_scale_veto(jnp.array([1.0, 5.0]), jnp.array([5.0, 5.0]))
    np.testing.assert_array_equal(veto, [True, False])
    np.testing.assert_array_equal(
        mg5_scale_veto(jnp.array([1.0]), jnp.array([1.0]), lpp=(0, 0)), [False]
    )


def test_cluster_tie_break_reaches_the_scale():
    # u u~ > u u~ at sqrt(s) = 500, 90 degrees, leg 3 with p_z = -0.0: the only admissible
    # beam merge (3,1) is "crossed" and inflated by (1 + 1e-6); the jfirst floor carries it
    # into the core, so mu = 250 sqrt(1 + 1e-6) = 250.000125 (the value MG5 prints as
    # SCALUP 2.5000012E+02 for such events, as reported in nsmith-/vibegraph's notes on
    # MG5 3.7.1's cluster.f).
    p = np.array(
        [
            [250.0, 0, 0, 250.0],
            [250.0, 0, 0, -250.0],
            [250.0, 250.0, 0, -0.0],
            [250.0, -250.0, 0, 0.0],
        ]
    )
    cl = clustering_for("u u~ > u u~")
    mu_r, mu_f = event_scales(ScaleChoice(), jnp.asarray(p[None]), (2, -2, 2, -2), cl)
    np.testing.assert_allclose(mu_r, 250.0 * math.sqrt(1 + 1e-6), rtol=1e-14)
    np.testing.assert_allclose(mu_f, 250.0 * math.sqrt(1 + 1e-6), rtol=1e-14)


def test_clustering_options_from_run_card():
    opts = clustering_options(RunCard(lpp1=0, lpp2=0, maxjetflavor=5, bwcutoff=10.0))
    assert opts == {"maxjetflavor": 5, "lepton_collider": True, "bwcutoff": 10.0}
    assert clustering_options(RunCard())["lepton_collider"] is False


def test_clustering_uses_the_process_diagrams():
    """The merge table comes from the subprocess's own diagrams (its orders, exclusions and
    required lines), as MG5's configurations do: u u~ > e+ e- g has 4 diagrams (γ or Z, gluon
    off either quark), '> z >' keeps the 2 with the Z, '$$ z' the 2 with the photon."""
    from colliderax.generation.amplitudes import compile_matrix_element

    counts = {}
    for text in ("u u~ > e+ e- g", "u u~ > z > e+ e- g", "u u~ > e+ e- g $$ z"):
        sub = compile_matrix_element(text).subprocesses[0]
        counts[text] = clustering_for(sub.pdg_ids, diagram_options=sub.diagram_options)
    assert [c.n_diagrams for c in counts.values()] == [4, 2, 2]
    full, z_only, photon = counts.values()
    ee = 0b01100  # the lepton pair: a Z resonance only where the diagrams have the Z
    assert full.res_width[ee] > 0
    assert z_only.res_width[ee] > 0
    assert photon.res_width[ee] == 0
