"""Atomic file output: write beside the target, then rename onto it.

``tempfile.mkstemp`` creates files readable by their owner only; the output files get the
usual permissions (``0o666`` minus the umask) before they are renamed into place.
"""

import os
import tempfile
from pathlib import Path

from colliderax.core.errors import InvalidInput


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def temp_beside(path: str | os.PathLike, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new hidden temporary file ``.NAME.XXXX<suffix>`` in ``path``'s directory.

    Returns:
        Its open file descriptor and path; the file has the default permissions.

    Raises:
        InvalidInput: the directory does not exist or is not writable.
    """
    path = Path(path)
    if not path.parent.is_dir():
        msg = f"cannot write {path}: directory {path.parent} does not exist"
        raise InvalidInput(msg)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    except OSError as exc:
        msg = f"cannot write in {path.parent}: {exc.strerror}"
        raise InvalidInput(msg) from None
    os.fchmod(fd, _default_mode())
    return fd, Path(tmp)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half-written)."""
    path = Path(path)
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


__all__ = ["temp_beside", "write_bytes_atomic"]
