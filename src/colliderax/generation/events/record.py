"""The event record: :class:`EventBatch` (parton-level events) and :class:`RunInfo` (run header).

An :class:`EventBatch` holds ``N`` events of ``n`` particles each (``n`` is fixed within a batch)
as numpy arrays on the host, in the conventions of the Les Houches Event (LHE) format so that the
LHE and Parquet writers are plain formatters:

========================  ==================  ==============================================
field                     shape, dtype        meaning (LHE name)
========================  ==================  ==============================================
``pdg``                   ``[N, n]`` int64    PDG particle id (IDUP)
``status``                ``[N, n]`` int64    -1 incoming, 1 outgoing, 2 intermediate
                                              resonance (ISTUP)
``mothers``               ``[N, n, 2]`` int64 1-based indices of the first and last mother,
                                              0 = none (MOTHUP)
``colour``                ``[N, n, 2]`` int64 colour and anticolour tags, 0 = none, tags from
                                              501 (ICOLUP)
``momenta``               ``[N, n, 4]`` f64   (E, px, py, pz) [GeV] in the lab frame (PUP)
``mass``                  ``[N, n]`` f64      mass [GeV] (PUP(5)); for resonances the virtual
                                              mass √(p²)
``helicity``              ``[N, n]`` f64      helicity (SPINUP); 9 = unknown / summed
``weight``                ``[N]`` f64         event weight [pb] (XWGTUP)
``process_id``            ``[N]`` int64       subprocess id (IDPRUP), matches a
                                              :class:`ProcessInfo` row
``scale``                 ``[N]`` f64         hard scale [GeV] (SCALUP)
``mu_f``, ``mu_r``        ``[N]`` f64         factorisation, renormalisation scales [GeV]
``alpha_s``, ``alpha_qed``  ``[N]`` f64       couplings used (AQCDUP, AQEDUP)
``extra_weights``         ``[N, k]`` f64      alternative weights [pb] (LHE v3 ``<rwgt>``),
                                              named by ``extra_weight_ids``
========================  ==================  ==============================================

Colour rule checked by :meth:`EventBatch.validate` (colour-flow conservation in the
all-outgoing picture): cross every incoming particle to the final state, which swaps its
colour and anticolour tags. Then, over the incoming and outgoing particles (status ±1), every
non-zero tag must appear exactly once as a colour and exactly once as an anticolour. For
``q q~ > g``-like flows this is the familiar "a tag is shared by a quark line entering and the
same line leaving". Intermediate resonances (status 2) are not part of the rule; their colour is
carried on by their decay products. Baryon-number-violating (ε-tensor) flows are not supported.

Example::

    batch = EventBatch(pdg=..., status=..., mothers=..., colour=..., momenta=...,
                       weight=..., scale=..., alpha_s=..., alpha_qed=...)
    batch.validate()
    first_ten = batch[:10]
    both = concatenate([batch, other])
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from colliderax.core.errors import InvalidInput

UNKNOWN_HELICITY = 9.0
"""SPINUP value for an unknown (summed-over) helicity."""

WEIGHTING_STRATEGIES = (1, 2, 3, 4, -1, -2, -3, -4)
"""Allowed LHE IDWTUP values."""

SCALE_VARIATION_IDS: dict[tuple[float, float], str] = {
    (1.0, 1.0): "1",
    (2.0, 1.0): "2",
    (0.5, 1.0): "3",
    (1.0, 2.0): "4",
    (2.0, 2.0): "5",
    (0.5, 2.0): "6",
    (1.0, 0.5): "7",
    (2.0, 0.5): "8",
    (0.5, 0.5): "9",
}
"""MG5-compatible weight ids of the 3×3 (μR/μ0, μF/μ0) scale grid.

MG5's ``systematics`` module numbers the grid with μF outermost and μR innermost, each over
(1, 2, 0.5): id 1 is the central scale. The 7-point variation is this grid without the two
anti-correlated points (μR, μF) = (2, 0.5) and (0.5, 2), i.e. ids 1, 2, 3, 4, 5, 7, 9.
"""

SEVEN_POINT: tuple[tuple[float, float], ...] = (
    (1.0, 1.0), (2.0, 1.0), (0.5, 1.0), (1.0, 2.0), (2.0, 2.0), (1.0, 0.5), (0.5, 0.5),
)
"""The 7-point (μR/μ0, μF/μ0) factors, in the MG5 id order 1, 2, 3, 4, 5, 7, 9."""

_RESERVED_TAGS = {"leshouchesevents", "header", "init", "initrwgt", "weightgroup", "weight",
                  "event", "rwgt", "wgt", "scales", "generator"}
_INT_FIELDS = ("pdg", "status", "mothers", "colour", "process_id")
_PER_PARTICLE = ("pdg", "status", "mothers", "colour", "momenta", "mass", "helicity")
_PER_EVENT = ("weight", "process_id", "scale", "mu_f", "mu_r", "alpha_s", "alpha_qed")


@dataclasses.dataclass(frozen=True, eq=False)
class EventBatch:
    """``N`` parton-level events with ``n`` particles each (numpy arrays, LHE conventions).

    See the module docstring for every field's shape, unit and meaning. Per-particle fields may
    be given as one row shared by every event (``pdg=[21, 21, 6, -6]``, ``mothers`` of shape
    ``[n, 2]``) and per-event fields as scalars (``alpha_s=0.118``); they are broadcast.
    Optional fields get defaults: ``mass`` the invariant mass √max(p², 0) of ``momenta``,
    ``helicity`` 9 (unknown), ``process_id`` 1, ``mu_f`` and ``mu_r`` the ``scale``, no extra
    weights. Arrays are copied to numpy (int64 / float64) and made read-only; construction
    checks shapes only, call :meth:`validate` for the physics checks.

    Raises:
        InvalidInput: an array has the wrong shape, or extra weights and their ids disagree.
    """

    pdg: np.ndarray
    status: np.ndarray
    mothers: np.ndarray
    colour: np.ndarray
    momenta: np.ndarray
    weight: np.ndarray
    scale: np.ndarray
    alpha_s: np.ndarray
    alpha_qed: np.ndarray
    mass: np.ndarray | None = None
    helicity: np.ndarray | None = None
    process_id: np.ndarray | None = None
    mu_f: np.ndarray | None = None
    mu_r: np.ndarray | None = None
    extra_weights: np.ndarray | None = None
    extra_weight_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        momenta = np.asarray(self.momenta, dtype=np.float64)
        if momenta.ndim != 3 or momenta.shape[2] != 4:
            msg = f"momenta must have shape (N, n, 4), got {momenta.shape}: give (E, px, py, pz)"
            raise InvalidInput(msg)
        n_events, n = momenta.shape[:2]
        ids = tuple(str(i) for i in self.extra_weight_ids)
        object.__setattr__(self, "extra_weight_ids", ids)
        expected = {
            "pdg": (n_events, n), "status": (n_events, n), "mothers": (n_events, n, 2),
            "colour": (n_events, n, 2), "mass": (n_events, n), "helicity": (n_events, n),
            "weight": (n_events,), "process_id": (n_events,), "scale": (n_events,),
            "mu_f": (n_events,), "mu_r": (n_events,), "alpha_s": (n_events,),
            "alpha_qed": (n_events,), "extra_weights": (n_events, len(ids)),
            "momenta": (n_events, n, 4),
        }

        def put(name: str, value: Any) -> None:
            dtype = np.int64 if name in _INT_FIELDS else np.float64
            array = np.asarray(value, dtype=dtype)
            shape = expected[name]
            if array.ndim < len(shape) and array.shape == shape[len(shape) - array.ndim:]:
                array = np.broadcast_to(array, shape)  # a row or scalar shared by every event
            array = np.array(array)  # a copy: the batch owns its arrays
            array.flags.writeable = False
            object.__setattr__(self, name, array)

        put("momenta", momenta)
        if self.mass is None:
            p2 = momenta[..., 0] ** 2 - np.sum(momenta[..., 1:] ** 2, axis=-1)
            put("mass", np.sqrt(np.maximum(p2, 0.0)))
        else:
            put("mass", self.mass)
        put("helicity", UNKNOWN_HELICITY if self.helicity is None else self.helicity)
        for name in ("pdg", "status", "mothers", "colour", "weight", "scale", "alpha_s",
                     "alpha_qed"):
            put(name, getattr(self, name))
        put("process_id", 1 if self.process_id is None else self.process_id)
        put("mu_f", self.scale if self.mu_f is None else self.mu_f)
        put("mu_r", self.scale if self.mu_r is None else self.mu_r)
        put("extra_weights", np.zeros((n_events, len(ids))) if self.extra_weights is None
            else self.extra_weights)

        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                msg = (f"EventBatch field {name} has shape {got}, expected {shape} for "
                       f"{n_events} events of {n} particles (and {len(ids)} extra weights)")
                raise InvalidInput(msg)
        if len(set(ids)) != len(ids):
            msg = f"extra_weight_ids must be unique, got {ids}"
            raise InvalidInput(msg)

    @property
    def n_events(self) -> int:
        """Number of events ``N``."""
        return self.momenta.shape[0]

    @property
    def n_particles(self) -> int:
        """Number of particles per event ``n``."""
        return self.momenta.shape[1]

    def __len__(self) -> int:
        return self.n_events

    def __getitem__(self, index: Any) -> EventBatch:
        """The events selected by a slice, an integer array or a boolean mask (a new batch)."""
        if isinstance(index, int | np.integer):
            index = slice(int(index), int(index) + 1 if index != -1 else None)
        fields = {name: getattr(self, name)[index] for name in (*_PER_PARTICLE, *_PER_EVENT)}
        return EventBatch(**fields, extra_weights=self.extra_weights[index],
                          extra_weight_ids=self.extra_weight_ids)

    def replace(self, **changes: Any) -> EventBatch:
        """A copy with some fields replaced (e.g. ``batch.replace(weight=w)``)."""
        return dataclasses.replace(self, **changes)

    def validate(self, *, momentum_rtol: float = 1e-9, mass_rtol: float = 1e-8) -> None:
        """Check the physics of every event; raise on the first problem found.

        Checks: status values in {-1, 1, 2} with at least one incoming and one outgoing
        particle; mother indices within 0..n; 4-momentum conservation
        ``|Σ p_in − Σ p_out| ≤ momentum_rtol · Σ E_in`` (each component); resonances carry the
        summed momentum of their daughters (same tolerance); the mass shell
        ``|E² − p⃗² − m²| ≤ mass_rtol · E²``; the colour rule of the module docstring; weights
        and scales finite, scales > 0.

        Args:
            momentum_rtol: Relative tolerance of momentum conservation.
            mass_rtol: Relative tolerance of the mass-shell condition.

        Raises:
            InvalidInput: naming the first failing event (0-based) and the check.
        """
        if self.n_events == 0:
            return
        status, p = self.status, self.momenta
        bad = ~np.isin(status, (-1, 1, 2))
        _fail_if(bad.any(axis=1), "has a status other than -1, 1, 2 (incoming, outgoing, "
                 "resonance)")
        _fail_if(~(status == -1).any(axis=1) | ~(status == 1).any(axis=1),
                 "needs at least one incoming (-1) and one outgoing (1) particle")
        _fail_if(((self.mothers < 0) | (self.mothers > self.n_particles)).any(axis=(1, 2)),
                 f"has a mother index outside 0..{self.n_particles}")
        for name in ("weight", "scale", "mu_f", "mu_r", "alpha_s", "alpha_qed"):
            _fail_if(~np.isfinite(getattr(self, name)), f"has a non-finite {name}")
        _fail_if(~np.isfinite(self.extra_weights).all(axis=1), "has a non-finite extra weight")
        for name in ("scale", "mu_f", "mu_r"):
            _fail_if(getattr(self, name) <= 0, f"has {name} <= 0 GeV")
        _fail_if(~np.isfinite(p).all(axis=(1, 2)), "has a non-finite momentum")

        incoming = np.where((status == -1)[..., None], p, 0.0).sum(axis=1)
        outgoing = np.where((status == 1)[..., None], p, 0.0).sum(axis=1)
        tol = momentum_rtol * incoming[:, 0]
        _fail_if((np.abs(incoming - outgoing) > tol[:, None]).any(axis=1),
                 f"violates 4-momentum conservation by more than {momentum_rtol:g} of Σ E_in")
        for i in range(self.n_particles):
            is_res = status[:, i] == 2
            if not is_res.any():
                continue
            daughters = (self.mothers[:, :, 0] == i + 1)[..., None]
            summed = np.where(daughters, p, 0.0).sum(axis=1)
            off = (np.abs(summed - p[:, i]) > momentum_rtol * np.abs(p[:, i, :1])).any(axis=1)
            _fail_if(is_res & off, f"resonance {i + 1} does not carry its daughters' momentum")

        e2 = p[..., 0] ** 2
        shell = np.abs(e2 - np.sum(p[..., 1:] ** 2, axis=-1) - self.mass**2)
        _fail_if((shell > mass_rtol * np.maximum(e2, 1e-300)).any(axis=1),
                 f"has a particle off its mass shell (|E² − p² − m²| > {mass_rtol:g} E²)")
        _fail_if(~_colour_closes(self.colour, status), "breaks the colour rule (each tag once "
                 "as colour and once as anticolour, incoming particles crossed)")


def _fail_if(bad: np.ndarray, what: str) -> None:
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        msg = f"event {first} {what}; fix the event generator or the input arrays"
        raise InvalidInput(msg)


def _colour_closes(colour: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Per event: does every colour tag close (see the module docstring)?"""
    incoming = (status == -1)[..., None]
    crossed = np.where(incoming, colour[..., ::-1], colour)  # incoming: swap colour/anticolour
    used = (np.abs(status) == 1)[..., None]
    crossed = np.where(used, crossed, 0)
    ok = np.ones(colour.shape[0], dtype=bool)
    tags = np.unique(crossed[crossed != 0])
    for tag in tags:
        as_colour = np.count_nonzero(crossed[..., 0] == tag, axis=1)
        as_anti = np.count_nonzero(crossed[..., 1] == tag, axis=1)
        ok &= (as_colour == as_anti) & (as_colour <= 1)
    ok &= (crossed >= 0).all(axis=(1, 2))
    return ok


def concatenate(batches: Sequence[EventBatch]) -> EventBatch:
    """One batch with the events of ``batches`` in order.

    Raises:
        InvalidInput: no batches, or they differ in particle count or extra-weight ids.
    """
    if not batches:
        msg = "concatenate needs at least one EventBatch"
        raise InvalidInput(msg)
    first = batches[0]
    for b in batches[1:]:
        if b.n_particles != first.n_particles:
            msg = (f"cannot concatenate batches of {first.n_particles} and {b.n_particles} "
                   "particles per event: keep one batch per multiplicity")
            raise InvalidInput(msg)
        if b.extra_weight_ids != first.extra_weight_ids:
            msg = (f"cannot concatenate batches with extra weights {first.extra_weight_ids} "
                   f"and {b.extra_weight_ids}: use the same weight ids")
            raise InvalidInput(msg)
    fields = {name: np.concatenate([getattr(b, name) for b in batches])
              for name in (*_PER_PARTICLE, *_PER_EVENT, "extra_weights")}
    return EventBatch(**fields, extra_weight_ids=first.extra_weight_ids)


def insert_resonances(batch: EventBatch, pdg: Sequence[int], parents: Sequence[int | None],
                      products: np.ndarray) -> EventBatch:
    """The batch with intermediate resonances (status 2) after the incoming particles.

    Resonance r (PDG id ``pdg[r]``) decays into the particles of the leg mask
    ``products[:, r]`` (bit k: particle k of ``batch``, per event) and comes from resonance
    ``parents[r]`` (None: from the incoming particles); parents precede their daughters. A
    resonance carries the summed momentum of its products, its virtual mass √(p²), helicity 9,
    and the colour its products leave open (tags shared between them cancel); each product
    points to its innermost resonance.
    """
    n_in = int((batch.status[0] == -1).sum())
    n_res = len(pdg)
    products = np.asarray(products, dtype=np.int64).reshape(batch.n_events, n_res)
    legs = np.arange(batch.n_particles)
    inside = (products[:, :, None] >> legs) & 1 == 1  # [N, r, n]
    momenta = np.einsum("nrl,nlm->nrm", inside.astype(np.float64), batch.momenta)
    mass = np.sqrt(np.maximum(momenta[..., 0] ** 2 - np.sum(momenta[..., 1:] ** 2, axis=-1),
                              0.0))
    line = n_in + 1 + np.arange(n_res)  # 1-based LHE lines of the resonances
    mothers = np.zeros((batch.n_events, n_res, 2), dtype=np.int64)
    for r, parent in enumerate(parents):
        mothers[:, r] = (1, n_in) if parent is None else line[parent]
    innermost = np.where(inside, line[None, :, None], 0).max(axis=1)  # [N, n]
    leg_mothers = np.where((innermost > 0)[..., None], innermost[..., None],
                           batch.mothers + n_res * (batch.mothers > n_in))
    colour = batch.colour[:, None] * inside[..., None]  # [N, r, n, 2]
    tags, anti = colour[..., 0], colour[..., 1]
    shared_c = ((tags[..., :, None] == anti[..., None, :]) & (tags[..., :, None] > 0)).any(-1)
    shared_a = ((anti[..., :, None] == tags[..., None, :]) & (anti[..., :, None] > 0)).any(-1)
    res_colour = np.stack([np.where(shared_c, 0, tags).max(-1),
                           np.where(shared_a, 0, anti).max(-1)], axis=-1)

    def merged(name: str, middle: np.ndarray) -> np.ndarray:
        full = getattr(batch, name)
        return np.concatenate([full[:, :n_in], middle, full[:, n_in:]], axis=1)

    return batch.replace(
        pdg=merged("pdg", np.tile(np.asarray(pdg, dtype=np.int64), (batch.n_events, 1))),
        status=merged("status", np.full((batch.n_events, n_res), 2, dtype=np.int64)),
        mothers=np.concatenate([leg_mothers[:, :n_in], mothers, leg_mothers[:, n_in:]], axis=1),
        colour=merged("colour", res_colour),
        momenta=merged("momenta", momenta),
        mass=merged("mass", mass),
        helicity=merged("helicity", np.full((batch.n_events, n_res), UNKNOWN_HELICITY)),
    )


@dataclasses.dataclass(frozen=True)
class ProcessInfo:
    """One subprocess row of the LHE ``<init>`` block.

    Attributes:
        process_id: Subprocess id (LPRUP), the ``process_id`` of its events.
        xsec: Cross section [pb] (XSECUP).
        xsec_error: Its statistical uncertainty [pb] (XERRUP).
        max_weight: Largest event weight [pb] (XMAXUP); for unweighted files the common
            event weight.
    """

    process_id: int
    xsec: float
    xsec_error: float
    max_weight: float


@dataclasses.dataclass(frozen=True)
class WeightInfo:
    """One alternative weight of an LHE v3 ``<initrwgt>`` block.

    Attributes:
        id: The id used by ``<wgt id=...>`` in the events (unique in the file).
        text: Free description (the element's text).
        attributes: Further attributes in order, e.g. ``(("MUR", "2.0"), ("MUF", "1.0"))``.
    """

    id: str
    text: str = ""
    attributes: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class WeightGroup:
    """A ``<weightgroup>``: related alternative weights and how to combine them.

    Attributes:
        name: Group name (e.g. ``"Central scale variation"``).
        weights: The weights of the group.
        combine: How the weights combine into an uncertainty (``"envelope"``,
            ``"hessian"``, ``"replicas"``), or ``""``.
    """

    name: str
    weights: tuple[WeightInfo, ...]
    combine: str = ""


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """Run-level information: the LHE ``<init>`` block and the ``<header>``.

    Attributes:
        beam_pdg: PDG ids of the two beams (IDBMUP), e.g. ``(2212, 2212)``.
        beam_energy: Beam energies [GeV] in the lab frame (EBMUP).
        processes: One :class:`ProcessInfo` per subprocess.
        pdf_group: PDFLIB group ids (PDFGUP); 0 with LHAPDF ids, -1 for no PDF (lepton beams).
        pdf_set: LHAPDF ids of the beams' PDF sets (PDFSUP), e.g. 230000 for
            NNPDF23_lo_as_0130_qed; -1 for no PDF.
        weighting_strategy: IDWTUP. The default 3 means unweighted events whose weights are all
            equal: MG5 (and colliderax) write σ/N [pb] per event (σ summed over subprocesses,
            N events in the file), so that the weights sum to σ and Pythia accepts every
            event. Use 4 for weighted events (weights in pb; Pythia passes them on).
        generator_name: Name of the generator (``<generator>`` in ``<init>``).
        generator_version: Its version.
        weight_groups: Descriptions of the extra weights (``<initrwgt>``), see
            :func:`scale_variation_group`.
        header_sections: ``(tag, text)`` pairs written verbatim as ``<tag>text</tag>`` in the
            ``<header>`` (e.g. ``("colliderax_run", json)`` or ``("slha", param_card)``).
    """

    beam_pdg: tuple[int, int]
    beam_energy: tuple[float, float]
    processes: tuple[ProcessInfo, ...]
    pdf_group: tuple[int, int] = (0, 0)
    pdf_set: tuple[int, int] = (-1, -1)
    weighting_strategy: int = 3
    generator_name: str = "colliderax"
    generator_version: str = ""
    weight_groups: tuple[WeightGroup, ...] = ()
    header_sections: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "beam_pdg", tuple(int(i) for i in self.beam_pdg))
        object.__setattr__(self, "beam_energy", tuple(float(e) for e in self.beam_energy))
        object.__setattr__(self, "pdf_group", tuple(int(i) for i in self.pdf_group))
        object.__setattr__(self, "pdf_set", tuple(int(i) for i in self.pdf_set))
        object.__setattr__(self, "processes", tuple(self.processes))
        object.__setattr__(self, "weight_groups", tuple(self.weight_groups))
        object.__setattr__(self, "header_sections",
                           tuple((str(t), str(x)) for t, x in self.header_sections))
        for name in ("beam_pdg", "beam_energy", "pdf_group", "pdf_set"):
            if len(getattr(self, name)) != 2:
                msg = f"RunInfo.{name} needs two entries (one per beam), got {getattr(self, name)}"
                raise InvalidInput(msg)
        if not all(math.isfinite(e) and e > 0 for e in self.beam_energy):
            msg = f"beam energies must be positive GeV values, got {self.beam_energy}"
            raise InvalidInput(msg)
        if self.weighting_strategy not in WEIGHTING_STRATEGIES:
            msg = (f"weighting_strategy (IDWTUP) must be one of {WEIGHTING_STRATEGIES}, got "
                   f"{self.weighting_strategy}: use 3 for unweighted, 4 for weighted events")
            raise InvalidInput(msg)
        ids = [p.process_id for p in self.processes]
        if not ids or len(set(ids)) != len(ids):
            msg = f"RunInfo needs at least one process and unique process ids, got {ids}"
            raise InvalidInput(msg)
        for tag, _ in self.header_sections:
            if not tag.replace("_", "").replace("-", "").isalnum() or tag[0].isdigit():
                msg = f"header section tag {tag!r} is not an XML name: use letters, digits, _"
                raise InvalidInput(msg)
            if tag.lower() in _RESERVED_TAGS:
                msg = f"header section tag {tag!r} is an LHE element: choose another name"
                raise InvalidInput(msg)

    @property
    def weight_ids(self) -> tuple[str, ...]:
        """Ids of all extra weights, in group order."""
        return tuple(w.id for g in self.weight_groups for w in g.weights)

    @property
    def xsec(self) -> float:
        """Total cross section [pb] (sum over processes)."""
        return float(sum(p.xsec for p in self.processes))

    def replace(self, **changes: Any) -> RunInfo:
        """A copy with some fields replaced."""
        return dataclasses.replace(self, **changes)


def scale_variation_group(points: Sequence[tuple[float, float]] = SEVEN_POINT, *,
                          pdf: int | None = None,
                          name: str = "Central scale variation") -> WeightGroup:
    """The ``<weightgroup>`` of a μR/μF scale variation, with MG5-compatible ids.

    Args:
        points: (μR/μ0, μF/μ0) factor pairs from the 3×3 grid of
            :data:`SCALE_VARIATION_IDS`; default the 7-point variation.
        pdf: LHAPDF id written as the ``PDF`` attribute, as MG5 does; None leaves it out.
        name: Group name.

    Returns:
        A group with ``combine="envelope"``; weight ``i`` has id ``SCALE_VARIATION_IDS[pair]``
        and attributes ``MUR``, ``MUF`` (and ``PDF``).

    Raises:
        InvalidInput: a pair is not on the grid.
    """
    weights = []
    for mur, muf in points:
        key = (float(mur), float(muf))
        if key not in SCALE_VARIATION_IDS:
            msg = f"scale factors (MUR, MUF) = {key} are not on the (1, 2, 0.5)² grid"
            raise InvalidInput(msg)
        attrs = [("MUR", f"{key[0]:.1f}"), ("MUF", f"{key[1]:.1f}")]
        if pdf is not None:
            attrs.append(("PDF", str(int(pdf))))
        text = " ".join(f"{k.lower()}={v}" for k, v in attrs[:2] if v != "1.0")
        weights.append(WeightInfo(SCALE_VARIATION_IDS[key], text, tuple(attrs)))
    return WeightGroup(name, tuple(weights), "envelope")
