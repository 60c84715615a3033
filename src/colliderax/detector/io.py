"""Event tables on disk: TrackML-layout CSV (plain or gzip) and Parquet.

An event is three tables named like TrackML files, ``event000001000-hits.csv``,
``-truth.csv`` and ``-particles.csv`` (or ``.csv.gz`` / ``.parquet``), with the columns

* hits: ``hit_id, x, y, z, volume_id, layer_id, module_id``
* truth: ``hit_id, particle_id, tx, ty, tz, tpx, tpy, tpz, weight``
* particles: ``particle_id, vx, vy, vz, px, py, pz, q, nhits`` (events from
  :mod:`~colliderax.detector.sources` add ``pdg_id, collision, vt``)

Extra columns are written and read back as they are. Tables are dicts of equal-length numpy
columns. Files are written atomically: to a temporary file in the target directory, then
renamed. Parquet needs ``pyarrow`` (imported on use).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from colliderax.core.errors import InvalidInput

PARTS = ("hits", "truth", "particles")
COLUMNS: dict[str, tuple[str, ...]] = {
    "hits": ("hit_id", "x", "y", "z", "volume_id", "layer_id", "module_id"),
    "truth": ("hit_id", "particle_id", "tx", "ty", "tz", "tpx", "tpy", "tpz", "weight"),
    "particles": ("particle_id", "vx", "vy", "vz", "px", "py", "pz", "q", "nhits"),
}
INT_COLUMNS = frozenset(
    {
        "hit_id",
        "volume_id",
        "layer_id",
        "module_id",
        "particle_id",
        "q",
        "nhits",
        "ch0",
        "ch1",
        "pdg_id",
        "collision",
    }
)
FORMATS = ("parquet", "csv", "csv.gz")
_SUFFIX = {"parquet": ".parquet", "csv": ".csv", "csv.gz": ".csv.gz"}

Table = dict[str, np.ndarray]


def event_prefix(event_id: int) -> str:
    """TrackML file prefix, e.g. ``event000001000`` for 1000."""
    if event_id < 0:
        msg = f"event_id must be >= 0, got {event_id}"
        raise InvalidInput(msg)
    return f"event{event_id:09d}"


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write a small text file (e.g. a JSON summary) atomically: temporary file, then rename."""
    path = Path(path)
    with _atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _check_table(table: Mapping[str, Any], part: str | None) -> Table:
    cols = {k: np.asarray(v) for k, v in table.items()}
    if part is not None:
        missing = [c for c in COLUMNS[part] if c not in cols]
        if missing:
            msg = f"{part} table lacks column(s) {', '.join(missing)}"
            raise InvalidInput(msg)
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        msg = f"{part or 'table'} columns have different lengths {sorted(lengths)}"
        raise InvalidInput(msg)
    return cols


def write_table(table: Mapping[str, Any], path: str | Path, *, part: str | None = None) -> Path:
    """Write one table atomically; the format follows the suffix (.parquet, .csv, .csv.gz).

    Args:
        table: Column name -> 1-d array.
        path: Destination file.
        part: ``"hits"``, ``"truth"`` or ``"particles"`` to check the required columns.

    Returns:
        The path written.

    Raises:
        InvalidInput: unknown suffix, missing columns or ragged columns.
    """
    path = Path(path)
    cols = _check_table(table, part)
    name = path.name
    with _atomic_path(path) as tmp:
        if name.endswith(".parquet"):
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({k: pa.array(v) for k, v in cols.items()}), tmp)
        elif name.endswith(".csv.gz"):
            with gzip.open(tmp, "wt", encoding="utf-8", newline="") as fh:
                _write_csv(cols, fh)
        elif name.endswith(".csv"):
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                _write_csv(cols, fh)
        else:
            msg = f"{name}: unknown table format (use .parquet, .csv or .csv.gz)"
            raise InvalidInput(msg)
    return path


def _write_csv(cols: Table, fh: Any) -> None:
    names = list(cols)
    fh.write(",".join(names) + "\n")
    if not names or len(cols[names[0]]) == 0:
        return
    fmt = ["%d" if np.issubdtype(cols[c].dtype, np.integer) else "%.17g" for c in names]
    np.savetxt(fh, np.column_stack([cols[c].astype(object) for c in names]), fmt=fmt, delimiter=",")


def _open_csv(path: Path) -> Any:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def read_table(path: str | Path) -> Table:
    """Read a .parquet, .csv or .csv.gz table into numpy columns.

    CSV id and count columns (``hit_id``, ``particle_id``, ``volume_id``, ``q``, ``nhits``, ...)
    are read as int64 so large TrackML particle ids stay exact; the rest as float64.

    Raises:
        InvalidInput: the file does not exist or has an unknown suffix or bad content.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        msg = f"{path}: no such file"
        raise InvalidInput(msg)
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return {c: table.column(c).to_numpy() for c in table.column_names}
    if not name.endswith((".csv", ".csv.gz")):
        msg = f"{name}: unknown table format (use .parquet, .csv or .csv.gz)"
        raise InvalidInput(msg)
    with _open_csv(path) as fh:
        header = [h.strip() for h in fh.readline().strip().split(",")]
        if not header or header == [""]:
            msg = f"{name}: empty file (no header)"
            raise InvalidInput(msg)
        dtype = [(c, np.int64 if c in INT_COLUMNS else np.float64) for c in header]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # header-only file
                data = np.loadtxt(fh, delimiter=",", dtype=dtype, ndmin=1)
        except ValueError as exc:
            msg = f"{name}: cannot parse CSV ({exc})".replace("\n", " ")
            raise InvalidInput(msg) from exc
    return {c: np.ascontiguousarray(data[c]) for c in header}


def write_event(
    tables: Mapping[str, Mapping[str, Any]],
    directory: str | Path,
    event_id: int = 1000,
    *,
    fmt: str = "parquet",
) -> dict[str, Path]:
    """Write the hits, truth and particles tables of one event.

    Args:
        tables: ``{"hits": ..., "truth": ..., "particles": ...}`` (e.g.
            :meth:`~colliderax.detector.simulation.SimResult.to_tables`).
        directory: Output directory (created if needed).
        event_id: Event number used in the file names.
        fmt: ``"parquet"``, ``"csv"`` or ``"csv.gz"``.

    Returns:
        Part name -> path written.
    """
    if fmt not in FORMATS:
        msg = f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}"
        raise InvalidInput(msg)
    directory = Path(directory)
    prefix = event_prefix(event_id)
    paths = {}
    for part in PARTS:
        if part not in tables:
            msg = f"tables lack the {part!r} table"
            raise InvalidInput(msg)
        path = directory / f"{prefix}-{part}{_SUFFIX[fmt]}"
        paths[part] = write_table(tables[part], path, part=part)
    return paths


def read_event(
    directory: str | Path, event_id: int = 1000, parts: Sequence[str] = PARTS
) -> dict[str, Table]:
    """Read an event written by :func:`write_event` or a TrackML CSV event.

    For each part the first existing of ``-<part>.parquet``, ``.csv``, ``.csv.gz`` is read.
    Besides hits, truth and particles, TrackML's ``"cells"`` part can be requested.

    Raises:
        InvalidInput: a part is unknown or none of its files exist.
    """
    directory = Path(directory)
    prefix = event_prefix(event_id)
    out = {}
    for part in parts:
        if part not in PARTS and part not in ("cells",):
            msg = f"unknown event part {part!r}: choose from {', '.join(PARTS)}"
            raise InvalidInput(msg)
        for fmt in FORMATS:
            path = directory / f"{prefix}-{part}{_SUFFIX[fmt]}"
            if path.is_file():
                out[part] = read_table(path)
                break
        else:
            msg = f"{directory}: no {prefix}-{part}.parquet/.csv/.csv.gz"
            raise InvalidInput(msg)
    return out


__all__ = [
    "COLUMNS",
    "FORMATS",
    "PARTS",
    "event_prefix",
    "read_event",
    "read_table",
    "write_event",
    "write_table",
    "write_text_atomic",
]
