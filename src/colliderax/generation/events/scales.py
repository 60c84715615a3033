"""Renormalisation and factorisation scales: fixed values and MG5's dynamical choices.

MG5 ``dynamical_scale_choice`` (``Template/LO/SubProcesses/setscales.f``), with all sums over
the final state i ≥ 3 (MG5 numbering) and μF = μR for choices 1-4 (``set_fac_scale`` calls
``set_ren_scale``):

* ``1``: Σ E_T,i with E_T = E·p_T/|p| (``et`` in ``kin_functions.f``).
* ``2``: Σ m_T,i, m_T = √max(0, (E+p_z)(E−p_z)) (``sum of the transverse mass``, "HT").
* ``3``: half of choice 2 (HT/2).
* ``4``: √ŝ = √((p1+p2)²).
* ``-1`` (the default): the k_T-clustering scale of ``reweight.f`` (``setclscales``) and
  ``cluster.f`` (``cluster``), at ``ickkw = 0``. ``scalefact`` multiplies every dynamical scale
  once and no fixed one (run card default 1; MG5 resets it to 1 when ``use_syst = True``,
  ``banner.py`` ``check_validity``).

Facts about choice ``-1`` this module relies on (MG5 2.x/3.x ``Template/LO``):

1. **Admissible merges** come from the process's Feynman diagrams (``cluster.f``:
   ``filmap``/``filgrp`` read the integration configurations, ``findmt`` keeps only graphs
   that contain the merged propagator; later merges intersect the surviving graph list).
   Every internal line is registered under its leg mask and its complement, so a t-channel
   line between beam 1 and leg 3 is found as {1, 3}. Configurations are the diagrams
   without four-point vertices (``export_v4.py``: "Only 3-vertices allowed in configs.inc").
   colliderax derives the same table from :func:`~colliderax.generation.amplitudes.diagrams.
   build_diagrams` (MG5's diagram enumeration), dropping four-point-vertex diagrams.
2. **Measures** (``kin_functions.f``, hadron beams): beam–leg ``djb = (E−p_z)(E+p_z)`` =
   m_T², times (1 + 1e-6) when the leg and the beam line point to opposite z hemispheres
   ("prefer clustering when outgoing in direction of incoming"); leg–leg ``dj = max(m_i²,
   m_j²) + min(p_T,i², p_T,j²)·2(cosh Δη − cos Δφ)/D²`` with D = 1, except a massless–massive
   pair (m² < 1 against m² ≥ 1 GeV² at maxjetflavor > 3) which gets ``djb(massless)·(1+1e-6)``;
   a pair on an s-channel resonance's Breit–Wigner peak (|m − M| < bwcutoff·Γ) is measured by
   its invariant mass². Lepton collisions (lpp1 = lpp2 = 0): ``djb = E²``, ``dj`` Durham
   ``2 min(E_i², E_j²)(1 − cos θ_ij)``. The two beams never merge; the smallest measure wins,
   ties go to the first pair in the order (3,1), (3,2), (4,1), (4,2), (4,3), (5,1)...
3. **Merge step** (``cluster.f``): a beam merge makes the spacelike line p_beam − p_leg and
   records m_T² of the leg (``mt2ij``); while more than four lines remain (and the new 2 → n−1
   system has mass² > 100 GeV²) all lines are boosted to that system's rest frame and rotated
   so the new line is along +z. A final-state merge adds the momenta. When three lines remain
   the last vertex's measure is ``djb`` of the leftover final-state line; if the last merge
   was final-state, ``mt2last`` = √(djb(d1)·djb(d2)) of its two daughters and the leftover
   line is boosted back.
4. **Scales** (``setclscales``): walking the merges, per beam side, ``jfirst`` is the first
   beam vertex, ``jlast`` the last one at which the beam line is still a light parton (jet:
   g or |pdg| ≤ maxjetflavor) and ``jcentral`` the last one at which it is still coloured.
   If the last real merge was a final-state QCD vertex of three coloured lines and both
   sides reach the end as partons, the last two vertices take ``mt2last``. The central
   vertex takes the recorded m_T² if it has one; ``pt2(jlast) = max(pt2(jlast),
   pt2(jfirst))``. Then μF,k² = √(pt2(jlast_k)·pt2(jcentral_k)) (the larger of the two when
   both sides share one central vertex), μR = the geometric mean of pt2(jlast₁),
   pt2(jcentral₁), pt2(jlast₂), pt2(jcentral₂) (fewer factors when a side has none; √pt2
   of the last vertex when neither side is coloured); a side with no coloured line takes
   pt2(jfirst) for μF, and with neither, both take pt2 of the last vertex. For 2 → 1 the
   scale is the mass of the produced particle. MG5 vetoes events whose dynamical μF is
   below 2 GeV with a PDF beam ("Too low fact scales"); :func:`mg5_scale_veto` gives it.

Consequences used in the tests: a pure 2 → 2 (``g g > t t~``, ``u u~ > t t~``) gets μR = μF =
m_T of the outgoing pair (equal m_T's; for the s-channel ``u u~ > t t~`` it is
√(m_T,t·m_T,t̄) through ``mt2last``); ``p p > e+ e-`` and ``e+ e- > mu+ mu-`` get √ŝ; ``p p >
z j`` gets m_T(Z); for ``g g > t t~ g`` with a soft gluon the gluon is merged with the beam it
travels along and the scale is m_T of the tops in the tt̄ rest frame, measured from the axis
of the spacelike line.

Approximations (documented in ``docs/cuts_scales.md``): MG5's choices that depend on the
integration channel (``igraphs`` collapsing to ``this_config``, the ``nqcd`` configuration
filter, Breit–Wigner tags from ``this_config`` only, the ``njetstore`` re-clustering) are
replaced by the lowest-numbered surviving diagram and resonance tags from any diagram;
``ipartupdate``'s rewriting of line flavours (it only matters for flavour-changing jet lines)
is not reproduced.
"""

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.generation.model.particles import PARTICLES_BY_NAME, PARTICLES_BY_PDG

logger = logging.getLogger(__name__)

KINDS = ("fixed", "mg5:-1", "mg5:1", "mg5:2", "mg5:3", "mg5:4")
_ALIASES = {
    "fixed": "fixed",
    "mg5:-1": "mg5:-1",
    "-1": "mg5:-1",
    "default": "mg5:-1",
    "cluster": "mg5:-1",
    "ckkw": "mg5:-1",
    "mg5:1": "mg5:1",
    "1": "mg5:1",
    "et": "mg5:1",
    "sum-et": "mg5:1",
    "mg5:2": "mg5:2",
    "2": "mg5:2",
    "ht": "mg5:2",
    "sum-mt": "mg5:2",
    "mg5:3": "mg5:3",
    "3": "mg5:3",
    "ht/2": "mg5:3",
    "mg5:4": "mg5:4",
    "4": "mg5:4",
    "sqrt-shat": "mg5:4",
    "sqrt(shat)": "mg5:4",
    "shat": "mg5:4",
}
_DESCRIPTION = {
    "fixed": "fixed scales",
    "mg5:-1": "MG5 default: k_T clustering to a 2 -> 2 core (setclscales)",
    "mg5:1": "sum of final-state transverse energies",
    "mg5:2": "HT: sum of final-state transverse masses",
    "mg5:3": "HT/2: half the sum of final-state transverse masses",
    "mg5:4": "sqrt(shat): partonic centre-of-mass energy",
}
_MZ = 91.188  # MG5 run_card default for scale, dsqrt_q2fact1, dsqrt_q2fact2


@dataclass(frozen=True)
class ScaleChoice:
    """How μR and μF are set per event (GeV).

    Attributes:
        kind: ``"fixed"`` or an MG5 dynamical choice ``"mg5:-1"``, ``"mg5:1"`` … ``"mg5:4"``.
        mu_r: fixed μR (MG5 ``scale``), used when ``kind == "fixed"`` or ``fixed_ren``.
        mu_f1, mu_f2: fixed μF per beam (MG5 ``dsqrt_q2fact1/2``), used when ``kind ==
            "fixed"`` or ``fixed_fac``.
        fixed_ren, fixed_fac: keep μR (μF) fixed while the other follows ``kind`` (MG5
            ``fixed_ren_scale``/``fixed_fac_scale``).
        mur_factor, muf_factor: multiply μR and μF (fixed or dynamical); MG5's ``scalefact``
            is both (on dynamical scales only, which :meth:`from_run_card` reproduces).
    """

    kind: str = "mg5:-1"
    mu_r: float = _MZ
    mu_f1: float = _MZ
    mu_f2: float = _MZ
    fixed_ren: bool = False
    fixed_fac: bool = False
    mur_factor: float = 1.0
    muf_factor: float = 1.0

    def __post_init__(self):
        if self.kind not in KINDS:
            msg = f"unknown scale choice {self.kind!r}: use one of {', '.join(KINDS)}"
            raise InvalidInput(msg)
        for name in ("mu_r", "mu_f1", "mu_f2", "mur_factor", "muf_factor"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                msg = f"scale {name} must be a positive number, got {value!r}"
                raise InvalidInput(msg)

    @property
    def ren_is_fixed(self) -> bool:
        return self.kind == "fixed" or self.fixed_ren

    @property
    def fac_is_fixed(self) -> bool:
        return self.kind == "fixed" or self.fixed_fac

    @property
    def needs_clustering(self) -> bool:
        """Whether :func:`event_scales` needs a :class:`Clustering` (choice -1, not all fixed)."""
        return self.kind == "mg5:-1" and not (self.fixed_ren and self.fixed_fac)

    @classmethod
    def parse(cls, text: str, **kwargs) -> "ScaleChoice":
        """From a CLI string: ``fixed:173``, ``fixed:173,91.188`` (μR, μF), ``mg5:-1``,
        ``mg5:1`` … ``mg5:4``, or the names ``default``, ``et``, ``ht``, ``ht/2``,
        ``sqrt-shat``. Extra keyword arguments set the other fields (e.g. factors)."""
        word = text.strip().lower()
        if word.startswith("fixed"):
            _, sep, values = word.partition(":")
            if not sep:
                return cls(kind="fixed", **kwargs)
            try:
                numbers = [float(x) for x in values.split(",")]
            except ValueError:
                numbers = []
            if len(numbers) not in (1, 2, 3):
                msg = f"cannot read scale {text!r}: write fixed:MU or fixed:MUR,MUF (GeV)"
                raise InvalidInput(msg)
            mu_r = numbers[0]
            mu_f1 = numbers[1] if len(numbers) > 1 else mu_r
            mu_f2 = numbers[2] if len(numbers) > 2 else mu_f1
            return cls(kind="fixed", mu_r=mu_r, mu_f1=mu_f1, mu_f2=mu_f2, **kwargs)
        if word not in _ALIASES:
            names = "fixed:MU, " + ", ".join(k for k in _ALIASES if k != "fixed")
            msg = f"unknown scale choice {text!r}: use one of {names}"
            raise InvalidInput(msg)
        return cls(kind=_ALIASES[word], **kwargs)

    @classmethod
    def from_run_card(cls, card) -> "ScaleChoice":
        """MG5 semantics of a :class:`~colliderax.io.run_card.RunCard`'s scale keys."""
        code = int(card.dynamical_scale_choice)
        kind = f"mg5:{code}"
        if kind not in KINDS:
            if not (card.fixed_ren_scale and card.fixed_fac_scale):
                msg = (
                    f"dynamical_scale_choice = {code} is not supported: use -1, 1, 2, 3 or 4 "
                    "(or fixed scales)"
                )
                raise InvalidInput(msg)
            kind = "mg5:-1"
        factor = float(card.scalefact)
        if card.use_syst and factor != 1.0:
            logger.warning("use_syst = True: MG5 resets scalefact to 1; doing the same")
            factor = 1.0
        if card.fixed_ren_scale and card.fixed_fac_scale:
            kind = "fixed"
        return cls(
            kind=kind,
            mu_r=float(card.scale),
            mu_f1=float(card.dsqrt_q2fact1),
            mu_f2=float(card.dsqrt_q2fact2),
            fixed_ren=bool(card.fixed_ren_scale) and kind != "fixed",
            fixed_fac=bool(card.fixed_fac_scale) and kind != "fixed",
            mur_factor=1.0 if card.fixed_ren_scale else factor,
            muf_factor=1.0 if card.fixed_fac_scale else factor,
        )

    def with_factors(self, mur_factor: float, muf_factor: float) -> "ScaleChoice":
        """A copy with other μR/μF factors (scale variations)."""
        return dataclasses.replace(self, mur_factor=mur_factor, muf_factor=muf_factor)

    def describe(self) -> dict:
        """A plain dict for result files."""
        out = {
            "kind": self.kind,
            "description": _DESCRIPTION[self.kind],
            "mur_factor": self.mur_factor,
            "muf_factor": self.muf_factor,
        }
        if self.kind != "fixed":
            out["mg5_dynamical_scale_choice"] = int(self.kind.split(":")[1])
        if self.ren_is_fixed:
            out["mu_r"] = self.mu_r
        if self.fac_is_fixed:
            out["mu_f"] = [self.mu_f1, self.mu_f2]
        return out


# --------------------------------------------------------------------------------------
# Clustering description (static, built once per process)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Clustering:
    """What MG5's −1 clustering needs to know about one partonic process (static).

    Attributes:
        pdgs: PDG ids of the legs (two initial first).
        n_diagrams: diagrams (without four-point vertices) the merge table is built from.
        allowed: ``uint32 [2^n, W]``: bit d of mask m set if diagram d has the line m.
        is_qcd, is_jet: ``bool [2^n, n_diagrams]``: the line m of diagram d is coloured /
            a light parton (g or |pdg| ≤ maxjetflavor).
        res_mass, res_width: ``[2^n]`` mass and width of an s-channel resonance on the
            final-state mask m (width 0: none).
        lepton_collider: MG5's lpp1 = lpp2 = 0 measures.
        maxjetflavor, bwcutoff: MG5 run-card values.
    """

    pdgs: tuple[int, ...]
    n_diagrams: int
    allowed: np.ndarray = field(repr=False)
    is_qcd: np.ndarray = field(repr=False)
    is_jet: np.ndarray = field(repr=False)
    res_mass: np.ndarray = field(repr=False)
    res_width: np.ndarray = field(repr=False)
    lepton_collider: bool = False
    maxjetflavor: int = 4
    bwcutoff: float = 15.0


def _colour(pdg: int) -> int:
    part = PARTICLES_BY_PDG.get(pdg)
    return 1 if part is None else part.colour


def _is_jet(pdg: int, maxjetflavor: int) -> bool:
    return abs(pdg) == 21 or abs(pdg) <= maxjetflavor


def _diagram_lines(graph, diagram_of_flow, quartic):
    """Per diagram: {mask: particle} of its internal lines (leg masks, no complements)."""
    lines: dict[int, dict[int, object]] = {}

    def collect(cid, out):
        cur = graph.currents[cid]
        if cur.leg >= 0:
            return
        out[cur.mask] = cur.particle
        for _, e in cur.contributions:
            for child in graph.evaluations[e].children:
                collect(child, out)

    for flow, d in zip(graph.flows, diagram_of_flow, strict=True):
        out = lines.setdefault(d, {})
        for _, e in flow:
            for child in graph.evaluations[e].children:
                collect(child, out)
    keep = [d for d in sorted(lines) if not quartic[d]] or sorted(lines)
    return [lines[d] for d in keep]


def clustering_for(
    process,
    params=None,
    *,
    maxjetflavor: int = 4,
    lepton_collider: bool | None = None,
    bwcutoff: float = 15.0,
    diagram_options: dict | None = None,
) -> Clustering:
    """The static description MG5's −1 scale needs, from the process's diagrams.

    Args:
        process: the legs of one partonic process, initial first: PDG ids ``(21, 21, 6,
            -6)``, MG5 names ``("g", "g", "t", "t~")`` or a string ``"g g > t t~"``.
        params: model parameters (default MG5 ``sm``): active vertices, masses, widths.
        maxjetflavor: MG5 run-card value (light-parton lines and jets).
        lepton_collider: MG5's lpp1 = lpp2 = 0 measures; default: both beams leptons.
        bwcutoff: MG5 run-card value (on-shell window, in widths).
        diagram_options: the keywords of
            :class:`~colliderax.generation.amplitudes.currents.Enumerator` that select the
            process's diagrams (coupling-order bounds such as ``{"max_qcd": 2}``, ``/`` and
            ``$$`` exclusions, a decay chain's or ``> x >``'s required s-channel lines), as
            :attr:`Subprocess.diagram_options` holds them: only those diagrams give merges, as
            MG5's configurations do (a decay chain's resonances are clustered first, so the
            scale is that of the core process). Without coupling-order bounds, MG5's lowest
            ``WEIGHTED`` order of those diagrams applies.

    Raises:
        InvalidInput: not a 2 → n process, unknown particle, or no diagram.
    """
    from colliderax.generation.amplitudes.currents import lowest_weighted_order
    from colliderax.generation.amplitudes.diagrams import build_diagrams
    from colliderax.generation.model.parameters import ModelParameters
    from colliderax.generation.model.particles import antiparticle
    from colliderax.generation.model.vertices import active_vertices

    if isinstance(process, str):
        initial, sep, final = process.partition(">")
        if not sep:
            msg = f"process {process!r} has no '>': write e.g. 'g g > t t~'"
            raise InvalidInput(msg)
        names = [*initial.split(), *final.split()]
        n_initial = len(initial.split())
        pdgs = tuple(_pdg_of(x) for x in names)
    else:
        pdgs = tuple(_pdg_of(x) for x in process)
        n_initial = 2
    if n_initial != 2 or len(pdgs) < 3:
        msg = f"the clustering scale needs a 2 -> n process (n >= 1), got {len(pdgs)} legs"
        raise InvalidInput(msg)
    params = params or ModelParameters()
    vertices = active_vertices(params)
    phys = [PARTICLES_BY_PDG[x] for x in pdgs]
    legs = tuple(p if k < 2 else antiparticle(p) for k, p in enumerate(phys))
    n = len(pdgs)
    if lepton_collider is None:
        lepton_collider = all(abs(x) in (11, 13) for x in pdgs[:2])
    size = 1 << n
    full = size - 1
    if n == 3:
        diagrams = [{}]
    else:
        options = {k: v for k, v in (diagram_options or {}).items() if v is not None}
        if not {"max_qcd", "max_qed", "max_weighted"} & options.keys():
            weighted = lowest_weighted_order(legs, 2, vertices, **options)
            if weighted is None:
                msg = f"no tree-level diagram for {pdgs}: cannot cluster"
                raise InvalidInput(msg)
            options["max_weighted"] = weighted
        built = build_diagrams(legs, 2, vertices, **options)
        graph, diagram_of_flow, quartic = built.graph, built.diagram_of_flow, built.quartic
        if not graph.flows:
            msg = f"no tree-level diagram for {pdgs} with {options}: cannot cluster"
            raise InvalidInput(msg)
        diagrams = _diagram_lines(graph, diagram_of_flow, quartic)
    n_diag = len(diagrams)
    words = (n_diag + 31) // 32
    allowed = np.zeros((size, words), dtype=np.uint32)
    is_qcd = np.zeros((size, n_diag), dtype=bool)
    is_jet = np.zeros((size, n_diag), dtype=bool)
    res_mass = np.zeros(size)
    res_width = np.zeros(size)
    for k, pdg in enumerate(pdgs):
        is_qcd[1 << k, :] = abs(_colour(pdg)) > 1
        is_jet[1 << k, :] = _is_jet(pdg, maxjetflavor)
    for d, lines in enumerate(diagrams):
        for mask, particle in lines.items():
            for m in (mask, full ^ mask):
                allowed[m, d // 32] |= np.uint32(1 << (d % 32))
                is_qcd[m, d] = abs(particle.colour) > 1
                is_jet[m, d] = _is_jet(particle.pdg, maxjetflavor)
            width = params.value(particle.width)
            fs = mask if not mask & 3 else (full ^ mask if mask & 3 == 3 else 0)
            if width > 0 and fs:
                res_mass[fs] = params.value(particle.mass)
                res_width[fs] = width
    return Clustering(
        pdgs=pdgs,
        n_diagrams=n_diag,
        allowed=allowed,
        is_qcd=is_qcd,
        is_jet=is_jet,
        res_mass=res_mass,
        res_width=res_width,
        lepton_collider=bool(lepton_collider),
        maxjetflavor=maxjetflavor,
        bwcutoff=bwcutoff,
    )


def clustering_options(card) -> dict:
    """The :func:`clustering_for` keywords an MG5 run card sets (``maxjetflavor``,
    ``bwcutoff`` and the lepton-collider measures for ``lpp1 = lpp2 = 0``)."""
    return {
        "maxjetflavor": int(card.maxjetflavor),
        "lepton_collider": card.lpp1 == 0 and card.lpp2 == 0,
        "bwcutoff": float(card.bwcutoff),
    }


def _pdg_of(x) -> int:
    if isinstance(x, int | np.integer):
        if int(x) not in PARTICLES_BY_PDG:
            msg = f"unknown PDG id {x} in the process"
            raise InvalidInput(msg)
        return int(x)
    if x not in PARTICLES_BY_NAME:
        msg = f"unknown particle {x!r} in the process"
        raise InvalidInput(msg)
    return PARTICLES_BY_NAME[x].pdg


# --------------------------------------------------------------------------------------
# Kinematics helpers (traced)
# --------------------------------------------------------------------------------------


def _mass2(p):
    return p[..., 0] ** 2 - p[..., 1] ** 2 - p[..., 2] ** 2 - p[..., 3] ** 2


def _pt2(p):
    return p[..., 1] ** 2 + p[..., 2] ** 2


def _djb(p, lepton: bool):
    if lepton:
        return jnp.maximum(p[..., 0], 0.0) ** 2
    return (p[..., 0] - p[..., 3]) * (p[..., 0] + p[..., 3])


def _eta(p):
    pt2 = _pt2(p)
    a = jnp.sqrt(pt2 + p[..., 3] ** 2)
    num = jnp.where(pt2 > 0, a + p[..., 3], 1.0)
    den = jnp.where(pt2 > 0, a - p[..., 3], 1.0)
    return 0.5 * jnp.log(num / den)


def _dj(p1, m1, p2, m2, lepton: bool, maxjetflavor: int):
    if lepton:
        a1 = jnp.sqrt(jnp.sum(p1[..., 1:] ** 2, axis=-1))
        a2 = jnp.sqrt(jnp.sum(p2[..., 1:] ** 2, axis=-1))
        den = a1 * a2
        cos = jnp.sum(p1[..., 1:] * p2[..., 1:], axis=-1) / jnp.where(den > 0, den, 1.0)
        return jnp.where(den > 0, 2 * jnp.minimum(p1[..., 0] ** 2, p2[..., 0] ** 2) * (1 - cos), 0)
    pt1, pt2 = _pt2(p1), _pt2(p2)
    den = jnp.sqrt(pt1 * pt2)
    cosphi = (p1[..., 1] * p2[..., 1] + p1[..., 2] * p2[..., 2]) / jnp.where(den > 0, den, 1.0)
    general = jnp.maximum(m1, m2) + jnp.minimum(pt1, pt2) * 2.0 * (
        jnp.cosh(_eta(p1) - _eta(p2)) - cosphi
    )
    if maxjetflavor <= 3:
        return general
    # MG5: m² ≥ 3 at maxjetflavor > 4, or m² ≥ 1 at maxjetflavor > 3: so m² ≥ 1 here.
    massive2 = m2 >= 1.0
    massive1 = m1 >= 1.0
    out = jnp.where((m1 < 1.0) & massive2, _djb(p1, False) * (1 + 1e-6), general)
    return jnp.where(
        ~((m1 < 1.0) & massive2) & (m2 < 1.0) & massive1, _djb(p2, False) * (1 + 1e-6), out
    )


def _boostx(p, q):
    """HELAS ``boostx``: boost p by the boost that takes a particle at rest to momentum q."""
    qq = jnp.sum(q[..., 1:] ** 2, axis=-1)
    qm = jnp.sqrt(jnp.maximum(q[..., 0] ** 2 - qq, 1e-300))
    pq = jnp.sum(p[..., 1:] * q[..., 1:], axis=-1)
    safe = jnp.where(qq > 0, qq, 1.0)
    lf = ((q[..., 0] - qm) * pq / safe + p[..., 0]) / qm
    e = (p[..., 0] * q[..., 0] + pq) / qm
    boosted = jnp.concatenate([e[..., None], p[..., 1:] + q[..., 1:] * lf[..., None]], axis=-1)
    return jnp.where((qq > 0)[..., None], boosted, p)


def _rotation_to_z(p1):
    """MG5 ``constr(p1, z)``: axis n = p1 × z, its norm², cos and sin of the angle."""
    a = jnp.sqrt(jnp.sum(p1[..., 1:] ** 2, axis=-1))
    ct = jnp.clip(p1[..., 3] / jnp.where(a > 0, a, 1.0), -1.0, 1.0)
    st = jnp.sqrt(1.0 - ct * ct)
    axis = jnp.stack([p1[..., 2], -p1[..., 1], jnp.zeros_like(ct)], axis=-1)
    nn2 = jnp.sum(axis**2, axis=-1)
    nn2 = jnp.where(nn2 <= 1e-34, 0.0, nn2)
    return axis, nn2, ct, st


def _rotate(p, axis, nn2, ct, st, direction: float):
    """MG5 ``rotate``: rotate p's 3-vector about ``axis`` (no rotation when nn2 = 0).

    ``p`` is ``[N, 4]`` or ``[N, m, 4]``; the rotation parameters are per event.
    """
    if p.ndim == 3:
        axis, nn2, ct, st = axis[:, None, :], nn2[:, None], ct[:, None], st[:, None]
    v = p[..., 1:]
    safe = jnp.where(nn2 > 0, nn2, 1.0)
    along = axis * (jnp.sum(axis * v, axis=-1) / safe)[..., None]
    perp = v - along
    cross = jnp.cross(axis, perp)
    rotated = along + ct[..., None] * perp + (direction * st / jnp.sqrt(safe))[..., None] * cross
    out = jnp.concatenate([p[..., :1], rotated], axis=-1)
    return jnp.where((nn2 > 0)[..., None], out, p)


def _take(x, index):
    """x[k, index[k]] for x [N, m, ...] and index [N]."""
    idx = index.reshape(index.shape + (1,) * (x.ndim - 1))
    return jnp.take_along_axis(x, idx, axis=1)[:, 0]


# --------------------------------------------------------------------------------------
# The −1 scale (traced)
# --------------------------------------------------------------------------------------


def _cluster_scales(cl: Clustering, p):
    """MG5 −1 central scales: (μR, μF1, μF2) ``[N]`` each, before factors."""
    n = len(cl.pdgs)
    nev = p.shape[0]
    lepton = cl.lepton_collider
    dtype = p.dtype
    if n == 3:
        m = jnp.sqrt(jnp.maximum(_mass2(p[:, 2]), 0.0))
        return m, m, m
    big = jnp.asarray(np.inf, dtype)
    allowed = jnp.asarray(cl.allowed)
    res_mass = jnp.asarray(cl.res_mass, dtype)
    res_width = jnp.asarray(cl.res_width, dtype)
    cj = np.array([j for i in range(2, n) for j in range(i)], dtype=np.int32)
    ci = np.array([i for i in range(2, n) for j in range(i)], dtype=np.int32)
    cand_is = cj < 2

    P = p
    m2 = _mass2(p)
    m2 = jnp.where(jnp.abs(m2) < 1e-6, 0.0, m2)  # MG5 dot() clamps below 1e-6
    mask = jnp.broadcast_to(jnp.asarray(1 << np.arange(n), jnp.int32), (nev, n))
    alive = jnp.ones((nev, n), bool)
    graphs = jnp.full((nev, cl.allowed.shape[1]), np.uint32(0xFFFFFFFF), jnp.uint32)
    last_pcmsp = jnp.zeros((nev, 4), dtype)
    rot = (
        jnp.zeros((nev, 3), dtype),
        jnp.zeros(nev, dtype),
        jnp.ones(nev, dtype),
        jnp.zeros(nev, dtype),
    )
    L = n - 2
    pt2 = [jnp.zeros(nev, dtype)]  # index 0 unused (MG5 vertices are 1-based)
    mt2ij = [jnp.zeros(nev, dtype)]
    rec = []  # per real merge: (is_IS, side, d1, d2, mo)
    failed = jnp.zeros(nev, bool)
    mt2last = jnp.zeros(nev, dtype)
    for step in range(1, L):
        nleft = n - step + 1
        pi, pj = P[:, ci], P[:, cj]
        mi, mj = mask[:, ci], mask[:, cj]
        merged = mi | mj
        adm = jnp.any((allowed[merged] & graphs[:, None, :]) != 0, axis=-1)
        adm &= alive[:, ci] & alive[:, cj]
        crossed = jnp.signbit(pi[..., 3]) != jnp.signbit(pj[..., 3])
        is_measure = _djb(pi, lepton) * jnp.where(crossed, 1 + 1e-6, 1.0)
        s = _mass2(pi + pj)
        width = res_width[merged]
        on_bw = (width > 0) & (
            jnp.abs(jnp.sqrt(jnp.maximum(s, 0.0)) - res_mass[merged]) < cl.bwcutoff * width
        )
        fs_measure = jnp.where(on_bw, s, _dj(pi, m2[:, ci], pj, m2[:, cj], lepton, cl.maxjetflavor))
        measure = jnp.where(cand_is, is_measure, fs_measure)
        measure = jnp.where(adm, measure, big)
        w = jnp.argmin(measure, axis=-1)
        best = jnp.min(measure, axis=-1)
        failed |= ~jnp.isfinite(best)
        wj, wi = jnp.asarray(cj)[w], jnp.asarray(ci)[w]
        is_is = wj < 2
        bw_w = _take(on_bw, w)
        pjw, piw = _take(P, wj), _take(P, wi)
        m2j, m2i = _take(m2, wj), _take(m2, wi)
        mjw, miw = _take(mask, wj), _take(mask, wi)
        mother = jnp.where(is_is[:, None], pjw - piw, pjw + piw)
        mother_m2 = jnp.where((m2j > 0) | (m2i > 0), jnp.maximum(m2j, m2i), 0.0)
        mother_m2 = jnp.where(~is_is & bw_w, best, mother_m2)
        pt2.append(best)
        mt2ij.append(jnp.where(is_is, _djb(piw, lepton), 0.0))
        rec.append((is_is, wj, mjw, miw, mjw | miw))
        if step == L - 1:
            mt2last = jnp.where(
                is_is, 0.0, jnp.sqrt(jnp.abs(_djb(pjw, lepton) * _djb(piw, lepton)))
            )
        slots = jnp.arange(n)
        hot_j = slots[None, :] == wj[:, None]
        hot_i = slots[None, :] == wi[:, None]
        P = jnp.where(hot_j[..., None], mother[:, None, :], P)
        m2 = jnp.where(hot_j, mother_m2[:, None], m2)
        mask = jnp.where(hot_j, (mjw | miw)[:, None], mask)
        alive &= ~hot_i
        graphs &= allowed[mjw | miw]
        other = _take(P, 1 - jnp.minimum(wj, 1))
        pcmsp = jnp.concatenate(
            [(mother[:, 0] + other[:, 0])[:, None], -(mother[:, 1:] + other[:, 1:])], axis=-1
        )
        last_pcmsp = jnp.where(is_is[:, None], pcmsp, last_pcmsp)
        if nleft > 4:
            boost = is_is & (_mass2(pcmsp) > 100.0)
            Pb = _boostx(P, pcmsp[:, None, :])
            axis, nn2, ct, st = _rotation_to_z(_take(Pb, wj))
            Pr = _rotate(Pb, axis, nn2, ct, st, 1.0)
            P = jnp.where(boost[:, None, None], Pr, P)
            rot = tuple(
                jnp.where(boost.reshape((nev,) + (1,) * (new.ndim - 1)), new, old)
                for new, old in zip((axis, nn2, ct, st), rot, strict=True)
            )
    # the last vertex: the two beam lines and the leftover final-state line
    r = jnp.argmax(alive[:, 2:], axis=-1) + 2
    last = _take(P, r)
    last_is = rec[-1][0]
    undo = ~last_is & (_mass2(last_pcmsp) > 100.0)
    back = _rotate(last, *rot, -1.0)
    back = _boostx(back, jnp.concatenate([last_pcmsp[:, :1], -last_pcmsp[:, 1:]], axis=-1))
    last = jnp.where(undo[:, None], back, last)
    pt2.append(_djb(last, lepton))
    mt2ij.append(jnp.zeros(nev, dtype))
    rec.append(
        (jnp.zeros(nev, bool), jnp.zeros(nev, jnp.int32), mask[:, 0], mask[:, 1], _take(mask, r))
    )

    # the surviving diagram whose line flavours the walk reads (MG5 igraphs(1))
    bits = (graphs[:, :, None] >> jnp.arange(32, dtype=jnp.uint32)) & 1
    dstar = jnp.argmax(bits.reshape(nev, -1)[:, : cl.n_diagrams] != 0, axis=-1)
    qcd_tab, jet_tab = jnp.asarray(cl.is_qcd), jnp.asarray(cl.is_jet)

    def isqcd(m):
        return qcd_tab[m, dstar]

    def isjet(m):
        return jet_tab[m, dstar]

    beams_qcd = [bool(cl.is_qcd[1 << k, 0]) for k in (0, 1)]
    goodjet = jnp.broadcast_to(
        jnp.asarray(
            [
                beams_qcd[0]
                if m == 1
                else beams_qcd[1]
                if m == 2
                else (bool(cl.is_jet[m, 0]) if m & (m - 1) == 0 else False)
                for m in range(1 << n)
            ]
        ),
        (nev, 1 << n),
    )
    zeros = jnp.zeros(nev, jnp.int32)
    jfirst, jlast, jcentral = [zeros, zeros], [zeros, zeros], [zeros, zeros]
    partonline = [jnp.full(nev, beams_qcd[0]), jnp.full(nev, beams_qcd[1])]
    qcdline = list(partonline)
    rows = jnp.arange(nev)
    for step in range(1, L + 1):
        is_is, side, d1, d2, mo = rec[step - 1]
        final = step == L
        for k in (0, 1):
            sel = jnp.ones(nev, bool) if final else is_is & (side == k)
            po, qc = partonline[k], qcdline[k]
            jfirst[k] = jnp.where(sel & (jfirst[k] == 0), step, jfirst[k])
            jlast[k] = jnp.where(sel & po, step, jlast[k])
            jcentral[k] = jnp.where(sel & qc, step, jcentral[k])
            if not final:
                partonline[k] = jnp.where(sel & po, goodjet[rows, d2] & isjet(mo), po)
                qcdline[k] = jnp.where(sel & qc, isqcd(mo), qc)
        if not final:
            value = isjet(mo) & goodjet[rows, d1] & goodjet[rows, d2]
            goodjet = goodjet.at[rows, mo].set(jnp.where(is_is, goodjet[rows, mo], value))
    for k in (0, 1):
        jfirst[k] = jnp.where(jfirst[k] <= 0, jlast[k], jfirst[k])

    pt2 = jnp.stack(pt2, axis=1)  # [N, L+1]
    mt2 = jnp.stack(mt2ij, axis=1)
    _, _, d1p, d2p, mop = rec[L - 2]
    fire = (
        (mt2last > 4.0) & (jlast[0] == L) & (jlast[1] == L) & isqcd(d1p) & isqcd(d2p) & isqcd(mop)
    )
    cols = jnp.arange(L + 1)[None, :]
    mt2 = jnp.where(fire[:, None] & (cols >= L - 1), mt2last[:, None], mt2)

    def get(x, idx):
        return jnp.take_along_axis(x, idx[:, None], axis=1)[:, 0]

    def put(x, idx, value, where):
        return jnp.where(where[:, None] & (cols == idx[:, None]), value[:, None], x)

    for k in (0, 1):
        c = jcentral[k]
        pt2 = put(pt2, c, get(mt2, c), (c > 0) & (get(mt2, c) > 0))
    for k in (0, 1):
        lk = jlast[k]
        pt2 = put(pt2, lk, jnp.maximum(get(pt2, lk), get(pt2, jfirst[k])), lk > 0)

    q2 = [
        jnp.where(jlast[k] > 0, jnp.sqrt(get(pt2, jlast[k]) * get(pt2, jcentral[k])), 0.0)
        for k in (0, 1)
    ]
    shared = (jcentral[0] > 0) & (jcentral[0] == jcentral[1])
    top = jnp.maximum(q2[0], q2[1])
    q2 = [jnp.where(shared, top, q2[0]), jnp.where(shared, top, q2[1])]

    g = [get(pt2, jlast[k]) for k in (0, 1)]
    c = [get(pt2, jcentral[k]) for k in (0, 1)]
    lastv = pt2[:, L]
    mu_r = jnp.sqrt(lastv)
    mu_r = jnp.where(jcentral[1] > 0, jnp.sqrt(c[1]), mu_r)
    mu_r = jnp.where(jcentral[0] > 0, jnp.sqrt(c[0]), mu_r)
    mu_r = jnp.where((jcentral[0] > 0) & (jcentral[1] > 0), (c[0] * c[1]) ** 0.25, mu_r)
    mu_r = jnp.where(jlast[1] > 0, (g[1] * c[1]) ** 0.25, mu_r)
    mu_r = jnp.where(jlast[0] > 0, (g[0] * c[0]) ** 0.25, mu_r)
    mu_r = jnp.where((jlast[0] > 0) & (jlast[1] > 0), (g[0] * c[0] * g[1] * c[1]) ** 0.125, mu_r)

    none = (jcentral[0] == 0) & (jcentral[1] == 0)
    q2 = [
        jnp.where(none, lastv, jnp.where(jcentral[k] == 0, get(pt2, jfirst[k]), q2[k]))
        for k in (0, 1)
    ]
    nan = jnp.asarray(np.nan, dtype)
    out = (mu_r, jnp.sqrt(q2[0]), jnp.sqrt(q2[1]))
    return tuple(jnp.where(failed, nan, x) for x in out)


@lru_cache(maxsize=64)
def _jitted_cluster_scales(cl: Clustering):
    # One compiled function per process: eager dispatch of the many small ops is slow, and
    # inside an outer jit this nests at no cost.
    return jax.jit(lambda p: _cluster_scales(cl, p))


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def _dynamic(kind: str, p):
    final = p[:, 2:]
    if kind == "mg5:1":
        pt = jnp.sqrt(_pt2(final))
        a = jnp.sqrt(_pt2(final) + final[..., 3] ** 2)
        et = jnp.where(pt > 0, final[..., 0] * pt / jnp.where(a > 0, a, 1.0), 0.0)
        return jnp.sum(et, axis=-1)
    if kind in ("mg5:2", "mg5:3"):
        mt = jnp.sqrt(
            jnp.maximum((final[..., 0] + final[..., 3]) * (final[..., 0] - final[..., 3]), 0.0)
        )
        total = jnp.sum(mt, axis=-1)
        return total if kind == "mg5:2" else total / 2.0
    return jnp.sqrt(jnp.maximum(_mass2(p[:, 0] + p[:, 1]), 0.0))


def event_scales_per_beam(
    choice: ScaleChoice, p, pdgs: tuple[int, ...], clustering: Clustering | None = None
):
    """μR and the two μF per event: ``(mu_r, mu_f1, mu_f2)``, each ``[N]`` in GeV.

    Args:
        choice: the scale choice.
        p: lab-frame momenta ``[N, n, 4]`` (E, px, py, pz in GeV), the two initial partons
            first (MG5 order). Masses are read from p² (as MG5 does).
        pdgs: static PDG ids of the n legs.
        clustering: from :func:`clustering_for` (same legs); needed for ``mg5:-1``.

    Returns:
        Three ``[N]`` arrays; jax-traceable. For ``mg5:-1``, NaN marks an event that no
        admissible merge sequence describes (MG5 stops there).
    """
    pdgs = tuple(int(x) for x in pdgs)
    if p.ndim != 3 or p.shape[1] != len(pdgs) or p.shape[2] != 4:
        msg = f"momenta must be [N, {len(pdgs)}, 4] for {len(pdgs)} PDG ids, got {p.shape}"
        raise InvalidInput(msg)
    nev = p.shape[0]
    # Opaque to XLA: constant-folding α_s running and PDF interpolation at a fixed scale makes
    # XLA's algebraic simplifier loop (it logs an error) and saves nothing per event.
    ones = jax.lax.optimization_barrier(jnp.ones(nev, p.dtype))
    if choice.needs_clustering:
        if clustering is None:
            msg = "scale choice mg5:-1 needs a Clustering: build it with clustering_for(process)"
            raise InvalidInput(msg)
        if clustering.pdgs != pdgs:
            msg = f"the Clustering is for {clustering.pdgs}, not {pdgs}: build one per process"
            raise InvalidInput(msg)
        mu_r, mu_f1, mu_f2 = _jitted_cluster_scales(clustering)(p)
    elif choice.kind == "fixed" or (choice.fixed_ren and choice.fixed_fac):
        mu_r = mu_f1 = mu_f2 = ones
    else:
        mu_r = mu_f1 = mu_f2 = _dynamic(choice.kind, p)
    if choice.ren_is_fixed:
        mu_r = choice.mu_r * ones
    if choice.fac_is_fixed:
        mu_f1, mu_f2 = choice.mu_f1 * ones, choice.mu_f2 * ones
    return choice.mur_factor * mu_r, choice.muf_factor * mu_f1, choice.muf_factor * mu_f2


def event_scales(
    choice: ScaleChoice, p, pdgs: tuple[int, ...], clustering: Clustering | None = None
):
    """μR and μF per event: ``(mu_r [N], mu_f [N])`` in GeV (see :func:`event_scales_per_beam`).

    MG5 has one μF per beam; they differ only for fixed ``dsqrt_q2fact1 != dsqrt_q2fact2`` or,
    under ``mg5:-1``, when no colour line joins the two beams through the core (e.g. VBF).
    There this returns their geometric mean; use :func:`event_scales_per_beam` to keep both.
    """
    mu_r, f1, f2 = event_scales_per_beam(choice, p, pdgs, clustering)
    return mu_r, jnp.sqrt(f1 * f2)


def mg5_scale_veto(mu_f1, mu_f2, lpp: tuple[int, int] = (1, 1)):
    """MG5's "Too low fact scales" rejection: ``bool [N]``, True where the event is vetoed
    (a beam with a PDF has a dynamical μF < 2 GeV; ``reweight.f``, ``setclscales``)."""
    low1 = (lpp[0] != 0) & (mu_f1 < 2.0)
    low2 = (lpp[1] != 0) & (mu_f2 < 2.0)
    return low1 | low2
