"""Fixtures for the PDF tests: float64, the shared reference sets, synthetic sets on disk."""

from pathlib import Path

import jax
import numpy as np
import pytest

from .helpers import toy_xf, write_lhagrid1

jax.config.update("jax_enable_x64", True)

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
PDFSETS = SHARED / "data" / "pdfsets"


@pytest.fixture(scope="session")
def pdfsets_dir() -> Path:
    """``../shared/data/pdfsets``; tests using it skip where it is absent."""
    if not PDFSETS.is_dir():
        pytest.skip("../shared/data/pdfsets (reference PDF sets) is not present")
    return PDFSETS


@pytest.fixture(scope="session")
def nnpdf23(pdfsets_dir):
    """NNPDF23_lo_as_0130_qed member 0 (one subgrid, reconstructed .info with 2-loop ODE)."""
    from colliderax.generation.pdf import load_pdf

    return load_pdf("NNPDF23_lo_as_0130_qed", search_path=pdfsets_dir)


@pytest.fixture(scope="session")
def nnpdf40(pdfsets_dir):
    """NNPDF40_nnlo_as_01180 member 0 (two subgrids split at 4.92 GeV, ipol alpha_s)."""
    from colliderax.generation.pdf import load_pdf

    return load_pdf("NNPDF40_nnlo_as_01180", search_path=pdfsets_dir)


@pytest.fixture
def synthetic_set(tmp_path):
    """A two-subgrid toy set ``TOY`` in LHAPDF layout under tmp_path, with a .info file."""
    xs = np.geomspace(1e-6, 1.0, 30)
    pids = [-3, -2, -1, 0, 1, 2, 3]  # gluon labelled 0
    sub = [
        (xs, np.geomspace(1.0, 4.5, 6), pids, toy_xf),
        (xs, np.geomspace(4.5, 1000.0, 12), pids, toy_xf),
    ]
    write_lhagrid1(tmp_path / "TOY" / "TOY_0000.dat", sub)
    (tmp_path / "TOY" / "TOY.info").write_text(
        "SetDesc: 'toy # not a comment'  # a comment\n"
        "Format: lhagrid1\nNumMembers: 1\n"
        "Flavors: [-3, -2, -1, 21,\n  1, 2, 3]\n"
        "AlphaS_Type: ode\nAlphaS_MZ: 0.118\nAlphaS_OrderQCD: 2\nMZ: 91.1876\n"
        "MCharm: 1.3\nMBottom: 4.5\nMTop: 172.5\nNumFlavors: 5\n"
    )
    return tmp_path
