"""Parton distribution functions: LHAPDF6 ``lhagrid1`` grids evaluated in JAX.

Load a set member with :func:`load_pdf` and evaluate it with :func:`xfx` (and α_s with
:func:`alpha_s`)::

    from colliderax.core import enable_x64
    from colliderax.generation import pdf

    enable_x64()
    nnpdf = pdf.load_pdf("NNPDF23_lo_as_0130_qed")          # member 0
    xg = pdf.xfx(nnpdf, 21, x, q)                            # x g(x, Q), arrays broadcast
    a = pdf.alpha_s(nnpdf, q)

Conventions:

* :func:`xfx` returns the momentum density **x f(x, Q)** (what LHAPDF's ``xfxQ`` returns);
  :func:`fx` returns the number density f(x, Q) = xfx / x.
* Q is in GeV (not Q²). x is the momentum fraction, 0 < x <= 1.
* Flavours are PDG ids: ±1..±6 quarks, 21 gluon (0 is accepted as the gluon), 22 photon.
  A flavour the set does not tabulate gives 0.
* ``pid``, ``x`` and ``q`` broadcast against each other; all evaluation is pure JAX (jit,
  vmap and grad work) and runs in float64 (``load_pdf`` requires JAX's x64 mode).
* Interpolation schemes: ``"logcubic"`` (**default**; LHAPDF6's log-bicubic interpolator with
  its continuation extrapolator) and ``"lhagrid1-pythia"`` (PYTHIA 8's ``LHAGrid1``: local
  4-point Lagrange interpolation in ln x and ln Q, frozen outside the grid).
* Sets are found by name in ``search_path``, then ``LHAPDF_DATA_PATH``, then the ``pythia8mc``
  wheel's ``share/Pythia8/pdfdata``; a set found nowhere raises :class:`PDFSetNotFound`.

See ``docs/pdf.md`` for the algorithms, the extrapolation rules and the α_s conventions.
"""

from colliderax.generation.pdf.alphas import AlphaSSettings, alpha_s
from colliderax.generation.pdf.errors import PDFSetNotFound
from colliderax.generation.pdf.grid import PDF, parse_lhagrid1, read_member
from colliderax.generation.pdf.info import parse_info, read_info
from colliderax.generation.pdf.interpolate import DEFAULT_SCHEME, SCHEMES, fx, xfx
from colliderax.generation.pdf.sets import (
    LHAPDF_ENV_VAR,
    available_sets,
    find_member,
    load_pdf,
    pythia_pdfdata_dir,
    search_dirs,
)

__all__ = [
    "DEFAULT_SCHEME",
    "LHAPDF_ENV_VAR",
    "PDF",
    "SCHEMES",
    "AlphaSSettings",
    "PDFSetNotFound",
    "alpha_s",
    "available_sets",
    "find_member",
    "fx",
    "load_pdf",
    "parse_info",
    "parse_lhagrid1",
    "pythia_pdfdata_dir",
    "read_info",
    "read_member",
    "search_dirs",
    "xfx",
]
