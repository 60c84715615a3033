"""LHAPDF6 ``lhagrid1`` member files and the :class:`PDF` pytree that holds one member.

A ``lhagrid1`` member file (``<SET>_<NNNN>.dat``) is a YAML header (``PdfType``, ``Format``,
...) followed by one or more subgrids, each introduced by a line ``---``::

    <x knots>                       one line, increasing
    <Q knots [GeV]>                 one line, increasing
    <PDG ids of the columns>        one line (0 or 21: gluon, 22: photon)
    <x f(x, Q) for each flavour>    nx * nQ lines, x-major and Q-minor: line ix * nQ + iq

and a final ``---``. Subgrids (e.g. split at the b mass) share the x knots and usually repeat
the boundary Q knot. :class:`PDF` stores all subgrids concatenated along Q, keeping the repeated
boundary knot twice, which is how both LHAPDF (≥ 6.3) and PYTHIA's ``LHAGrid1`` lay them out.
"""

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.dtypes import require_x64
from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf.alphas import AlphaSSettings
from colliderax.generation.pdf.info import parse_info

logger = logging.getLogger(__name__)




def _freeze(value: Any) -> Any:
    """Lists become tuples (recursively) so that metadata is hashable."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class PDF:
    """One member of an LHAPDF6 ``lhagrid1`` PDF set (a JAX pytree; arrays are leaves).

    Subgrids are concatenated along Q; a Q knot shared by two subgrids appears twice.

    Attributes:
        x: x knots, shape ``(nx,)``, increasing.
        log_x: ln x at the knots, shape ``(nx,)``.
        q: Q knots [GeV], shape ``(nq,)`` (all subgrids), non-decreasing.
        log_q: ln(Q / GeV), shape ``(nq,)``.
        q2: Q² knots [GeV²], shape ``(nq,)`` (``q * q``, as LHAPDF forms them).
        log_q2: ln(Q² / GeV²), shape ``(nq,)``.
        xf: x f(x, Q) at the knots, shape ``(nflav + 1, nx, nq)``; row ``i < nflav`` is
            flavour ``flavours[i]``, the last row is zero (returned for absent flavours).
        name: Set name, e.g. ``"NNPDF40_nnlo_as_01180"``.
        member: Member number (0: central value).
        flavours: PDG ids of the rows of ``xf`` (a gluon column labelled 0 is stored as 21).
        subgrid_start: Index into ``q`` of the first knot of each subgrid.
        alpha_s_settings: α_s that goes with the set, or None when the metadata lacks it.
        metadata: ``.info`` entries with the member header merged over them, as
            ``(key, value)`` pairs (lists turned into tuples); see :attr:`info`.
    """

    x: jax.Array
    log_x: jax.Array
    q: jax.Array
    log_q: jax.Array
    q2: jax.Array
    log_q2: jax.Array
    xf: jax.Array
    name: str = dataclasses.field(metadata={"static": True})
    member: int = dataclasses.field(metadata={"static": True})
    flavours: tuple[int, ...] = dataclasses.field(metadata={"static": True})
    subgrid_start: tuple[int, ...] = dataclasses.field(metadata={"static": True})
    alpha_s_settings: AlphaSSettings | None = dataclasses.field(
        default=None, metadata={"static": True}
    )
    metadata: tuple[tuple[str, Any], ...] = dataclasses.field(
        default=(), metadata={"static": True}
    )

    @property
    def info(self) -> dict[str, Any]:
        """The set metadata as a dict (``.info`` file entries, member header on top)."""
        return dict(self.metadata)

    @property
    def x_range(self) -> tuple[float, float]:
        """(x_min, x_max) of the grid."""
        return float(self.x[0]), float(self.x[-1])

    @property
    def q_range(self) -> tuple[float, float]:
        """(Q_min, Q_max) of the grid [GeV]."""
        return float(self.q[0]), float(self.q[-1])

    def __repr__(self) -> str:
        return (
            f"PDF(name={self.name!r}, member={self.member}, flavours={self.flavours}, "
            f"nx={self.x.shape[-1]}, nq={self.q.shape[-1]}, subgrids={len(self.subgrid_start)})"
        )

    @classmethod
    def from_subgrids(
        cls,
        subgrids: Sequence[tuple[np.ndarray, np.ndarray, Sequence[int], np.ndarray]],
        *,
        name: str,
        member: int = 0,
        metadata: Mapping[str, Any] | None = None,
        alpha_s_settings: AlphaSSettings | None = None,
        source: str = "<arrays>",
    ) -> "PDF":
        """Build a member from subgrids ``(x, q, flavours, xf[nx, nq, nflav])``.

        Args:
            subgrids: Per subgrid: x knots, Q knots [GeV], PDG ids, and x f(x, Q) with shape
                ``(nx, nq, nflav)``. All subgrids need the same x knots and flavours.
            name: Set name.
            member: Member number.
            metadata: Set metadata (kept for reference).
            alpha_s_settings: α_s settings to attach.
            source: Used in error messages.

        Raises:
            InvalidInput: Knots not increasing or positive, fewer than 4 x or 2 Q knots,
                subgrids disagreeing in x knots or flavours, or overlapping in Q.
        """
        require_x64()
        if not subgrids:
            msg = f"{source}: no subgrids"
            raise InvalidInput(msg)
        x0 = np.asarray(subgrids[0][0], dtype=np.float64)
        flav0 = [21 if int(f) == 0 else int(f) for f in subgrids[0][2]]
        if len(set(flav0)) != len(flav0):
            msg = f"{source}: repeated flavour ids {flav0}"
            raise InvalidInput(msg)
        if x0.ndim != 1 or x0.size < 4 or np.any(x0 <= 0) or np.any(np.diff(x0) <= 0):
            msg = f"{source}: x knots must be >= 4 positive increasing values"
            raise InvalidInput(msg)
        qs, blocks, starts = [], [], []
        nq = 0
        for k, (xs, q, flav, values) in enumerate(subgrids):
            xs = np.asarray(xs, dtype=np.float64)
            q = np.asarray(q, dtype=np.float64)
            values = np.asarray(values, dtype=np.float64)
            flav = [21 if int(f) == 0 else int(f) for f in flav]
            if xs.shape != x0.shape or np.any(xs != x0):
                msg = f"{source}: subgrid {k} has different x knots from subgrid 0"
                raise InvalidInput(msg)
            if sorted(flav) != sorted(flav0):
                msg = f"{source}: subgrid {k} has flavours {flav}, subgrid 0 has {flav0}"
                raise InvalidInput(msg)
            if q.ndim != 1 or q.size < 2 or np.any(q <= 0) or np.any(np.diff(q) <= 0):
                msg = f"{source}: subgrid {k} Q knots must be >= 2 positive increasing values"
                raise InvalidInput(msg)
            if qs and q[0] < qs[-1][-1]:
                msg = f"{source}: subgrid {k} starts at Q={q[0]} below the previous end"
                raise InvalidInput(msg)
            if values.shape != (x0.size, q.size, len(flav)):
                msg = (
                    f"{source}: subgrid {k} has values of shape {values.shape}, "
                    f"expected {(x0.size, q.size, len(flav))}"
                )
                raise InvalidInput(msg)
            order = [flav.index(f) for f in flav0]
            blocks.append(values[:, :, order])
            qs.append(q)
            starts.append(nq)
            nq += q.size
        q_all = np.concatenate(qs)
        xf = np.concatenate(blocks, axis=1).transpose(2, 0, 1)  # (nflav, nx, nq)
        xf = np.concatenate([xf, np.zeros((1, *xf.shape[1:]))], axis=0)
        q2_all = q_all * q_all
        meta = tuple((str(k), _freeze(v)) for k, v in (metadata or {}).items())
        return cls(
            x=jnp.asarray(x0),
            log_x=jnp.asarray(np.log(x0)),
            q=jnp.asarray(q_all),
            log_q=jnp.asarray(np.log(q_all)),
            q2=jnp.asarray(q2_all),
            log_q2=jnp.asarray(np.log(q2_all)),
            xf=jnp.asarray(xf),
            name=name,
            member=int(member),
            flavours=tuple(flav0),
            subgrid_start=tuple(starts),
            alpha_s_settings=alpha_s_settings,
            metadata=meta,
        )


def parse_lhagrid1(text: str, *, source: str = "<string>"):
    """Parse the text of a ``lhagrid1`` member file.

    Args:
        text: File contents.
        source: Name used in error messages.

    Returns:
        ``(header, subgrids)``: the header entries as a dict, and a list of
        ``(x, q, flavours, xf)`` with ``xf`` of shape ``(nx, nq, nflav)``.

    Raises:
        InvalidInput: The format is not ``lhagrid1`` or a subgrid is malformed.
    """
    lines = text.split("\n")
    seps = [i for i, line in enumerate(lines) if line.strip() == "---"]
    if not seps:
        msg = f"{source}: no '---' subgrid separator: not an LHAPDF6 lhagrid1 file"
        raise InvalidInput(msg)
    header = parse_info("\n".join(lines[: seps[0]]), source=source)
    fmt = header.get("Format", "lhagrid1")
    if fmt != "lhagrid1":
        msg = f"{source}: Format {fmt!r} is not supported (only lhagrid1)"
        raise InvalidInput(msg)
    subgrids = []
    bounds = [*seps, len(lines)]
    for k in range(len(seps)):
        block = [ln for ln in lines[bounds[k] + 1 : bounds[k + 1]] if ln.strip()]
        if not block:
            continue
        where = f"{source}: subgrid {len(subgrids)}"
        if len(block) < 4:
            msg = f"{where}: needs x, Q and flavour lines and values, found {len(block)} lines"
            raise InvalidInput(msg)
        try:
            x = np.array(block[0].split(), dtype=np.float64)
            q = np.array(block[1].split(), dtype=np.float64)
            flav = [int(t) for t in block[2].split()]
            values = np.array(" ".join(block[3:]).split(), dtype=np.float64)
        except ValueError as err:
            msg = f"{where}: unreadable number: {err}"
            raise InvalidInput(msg) from None
        expected = x.size * q.size * len(flav)
        if values.size != expected:
            msg = (
                f"{where}: {values.size} values, expected nx*nQ*nflav = "
                f"{x.size}*{q.size}*{len(flav)} = {expected}"
            )
            raise InvalidInput(msg)
        subgrids.append((x, q, flav, values.reshape(x.size, q.size, len(flav))))
    if not subgrids:
        msg = f"{source}: no subgrids after the header"
        raise InvalidInput(msg)
    return header, subgrids


def read_member(
    path: str | Path,
    *,
    name: str | None = None,
    member: int = 0,
    info: Mapping[str, Any] | None = None,
    alpha_s_settings: AlphaSSettings | None = None,
) -> PDF:
    """Read one ``lhagrid1`` member file into a :class:`PDF`.

    Args:
        path: The ``.dat`` file.
        name: Set name; default: the file name without ``_NNNN.dat``.
        member: Member number recorded on the result.
        info: Parsed ``.info`` entries of the set, if any; the file header is merged over them.
        alpha_s_settings: α_s settings; default: derived from the merged metadata.

    Returns:
        The member as a :class:`PDF` (float64 arrays).
    """
    path = Path(path)
    if name is None:
        stem = path.name.removesuffix(".dat")
        name = stem.rsplit("_", 1)[0] if "_" in stem else stem
    logger.debug("reading PDF member %s", path)
    header, subgrids = parse_lhagrid1(path.read_text(encoding="utf-8"), source=str(path))
    merged = {**(info or {}), **header}
    if alpha_s_settings is None:
        alpha_s_settings = AlphaSSettings.from_info(merged, name=name)
    return PDF.from_subgrids(
        subgrids,
        name=name,
        member=member,
        metadata=merged,
        alpha_s_settings=alpha_s_settings,
        source=str(path),
    )


__all__ = ["PDF", "parse_lhagrid1", "read_member"]
