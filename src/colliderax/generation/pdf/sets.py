"""Finding PDF sets on disk and loading members.

A set ``SET`` member ``N`` is the file ``SET_NNNN.dat`` (four digits), either in the LHAPDF
layout ``<dir>/SET/SET_NNNN.dat`` (with ``<dir>/SET/SET.info``) or flat as ``<dir>/SET_NNNN.dat``
(with an optional ``<dir>/SET.info``), as in PYTHIA's ``share/Pythia8/pdfdata``. Directories are
searched in this order, first match wins:

1. the ``search_path`` argument of :func:`load_pdf` (one directory or a sequence);
2. the entries of ``LHAPDF_DATA_PATH`` (colon-separated);
3. the ``share/Pythia8/pdfdata`` directory installed by the ``pythia8mc`` wheel, if present.
"""

import importlib.metadata
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from colliderax.generation.pdf.alphas import AlphaSSettings
from colliderax.generation.pdf.errors import PDFSetNotFound
from colliderax.generation.pdf.grid import PDF, read_member
from colliderax.generation.pdf.info import read_info

logger = logging.getLogger(__name__)

LHAPDF_ENV_VAR = "LHAPDF_DATA_PATH"
_MAX_LISTED = 10

# Sets whose α_s convention is known when no .info file is found (PYTHIA ships bare grids).
_DEFAULT_ALPHA_S = MappingProxyType({"NNPDF23_lo_as_0130_qed": AlphaSSettings.mg5_nn23lo1})


def pythia_pdfdata_dir() -> Path | None:
    """The ``share/Pythia8/pdfdata`` directory of an installed ``pythia8mc`` wheel, or None.

    Looks in the wheel's list of installed files (``pythia8mc`` puts ``share/Pythia8`` under
    the environment prefix), then under ``sys.prefix``, then beside a ``pythia8`` package. Nothing
    is imported.
    """
    candidates: list[Path] = []
    try:
        dist = importlib.metadata.distribution("pythia8mc")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for entry in dist.files or []:
            if entry.parent.name == "pdfdata" and entry.parent.parent.name == "Pythia8":
                candidates.append(Path(dist.locate_file(entry)).parent)
                break
        candidates.append(Path(sys.prefix) / "share" / "Pythia8" / "pdfdata")
    try:
        spec = importlib.util.find_spec("pythia8")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidates.append(Path(loc) / "share" / "Pythia8" / "pdfdata")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    return None


def search_dirs(search_path: str | os.PathLike | Sequence[str | os.PathLike] | None = None):
    """The directories :func:`load_pdf` searches, in order (duplicates removed).

    Args:
        search_path: Extra directories searched first.

    Returns:
        List of :class:`~pathlib.Path` (existing or not).
    """
    if search_path is None:
        explicit = []
    elif isinstance(search_path, str | os.PathLike):
        explicit = [search_path]
    else:
        explicit = list(search_path)
    env = [p for p in os.environ.get(LHAPDF_ENV_VAR, "").split(os.pathsep) if p]
    dirs = [Path(p).expanduser() for p in (*explicit, *env)]
    builtin = pythia_pdfdata_dir()
    if builtin is not None:
        dirs.append(builtin)
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def available_sets(dirs: Sequence[Path]) -> list[str]:
    """Names of the sets with a central member (``_0000.dat``) in ``dirs``, sorted."""
    names: set[str] = set()
    for d in dirs:
        if not d.is_dir():
            continue
        for entry in d.iterdir():
            if entry.is_dir() and (entry / f"{entry.name}_0000.dat").is_file():
                names.add(entry.name)
            elif entry.is_file() and entry.name.endswith("_0000.dat"):
                names.add(entry.name.removesuffix("_0000.dat"))
    return sorted(names)


def _not_found(what: str, dirs: Sequence[Path]) -> PDFSetNotFound:
    names = available_sets(dirs)
    listed = ", ".join(names[:_MAX_LISTED]) or "none"
    if len(names) > _MAX_LISTED:
        listed += f" (+{len(names) - _MAX_LISTED} more)"
    where = ", ".join(str(d) for d in dirs) or "no directories"
    msg = (
        f"{what} not found in: {where}; sets found there: {listed}; "
        f"pass search_path=... or set {LHAPDF_ENV_VAR}"
    )
    return PDFSetNotFound(msg)


def find_member(name: str, member: int = 0, *, search_path=None) -> tuple[Path, Path | None]:
    """Locate the ``.dat`` file of a member and the set's ``.info`` file (None if absent).

    Raises:
        PDFSetNotFound: No searched directory holds the member.
    """
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        msg = f"PDF set name {name!r} is not a plain set name"
        raise PDFSetNotFound(msg)
    if not 0 <= int(member) <= 9999:
        msg = f"PDF member {member} is outside 0..9999"
        raise PDFSetNotFound(msg)
    dirs = search_dirs(search_path)
    fname = f"{name}_{int(member):04d}.dat"
    set_seen = False
    for d in dirs:
        layouts = ((d / name / fname, d / name / f"{name}.info"), (d / fname, d / f"{name}.info"))
        for dat, info in layouts:
            if dat.is_file():
                logger.info("PDF set %s member %d: %s", name, member, dat)
                return dat, (info if info.is_file() else None)
        set_seen = set_seen or (d / name).is_dir() or (d / f"{name}_0000.dat").is_file()
    what = f"member {member} of PDF set {name!r}" if set_seen else f"PDF set {name!r}"
    raise _not_found(what, dirs)


def load_pdf(
    name: str,
    member: int = 0,
    *,
    search_path: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    alpha_s: AlphaSSettings | None = None,
) -> PDF:
    """Load one member of an LHAPDF6 set by name.

    Args:
        name: Set name, e.g. ``"NNPDF23_lo_as_0130_qed"``.
        member: Member number (0 is the central member).
        search_path: Directory or directories searched before ``LHAPDF_DATA_PATH`` and the
            ``pythia8mc`` data directory.
        alpha_s: α_s settings to attach instead of those derived from the ``.info`` file. With
            no ``.info`` file, ``NNPDF23_lo_as_0130_qed`` gets
            :meth:`AlphaSSettings.mg5_nn23lo1`; other sets get none.

    Returns:
        The member as a :class:`PDF` (float64; requires JAX's x64 mode).

    Raises:
        PDFSetNotFound: The set or member is in none of the searched directories.
        InvalidInput: The files are malformed.
    """
    dat, info_path = find_member(name, member, search_path=search_path)
    info = read_info(info_path) if info_path is not None else {}
    if alpha_s is None and info_path is None and name in _DEFAULT_ALPHA_S:
        alpha_s = _DEFAULT_ALPHA_S[name]()
        logger.info("PDF set %s has no .info file: using MG5's nn23lo1 alpha_s convention", name)
    return read_member(dat, name=name, member=member, info=info, alpha_s_settings=alpha_s)


__all__ = [
    "LHAPDF_ENV_VAR",
    "available_sets",
    "find_member",
    "load_pdf",
    "pythia_pdfdata_dir",
    "search_dirs",
]
