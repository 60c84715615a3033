"""Process strings: parsing, multiparticle expansion, errors."""

import pytest

from colliderax.core.errors import InvalidProcess
from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.process import default_multiparticles, expand_process, parse_process


def test_parse_orders_and_exclusions():
    spec = parse_process("u u~ > e+ e- / h $ z $$ a QCD=0 QED<=2")
    assert spec.initial == (("u",), ("u~",))
    assert spec.final == (("e+",), ("e-",))
    assert spec.forbid_internal == {"h"}
    assert spec.forbid_onshell == {"z"}  # MG5 >= 1.4.3: '$' vetoes on-shell, '$$' removes
    assert spec.forbid_s_channel == {"a"}
    assert (spec.max_qcd, spec.max_qed) == (0, 2)


def test_multiparticles_follow_mg5_defaults():
    assert default_multiparticles()["p"] == ("g", "u", "c", "d", "s", "u~", "c~", "d~", "s~")
    assert "b" in default_multiparticles("sm-no_b_mass")["j"]
    flavours = expand_process(parse_process("p p > t t~"))
    assert (("g", "g"), ("t", "t~")) in flavours
    assert (("u", "c~"), ("t", "t~")) in flavours  # charge allows it; no diagram (CKM = 1)
    spec = parse_process("l+ l- > vl vl~")
    assert len(expand_process(spec)) == 2 * 2 * 3 * 3  # all are neutral pairs


def test_user_definitions():
    spec = parse_process("q qb > t t~", definitions={"q": "u d", "qb": ["u~", "d~"]})
    assert spec.initial == (("u", "d"), ("u~", "d~"))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("g g > t t~ x", "unknown particle 'x'"),
        ("g g t t~", "a process is"),
        ("g g >", "no final-state"),
        ("e+ e- > mu+ mu- , z > e+ e-", "has no undecayed z"),
        ("p p > t t~, p > b w+", "single sm particle"),
        ("p p > t t~, (t > b w+", r"unbalanced '\('"),
        ("p p > t t~, t > b w+)", r"unbalanced '\)'"),
        ("p p > t t~,, t > b w+", "empty decay"),
        ("p p > t t~ QCD=2, t > b w+", "coupling orders cannot be combined"),
        ("p p > t t~, t > b w+ / z", "go with the core process"),
        ("p p > t t~, t b w+", "written 'X > a b"),
        ("g g > h [QCD]", "loop processes"),
        ("a b c > d", r"give one \(decay\) or two"),
    ],
)
def test_parse_errors_are_one_line(text, fragment):
    with pytest.raises(InvalidProcess, match=fragment) as info:
        parse_process(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("u u~ > e+ e+", "conserves electric charge"),
        ("g g > e+ e-", "no tree-level diagram"),
        ("e+ e- > mu+ mu- QED<=1", "requested coupling orders"),
        ("e+ e- > u u~ g / a z", "no tree-level diagram"),
    ],
)
def test_processes_without_diagrams(text, fragment):
    with pytest.raises(InvalidProcess, match=fragment):
        compile_matrix_element(text)


def test_subprocess_grouping_and_orders():
    compiled = compile_matrix_element("p p > t t~")
    names = {s.name for s in compiled.subprocesses}
    # QCD-only at the lowest order: u u~, c c~, d d~, s s~ share one |M|² (and the mirrored
    # q~ q another); u c~ has no diagram and is dropped.
    assert names == {"g g > t t~", "u u~ > t t~", "u~ u > t t~"}
    grouped = next(s for s in compiled.subprocesses if s.name == "u u~ > t t~")
    assert set(grouped.same_me) >= {("u", "u~", "t", "t~"), ("d", "d~", "t", "t~")}
    # With QED allowed, u and d differ (photon and Z couplings).
    ew = compile_matrix_element("p p > t t~ QED<=2 QCD<=2")
    assert len(ew.subprocesses) > len(compiled.subprocesses)
