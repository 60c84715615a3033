"""MG5 run_card.dat reading and writing."""

import logging

import pytest

from colliderax.core.errors import InvalidCard, InvalidInput
from colliderax.io.run_card import RunCard, parse_run_card, read_run_card, write_run_card

# An excerpt in the layout of MG5's Template/LO/Cards/run_card.dat (MG5 3.x), with the
# boolean spellings MG5 accepts and keys colliderax does not use.
CARD = """#*********************************************************************
#                       MadGraph5_aMC@NLO                            *
#*********************************************************************
  tag_1     = run_tag ! name of the run
  5000 = nevents ! Number of unweighted events requested
  42   = iseed   ! rnd seed (0=assigned automatically=default))
     1        = lpp1    ! beam 1 type
     1        = lpp2    ! beam 2 type
     6800.0     = ebeam1  ! beam 1 total energy in GeV
     6800.0     = ebeam2  ! beam 2 total energy in GeV
     lhapdf    = pdlabel     ! PDF set
     303400    = lhaid     ! if pdlabel=lhapdf, this is the lhapdf number
 .true. = fixed_ren_scale  ! if .true. use fixed ren scale
 F        = fixed_fac_scale  ! if .true. use fixed fac scale
 173.0  = scale            ! fixed ren scale
 91.188  = dsqrt_q2fact1    ! fixed fact scale for pdf1
 91.188  = dsqrt_q2fact2    ! fixed fact scale for pdf2
 3 = dynamical_scale_choice ! Choose one of the preselected dynamical choices
 2.0  = scalefact        ! scale factor for event-by-event scales
  False     = gridpack  !True = setting up the grid pack
 30.0  = ptj       ! minimum pt for the jets
 5  = maxjetflavor
 0.5 1 2 = sys_scalefact ! a list
 True = use_syst
"""


def test_known_keys_are_typed_and_unknown_kept(caplog):
    with caplog.at_level(logging.DEBUG, logger="colliderax.io.run_card"):
        card = parse_run_card(CARD)
    assert card.nevents == 5000
    assert card.iseed == 42
    assert card.ebeam1 == 6800.0
    assert card.pdlabel == "lhapdf"
    assert card.lhaid == 303400
    assert card.fixed_ren_scale is True
    assert card.fixed_fac_scale is False
    assert card.scale == 173.0
    assert card.dynamical_scale_choice == 3
    assert card.scalefact == 2.0
    assert card.ptj == 30.0
    assert card.maxjetflavor == 5
    assert card.use_syst is True
    assert card.extra == {"gridpack": "False", "sys_scalefact": "0.5 1 2"}
    assert "gridpack" in caplog.text


def test_defaults_are_mg5_lo_defaults():
    # MG5 banner.py RunCardLO.default_setup (MG5 2.x/3.x LO): these keys and values.
    card = RunCard()
    assert (card.lpp1, card.lpp2, card.ebeam1, card.ebeam2) == (1, 1, 6500.0, 6500.0)
    assert (card.scale, card.dsqrt_q2fact1, card.dsqrt_q2fact2) == (91.188, 91.188, 91.188)
    assert card.dynamical_scale_choice == -1
    assert card.scalefact == 1.0
    assert (card.ptj, card.ptb, card.pta, card.ptl, card.etaj, card.etab) == (
        20.0,
        0.0,
        10.0,
        10.0,
        5.0,
        -1.0,
    )
    assert card.maxjetflavor == 4
    assert card.bwcutoff == 15.0


def test_malformed_line_names_line_number():
    with pytest.raises(InvalidCard, match=r"<run_card>:3: expected 'value = name'"):
        parse_run_card("# c\n 10 = nevents\n this line has no equals\n")


def test_wrong_type_names_line_and_key():
    with pytest.raises(InvalidCard, match=r":1: nevents needs a int value"):
        parse_run_card(" ten = nevents\n")
    with pytest.raises(InvalidCard, match=r":1: fixed_ren_scale needs a bool"):
        parse_run_card(" maybe = fixed_ren_scale\n")


def test_round_trip(tmp_path):
    card = parse_run_card(CARD)
    path = tmp_path / "run_card.dat"
    write_run_card(card, path)
    again = read_run_card(path)
    assert again == card
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_with_values_checks_names():
    card = RunCard().with_values(ptj=30, fixed_ren_scale=True)
    assert card.ptj == 30.0
    assert card.fixed_ren_scale is True
    with pytest.raises(InvalidInput, match="did you mean ptj"):
        RunCard().with_values(ptjj=30)


def test_missing_file(tmp_path):
    with pytest.raises(InvalidCard, match="cannot read run card"):
        read_run_card(tmp_path / "nope.dat")
