"""Finding sets: search order, layouts, the PYTHIA default, and the not-found error."""

import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf import (
    AlphaSSettings,
    PDFSetNotFound,
    available_sets,
    load_pdf,
    pythia_pdfdata_dir,
    search_dirs,
    xfx,
)

from .helpers import write_lhagrid1

XS = np.geomspace(1e-4, 1.0, 6)
QS = np.array([2.0, 10.0, 100.0])


def _constant_set(path, value):
    """A one-flavour (gluon) member whose x f is ``value`` everywhere."""
    return write_lhagrid1(path, [(XS, QS, [21], lambda pid, x, q: value)])


def _gluon(pdf):
    return float(xfx(pdf, 21, 0.01, 20.0))


def test_lhapdf_layout_via_search_path(pdfsets_dir, nnpdf40):
    found = load_pdf("NNPDF40_nnlo_as_01180", search_path=[str(pdfsets_dir)])
    assert found.name == "NNPDF40_nnlo_as_01180"
    assert found.member == 0
    assert found.alpha_s_settings.kind == "ipol"


def test_search_order(tmp_path, monkeypatch):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _constant_set(a / "SAME_0000.dat", 1.0)  # flat layout
    _constant_set(b / "SAME" / "SAME_0000.dat", 2.0)  # LHAPDF layout
    _constant_set(c / "SAME_0000.dat", 3.0)
    _constant_set(c / "SAME" / "SAME_0000.dat", 4.0)
    monkeypatch.setenv("LHAPDF_DATA_PATH", f"{b}:{a}")
    assert _gluon(load_pdf("SAME", search_path=a)) == 1.0  # explicit before the environment
    assert _gluon(load_pdf("SAME")) == 2.0  # LHAPDF_DATA_PATH entries in order
    assert _gluon(load_pdf("SAME", search_path=[c])) == 4.0  # <dir>/SET/ before flat <dir>/
    dirs = search_dirs(c)
    assert dirs[:3] == [c, b, a]
    builtin = pythia_pdfdata_dir()
    if builtin is not None:
        assert dirs[-1] == builtin  # the pythia8mc data directory comes last


def test_pythia_default_directory(monkeypatch, pdfsets_dir):
    builtin = pythia_pdfdata_dir()
    if builtin is None:
        pytest.skip("pythia8mc is not installed: no built-in PDF directory")
    monkeypatch.delenv("LHAPDF_DATA_PATH", raising=False)
    bare = load_pdf("NNPDF23_lo_as_0130_qed")
    assert bare.info == {"PdfType": "central", "Format": "lhagrid1"}  # no .info file there
    # Without .info, NNPDF2.3 LO gets MG5's nn23lo1 alpha_s (2 loops, 0.130, mc 1.42, mb 4.7).
    assert bare.alpha_s_settings == AlphaSSettings.mg5_nn23lo1()
    # The shared copy is byte-identical to PYTHIA's grid (README), so the values are equal.
    shared = load_pdf("NNPDF23_lo_as_0130_qed", search_path=pdfsets_dir)
    np.testing.assert_array_equal(np.asarray(bare.xf), np.asarray(shared.xf))


def test_unknown_set_raises_one_line_message(tmp_path, monkeypatch):
    monkeypatch.delenv("LHAPDF_DATA_PATH", raising=False)
    for i in range(12):
        _constant_set(tmp_path / f"SET{i:02d}_0000.dat", 1.0)
    with pytest.raises(PDFSetNotFound) as err:
        load_pdf("NO_SUCH_SET", search_path=tmp_path)
    msg = str(err.value)
    assert isinstance(err.value, InvalidInput)
    assert "\n" not in msg
    assert msg.startswith("PDF set 'NO_SUCH_SET' not found in: ")
    assert str(tmp_path) in msg
    listed = msg.split("sets found there: ")[1].split(";")[0]
    names = listed.split(" (+")[0].split(", ")
    every = available_sets(search_dirs(tmp_path))
    assert names == every[:10]  # at most ten names (sorted), then a count of the rest
    assert listed.endswith(f"(+{len(every) - 10} more)")
    assert {f"SET{i:02d}" for i in range(12)} <= set(every)
