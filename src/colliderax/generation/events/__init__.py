"""Parton-level events: generation cuts and scales (MG5 conventions), the event record,
unweighting, colour flows, observables and plots.

Entry points: :class:`Cuts` / :func:`cut_mask`, :class:`ScaleChoice` / :func:`event_scales`,
:class:`EventBatch` and :class:`RunInfo` (the record, written by :mod:`colliderax.io.lhe` and
:mod:`colliderax.io.events_parquet`), :func:`max_weight`, :func:`unweight` /
:func:`unweight_step` and :func:`allocate_events`, and :func:`plot_observables`. Conventions
and the unweighting strategy: ``docs/events.md``; cuts and scales: ``docs/cuts_scales.md``.
"""

from colliderax.generation.events.cuts import CutFunction as CutFunction
from colliderax.generation.events.cuts import Cuts as Cuts
from colliderax.generation.events.cuts import cut_mask as cut_mask
from colliderax.generation.events.cuts import particle_class as particle_class
from colliderax.generation.events.observables import Histogram as Histogram
from colliderax.generation.events.observables import Observable as Observable
from colliderax.generation.events.observables import azimuth as azimuth
from colliderax.generation.events.observables import chi2_compare as chi2_compare
from colliderax.generation.events.observables import histogram as histogram
from colliderax.generation.events.observables import invariant_mass as invariant_mass
from colliderax.generation.events.observables import outgoing_indices as outgoing_indices
from colliderax.generation.events.observables import pdg_name as pdg_name
from colliderax.generation.events.observables import pseudorapidity as pseudorapidity
from colliderax.generation.events.observables import rapidity as rapidity
from colliderax.generation.events.observables import standard_observables as standard_observables
from colliderax.generation.events.observables import (
    transverse_momentum as transverse_momentum,
)
from colliderax.generation.events.plots import plot_observables as plot_observables
from colliderax.generation.events.plots import write_histograms_text as write_histograms_text
from colliderax.generation.events.record import SCALE_VARIATION_IDS as SCALE_VARIATION_IDS
from colliderax.generation.events.record import SEVEN_POINT as SEVEN_POINT
from colliderax.generation.events.record import EventBatch as EventBatch
from colliderax.generation.events.record import ProcessInfo as ProcessInfo
from colliderax.generation.events.record import RunInfo as RunInfo
from colliderax.generation.events.record import WeightGroup as WeightGroup
from colliderax.generation.events.record import WeightInfo as WeightInfo
from colliderax.generation.events.record import concatenate as concatenate
from colliderax.generation.events.record import insert_resonances as insert_resonances
from colliderax.generation.events.record import scale_variation_group as scale_variation_group
from colliderax.generation.events.scales import Clustering as Clustering
from colliderax.generation.events.scales import ScaleChoice as ScaleChoice
from colliderax.generation.events.scales import clustering_for as clustering_for
from colliderax.generation.events.scales import clustering_options as clustering_options
from colliderax.generation.events.scales import event_scales as event_scales
from colliderax.generation.events.scales import event_scales_per_beam as event_scales_per_beam
from colliderax.generation.events.scales import mg5_scale_veto as mg5_scale_veto
from colliderax.generation.events.unweighting import DEFAULT_TOLERANCE as DEFAULT_TOLERANCE
from colliderax.generation.events.unweighting import UnweightResult as UnweightResult
from colliderax.generation.events.unweighting import UnweightState as UnweightState
from colliderax.generation.events.unweighting import allocate_events as allocate_events
from colliderax.generation.events.unweighting import max_weight as max_weight
from colliderax.generation.events.unweighting import overweight_fraction as overweight_fraction
from colliderax.generation.events.unweighting import unweight as unweight
from colliderax.generation.events.unweighting import unweight_init as unweight_init
from colliderax.generation.events.unweighting import unweight_step as unweight_step

__all__ = [
    "DEFAULT_TOLERANCE",
    "SCALE_VARIATION_IDS",
    "SEVEN_POINT",
    "Clustering",
    "CutFunction",
    "Cuts",
    "EventBatch",
    "Histogram",
    "Observable",
    "ProcessInfo",
    "RunInfo",
    "ScaleChoice",
    "UnweightResult",
    "UnweightState",
    "WeightGroup",
    "WeightInfo",
    "allocate_events",
    "azimuth",
    "chi2_compare",
    "clustering_for",
    "clustering_options",
    "concatenate",
    "cut_mask",
    "event_scales",
    "event_scales_per_beam",
    "histogram",
    "insert_resonances",
    "invariant_mass",
    "max_weight",
    "mg5_scale_veto",
    "outgoing_indices",
    "overweight_fraction",
    "particle_class",
    "pdg_name",
    "plot_observables",
    "pseudorapidity",
    "rapidity",
    "scale_variation_group",
    "standard_observables",
    "transverse_momentum",
    "unweight",
    "unweight_init",
    "unweight_step",
    "write_histograms_text",
]
