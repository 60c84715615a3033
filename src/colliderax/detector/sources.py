"""Particle sources for the tracker: Pythia 8 hard processes, LHE files, a gun, HL-LHC pileup.

An *event* is one bunch crossing: a hard collision (collision 0; a Pythia process, an LHE event,
a particle gun, or nothing) plus a Poisson number of minimum-bias pileup collisions (collisions
1, 2, ...), each placed at its own vertex drawn from the luminous region. Particles keep their
production vertices (Pythia's ``xProd, yProd, zProd`` [mm], shifted by their collision vertex),
so decay products of K0_S, Λ, ... start displaced. By default only final-state charged particles
are kept.

Seeding: everything about event ``i`` derives from ``jax.random.fold_in(key, i)``: the pileup
count and collision vertices (numpy ``Generator`` seeded from the key bits) and the
``Random:seed`` of the two Pythia instances, which are re-seeded at every event. The same key
therefore gives the same event ``i`` no matter which events were generated before, on any
machine with the same Pythia and numpy versions (LHE events are read in file order).

Pythia 8 comes from the ``pythia8mc`` wheel (import name ``pythia8mc``; a ``pythia8`` module
built from source also works) and is imported on first use. Units: mm, ns, GeV, e.

Example::

    import jax
    from colliderax.core import enable_x64
    from colliderax import detector
    from colliderax.detector.sources import pythia_source

    enable_x64()
    source = pythia_source(jax.random.key(1), process="ttbar", pileup=200)
    event = source.event(0)            # GeneratedEvent: particles, collision index, vertices
    result = detector.simulate(jax.random.key(2), event.particles,
                               detector.load_geometry("cms_phase2_like"))
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jax
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.detector.errors import SourceError, SourceExhausted
from colliderax.detector.particles import Particles, gun

logger = logging.getLogger(__name__)

C_MM_PER_NS = 299.792458
"""Speed of light [mm/ns]; Pythia's production times are in mm/c."""
PYTHIA_SEED_MAX = 900_000_000
"""Largest ``Random:seed`` Pythia accepts."""
MAX_NEXT_TRIES = 10
"""Calls of ``Pythia::next()`` per collision before giving up."""

PROCESSES: dict[str, tuple[str, ...]] = {
    "ttbar": ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on"),
    "zmumu": (
        "WeakSingleBoson:ffbar2gmZ = on",
        "23:onMode = off",
        "23:onIfAny = 13",
        "PhaseSpace:mHatMin = 60.",
        "PhaseSpace:mHatMax = 120.",
    ),
    "minbias": ("SoftQCD:inelastic = on",),
}
"""Hard processes by name -> Pythia settings. ``zmumu`` is γ*/Z -> μ+μ- with 60 < m < 120 GeV;
``minbias`` is the full inelastic cross section (non-diffractive plus diffractive)."""

PILEUP_PROCESSES: dict[str, tuple[str, ...]] = {
    "inelastic": ("SoftQCD:inelastic = on",),
    "nondiffractive": ("SoftQCD:nonDiffractive = on",),
}
"""Pileup models: the mean number of collisions μ of the LHC refers to the inelastic cross
section, so ``inelastic`` is the default; ``nondiffractive`` drops diffraction."""

_COMMON = (
    "Print:quiet = on",
    "Next:numberCount = 0",
    "Random:setSeed = on",
)


@dataclasses.dataclass(frozen=True)
class LuminousRegion:
    """Gaussian luminous region in which the collisions of a bunch crossing happen.

    Defaults are HL-LHC-like: σz = 50 mm, σx = σy = 0.01 mm; the time spread (HL-LHC
    ~0.18 ns) is off by default because the tracker simulation does not use time.

    Attributes:
        sigma_x: Width in x [mm].
        sigma_y: Width in y [mm].
        sigma_z: Width in z [mm].
        sigma_t: Width in time [ns].
        mean: Centre (x, y, z [mm], t [ns]).
    """

    sigma_x: float = 0.01
    sigma_y: float = 0.01
    sigma_z: float = 50.0
    sigma_t: float = 0.0
    mean: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        for name in ("sigma_x", "sigma_y", "sigma_z", "sigma_t"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                msg = f"luminous region {name} must be a finite width >= 0, got {value}"
                raise SourceError(msg)
        if len(self.mean) != 4 or not all(math.isfinite(m) for m in self.mean):
            msg = f"luminous region mean must be four finite numbers (x, y, z, t), got {self.mean}"
            raise SourceError(msg)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` collision vertices, shape (n, 4): x, y, z [mm], t [ns]."""
        sigma = np.array([self.sigma_x, self.sigma_y, self.sigma_z, self.sigma_t])
        return np.asarray(self.mean) + rng.standard_normal((n, 4)) * sigma


class Collision(NamedTuple):
    """Particles of one collision in its own frame (numpy, host side).

    Attributes:
        pdg: (n,) PDG codes.
        q: (n,) charges [e].
        mass: (n,) masses [GeV].
        momentum: (n, 3) momenta [GeV].
        vertex: (n, 4) production vertices x, y, z [mm], t [ns] relative to the collision point.
    """

    pdg: np.ndarray
    q: np.ndarray
    mass: np.ndarray
    momentum: np.ndarray
    vertex: np.ndarray

    @property
    def n(self) -> int:
        """Number of particles."""
        return len(self.pdg)

    def select(self, mask: np.ndarray) -> Collision:
        """The particles where ``mask`` is true."""
        return Collision(*(a[mask] for a in self))


def empty_collision() -> Collision:
    """A collision without particles."""
    return Collision(
        np.zeros(0, np.int32), np.zeros(0), np.zeros(0), np.zeros((0, 3)), np.zeros((0, 4))
    )


@dataclasses.dataclass(frozen=True)
class GeneratedEvent:
    """One bunch crossing ready for :func:`~colliderax.detector.simulate`.

    Attributes:
        index: Event number within the source (0-based).
        particles: All kept particles; ``particle_id`` runs 1..n, hard collision first.
        collision: (n,) int32, the collision each particle comes from (0 = hard, 1.. pileup).
        time: (n,) production time [ns] (collision time plus Pythia's ``tProd``).
        vertices: (1 + n_pileup, 4) collision vertices x, y, z [mm], t [ns]; row 0 is the hard
            collision (also when there is no hard process).
        n_pileup: Number of pileup collisions.
    """

    index: int
    particles: Particles
    collision: np.ndarray
    time: np.ndarray
    vertices: np.ndarray
    n_pileup: int

    @property
    def n_charged(self) -> int:
        """Number of charged particles."""
        return int(np.count_nonzero(np.asarray(self.particles.q)))

    def truth_columns(self) -> dict[str, np.ndarray]:
        """Extra per-particle truth columns for the particles table (same row order).

        Returns:
            ``{"pdg_id": int32, "collision": int32, "vt": float64 [ns]}``.
        """
        return {
            "pdg_id": np.asarray(self.particles.pdg, dtype=np.int32),
            "collision": np.asarray(self.collision, dtype=np.int32),
            "vt": np.asarray(self.time, dtype=np.float64),
        }


def _import_pythia() -> Any:
    """The Pythia 8 Python module (``pythia8mc`` wheel, else ``pythia8``)."""
    for name in ("pythia8mc", "pythia8"):
        try:
            return __import__(name)
        except ImportError:
            continue
    msg = "Pythia 8 is not installed: pip install pythia8mc (or use --gun)"
    raise SourceError(msg)


def pythia_available() -> bool:
    """Whether a Pythia 8 Python module can be imported."""
    try:
        _import_pythia()
    except SourceError:
        return False
    return True


def pythia_version() -> str | None:
    """Version of the installed Pythia 8 Python package (e.g. ``"8.317.2"``), or None."""
    from importlib import metadata

    for dist in ("pythia8mc", "pythia8"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(dist)
    return None


def _xml_dir(module: Any) -> str:
    """Pythia's ``xmldoc`` directory: $PYTHIA8DATA, else next to the installed package."""
    env = os.environ.get("PYTHIA8DATA")
    if env:
        return env
    here = Path(module.__file__).resolve().parent  # site-packages for the pythia8mc wheel
    roots = [here, Path(sys.prefix), *here.parents[:3]]
    for root in roots:
        path = root / "share" / "Pythia8" / "xmldoc"
        if (path / "Index.xml").is_file():
            return str(path)
    return ""  # Pythia's compiled-in default


@contextlib.contextmanager
def _captured_stdout() -> Iterator[list[str]]:
    """Redirect file descriptor 1 (C++ ``std::cout``) to a temporary file.

    Yields a list that receives the captured lines when the block ends. Pythia prints its
    errors on stdout even with ``Print:quiet``; this keeps them off the terminal so that they
    can be logged or turned into a one-line error.
    """
    lines: list[str] = []
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (e.g. some embedded interpreters)
        yield lines
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield lines
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", errors="replace")
            lines.extend(line.strip() for line in text.splitlines() if line.strip())


def _pythia_problem(lines: Sequence[str]) -> str:
    """The most telling message in Pythia's captured output (an abort, error or warning)."""
    for kind in ("Abort", "Error", "Warning"):
        for line in lines:
            match = re.search(rf"{kind}\b[^|]*", line)
            if match:
                return " ".join(match.group(0).split())
    return ""


def pythia_seed(key: jax.Array | int, stream: int = 0) -> int:
    """A Pythia ``Random:seed`` (1..900,000,000) derived from a JAX key or an integer seed.

    Args:
        key: JAX PRNG key, or an integer (then ``jax.random.key(key)`` is used).
        stream: Independent sub-stream number (e.g. 1 for the hard process, 2 for pileup).

    Returns:
        The seed; the same inputs always give the same seed.
    """
    if isinstance(key, int | np.integer):
        key = jax.random.key(int(key))
    words = _key_words(jax.random.fold_in(key, stream))
    state = np.random.SeedSequence(words.tolist()).generate_state(1, dtype=np.uint32)
    return int(state[0]) % PYTHIA_SEED_MAX + 1


def _key_words(key: jax.Array) -> np.ndarray:
    data = jax.random.key_data(key) if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) \
        else key
    return np.asarray(data, dtype=np.uint32).reshape(-1)


def _numpy_rng(key: jax.Array) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(_key_words(key).tolist()))


def process_settings(process: str, sqrt_s: float = 14000.0) -> list[str]:
    """Pythia settings for a named hard process in pp collisions.

    Args:
        process: One of :data:`PROCESSES` (``ttbar``, ``zmumu``, ``minbias``).
        sqrt_s: Centre-of-mass energy [GeV].

    Raises:
        SourceError: unknown process or non-positive energy.
    """
    return _pp_settings(PROCESSES, process.strip().lower(), "process", sqrt_s)


def pileup_settings(model: str = "inelastic", sqrt_s: float = 14000.0) -> list[str]:
    """Pythia settings for minimum-bias pileup collisions (see :data:`PILEUP_PROCESSES`)."""
    return _pp_settings(PILEUP_PROCESSES, model, "pileup model", sqrt_s)


def _pp_settings(table: dict, name: str, what: str, sqrt_s: float) -> list[str]:
    """Proton–proton beam settings at √s plus the settings ``table[name]``."""
    if name not in table:
        msg = f"unknown {what} {name!r}: choose one of {', '.join(table)}"
        raise SourceError(msg)
    _check_energy(sqrt_s)
    beams = ["Beams:idA = 2212", "Beams:idB = 2212", f"Beams:eCM = {float(sqrt_s)!r}"]
    return [*beams, *table[name]]


def lhe_settings(path: str | Path) -> list[str]:
    """Pythia settings to shower and hadronise the events of a Les Houches Event file.

    Raises:
        SourceError: the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: no such LHE file"
        raise SourceError(msg)
    return ["Beams:frameType = 4", f"Beams:LHEF = {path.resolve()}"]


def _check_energy(sqrt_s: float) -> None:
    if not (math.isfinite(sqrt_s) and sqrt_s > 0):
        msg = f"sqrt_s must be a positive energy in GeV, got {sqrt_s}"
        raise SourceError(msg)


class PythiaGenerator:
    """One Pythia 8 instance: initialised once, then re-seeded and run per collision.

    Args:
        settings: Pythia setting lines (``"Key = value"``); quiet output and seeding are added.
        label: Name used in log messages and errors (e.g. ``"ttbar"``).
        charged_only: Keep only final-state charged particles (else all final-state ones).

    Raises:
        SourceError: Pythia is not installed, a setting is not accepted, or ``init()`` fails
            (e.g. a malformed LHE file); the message quotes Pythia's error.
    """

    def __init__(self, settings: Sequence[str], *, label: str = "pythia",
                 charged_only: bool = True):
        module = _import_pythia()
        self.label = label
        self.charged_only = charged_only
        self.settings = tuple(settings)
        t0 = time.perf_counter()
        with _captured_stdout() as lines:
            self._pythia = module.Pythia(_xml_dir(module), False)
            bad = [s for s in (*_COMMON, *self.settings) if not self._pythia.readString(s)]
            ok = not bad and self._pythia.init()
        for line in lines:
            logger.debug("pythia[%s]: %s", label, line)
        if bad:
            msg = f"{label}: Pythia rejects the setting {bad[0]!r}"
            raise SourceError(msg)
        if not ok:
            with _captured_stdout() as stat_lines:  # quiet Pythia keeps its errors until stat()
                self._pythia.stat()
            problem = _pythia_problem([*lines, *stat_lines])
            msg = f"{label}: Pythia initialisation failed" + (f" ({problem})" if problem else "")
            raise SourceError(msg)
        self.init_seconds = time.perf_counter() - t0
        logger.info("pythia[%s] initialised in %.2f s", label, self.init_seconds)
        self._lhe = any(s.replace(" ", "").startswith("Beams:frameType=4") for s in settings)

    def generate(self, seed: int, n: int = 1) -> list[Collision]:
        """Re-seed Pythia's random-number stream with ``seed`` and generate ``n`` collisions.

        Args:
            seed: ``Random:seed`` value, 1..900,000,000 (see :func:`pythia_seed`).
            n: Number of collisions.

        Returns:
            The final-state particles of each collision (charged only if ``charged_only``).

        Raises:
            SourceExhausted: the LHE file has no more events.
            SourceError: Pythia failed ``MAX_NEXT_TRIES`` times in a row.
        """
        pythia = self._pythia
        out = []
        with _captured_stdout() as lines:
            pythia.rndm.init(int(seed))
            failure = None
            for _ in range(n):
                failure = self._next()
                if failure is not None:
                    break
                out.append(self._extract(pythia.event))
        for line in lines:
            logger.debug("pythia[%s]: %s", self.label, line)
        if failure is not None:
            raise failure
        return out

    def _next(self) -> SourceError | None:
        """Call ``Pythia::next()`` until it succeeds; the error to raise if it never does."""
        pythia = self._pythia
        for _ in range(MAX_NEXT_TRIES):
            if pythia.next():
                return None
            if self._lhe and pythia.infoPython().atEndOfFile():
                return SourceExhausted(f"{self.label}: the LHE file has no more events")
        msg = f"{self.label}: Pythia failed to generate an event {MAX_NEXT_TRIES} times in a row"
        return SourceError(msg)

    def _extract(self, event: Any) -> Collision:
        rows = []
        charged_only = self.charged_only
        for p in event.particles():
            if not p.isFinal():
                continue
            q = p.charge()
            if charged_only and q == 0:
                continue
            rows.append((p.id(), q, p.m(), p.px(), p.py(), p.pz(),
                         p.xProd(), p.yProd(), p.zProd(), p.tProd()))
        if not rows:
            return empty_collision()
        table = np.array(rows, dtype=np.float64)
        vertex = table[:, 6:10].copy()
        vertex[:, 3] /= C_MM_PER_NS
        return Collision(
            pdg=table[:, 0].astype(np.int32),
            q=table[:, 1].copy(),
            mass=table[:, 2].copy(),
            momentum=table[:, 3:6].copy(),
            vertex=vertex,
        )


HardSource = Callable[[jax.Array], Collision]
"""A hard-collision source: called with the event's key, returns the collision's particles."""


def gun_source(
    n: int,
    *,
    pt_range: tuple[float, float] = (1.0, 10.0),
    eta_range: tuple[float, float] = (-2.5, 2.5),
    pdg: int = 13,
    charge: int | None = None,
) -> HardSource:
    """A hard source that shoots ``n`` particles from the collision point (see :func:`gun`).

    Raises:
        InvalidInput: ``n < 1`` or bad ranges (checked once, here).
    """
    if n < 1:
        msg = f"the gun needs n >= 1 particles, got {n}"
        raise SourceError(msg)
    kwargs = {"pt_range": pt_range, "eta_range": eta_range, "pdg": pdg, "charge": charge,
              "vertex_sigma": (0.0, 0.0, 0.0)}

    def shoot(key: jax.Array) -> Collision:
        p = gun(key, n, **kwargs)
        zeros = np.zeros(n)
        return Collision(
            pdg=np.asarray(p.pdg, dtype=np.int32),
            q=np.asarray(p.q, dtype=np.float64),
            mass=np.asarray(p.mass, dtype=np.float64),
            momentum=np.stack([np.asarray(p.px), np.asarray(p.py), np.asarray(p.pz)], axis=1),
            vertex=np.stack([zeros, zeros, zeros, zeros], axis=1),
        )

    shoot(jax.random.key(0))  # validate the options now, not at the first event
    return shoot


def _pythia_hard(generator: PythiaGenerator) -> HardSource:
    def generate(key: jax.Array) -> Collision:
        return generator.generate(pythia_seed(key), 1)[0]

    return generate


class EventSource:
    """Bunch crossings: a hard collision plus Poisson pileup at luminous-region vertices.

    Args:
        key: JAX PRNG key of the whole run; event ``i`` uses ``fold_in(key, i)``.
        hard: Source of the hard collision (collision 0), or None for pileup only.
        pileup: Mean number μ of pileup collisions per crossing (Poisson), >= 0.
        minbias: Pythia generator for pileup collisions; required when ``pileup > 0``.
        region: Luminous region of the collision vertices.
        charged_only: Drop neutral particles (also from a gun).
        eta_max: Drop particles with |η| above this (None keeps all).

    Raises:
        SourceError: μ < 0 or not finite, or μ > 0 without a minimum-bias generator.
    """

    def __init__(
        self,
        key: jax.Array,
        *,
        hard: HardSource | None,
        pileup: float = 200.0,
        minbias: PythiaGenerator | None = None,
        region: LuminousRegion | None = None,
        charged_only: bool = True,
        eta_max: float | None = None,
    ):
        check_pileup(pileup)
        if pileup > 0 and minbias is None:
            msg = "pileup > 0 needs a minimum-bias Pythia generator"
            raise SourceError(msg)
        if eta_max is not None and not eta_max > 0:
            msg = f"eta_max must be > 0 or None, got {eta_max}"
            raise SourceError(msg)
        self.key = key
        self.hard = hard
        self.pileup = float(pileup)
        self.minbias = minbias
        self.region = region or LuminousRegion()
        self.charged_only = charged_only
        self.eta_max = eta_max
        self.timing = {"hard": 0.0, "pileup": 0.0}
        """Cumulative wall time [s] spent generating hard and pileup collisions."""

    def event(self, index: int) -> GeneratedEvent:
        """Generate bunch crossing ``index`` (>= 0).

        Raises:
            SourceExhausted: an LHE hard source ran out of events.
        """
        if index < 0:
            msg = f"event index must be >= 0, got {index}"
            raise InvalidInput(msg)
        k_rng, k_hard, k_pileup = jax.random.split(jax.random.fold_in(self.key, index), 3)
        rng = _numpy_rng(k_rng)
        n_pileup = int(rng.poisson(self.pileup)) if self.pileup > 0 else 0
        vertices = self.region.sample(rng, 1 + n_pileup)
        t0 = time.perf_counter()
        collisions = [self.hard(k_hard) if self.hard is not None else empty_collision()]
        t1 = time.perf_counter()
        if n_pileup:
            collisions += self.minbias.generate(pythia_seed(k_pileup), n_pileup)
        t2 = time.perf_counter()
        self.timing["hard"] += t1 - t0
        self.timing["pileup"] += t2 - t1
        return self._assemble(index, collisions, vertices)

    def _assemble(
        self, index: int, collisions: list[Collision], vertices: np.ndarray
    ) -> GeneratedEvent:
        parts = []
        for c, coll in enumerate(collisions):
            mask = np.ones(coll.n, dtype=bool)
            if self.charged_only:
                mask &= coll.q != 0
            if self.eta_max is not None:
                mask &= np.abs(_eta(coll.momentum)) <= self.eta_max
            kept = coll.select(mask)
            parts.append((kept, np.full(kept.n, c, dtype=np.int32), vertices[c]))
        pdg = np.concatenate([k.pdg for k, _, _ in parts])
        q = np.concatenate([k.q for k, _, _ in parts])
        mass = np.concatenate([k.mass for k, _, _ in parts])
        momentum = np.concatenate([k.momentum for k, _, _ in parts]).reshape(-1, 3)
        vertex4 = np.concatenate([k.vertex + v for k, _, v in parts]).reshape(-1, 4)
        collision = np.concatenate([c for _, c, _ in parts])
        particles = Particles.from_arrays(
            vertex=vertex4[:, :3], momentum=momentum, q=q, pdg=pdg, mass=mass
        )
        return GeneratedEvent(
            index=index,
            particles=particles,
            collision=collision,
            time=vertex4[:, 3],
            vertices=vertices,
            n_pileup=len(collisions) - 1,
        )


def _eta(momentum: np.ndarray) -> np.ndarray:
    """Pseudorapidity of (n, 3) momenta; ±inf along the beam."""
    pt = np.hypot(momentum[:, 0], momentum[:, 1])
    ratio = np.divide(momentum[:, 2], pt, out=np.copysign(np.inf, momentum[:, 2]), where=pt > 0)
    return np.arcsinh(ratio)


def check_pileup(mu: float) -> float:
    """Validate a mean pileup μ (finite, >= 0) and return it as float.

    Raises:
        SourceError: μ is negative, NaN or infinite.
    """
    mu = float(mu)
    if not (math.isfinite(mu) and mu >= 0):
        msg = f"pileup mu must be a finite number >= 0, got {mu:g}"
        raise SourceError(msg)
    return mu


def pythia_source(
    key: jax.Array | int,
    *,
    process: str | None = "ttbar",
    lhe: str | Path | None = None,
    gun_particles: int | None = None,
    pileup: float = 200.0,
    sqrt_s: float = 14000.0,
    region: LuminousRegion | None = None,
    charged_only: bool = True,
    eta_max: float | None = None,
    pileup_model: str = "inelastic",
    settings: Sequence[str] = (),
) -> EventSource:
    """Build an :class:`EventSource` with Pythia 8 for the hard collision and the pileup.

    Exactly one of ``process``, ``lhe`` and ``gun_particles`` sets the hard collision (pass
    ``process=None`` with ``lhe`` or ``gun_particles``, or all three None for pileup only).
    Each Pythia instance is initialised here, once (about 0.3-1 s each).

    Args:
        key: JAX PRNG key, or an integer seed.
        process: Named hard process (:data:`PROCESSES`): ``ttbar``, ``zmumu``, ``minbias``.
        lhe: Les Houches Event file to shower and hadronise instead (events in file order).
        gun_particles: Shoot this many muons (1 < p_T < 10 GeV, |η| < 2.5) instead.
        pileup: Mean number of pileup collisions μ (Poisson), >= 0; HL-LHC: 140-200.
        sqrt_s: pp centre-of-mass energy [GeV] (the LHE file sets its own beams).
        region: Luminous region (default HL-LHC-like, σz = 50 mm).
        charged_only: Keep only charged final-state particles.
        eta_max: Drop particles with |η| above this (None keeps all).
        pileup_model: ``inelastic`` (default) or ``nondiffractive`` pileup collisions.
        settings: Extra Pythia setting lines for the hard process (e.g. a tune).

    Raises:
        SourceError: unknown process, several hard sources, missing/malformed LHE file,
            μ < 0, or a Pythia setting or initialisation failure.
    """
    if isinstance(key, int | np.integer):
        key = jax.random.key(int(key))
    chosen = [x is not None for x in (process, lhe, gun_particles)]
    if sum(chosen) > 1:
        msg = "give one hard source: a process name, an LHE file or a particle gun"
        raise SourceError(msg)
    check_pileup(pileup)
    hard: HardSource | None = None
    if process is not None:
        generator = PythiaGenerator(
            [*process_settings(process, sqrt_s), *settings], label=process,
            charged_only=charged_only,
        )
        hard = _pythia_hard(generator)
    elif lhe is not None:
        generator = PythiaGenerator(
            [*lhe_settings(lhe), *settings], label=Path(lhe).name, charged_only=charged_only
        )
        hard = _pythia_hard(generator)
    elif gun_particles is not None:
        hard = gun_source(gun_particles)
    minbias = None
    if pileup > 0:
        minbias = PythiaGenerator(
            pileup_settings(pileup_model, sqrt_s), label="pileup", charged_only=charged_only
        )
    return EventSource(
        key,
        hard=hard,
        pileup=pileup,
        minbias=minbias,
        region=region,
        charged_only=charged_only,
        eta_max=eta_max,
    )


__all__ = [
    "C_MM_PER_NS",
    "PILEUP_PROCESSES",
    "PROCESSES",
    "Collision",
    "EventSource",
    "GeneratedEvent",
    "HardSource",
    "LuminousRegion",
    "PythiaGenerator",
    "check_pileup",
    "gun_source",
    "lhe_settings",
    "pileup_settings",
    "process_settings",
    "pythia_available",
    "pythia_seed",
    "pythia_source",
    "pythia_version",
]
