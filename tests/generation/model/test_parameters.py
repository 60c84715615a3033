"""The sm model parameters and param_card round trips."""

import math

import pytest

from colliderax.core.errors import InvalidCard, InvalidInput
from colliderax.generation.model import ModelParameters
from colliderax.generation.model.vertices import active_vertices


def test_derived_ew_quantities():
    p = ModelParameters()
    # Tree-level relations of the Gμ scheme, checked against each other.
    assert p.MW**2 * p.sw2 * math.sqrt(2) * p.Gf == pytest.approx(math.pi / p.aEWM1, rel=1e-14)
    assert p.vev == pytest.approx(1 / math.sqrt(math.sqrt(2) * p.Gf), rel=1e-14)
    assert p.gw * p.sw == pytest.approx(p.ee, rel=1e-15)


def test_param_card_round_trip(tmp_path):
    p = ModelParameters(MT=172.5, WT=1.32, aS=0.1)
    card = tmp_path / "param_card.dat"
    card.write_text(p.to_param_card())
    assert ModelParameters.from_param_card(card) == p


def test_shared_card_reads(shared_dir):
    p = ModelParameters.from_param_card(shared_dir / "reference/mg5/sm_gg_ttx.param_card.dat")
    assert (p.MT, p.WT, p.MZ, p.aEWM1) == (173.0, 1.4915, 91.188, 132.507)


def test_bad_cards(tmp_path):
    card = tmp_path / "bad.dat"
    card.write_text("BLOCK MASS\n  6 abc # MT\n")
    with pytest.raises(InvalidCard, match=r"bad\.dat:2"):
        ModelParameters.from_param_card(card)
    with pytest.raises(InvalidCard, match="cannot read"):
        ModelParameters.from_param_card(tmp_path / "missing.dat")
    with pytest.raises(InvalidCard, match="non-negative"):
        ModelParameters(MT=-1.0)
    with pytest.raises(InvalidInput, match="unknown model"):
        ModelParameters(restriction="mssm")


def test_no_b_mass_restriction_drops_the_b_yukawa():
    names = {v.name for v in active_vertices(ModelParameters(restriction="sm-no_b_mass"))}
    assert "bbh" not in names
    assert "tth" in names
    assert ModelParameters(restriction="sm-no_b_mass").MB == 0.0
