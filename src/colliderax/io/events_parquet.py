"""Parton-level events as Parquet: one row per event, written atomically.

Columns (one Parquet row group per written batch):

- per particle, list columns in event order: ``pdg``, ``status``, ``mother1``, ``mother2``,
  ``colour1``, ``colour2`` (int32), ``E``, ``px``, ``py``, ``pz``, ``mass`` [GeV],
  ``helicity`` (float64);
- per event: ``weight`` [pb], ``process_id`` (int32), ``scale``, ``mu_f``, ``mu_r`` [GeV],
  ``alpha_s``, ``alpha_qed`` (float64);
- one float64 column ``weight_<id>`` [pb] per extra weight, in ``extra_weight_ids`` order.

The conventions are those of :class:`~colliderax.generation.events.EventBatch` (LHE
numbering: 1-based mothers, colour tags from 501). The file's key-value metadata holds
``colliderax.run_info`` (the :class:`~colliderax.generation.events.RunInfo` as JSON),
``colliderax.extra_weight_ids`` (JSON list) and ``colliderax.status`` (``complete`` or
``partial``, with ``colliderax.n_events``).

Like :class:`~colliderax.io.lhe.LHEWriter`, :class:`ParquetEventWriter` writes into a hidden
temporary file beside the target and renames it at :meth:`~ParquetEventWriter.close`; an
interrupted run closes with ``partial=True`` and leaves a valid file with the events so far.

Example::

    with ParquetEventWriter("out/events.parquet", run_info) as writer:
        writer.write(batch)
    events = load_events("out/events.parquet")                    # awkward.Array
    batch = load_events("out/events.parquet", library="numpy")    # EventBatch
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from colliderax.core.errors import InvalidInput
from colliderax.generation.events.record import (
    EventBatch,
    ProcessInfo,
    RunInfo,
    WeightGroup,
    WeightInfo,
)
from colliderax.io.atomic import temp_beside

logger = logging.getLogger(__name__)

PARTICLE_COLUMNS = ("pdg", "status", "mother1", "mother2", "colour1", "colour2",
                    "E", "px", "py", "pz", "mass", "helicity")
"""Per-particle list columns, in file order."""
EVENT_COLUMNS = ("weight", "process_id", "scale", "mu_f", "mu_r", "alpha_s", "alpha_qed")
"""Per-event scalar columns, in file order (then one ``weight_<id>`` per extra weight)."""
_INT_COLUMNS = {"pdg", "status", "mother1", "mother2", "colour1", "colour2", "process_id"}


def _schema(weight_ids: tuple[str, ...]) -> pa.Schema:
    fields = [pa.field(name, pa.list_(pa.int32() if name in _INT_COLUMNS else pa.float64()))
              for name in PARTICLE_COLUMNS]
    fields += [pa.field(name, pa.int32() if name in _INT_COLUMNS else pa.float64())
               for name in EVENT_COLUMNS]
    fields += [pa.field(f"weight_{wid}", pa.float64()) for wid in weight_ids]
    return pa.schema(fields)


def _per_particle(batch: EventBatch) -> dict[str, np.ndarray]:
    p = batch.momenta
    return {
        "pdg": batch.pdg, "status": batch.status,
        "mother1": batch.mothers[..., 0], "mother2": batch.mothers[..., 1],
        "colour1": batch.colour[..., 0], "colour2": batch.colour[..., 1],
        "E": p[..., 0], "px": p[..., 1], "py": p[..., 2], "pz": p[..., 3],
        "mass": batch.mass, "helicity": batch.helicity,
    }


def batch_table(batch: EventBatch) -> pa.Table:
    """The Parquet table of ``batch`` (schema in the module docstring)."""
    schema = _schema(batch.extra_weight_ids)
    n, m = batch.n_events, batch.n_particles
    offsets = pa.array(np.arange(0, (n + 1) * m, m, dtype=np.int32) if n else [0],
                       type=pa.int32())
    columns: list[pa.Array] = []
    for name, values in _per_particle(batch).items():
        kind = schema.field(name).type.value_type
        flat = pa.array(np.ascontiguousarray(values).reshape(-1), type=kind)
        columns.append(pa.ListArray.from_arrays(offsets, flat))
    for name in EVENT_COLUMNS:
        columns.append(pa.array(getattr(batch, name), type=schema.field(name).type))
    for k in range(len(batch.extra_weight_ids)):
        columns.append(pa.array(batch.extra_weights[:, k], type=pa.float64()))
    return pa.Table.from_arrays(columns, schema=schema)


def run_info_to_json(run_info: RunInfo) -> str:
    """``run_info`` as a JSON string (inverse: :func:`run_info_from_json`)."""
    return json.dumps(dataclasses.asdict(run_info))


def run_info_from_json(text: str) -> RunInfo:
    """The :class:`RunInfo` of :func:`run_info_to_json`."""
    d: dict[str, Any] = json.loads(text)
    d["processes"] = tuple(ProcessInfo(**p) for p in d["processes"])
    d["weight_groups"] = tuple(
        WeightGroup(g["name"], tuple(WeightInfo(w["id"], w["text"],
                                                tuple(tuple(a) for a in w["attributes"]))
                                     for w in g["weights"]), g["combine"])
        for g in d["weight_groups"])
    d["header_sections"] = tuple(tuple(s) for s in d["header_sections"])
    return RunInfo(**d)


class ParquetEventWriter:
    """Stream event batches into a Parquet file that appears atomically at close.

    Args:
        path: Output file; its directory must exist.
        run_info: Stored as metadata; when given, its weight ids fix the extra-weight columns.
            Without it the first batch fixes them.
        validate: Run :meth:`EventBatch.validate` on each batch before writing it.

    Raises:
        InvalidInput: the directory does not exist or is not writable.
    """

    def __init__(self, path: str | os.PathLike, run_info: RunInfo | None = None, *,
                 validate: bool = True):
        self.path = Path(path)
        self.run_info = run_info
        self.validate = validate
        self.n_events = 0
        self._closed = False
        self._weight_ids = run_info.weight_ids if run_info is not None else None
        self._writer: pq.ParquetWriter | None = None
        fd, self._tmp = temp_beside(self.path)
        os.close(fd)

    def __enter__(self) -> ParquetEventWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.close(partial=True, reason=exc_type.__name__)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` or :meth:`abort` has run."""
        return self._closed

    def _open(self, weight_ids: tuple[str, ...]) -> pq.ParquetWriter:
        if self._writer is None:
            self._weight_ids = weight_ids
            self._writer = pq.ParquetWriter(self._tmp, _schema(weight_ids))
        return self._writer

    def write(self, batch: EventBatch) -> None:
        """Append ``batch`` as one row group.

        Raises:
            InvalidInput: the writer is closed, the extra-weight ids differ from the run's, or
                validation fails.
        """
        if self._closed:
            msg = f"{self.path}: the Parquet writer is closed; open a new one"
            raise InvalidInput(msg)
        if self._weight_ids is not None and batch.extra_weight_ids != self._weight_ids:
            msg = (f"batch extra weights {batch.extra_weight_ids} differ from the file's "
                   f"{self._weight_ids}: write batches with the same weight ids")
            raise InvalidInput(msg)
        if self.validate:
            batch.validate()
        self._open(batch.extra_weight_ids).write_table(batch_table(batch))
        self.n_events += batch.n_events

    def close(self, partial: bool = False, *, reason: str = "",
              run_info: RunInfo | None = None) -> Path:
        """Finish the file and move it into place (no-op returning the path when closed).

        Args:
            partial: Mark the file as holding only the events so far.
            reason: Why the run stopped (stored with the partial marker).
            run_info: Replace the stored run information (e.g. final cross sections).

        Returns:
            The path of the written file.
        """
        if self._closed:
            return self.path
        self._closed = True
        if run_info is not None:
            self.run_info = run_info
        try:
            writer = self._open(self._weight_ids or ())
            meta = {
                "colliderax.status": "partial" if partial else "complete",
                "colliderax.n_events": str(self.n_events),
                "colliderax.extra_weight_ids": json.dumps(list(self._weight_ids or ())),
            }
            if partial and reason:
                meta["colliderax.reason"] = reason
            if self.run_info is not None:
                meta["colliderax.run_info"] = run_info_to_json(self.run_info)
            writer.add_key_value_metadata(meta)
            writer.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        if partial:
            logger.warning("wrote partial Parquet file %s with %d events", self.path,
                           self.n_events)
        return self.path

    def abort(self) -> None:
        """Discard everything: no output file, no temporary file."""
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


def write_events_parquet(path: str | os.PathLike, batches: EventBatch | list[EventBatch],
                         run_info: RunInfo | None = None, *, validate: bool = True) -> Path:
    """Write whole batches to a Parquet file at once (see :class:`ParquetEventWriter`)."""
    if isinstance(batches, EventBatch):
        batches = [batches]
    with ParquetEventWriter(path, run_info, validate=validate) as writer:
        for batch in batches:
            writer.write(batch)
    return writer.path


def _metadata(path: Path) -> dict[str, str]:
    try:
        raw = pq.read_metadata(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        msg = f"cannot read Parquet events {path}: {exc}"
        raise InvalidInput(msg) from None
    return {k.decode(): v.decode() for k, v in raw.items()}


def read_run_info(path: str | os.PathLike) -> RunInfo | None:
    """The :class:`RunInfo` stored in an events file (None if it was written without one)."""
    text = _metadata(Path(path)).get("colliderax.run_info")
    return None if text is None else run_info_from_json(text)


def is_partial(path: str | os.PathLike) -> bool:
    """Whether the file was closed as partial (an interrupted run)."""
    return _metadata(Path(path)).get("colliderax.status") == "partial"


def load_events(path: str | os.PathLike, library: str = "awkward") -> Any:
    """Load an events file.

    Args:
        path: A file written by :class:`ParquetEventWriter`.
        library: ``"awkward"`` for an ``awkward.Array`` of records (one per event, fields as
            the columns), ``"numpy"`` for an :class:`EventBatch` (all events must have the
            same number of particles).

    Raises:
        InvalidInput: the file cannot be read, ``library`` is unknown, or (numpy) the events
            differ in multiplicity.
    """
    path = Path(path)
    if library not in ("awkward", "numpy"):
        msg = f"library must be 'awkward' or 'numpy', got {library!r}"
        raise InvalidInput(msg)
    meta = _metadata(path)
    table = pq.read_table(path)
    if library == "awkward":
        import awkward as ak

        return ak.from_arrow(table)
    ids = tuple(json.loads(meta.get("colliderax.extra_weight_ids", "[]")))
    n_events = table.num_rows
    lengths = pc.list_value_length(table.column("pdg")).to_numpy(zero_copy_only=False)
    n = int(lengths[0]) if n_events else 0
    if n_events and not np.all(lengths == n):
        msg = f"{path}: events differ in particle count; load with library='awkward'"
        raise InvalidInput(msg)

    def particle(name: str) -> np.ndarray:
        flat = table.column(name).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        return flat.reshape(n_events, n)

    def event(name: str) -> np.ndarray:
        return table.column(name).to_numpy()

    return EventBatch(
        pdg=particle("pdg"), status=particle("status"),
        mothers=np.stack([particle("mother1"), particle("mother2")], axis=-1),
        colour=np.stack([particle("colour1"), particle("colour2")], axis=-1),
        momenta=np.stack([particle(c) for c in ("E", "px", "py", "pz")], axis=-1),
        mass=particle("mass"), helicity=particle("helicity"),
        **{name: event(name) for name in EVENT_COLUMNS},
        extra_weights=np.array([event(f"weight_{i}") for i in ids],
                               dtype=np.float64).T.reshape(n_events, len(ids)),
        extra_weight_ids=ids,
    )


__all__ = ["EVENT_COLUMNS", "PARTICLE_COLUMNS", "ParquetEventWriter", "batch_table",
           "is_partial", "load_events", "read_run_info", "run_info_from_json",
           "run_info_to_json", "write_events_parquet"]
