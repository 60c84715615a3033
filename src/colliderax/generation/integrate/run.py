"""One cross-section run: settings in, σ ± δσ out (what ``colliderax integrate`` does).

:class:`RunSettings` holds every choice (process, beams, model, PDF, α_s, scales, cuts,
precision, seed) with MadGraph5's LO defaults, so that a run with only a process and √s
behaves like MG5 with its default run card: NNPDF2.3 LO (``nn23lo1``) with MG5's α_s
convention for it, dynamical scale choice −1, MG5's default generation cuts.
:func:`prepare` compiles the process and builds the integration units;
:func:`compute_cross_section` integrates them.
"""

import dataclasses
import os
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp

from colliderax.core.errors import InvalidInput
from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.events.cuts import Cuts, cut_mask, particle_class
from colliderax.generation.events.scales import (
    ScaleChoice,
    clustering_for,
    event_scales_per_beam,
    mg5_scale_veto,
)
from colliderax.generation.integrate.cross_section import (
    Beams,
    CrossSection,
    Physics,
    build_units,
    integrate,
)
from colliderax.generation.model.parameters import ModelParameters
from colliderax.generation.model.particles import PARTICLES_BY_NAME
from colliderax.generation.pdf import DEFAULT_SCHEME, SCHEMES, load_pdf
from colliderax.generation.pdf import alpha_s as pdf_alpha_s

#: MG5's default LO PDF (run card ``pdlabel = nn23lo1``, LHAPDF id 230000).
DEFAULT_PDF = "NNPDF23_lo_as_0130_qed"
#: LHAPDF ids of the sets we know by name (for LHE headers and run cards).
LHAPDF_IDS = {"NNPDF23_lo_as_0130_qed": 230000, "NNPDF40_nnlo_as_01180": 331100}
_LEPTONS = {11, 13, 15}


@dataclass(frozen=True)
class RunSettings:
    """Every choice of a cross-section run (GeV, pb).

    Attributes:
        process: MG5 process string, e.g. ``"p p > t t~"``.
        sqrts: collision energy (GeV).
        beams: ``"pp"``, ``"ppbar"`` or ``"ee"``; None picks ``"ee"`` for a lepton initial
            state and ``"pp"`` otherwise.
        model: ``"sm"`` or ``"sm-no_b_mass"``.
        definitions: extra multiparticle labels, ``(("p", "g u d u~ d~"),)``.
        params: model parameters (None: the model's defaults).
        pdf: LHAPDF set name (hadron beams); ``pdf_member``, ``pdf_scheme`` as in
            :mod:`generation.pdf`.
        alpha_s: a fixed α_s for every point; None uses the PDF set's α_s(μR).
        scale: the μR/μF choice.
        cuts: the generation cuts.
        precision: target relative error of σ.
        seed: the run's random seed.
        max_iterations: bound on the combined VEGAS iterations.
        batch: points per compiled batch (None: :func:`default_batch`).
        workers: threads integrating units concurrently (see :func:`default_workers`); the
            results do not depend on it.
        channel_weights: how the multichannel integrand splits |M|² among the channels
            (:data:`cross_section.CHANNEL_WEIGHTS`).
        bwcutoff: decay-chain resonances are kept within this many widths of their mass,
            ``$``-forbidden s-channel lines outside (MG5 run-card ``bwcutoff``).
    """

    process: str
    sqrts: float
    beams: str | None = None
    model: str = "sm"
    definitions: tuple[tuple[str, str], ...] = ()
    params: ModelParameters | None = field(default=None, repr=False)
    pdf: str = DEFAULT_PDF
    pdf_member: int = 0
    pdf_scheme: str = DEFAULT_SCHEME
    alpha_s: float | None = None
    scale: ScaleChoice = field(default_factory=ScaleChoice)
    cuts: Cuts = field(default_factory=Cuts)
    precision: float = 0.005
    seed: int = 0
    max_iterations: int = 20
    batch: int | None = None
    workers: int = 1
    channel_weights: str = "propagators"
    bwcutoff: float = 15.0

    def __post_init__(self):
        if not self.bwcutoff > 0:
            msg = f"bwcutoff must be a positive number of widths, got {self.bwcutoff}"
            raise InvalidInput(msg)
        if self.pdf_scheme not in SCHEMES:
            msg = f"unknown PDF interpolation {self.pdf_scheme!r}: use one of {', '.join(SCHEMES)}"
            raise InvalidInput(msg)
        if self.alpha_s is not None and not 0 < self.alpha_s < 1:
            msg = f"--alpha-s must be in (0, 1), got {self.alpha_s}"
            raise InvalidInput(msg)
        if self.max_iterations < 1:
            msg = f"max_iterations must be >= 1, got {self.max_iterations}"
            raise InvalidInput(msg)

    def resolved_beams(self) -> Beams:
        kind = self.beams
        if kind is None:
            first = self.process.split(">")[0].split()
            leptonic = all(
                x in PARTICLES_BY_NAME and abs(PARTICLES_BY_NAME[x].pdg) in _LEPTONS
                for x in first
            )
            kind = "ee" if leptonic else "pp"
        return Beams(kind, self.sqrts)

    def describe(self, params: ModelParameters | None = None) -> dict:
        """Every setting as plain JSON-able values (for ``summary.json``)."""
        beams = self.resolved_beams()
        params = params or self.params or ModelParameters(restriction=self.model)
        return {
            "process": self.process,
            "sqrts_gev": self.sqrts,
            "beams": beams.kind,
            "beam_pdg": list(beams.pdg),
            "model": self.model,
            "definitions": dict(self.definitions),
            "pdf": (
                {"set": self.pdf, "member": self.pdf_member, "lhapdf_id": LHAPDF_IDS.get(self.pdf),
                 "interpolation": self.pdf_scheme}
                if beams.has_pdfs else None
            ),
            "alpha_s": (
                {"fixed": self.alpha_s} if self.alpha_s is not None
                else {"running": "from the PDF set" if beams.has_pdfs else "model value",
                      "model_value": params.aS}
            ),
            "scale": self.scale.describe(),
            "cuts": self.cuts.describe(),
            "precision": self.precision,
            "channel_weights": self.channel_weights,
            "bwcutoff": self.bwcutoff,
            "seed": self.seed,
            "model_parameters": dataclasses.asdict(params),
        }


def _min_pt(cuts: Cuts):
    per_class = {"j": cuts.ptj, "b": cuts.ptb, "a": cuts.pta, "l": cuts.ptl}

    def min_pt(pdgs, decay_products=()):
        exempt = () if cuts.cut_decays else decay_products
        return tuple(
            0.0 if k in exempt else per_class.get(particle_class(p, cuts.maxjetflavor), 0.0)
            for k, p in enumerate(pdgs) if k >= 2
        )

    return min_pt


@dataclass(frozen=True)
class Prepared:
    """A compiled process with its integration units, ready to integrate or to sample."""

    settings: RunSettings
    params: ModelParameters
    compiled: object
    physics: Physics
    units: tuple


def prepare(settings: RunSettings, *, dtype: str = "float64") -> Prepared:
    """Compile the process and build its (subprocess, channel) integration units."""
    beams = settings.resolved_beams()
    params = settings.params or ModelParameters(restriction=settings.model)
    pdf = None
    running = None
    if beams.has_pdfs:
        pdf = load_pdf(settings.pdf, settings.pdf_member)
        if settings.alpha_s is None:
            def running(q):
                return pdf_alpha_s(pdf, q)
    if settings.alpha_s is not None:
        params = params.with_alpha_s(settings.alpha_s)
    definitions = dict(settings.definitions) or None
    compiled = compile_matrix_element(
        settings.process, params, dtype=dtype, definitions=definitions
    )
    scale, cuts = settings.scale, settings.cuts

    def scales(pdgs, diagram_options=None):
        clustering = None
        if scale.needs_clustering:
            clustering = clustering_for(
                pdgs, params, maxjetflavor=cuts.maxjetflavor,
                lepton_collider=not beams.has_pdfs, bwcutoff=settings.bwcutoff,
                diagram_options=diagram_options,
            )
        dynamic_fac = not scale.fac_is_fixed and beams.has_pdfs

        def fn(p):
            mu_r, mu_f1, mu_f2 = event_scales_per_beam(scale, p, pdgs, clustering)
            veto = mg5_scale_veto(mu_f1, mu_f2) if dynamic_fac else jnp.zeros_like(mu_r, bool)
            # MG5 rejects points whose dynamical μF is below 2 GeV; NaN drops the point.
            return jnp.where(veto, jnp.nan, mu_r), mu_f1, mu_f2

        return fn

    def cut_fn(pdgs, decay_products=()):
        def fn(p):
            return cut_mask(cuts, p, pdgs, decay_products=decay_products)

        return fn

    physics = Physics(
        beams=beams,
        pdf=pdf,
        pdf_scheme=settings.pdf_scheme,
        alpha_s=running,
        alpha_s_model=params.aS,
        scales=scales,
        cuts=cut_fn,
        min_pt=_min_pt(cuts),
        flavour_class=lambda pdgs: tuple(particle_class(p, cuts.maxjetflavor) for p in pdgs),
        channel_weights=settings.channel_weights,
        bwcutoff=settings.bwcutoff,
    )
    units = build_units(compiled, physics, params)
    return Prepared(settings, params, compiled, physics, units)


def default_batch() -> int:
    """Points per compiled batch: 1024 on CPUs (enough to amortise dispatch), 65536 on GPUs."""
    return 1024 if jax.default_backend() == "cpu" else 65536


def default_workers(device=None) -> int:
    """Threads for integration and unweighting: one per available CPU core on CPUs (each
    thread's computations run on their own core), 1 on accelerators."""
    platform = device.platform if device is not None else jax.default_backend()
    if platform != "cpu":
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def compute_cross_section(prepared: Prepared, *, progress=None) -> CrossSection:
    """Integrate a prepared run to its target precision."""
    s = prepared.settings
    return integrate(
        jax.random.key(s.seed),
        prepared.units,
        prepared.compiled.subprocesses,
        precision=s.precision,
        batch=s.batch or default_batch(),
        max_iterations=s.max_iterations,
        workers=s.workers,
        progress=progress,
    )


def alpha_s_at(prepared: Prepared, q: float) -> float:
    """α_s at scale q (GeV) as the run uses it."""
    if prepared.physics.alpha_s is None:
        return prepared.params.aS
    return float(prepared.physics.alpha_s(jnp.asarray([q]))[0])


__all__ = [
    "DEFAULT_PDF",
    "LHAPDF_IDS",
    "Prepared",
    "RunSettings",
    "alpha_s_at",
    "compute_cross_section",
    "default_batch",
    "default_workers",
    "prepare",
]
