"""Les Houches Event files (LHE v3): a streaming writer and a small reader.

Writer: :class:`LHEWriter` takes :class:`~colliderax.generation.events.EventBatch` batches and
writes ``<LesHouchesEvents version="3.0">`` with a ``<header>`` (free-text sections, the
``<initrwgt>`` weight descriptions when there are extra weights, and a status comment), the
``<init>`` block (beams, PDFs, IDWTUP, one row per subprocess, ``<generator>``) and one
``<event>`` per event, with ``<rwgt><wgt id=...>`` lines for extra weights and
``<scales muf=... mur=...>`` for the factorisation and renormalisation scales. A file name
ending in ``.gz`` is gzip-compressed.

Every floating-point number is written with 17 significant digits (``%.16e``), which
round-trips float64 exactly: momentum conservation and mass shells survive the text file.

Crash safety: events stream into a hidden temporary file beside the target; :meth:`~LHEWriter.close`
writes header + events + footer into a second temporary file and renames it onto the target
(atomic on POSIX), so the target is either absent or a complete, valid LHE file. Closing with
``partial=True`` (what the context manager does when the ``with`` body raises, including on
Ctrl-C) still writes a valid file with the events so far, and marks it in the header with
``<!-- colliderax: partial file, N events; ... -->``. A write cut short by Ctrl-C is dropped
whole (the writer keeps the size of the body that holds complete events). Only a hard kill
leaves the hidden ``.NAME.*.tmp`` files behind. For gzip the header, every written batch and
the footer are separate gzip members of one file, which every zlib-based reader (Python's
``gzip``, pylhe, Pythia) reads as one stream.

Example::

    with LHEWriter("out/events.lhe.gz", run_info) as writer:
        for batch in batches:
            writer.write(batch)
    # or, in a driver that must survive Ctrl-C:
    writer = LHEWriter(path, run_info)
    try:
        ...
        partial = False
    finally:
        writer.close(partial=partial)

Reader: :func:`read_lhe` reads files with one particle multiplicity (our own output, small
test files) into a :class:`~colliderax.generation.events.RunInfo` and one
:class:`~colliderax.generation.events.EventBatch`; use pylhe for anything else.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

import numpy as np

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

_F = "%.16e"  # 17 significant digits: exact float64 round trip
_STATUS_RE = re.compile(r"<!-- colliderax: (complete|partial) file, (\d+) events")


class LHEWriter:
    """Stream events into a Les Houches Event file; the file appears atomically at close.

    Args:
        path: Output file; ``.gz`` at the end selects gzip compression. Its directory must
            exist.
        run_info: The ``<init>`` and ``<header>`` content. Its weight ids (``<initrwgt>``)
            must equal the ``extra_weight_ids`` of every batch written.
        validate: Run :meth:`EventBatch.validate` on each batch before writing it.

    Raises:
        InvalidInput: the directory does not exist or is not writable.
    """

    def __init__(self, path: str | os.PathLike, run_info: RunInfo, *, validate: bool = True):
        self.path = Path(path)
        self.run_info = run_info
        self.validate = validate
        self.compressed = self.path.name.endswith(".gz")
        self.n_events = 0
        self._closed = False
        fd, self._body_path = temp_beside(self.path, ".events.tmp")
        self._raw = os.fdopen(fd, "wb", buffering=0)
        self._complete = 0  # body bytes that hold whole events (a write may be interrupted)
        self._process_ids = {p.process_id for p in run_info.processes}

    def __enter__(self) -> LHEWriter:
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

    def write(self, batch: EventBatch) -> None:
        """Append the events of ``batch``.

        Raises:
            InvalidInput: the writer is closed; the batch's extra-weight ids differ from the
                run's; an event's process id has no ``<init>`` row; or validation fails.
        """
        if self._closed:
            msg = f"{self.path}: the LHE writer is closed; open a new one"
            raise InvalidInput(msg)
        if batch.extra_weight_ids != self.run_info.weight_ids:
            msg = (f"batch extra weights {batch.extra_weight_ids} differ from the run's "
                   f"<initrwgt> ids {self.run_info.weight_ids}: describe every weight in "
                   "RunInfo.weight_groups")
            raise InvalidInput(msg)
        unknown = set(np.unique(batch.process_id).tolist()) - self._process_ids
        if unknown:
            msg = (f"events have process ids {sorted(unknown)} without a RunInfo.processes row: "
                   "add a ProcessInfo for each")
            raise InvalidInput(msg)
        if self.validate:
            batch.validate()
        if batch.n_events == 0:
            return
        data = format_events(batch).encode()
        if self.compressed:  # one gzip member per batch: the body is valid after every write
            data = gzip.compress(data, compresslevel=6, mtime=0)
        self._raw.seek(self._complete)
        self._raw.truncate()  # drop what an interrupted earlier write may have left
        view = memoryview(data)
        while view:  # an unbuffered write may store fewer bytes than asked
            view = view[self._raw.write(view):]
        self._complete, self.n_events = self._raw.tell(), self.n_events + batch.n_events

    def close(self, partial: bool = False, *, reason: str = "",
              run_info: RunInfo | None = None) -> Path:
        """Finish the file and move it into place; a no-op returning the path when closed.

        Args:
            partial: Mark the file as holding only the events written so far (the run was
                interrupted or failed); it is still a valid LHE file.
            reason: Why the run stopped, for the partial marker (e.g. ``"KeyboardInterrupt"``).
            run_info: Replace the run information written in the header and ``<init>`` (e.g.
                with the final cross sections); its weight ids must not change.

        Returns:
            The path of the written file.
        """
        if self._closed:
            return self.path
        if run_info is not None:
            if run_info.weight_ids != self.run_info.weight_ids:
                msg = "close(run_info=...) must keep the weight ids of the run"
                raise InvalidInput(msg)
            self.run_info = run_info
        self._closed = True
        final_tmp = None
        try:
            self._raw.truncate(self._complete)
            self._raw.close()
            fd, final_tmp = temp_beside(self.path)
            head = header_text(self.run_info, n_events=self.n_events, partial=partial,
                               reason=reason)
            with os.fdopen(fd, "wb") as out:
                _write_member(out, head, self.compressed)
                with self._body_path.open("rb") as body:
                    shutil.copyfileobj(body, out, 1 << 22)
                _write_member(out, "</LesHouchesEvents>\n", self.compressed)
            os.replace(final_tmp, self.path)
        except BaseException:
            if final_tmp is not None:
                final_tmp.unlink(missing_ok=True)
            raise
        finally:
            self._body_path.unlink(missing_ok=True)
        if partial:
            logger.warning("wrote partial LHE file %s with %d events", self.path, self.n_events)
        else:
            logger.info("wrote %s with %d events", self.path, self.n_events)
        return self.path

    def abort(self) -> None:
        """Discard everything: remove the temporary file and write no output."""
        self._closed = True
        with contextlib.suppress(OSError):  # already failing; the file goes anyway
            self._raw.close()
        self._body_path.unlink(missing_ok=True)


def _write_member(out: IO[bytes], text: str, compressed: bool) -> None:
    if compressed:
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as member:
            member.write(text.encode())
    else:
        out.write(text.encode())


def write_lhe(path: str | os.PathLike, run_info: RunInfo, batches: EventBatch | list[EventBatch],
              *, validate: bool = True) -> Path:
    """Write a whole LHE file at once (see :class:`LHEWriter`); returns its path."""
    if isinstance(batches, EventBatch):
        batches = [batches]
    with LHEWriter(path, run_info, validate=validate) as writer:
        for batch in batches:
            writer.write(batch)
    return writer.path


def _section(tag: str, text: str) -> str:
    if any(c in text for c in "<&>"):
        body = "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    else:
        body = text
    return f"<{tag}>\n{body}\n</{tag}>\n"


def header_text(run_info: RunInfo, *, n_events: int = 0, partial: bool = False,
                reason: str = "") -> str:
    """Everything before the first ``<event>``: opening tag, ``<header>`` and ``<init>``."""
    ri = run_info
    if partial:
        why = f" ({reason})" if reason else ""
        status = (f"<!-- colliderax: partial file, {n_events} events; the run stopped before "
                  f"the requested number{why} -->")
    else:
        status = f"<!-- colliderax: complete file, {n_events} events -->"
    lines = ['<LesHouchesEvents version="3.0">', "<header>", status]
    text = "".join(_section(tag, body) for tag, body in ri.header_sections)
    if ri.weight_groups:
        text += "<initrwgt>\n"
        for group in ri.weight_groups:
            combine = f" combine={quoteattr(group.combine)}" if group.combine else ""
            text += f"<weightgroup name={quoteattr(group.name)}{combine}>\n"
            for w in group.weights:
                attrs = "".join(f" {k}={quoteattr(v)}" for k, v in w.attributes)
                text += f"<weight id={quoteattr(w.id)}{attrs}>{escape(w.text)}</weight>\n"
            text += "</weightgroup>\n"
        text += "</initrwgt>\n"
    lines += [text.rstrip("\n")] if text else []
    lines += ["</header>", "<init>"]
    lines.append(" ".join([
        *(f"{i:d}" for i in ri.beam_pdg), *(_F % e for e in ri.beam_energy),
        *(f"{i:d}" for i in ri.pdf_group), *(f"{i:d}" for i in ri.pdf_set),
        f"{ri.weighting_strategy:d}", f"{len(ri.processes):d}",
    ]))
    for p in ri.processes:
        lines.append(f"{_F % p.xsec} {_F % p.xsec_error} {_F % p.max_weight} {p.process_id:d}")
    version = f" version={quoteattr(ri.generator_version)}" if ri.generator_version else ""
    lines.append(f"<generator name={quoteattr(ri.generator_name)}{version}></generator>")
    lines.append("</init>")
    return "\n".join(lines) + "\n"


def _event_template(n: int, weight_ids: tuple[str, ...]) -> str:
    particle = " %d %d %d %d %d %d " + " ".join([_F] * 5) + " 0 %.17g\n"
    template = "<event>\n %d %d " + " ".join([_F] * 4) + "\n" + particle * n
    if weight_ids:
        template += "<rwgt>\n"
        for wid in weight_ids:
            template += f"<wgt id={quoteattr(wid).replace('%', '%%')}> {_F} </wgt>\n"
        template += "</rwgt>\n"
    template += f'<scales muf="{_F}" mur="{_F}"></scales>\n</event>\n'
    return template


def format_events(batch: EventBatch) -> str:
    """The ``<event>`` blocks of ``batch`` as LHE text."""
    n = batch.n_particles
    template = _event_template(n, batch.extra_weight_ids)
    n_events = batch.n_events
    p = batch.momenta
    particles = np.concatenate([
        batch.pdg[..., None], batch.status[..., None], batch.mothers, batch.colour,
        p[..., 1:4], p[..., :1], batch.mass[..., None], batch.helicity[..., None],
    ], axis=-1, dtype=np.float64).reshape(n_events, -1)
    head = np.stack([np.full(n_events, n), batch.process_id, batch.weight, batch.scale,
                     batch.alpha_qed, batch.alpha_s], axis=1, dtype=np.float64)
    tail = np.concatenate([batch.extra_weights, batch.mu_f[:, None], batch.mu_r[:, None]],
                          axis=1)
    rows = np.concatenate([head, particles, tail], axis=1).tolist()
    return "".join([template % tuple(row) for row in rows])


class LHEContents(NamedTuple):
    """What :func:`read_lhe` returns.

    Attributes:
        run_info: ``<init>`` and ``<header>`` content (header sections other than
            ``<initrwgt>`` as ``(tag, text)``).
        events: All events.
        partial: Whether the colliderax status comment marks the file as partial.
    """

    run_info: RunInfo
    events: EventBatch
    partial: bool


def _open_text(path: Path) -> str:
    with path.open("rb") as handle:
        magic = handle.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as handle:
        return handle.read().decode()


def read_lhe(path: str | os.PathLike) -> LHEContents:
    """Read an LHE file whose events all have the same number of particles.

    Args:
        path: A ``.lhe`` or gzip-compressed file (detected from its content).

    Returns:
        The run information, all events as one batch, and the partial flag.

    Raises:
        InvalidInput: the file is missing or malformed, or its events differ in multiplicity.
    """
    path = Path(path)
    try:
        text = _open_text(path)
    except OSError as exc:
        msg = f"cannot read LHE file {path}: {exc.strerror or exc}"
        raise InvalidInput(msg) from None
    try:
        return _parse(text)
    except (ValueError, IndexError, ET.ParseError) as exc:
        msg = f"{path} is not a valid LHE file ({exc}); check it was written completely"
        raise InvalidInput(msg) from None


def _parse(text: str) -> LHEContents:
    status = _STATUS_RE.search(text[: text.find("<init>")])
    partial = bool(status and status.group(1) == "partial")
    sections: list[tuple[str, str]] = []
    groups: list[WeightGroup] = []
    head_match = re.search(r"<header>(.*?)</header>", text, re.S)
    if head_match:
        root = ET.fromstring("<header>" + head_match.group(1) + "</header>")
        for child in root:
            if child.tag == "initrwgt":
                groups.extend(_weight_groups(child))
            else:
                sections.append((child.tag, (child.text or "").strip("\n")))
    init_match = re.search(r"<init>(.*?)</init>", text, re.S)
    if not init_match:
        msg = "no <init> block"
        raise ValueError(msg)
    init = init_match.group(1)
    numbers = [line.split() for line in init.splitlines()
               if line.strip() and not line.lstrip().startswith("<")]
    beam = numbers[0]
    n_proc = int(beam[9])
    processes = tuple(ProcessInfo(int(r[3]), float(r[0]), float(r[1]), float(r[2]))
                      for r in numbers[1 : 1 + n_proc])
    gen = re.search(r"<generator([^>]*)>", init)
    gen_attrs = dict(re.findall(r'(\w+)\s*=\s*["\']([^"\']*)["\']', gen.group(1))) if gen else {}
    run_info = RunInfo(
        beam_pdg=(int(beam[0]), int(beam[1])),
        beam_energy=(float(beam[2]), float(beam[3])),
        pdf_group=(int(beam[4]), int(beam[5])),
        pdf_set=(int(beam[6]), int(beam[7])),
        weighting_strategy=int(beam[8]),
        processes=processes,
        generator_name=gen_attrs.get("name", ""),
        generator_version=gen_attrs.get("version", ""),
        weight_groups=tuple(groups),
        header_sections=tuple(sections),
    )
    events = _parse_events(text[init_match.end():], run_info.weight_ids)
    return LHEContents(run_info, events, partial)


def _weight_groups(initrwgt: ET.Element) -> list[WeightGroup]:
    groups = []
    for group in initrwgt.iter("weightgroup"):
        weights = tuple(
            WeightInfo(w.get("id", ""), (w.text or "").strip(),
                       tuple((k, v) for k, v in w.attrib.items() if k != "id"))
            for w in group.iter("weight")
        )
        groups.append(WeightGroup(group.get("name", ""), weights, group.get("combine", "")))
    return groups


_WGT_RE = re.compile(r"<wgt\s+id\s*=\s*[\"']([^\"']*)[\"']\s*>([^<]*)</wgt>")
_SCALES_RE = re.compile(r"<scales([^>]*)>")


def _parse_events(text: str, weight_ids: tuple[str, ...]) -> EventBatch:
    blocks = re.findall(r"<event[^>]*>(.*?)</event>", text, re.S)
    heads, parts, extras, mu = [], [], [], []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        head = lines[0].split()
        n = int(head[0])
        heads.append([float(x) for x in head[:6]])
        parts.append([[float(x) for x in line.split()[:13]] for line in lines[1 : 1 + n]])
        rest = "\n".join(lines[1 + n:])
        wgts = dict((k, float(v)) for k, v in _WGT_RE.findall(rest))
        extras.append([wgts[w] for w in weight_ids])
        scales = _SCALES_RE.search(rest)
        attrs = dict(re.findall(r'(\w+)\s*=\s*["\']([^"\']*)["\']', scales.group(1))
                     ) if scales else {}
        mu.append([float(attrs.get("muf", head[3])), float(attrs.get("mur", head[3]))])
    if len({len(p) for p in parts}) > 1:
        msg = (f"events with {sorted({len(p) for p in parts})} particles in one file: "
               "read_lhe handles one multiplicity, use pylhe for mixed files")
        raise InvalidInput(msg)
    n = len(parts[0]) if parts else 0
    h = np.array(heads, dtype=np.float64).reshape(-1, 6)
    p = np.array(parts, dtype=np.float64).reshape(len(blocks), n, 13)
    mus = np.array(mu, dtype=np.float64).reshape(-1, 2)
    return EventBatch(
        pdg=p[..., 0], status=p[..., 1], mothers=p[..., 2:4], colour=p[..., 4:6],
        momenta=np.concatenate([p[..., 9:10], p[..., 6:9]], axis=-1), mass=p[..., 10],
        helicity=p[..., 12], weight=h[:, 2], process_id=h[:, 1], scale=h[:, 3],
        alpha_qed=h[:, 4], alpha_s=h[:, 5], mu_f=mus[:, 0], mu_r=mus[:, 1],
        extra_weights=np.array(extras, dtype=np.float64).reshape(len(blocks), len(weight_ids)),
        extra_weight_ids=weight_ids,
    )


def read_lhe_text(text: str) -> LHEContents:
    """:func:`read_lhe` on a string."""
    try:
        return _parse(text)
    except (ValueError, IndexError, ET.ParseError) as exc:
        msg = f"text is not a valid LHE file ({exc})"
        raise InvalidInput(msg) from None


__all__ = ["LHEContents", "LHEWriter", "format_events", "header_text", "read_lhe",
           "read_lhe_text", "write_lhe"]
