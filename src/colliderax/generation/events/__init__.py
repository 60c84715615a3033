"""Parton-level events: the event record, unweighting, observables and plots.

Entry points: :class:`EventBatch` and :class:`RunInfo` (the record, written by
:mod:`colliderax.io.lhe` and :mod:`colliderax.io.events_parquet`), :func:`unweight` and
:func:`allocate_events`, :func:`plot_observables`.
"""

from colliderax.generation.events.record import SCALE_VARIATION_IDS as SCALE_VARIATION_IDS
from colliderax.generation.events.record import SEVEN_POINT as SEVEN_POINT
from colliderax.generation.events.record import EventBatch as EventBatch
from colliderax.generation.events.record import ProcessInfo as ProcessInfo
from colliderax.generation.events.record import RunInfo as RunInfo
from colliderax.generation.events.record import WeightGroup as WeightGroup
from colliderax.generation.events.record import WeightInfo as WeightInfo
from colliderax.generation.events.record import concatenate as concatenate
from colliderax.generation.events.record import scale_variation_group as scale_variation_group

__all__ = [
    "SCALE_VARIATION_IDS",
    "SEVEN_POINT",
    "EventBatch",
    "ProcessInfo",
    "RunInfo",
    "WeightGroup",
    "WeightInfo",
    "concatenate",
    "scale_variation_group",
]
