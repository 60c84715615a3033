"""MadGraph5 LO generation cuts (run_card names and defaults) and user cut functions.

Facts from MG5's LO code that this module follows (MG5 2.x/3.x, ``Template/LO``):

* Defaults: ``RunCardLO.default_setup`` in ``madgraph/various/banner.py`` (ptj=20, ptb=0,
  pta=10, ptl=10, etaj=5, etab=-1, etaa=etal=2.5, drjj=drll=draa=draj=drjl=dral=0.4, the
  other ΔR and all invariant-mass minima 0, every maximum -1 = no cut, maxjetflavor=4).
* Particle classes (``SubProcesses/setcuts.f``), final state only: a *jet* is a gluon or a
  quark with |pdg| ≤ min(maxjetflavor, 6); a *b* is a quark with maxjetflavor < |pdg| ≤ 5
  (so b is not a jet at the default maxjetflavor = 4); *leptons* are e, μ, τ of either
  charge; *photons* pdg 22; neutrinos only enter the missing-E_T cut. No per-particle cut
  applies to particles heavier than 20 GeV (t, W, Z, H) or to neutrinos. *Heavy* (for
  ``ptheavy``) means heavier than 10 GeV, i.e. t, W, Z, H in the ``sm`` model.
* Kinematics (``SubProcesses/cuts.f``, ``Source/kin_functions.f``): ``pt`` cuts use p_T; the
  ``eta*`` cuts use the **rapidity** y = ½ ln((E+p_z)/(E−p_z)) (``rap``, with E, not |p|;
  for massless particles y = η); ΔR² = Δy² + Δφ² (``R2`` uses ``rap`` too), with Δφ the
  arccos of the clamped transverse cosine. A particle fails ``pt < min`` or
  ``max ≥ 0 and pt > max``; E fails ``E ≤ emin``; |y| fails ``> max`` or ``< min``.
* Invariant masses: ``mmjj`` jet pairs, ``mmbb`` b pairs, ``mmaa`` photon pairs, ``mmll``
  same-flavour opposite-charge lepton pairs only. When both are set and min > max, MG5
  vetoes the window (max, min) instead (``cuts.f``); this is kept, not an error.
* ``misset``: p_T of the vector sum of neutrinos, only when there are neutrinos.
  ``ptheavy``: at least one heavy particle with p_T > ptheavy (when there is one).
  ``xptj/xptb/xpta/xptl``: at least one particle of the class with p_T ≥ x.
  ``htjmin/htjmax``: scalar sum of jet p_T; ``ihtmin/ihtmax``: jets plus b's.

Not implemented (a non-default value raises :class:`InvalidInput`): Frixione photon
isolation (``ptgmin``, ``R0gamma``, ``xn``, ``epsgamma``, ``isoEM``); the p_T-ordered
``ptj1min``… and ``ptl1min``… cuts, ``ptllmin``, ``mmnl``, PDG-specific cuts, WBF cuts and
``xqcut`` are not fields here.

Decay chains: with ``cut_decays`` false (MG5's default), the decay products of a decay chain's
resonances are exempt from every cut, as in MG5; ``cut_decays = true`` cuts them like any other
final-state particle.

:func:`cut_mask` is jax-traceable. The selection of which particles and pairs each cut
touches is done in Python once per PDG tuple (cached); only array operations are traced.
"""

import dataclasses
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput

CutFunction = Callable[[object, tuple[int, ...]], object]
"""A user cut: ``(p [N, n, 4], pdgs) -> bool [N]`` (True keeps the event), jax-traceable."""

_LEPTONS = frozenset({11, 13, 15})
_NEUTRINOS = frozenset({12, 14, 16})
_HEAVY = frozenset({6, 23, 24, 25})  # sm particles heavier than 10 GeV (MG5 is_heavy)
_UNCUT = frozenset({6, 23, 24, 25})  # heavier than 20 GeV: MG5 do_cuts = .false.

# (min field, max field) pairs checked for contradictions; "max < 0" means no maximum.
_RANGES = [
    *((f"pt{c}", f"pt{c}max") for c in "jbal"),
    *((f"e{c}", f"e{c}max") for c in "jbal"),
    *((f"eta{c}min", f"eta{c}") for c in "jbal"),
    *(
        (f"dr{p}", f"dr{p}max")
        for p in ("jj", "bb", "ll", "aa", "bj", "aj", "jl", "ab", "bl", "al")
    ),
    ("misset", "missetmax"),
    ("ihtmin", "ihtmax"),
    ("htjmin", "htjmax"),
]
_MASS_RANGES = [(f"mm{p}", f"mm{p}max") for p in ("jj", "bb", "aa", "ll")]


@dataclass(frozen=True)
class CutKeys:
    """The MG5 run-card keys of the generation cuts, with MG5's LO defaults (GeV; rapidities
    and ΔR dimensionless): the fields of :class:`Cuts` and of the run card
    (:class:`colliderax.io.run_card.RunCard`). A negative maximum means no cut (MG5 writes
    -1); ``etaj``/``etab``/``etaa``/``etal`` are maxima of |y|.
    """

    ptj: float = 20.0
    ptb: float = 0.0
    pta: float = 10.0
    ptl: float = 10.0
    misset: float = 0.0
    ptheavy: float = 0.0
    ptjmax: float = -1.0
    ptbmax: float = -1.0
    ptamax: float = -1.0
    ptlmax: float = -1.0
    missetmax: float = -1.0
    ej: float = 0.0
    eb: float = 0.0
    ea: float = 0.0
    el: float = 0.0
    ejmax: float = -1.0
    ebmax: float = -1.0
    eamax: float = -1.0
    elmax: float = -1.0
    etaj: float = 5.0
    etab: float = -1.0
    etaa: float = 2.5
    etal: float = 2.5
    etajmin: float = 0.0
    etabmin: float = 0.0
    etaamin: float = 0.0
    etalmin: float = 0.0
    drjj: float = 0.4
    drbb: float = 0.0
    drll: float = 0.4
    draa: float = 0.4
    drbj: float = 0.0
    draj: float = 0.4
    drjl: float = 0.4
    drab: float = 0.0
    drbl: float = 0.0
    dral: float = 0.4
    drjjmax: float = -1.0
    drbbmax: float = -1.0
    drllmax: float = -1.0
    draamax: float = -1.0
    drbjmax: float = -1.0
    drajmax: float = -1.0
    drjlmax: float = -1.0
    drabmax: float = -1.0
    drblmax: float = -1.0
    dralmax: float = -1.0
    mmjj: float = 0.0
    mmbb: float = 0.0
    mmaa: float = 0.0
    mmll: float = 0.0
    mmjjmax: float = -1.0
    mmbbmax: float = -1.0
    mmaamax: float = -1.0
    mmllmax: float = -1.0
    xptj: float = 0.0
    xptb: float = 0.0
    xpta: float = 0.0
    xptl: float = 0.0
    ihtmin: float = 0.0
    ihtmax: float = -1.0
    htjmin: float = 0.0
    htjmax: float = -1.0
    ptgmin: float = 0.0
    maxjetflavor: int = 4
    cut_decays: bool = False


@dataclass(frozen=True)
class Cuts(CutKeys):
    """MG5 generation cuts (the fields of :class:`CutKeys`), checked for consistency."""

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "cut_decays":
                if not isinstance(value, bool):
                    msg = f"cut_decays must be true or false, got {value!r}"
                    raise InvalidInput(msg)
                continue
            if f.name == "maxjetflavor":
                if not (isinstance(value, int) and 0 <= value <= 6):
                    msg = f"maxjetflavor must be an integer from 0 to 6, got {value!r}"
                    raise InvalidInput(msg)
                continue
            if not isinstance(value, int | float) or not math.isfinite(value):
                msg = f"cut {f.name} must be a finite number, got {value!r}"
                raise InvalidInput(msg)
            if not _is_max(f.name) and value < 0:
                msg = f"cut {f.name} = {value} is negative: minima must be >= 0 (use 0 for none)"
                raise InvalidInput(msg)
        for lo, hi in _RANGES:
            if getattr(self, hi) >= 0 and getattr(self, lo) > getattr(self, hi):
                msg = (
                    f"cut {lo} = {getattr(self, lo)} exceeds {hi} = {getattr(self, hi)}: "
                    f"no event can pass; lower {lo} or raise {hi} (-1 = no maximum)"
                )
                raise InvalidInput(msg)
        if self.ptgmin > 0:
            msg = (
                "ptgmin > 0 (Frixione photon isolation) is not supported: set ptgmin = 0 and "
                "use pta/draj"
            )
            raise InvalidInput(msg)

    @classmethod
    def from_run_card(cls, card) -> "Cuts":
        """The cuts of an MG5 run card (:class:`colliderax.io.run_card.RunCard`)."""
        return cls(**{f.name: getattr(card, f.name) for f in fields(cls)})

    @classmethod
    def none(cls) -> "Cuts":
        """No cuts at all (every minimum 0, every maximum -1)."""
        return cls(**{f.name: -1.0 if _is_max(f.name) else 0.0 for f in fields(cls)
                      if f.name not in ("maxjetflavor", "cut_decays")})

    def with_overrides(self, overrides: Mapping[str, float]) -> "Cuts":
        """A copy with some cuts changed, e.g. ``cuts.with_overrides({"ptj": 30})``.

        Raises:
            InvalidInput: an unknown cut name (listing close matches) or a contradiction.
        """
        names = [f.name for f in fields(self)]
        changes = {}
        for name, value in overrides.items():
            key = name.lower()
            if key not in names:
                close = difflib.get_close_matches(key, names, n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                msg = f"unknown cut {name!r}{hint}"
                raise InvalidInput(msg)
            if key == "cut_decays":
                changes[key] = bool(float(value))
            else:
                changes[key] = int(value) if key == "maxjetflavor" else float(value)
        return dataclasses.replace(self, **changes)

    def describe(self) -> dict[str, float]:
        """The cuts as a plain dict (for result files)."""
        return dataclasses.asdict(self)


def _is_max(name: str) -> bool:
    return name.endswith("max") or name in ("etaj", "etab", "etaa", "etal")


def particle_class(pdg: int, maxjetflavor: int = 4) -> str | None:
    """MG5's cut class of a final-state particle: ``"j"``, ``"b"``, ``"l"``, ``"a"`` or None."""
    a = abs(pdg)
    if a in _UNCUT:
        return None
    if a == 21 or a <= min(maxjetflavor, 6):
        return "j"
    if maxjetflavor < a <= 5:
        return "b"
    if a in _LEPTONS:
        return "l"
    if pdg == 22:
        return "a"
    return None


@dataclass(frozen=True)
class _Plan:
    """Static (Python-side) description of which particles and pairs each cut touches."""

    single: tuple  # (indices, pt_lo, pt_hi, e_lo, e_hi, y_lo, y_hi) as numpy arrays
    pairs_dr: tuple  # (i, j, dr2_lo, dr2_hi)
    pairs_mass: tuple  # (i, j, s_lo, s_hi)
    neutrinos: tuple[int, ...]
    heavy: tuple[int, ...]
    at_least_one: tuple  # ((indices, threshold), ...)
    jets: tuple[int, ...]
    bs: tuple[int, ...]


def _hi(value: float) -> float:
    return np.inf if value < 0 else value


@lru_cache(maxsize=256)
def _plan(cuts: Cuts, pdgs: tuple[int, ...], n_initial: int,
          decay_products: tuple[int, ...]) -> _Plan:
    exempt = () if cuts.cut_decays else decay_products
    final = [i for i in range(n_initial, len(pdgs)) if i not in exempt]
    cls = {i: particle_class(pdgs[i], cuts.maxjetflavor) for i in final}
    idx, rows = [], []
    for i in final:
        c = cls[i]
        if c is None:
            continue
        g = lambda name, c=c: getattr(cuts, name.format(c))  # noqa: E731
        idx.append(i)
        rows.append(
            (
                g("pt{}"),
                _hi(g("pt{}max")),
                g("e{}"),
                _hi(g("e{}max")),
                g("eta{}min"),
                _hi(g("eta{}")),
            )
        )
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    single = (np.asarray(idx, dtype=np.int32), *table.T)

    dr_i, dr_j, dr_lo, dr_hi = [], [], [], []
    m_i, m_j, m_lo, m_hi = [], [], [], []
    order = "jbla"
    for i in final:
        for j in final:
            if j <= i or cls[i] is None or cls[j] is None:
                continue
            a, b = sorted((cls[i], cls[j]), key=order.index)
            name = {
                "jj": "jj",
                "bb": "bb",
                "ll": "ll",
                "aa": "aa",
                "jb": "bj",
                "ja": "aj",
                "jl": "jl",
                "ba": "ab",
                "bl": "bl",
                "la": "al",
            }[a + b]
            lo, hi = getattr(cuts, f"dr{name}"), getattr(cuts, f"dr{name}max")
            if lo > 0 or hi >= 0:
                dr_i.append(i)
                dr_j.append(j)
                dr_lo.append(lo * lo)
                dr_hi.append(hi * abs(hi))
            mass = None
            if a == b and a in "jba":
                mass = a * 2
            elif a == b == "l" and abs(pdgs[i]) == abs(pdgs[j]) and pdgs[i] * pdgs[j] < 0:
                mass = "ll"
            if mass is not None:
                lo, hi = getattr(cuts, f"mm{mass}"), getattr(cuts, f"mm{mass}max")
                if lo > 0 or hi >= 0:
                    m_i.append(i)
                    m_j.append(j)
                    m_lo.append(lo * abs(lo))
                    m_hi.append(hi * abs(hi))
    arr = lambda x, t=np.float64: np.asarray(x, dtype=t)  # noqa: E731
    pairs_dr = (arr(dr_i, np.int32), arr(dr_j, np.int32), arr(dr_lo), arr(dr_hi))
    pairs_mass = (arr(m_i, np.int32), arr(m_j, np.int32), arr(m_lo), arr(m_hi))
    at_least = []
    for c in "jbal":
        threshold = getattr(cuts, f"xpt{c}")
        if threshold > 0:
            at_least.append((tuple(i for i in final if cls[i] == c), threshold))
    return _Plan(
        single=single,
        pairs_dr=pairs_dr,
        pairs_mass=pairs_mass,
        neutrinos=tuple(i for i in final if abs(pdgs[i]) in _NEUTRINOS),
        heavy=tuple(i for i in final if abs(pdgs[i]) in _HEAVY),
        at_least_one=tuple(at_least),
        jets=tuple(i for i in final if cls[i] == "j"),
        bs=tuple(i for i in final if cls[i] == "b"),
    )


def transverse_momentum(p):
    """p_T of ``p [..., 4]`` (GeV)."""
    return jnp.sqrt(p[..., 1] ** 2 + p[..., 2] ** 2)


def rapidity(p):
    """Rapidity y = ½ ln((E+p_z)/(E−p_z)) of ``p [..., 4]``; −1e99 where E ≤ |p_z| (as MG5)."""
    e, pz = p[..., 0], p[..., 3]
    ok = e > jnp.abs(pz)
    safe_e = jnp.where(ok, e, 1.0)
    safe_pz = jnp.where(ok, pz, 0.0)
    return jnp.where(ok, 0.5 * jnp.log((safe_e + safe_pz) / (safe_e - safe_pz)), -1e99)


def delta_phi(p1, p2):
    """|Δφ| in [0, π] from the clamped transverse cosine, as MG5's ``DELTA_PHI``."""
    denom = transverse_momentum(p1) * transverse_momentum(p2)
    num = p1[..., 1] * p2[..., 1] + p1[..., 2] * p2[..., 2]
    cos = jnp.where(denom > 0, num / jnp.where(denom > 0, denom, 1.0), 1.0)
    return jnp.arccos(jnp.clip(cos, -0.99999999, 0.99999999))


def cut_mask(
    cuts: Cuts,
    p,
    pdgs: tuple[int, ...],
    user: CutFunction | None = None,
    *,
    n_initial: int = 2,
    decay_products: tuple[int, ...] = (),
):
    """Which events pass the cuts: ``bool [N]`` (True = keep).

    Args:
        cuts: the MG5 cuts.
        p: lab-frame momenta ``[N, n, 4]`` (E, px, py, pz in GeV), initial legs first.
        pdgs: static PDG ids of the n legs (MG5 order).
        user: optional extra cut ``(p, pdgs) -> bool [N]``, combined with AND.
        n_initial: number of initial legs (cuts apply to the others only).
        decay_products: legs produced by decay-chain resonances (exempt unless
            ``cuts.cut_decays``).

    Returns:
        ``bool [N]``. Jax-traceable; physics vetoes are a mask, not an error.
    """
    pdgs = tuple(int(x) for x in pdgs)
    if p.shape[-2] != len(pdgs):
        msg = f"momenta have {p.shape[-2]} particles but {len(pdgs)} PDG ids were given"
        raise InvalidInput(msg)
    plan = _plan(cuts, pdgs, n_initial, tuple(decay_products))
    ok = jnp.ones(p.shape[:-2], dtype=bool)

    idx, pt_lo, pt_hi, e_lo, e_hi, y_lo, y_hi = plan.single
    if idx.size:
        q = p[..., idx, :]
        pt = transverse_momentum(q)
        e = q[..., 0]
        y = jnp.abs(rapidity(q))
        good = (pt >= pt_lo) & (pt <= pt_hi) & (e > e_lo) & (e <= e_hi)
        good &= (y >= y_lo) & (y <= y_hi)
        ok &= jnp.all(good, axis=-1)

    i, j, lo, hi = plan.pairs_dr
    if i.size:
        pi, pj = p[..., i, :], p[..., j, :]
        dr2 = delta_phi(pi, pj) ** 2 + (rapidity(pi) - rapidity(pj)) ** 2
        ok &= jnp.all((dr2 >= lo) & ((hi < 0) | (dr2 <= hi)), axis=-1)

    i, j, lo, hi = plan.pairs_mass
    if i.size:
        s = _mass2(p[..., i, :] + p[..., j, :])
        normal = (lo <= hi) | (hi < 0)
        outside = (s >= lo) & ((hi < 0) | (s <= hi))
        window = ~((s < lo) & (s > hi))
        ok &= jnp.all(jnp.where(normal, outside, window), axis=-1)

    if plan.neutrinos and (cuts.misset > 0 or cuts.missetmax >= 0):
        met = transverse_momentum(jnp.sum(p[..., list(plan.neutrinos), :], axis=-2))
        ok &= (met >= cuts.misset) & ((cuts.missetmax < 0) | (met <= cuts.missetmax))

    if plan.heavy and cuts.ptheavy > 0:
        pt = transverse_momentum(p[..., list(plan.heavy), :])
        ok &= jnp.any(pt > cuts.ptheavy, axis=-1)

    for members, threshold in plan.at_least_one:
        if not members:
            ok &= False
            continue
        pt = transverse_momentum(p[..., list(members), :])
        ok &= jnp.max(pt, axis=-1) >= threshold

    if plan.jets:
        htj = jnp.sum(transverse_momentum(p[..., list(plan.jets), :]), axis=-1)
        ok &= (htj >= cuts.htjmin) & ((cuts.htjmax < 0) | (htj <= cuts.htjmax))
    elif cuts.htjmin > 0:
        ok &= False
    if cuts.ihtmin > 0 or cuts.ihtmax >= 0:
        members = list(plan.jets + plan.bs)
        iht = (
            jnp.sum(transverse_momentum(p[..., members, :]), axis=-1)
            if members
            else jnp.zeros(p.shape[:-2], p.dtype)
        )
        ok &= (iht >= cuts.ihtmin) & ((cuts.ihtmax < 0) | (iht <= cuts.ihtmax))

    if user is not None:
        extra = jnp.asarray(user(p, pdgs))
        if extra.shape != ok.shape or extra.dtype != jnp.bool_:
            msg = (
                f"user cut must return bool {tuple(ok.shape)}, got {extra.dtype} "
                f"{tuple(extra.shape)}"
            )
            raise InvalidInput(msg)
        ok &= extra
    return ok


def _mass2(p):
    return p[..., 0] ** 2 - p[..., 1] ** 2 - p[..., 2] ** 2 - p[..., 3] ** 2
