"""The ``lhagrid1-pythia`` scheme against pythia8mc's own LHAGrid1 on the same grid files.

PYTHIA is driven as a library: ``PDF:pSet = 13`` (NNPDF2.3 QED LO, one subgrid) and ``20``
(NNPDF3.1 NNLO luxQED, two subgrids) make ``Pythia.getPDFPtr(2212)`` return its ``LHAGrid1``
reader of ``share/Pythia8/pdfdata/<set>_0000.dat``; ``PDF::xf(id, x, Q²)`` is compared with
:func:`xfx` at the same (x, Q). ``PDF:extrapolate`` stays at its default (off), i.e. frozen
edges, which is what the scheme implements. ``PDF::xf`` clips negative values to zero and has
no top column, so the comparison applies ``max(0, ·)`` to our values and leaves out ±6.
"""

import math

import numpy as np
import pytest

from colliderax.generation.pdf import load_pdf, pythia_pdfdata_dir

from .helpers import table_pids, xfx_table

pythia8mc = pytest.importorskip("pythia8mc")

CASES = [(13, "NNPDF23_lo_as_0130_qed"), (20, "NNPDF31_nnlo_as_0118_luxqed")]


def _pythia_pdf(pset: int):
    data = pythia_pdfdata_dir()
    if data is None:
        pytest.skip("pythia8mc's share/Pythia8 directory was not found")
    pythia = pythia8mc.Pythia(str(data.parent / "xmldoc"), False)
    assert pythia.readString(f"PDF:pSet = {pset}")
    assert not pythia.settings.flag("PDF:extrapolate")
    return pythia, pythia.getPDFPtr(2212)


@pytest.mark.parametrize(("pset", "name"), CASES)
def test_lhagrid1_scheme_matches_pythia(pset, name):
    pythia, reference = _pythia_pdf(pset)
    pdf = load_pdf(name, search_path=pythia_pdfdata_dir())
    (xmin, xmax), (qmin, qmax) = pdf.x_range, pdf.q_range
    rng = np.random.default_rng(pset)
    n = 200
    x = np.exp(rng.uniform(math.log(xmin), math.log(xmax), n))
    q = np.exp(rng.uniform(math.log(qmin), math.log(qmax), n))
    # Knots, subgrid boundaries (Q exactly on one and 1e-9 either side) and the frozen edges.
    edges_q = [float(pdf.q[s]) for s in pdf.subgrid_start[1:]]
    extra = [(0.1, b * f) for b in edges_q for f in (1 - 1e-9, 1.0, 1 + 1e-9)]
    extra += [(float(pdf.x[7]), float(pdf.q[5])), (xmin, 100.0), (xmin / 50, 100.0)]
    extra += [(0.3, qmin), (0.3, qmin / 2), (0.3, qmax), (0.3, 3 * qmax), (xmin / 50, qmin / 2)]
    x = np.concatenate([x, [a for a, _ in extra]])
    q = np.concatenate([q, [b for _, b in extra]])

    pids = table_pids(pdf)
    keep = [i for i, p in enumerate(pids) if abs(p) != 6 and p != 11]
    ours = np.maximum(xfx_table(pdf, x, q, "lhagrid1-pythia")[keep], 0.0)
    theirs = np.array(
        [[reference.xf(int(pids[i]), float(a), float(b) ** 2) for a, b in zip(x, q, strict=True)]
         for i in keep]
    )
    assert np.count_nonzero(theirs) > 0.7 * theirs.size
    # Same formula in the same order of operations: rounding differences only (measured
    # ~1e-14); 1e-12 relative is the requirement. The 1e-16 floor is for values that are the
    # rounding remainder of cancelling O(1e-3) Lagrange terms.
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-16)
    del pythia
