"""Reading lhagrid1 members and .info metadata; the PDF pytree."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf import (
    PDF,
    SCHEMES,
    load_pdf,
    parse_info,
    parse_lhagrid1,
    read_info,
    read_member,
    xfx,
)

from .helpers import table_pids, toy_xf, write_lhagrid1, xfx_table

# Knot values from ../shared/data/pdfsets/README.md: (set, x, Q [GeV], {pid: x f}).
README_KNOTS = [
    (
        "NNPDF23_lo_as_0130_qed",
        9.5454850e-04,
        9.1029820e01,
        {21: 3.5282039e01, 2: 1.5536542e00, -2: 1.4831865e00, 1: 1.5273255e00, -1: 1.4896124e00},
    ),
    (
        "NNPDF23_lo_as_0130_qed",
        1.0000000e-01,
        9.1029820e01,
        {21: 8.8372574e-01, 2: 5.8934024e-01, -2: 7.1927697e-02,
         1: 3.5886886e-01, -1: 9.7609205e-02},
    ),
    (
        "NNPDF23_lo_as_0130_qed",
        5.0408160e-01,
        9.1029820e01,
        {21: 1.1920752e-02, 2: 1.0713546e-01, -2: 9.2736122e-04,
         1: 3.0873521e-02, -1: 9.6956161e-04},
    ),
    (
        "NNPDF40_nnlo_as_01180",
        9.7734088e-02,
        1.0903923e02,
        {21: 8.7679048e-01, 2: 5.9896393e-01, -2: 9.1582976e-02,
         1: 3.5660958e-01, -1: 1.2545174e-01},
    ),
]
# The README prints 8 significant digits: half a unit in the last digit is 5e-8 relative.
PRINTED_RTOL = 5e-8


@pytest.mark.parametrize(("name", "x", "q", "values"), README_KNOTS)
def test_knot_values_match_readme(pdfsets_dir, name, x, q, values):
    pdf = load_pdf(name, search_path=pdfsets_dir)
    ix = int(np.argmin(np.abs(np.asarray(pdf.x) / x - 1)))
    iq = int(np.argmin(np.abs(np.asarray(pdf.q) / q - 1)))
    assert abs(float(pdf.x[ix]) / x - 1) < PRINTED_RTOL
    assert abs(float(pdf.q[iq]) / q - 1) < PRINTED_RTOL
    pids = list(values)
    expected = np.array([values[p] for p in pids])
    raw = np.array([float(pdf.xf[pdf.flavours.index(p), ix, iq]) for p in pids])
    np.testing.assert_allclose(raw, expected, rtol=PRINTED_RTOL, atol=0)
    # Both schemes return the knot value itself at a knot (Hermite/Lagrange weights are 0/1).
    rows = [table_pids(pdf).tolist().index(p) for p in pids]
    for scheme in SCHEMES:
        got = xfx_table(pdf, [float(pdf.x[ix])], [float(pdf.q[iq])], scheme)[rows, 0]
        np.testing.assert_allclose(got, raw, rtol=1e-15, atol=0)  # rounding only


def test_grid_shapes(nnpdf23, nnpdf40):
    assert nnpdf23.flavours == (-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 21, 22)
    assert nnpdf23.xf.shape == (15, 100, 50)
    assert nnpdf23.subgrid_start == (0,)
    assert nnpdf23.x_range == (1e-9, 1.0)
    assert nnpdf23.q_range == (1.0, 1e4)
    assert nnpdf40.flavours == (-5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5)
    assert nnpdf40.xf.shape == (12, 196, 50)
    start = nnpdf40.subgrid_start[1]
    assert nnpdf40.subgrid_start == (0, 12)
    assert float(nnpdf40.q[start - 1]) == float(nnpdf40.q[start]) == 4.92
    assert not np.any(np.asarray(nnpdf40.xf[-1]))  # the zero row for absent flavours
    np.testing.assert_array_equal(np.asarray(nnpdf40.q2), np.asarray(nnpdf40.q) ** 2)


def test_info_files(pdfsets_dir, nnpdf23, nnpdf40):
    info40 = read_info(pdfsets_dir / "NNPDF40_nnlo_as_01180" / "NNPDF40_nnlo_as_01180.info")
    assert info40["AlphaS_Type"] == "ipol"
    assert len(info40["AlphaS_Qs"]) == len(info40["AlphaS_Vals"]) == 50
    assert info40["AlphaS_Qs"][11] == info40["AlphaS_Qs"][12] == 4.92
    assert info40["Flavors"] == [-5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5]
    assert info40["SetDesc"].startswith("NNPDF4.0 NNLO global fit")
    assert info40["NumMembers"] == 101
    assert nnpdf40.info["PdfType"] == "central"  # the member header is merged in
    assert nnpdf23.info["AlphaS_Type"] == "ode"
    assert nnpdf23.info["MZ"] == 91.188


def test_info_parser_subset():
    text = (
        "# comment line\n"
        "SetDesc: \"a # inside quotes\"   # trailing comment\n"
        "Plain: two words\n"
        "  continued here\n"
        "Ints: [1, -2,\n"
        "   3]\n"
        "Block:\n"
        "  - 1.5\n"
        "  - x\n"
        "Flag: true\n"
        "Empty:\n"
        "Sci: 1.0e-09\n"
    )
    info = parse_info(text)
    assert info == {
        "SetDesc": "a # inside quotes",
        "Plain": "two words continued here",
        "Ints": [1, -2, 3],
        "Block": [1.5, "x"],
        "Flag": True,
        "Empty": None,
        "Sci": 1e-9,
    }
    with pytest.raises(InvalidInput, match=r"<string>:2: cannot parse"):
        parse_info("A: 1\nthis is not yaml\n")
    with pytest.raises(InvalidInput, match="unterminated list"):
        parse_info("A: [1, 2\n")


def test_synthetic_member_round_trip(synthetic_set):
    pdf = load_pdf("TOY", search_path=synthetic_set)
    assert pdf.flavours == (-3, -2, -1, 21, 1, 2, 3)  # 0 in the file is the gluon
    assert pdf.subgrid_start == (0, 6)
    assert pdf.info["SetDesc"] == "toy # not a comment"
    assert pdf.info["Format"] == "lhagrid1"
    x = np.asarray(pdf.x)
    q = np.asarray(pdf.q)
    for row, pid in enumerate(pdf.flavours):
        pid_file = 0 if pid == 21 else pid
        want = np.array([[toy_xf(pid_file, a, b) for b in q] for a in x])
        # Written with 17 significant digits and evaluated as the writer did: exact round trip.
        np.testing.assert_array_equal(np.asarray(pdf.xf[row]), want)


def test_malformed_members_raise(tmp_path):
    xs, qs = np.geomspace(1e-3, 1, 5), np.array([2.0, 3.0])
    good = write_lhagrid1(tmp_path / "A_0000.dat", [(xs, qs, [21, 2], toy_xf)])
    text = good.read_text()
    lines = text.split("\n")
    short = "\n".join(lines[:-4] + lines[-2:])  # drop one value line
    with pytest.raises(InvalidInput, match=r"expected nx\*nQ\*nflav = 5\*2\*2 = 20"):
        parse_lhagrid1(short, source="short")
    with pytest.raises(InvalidInput, match="only lhagrid1"):
        parse_lhagrid1(text.replace("Format: lhagrid1", "Format: lhagrid2"))
    with pytest.raises(InvalidInput, match="not an LHAPDF6 lhagrid1 file"):
        parse_lhagrid1("just text\n")
    other_x = write_lhagrid1(
        tmp_path / "B_0000.dat",
        [(xs, qs, [21, 2], toy_xf), (xs * 0.9, qs + 2, [21, 2], toy_xf)],
    )
    with pytest.raises(InvalidInput, match="different x knots"):
        read_member(other_x)
    overlap = write_lhagrid1(
        tmp_path / "C_0000.dat",
        [(xs, qs, [21, 2], toy_xf), (xs, qs, [21, 2], toy_xf)],
    )
    with pytest.raises(InvalidInput, match="below the previous end"):
        read_member(overlap)


def test_pdf_is_a_pytree(synthetic_set):
    pdf = load_pdf("TOY", search_path=synthetic_set)
    leaves = jax.tree_util.tree_leaves(pdf)
    assert len(leaves) == 7
    assert all(leaf.dtype == jnp.float64 for leaf in leaves)
    doubled = dataclasses.replace(pdf, xf=2 * pdf.xf)
    assert isinstance(doubled, PDF)
    # Members stacked along a new leading axis (e.g. replicas) can be vmapped over.
    members = jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), pdf, doubled)
    x, q = jnp.asarray([1e-7, 0.01, 0.2]), jnp.asarray([3.0, 50.0, 5000.0])  # x below, in, Q above
    out = jax.jit(jax.vmap(lambda p: xfx(p, 2, x, q)))(members)
    np.testing.assert_allclose(np.asarray(out[1] / out[0]), 2.0, rtol=1e-15)  # rounding
    np.testing.assert_array_equal(np.asarray(out[0]), np.asarray(xfx(pdf, 2, x, q)))
    assert "TOY" in repr(pdf)
    assert "xf=" not in repr(pdf)
