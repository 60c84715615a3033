"""Fast silicon-tracker simulation in JAX.

Load a geometry (:func:`load_geometry` for the shipped CMS Phase-2-like tracker or a TOML file,
:func:`load_trackml_detectors` for a TrackML ``detectors.csv``), make particles (:func:`gun`,
:meth:`Particles.from_arrays`, or Pythia 8 events with pileup from :func:`pythia_source`), run
:func:`simulate`, and write the hit/truth/particle tables with :func:`write_event`. Units: mm,
GeV, T, e. Importing this package changes no JAX settings (nor imports Pythia); enable x64
(``colliderax.core.enable_x64()``) before simulating.
"""

from colliderax.detector.errors import GeometryError, OutputError, SourceError, SourceExhausted
from colliderax.detector.field import FieldMap, UniformField
from colliderax.detector.geometry import (
    Geometry,
    Layer,
    Modules,
    available_geometries,
    geometry_from_dict,
    load_geometry,
)
from colliderax.detector.io import read_event, read_table, write_event, write_table
from colliderax.detector.particles import Particles, gun
from colliderax.detector.simulation import SimResult, highland_theta0, simulate
from colliderax.detector.sources import (
    EventSource,
    GeneratedEvent,
    LuminousRegion,
    PythiaGenerator,
    pythia_source,
)
from colliderax.detector.trackml import load_trackml_detectors

__all__ = [
    "EventSource",
    "FieldMap",
    "GeneratedEvent",
    "Geometry",
    "GeometryError",
    "Layer",
    "LuminousRegion",
    "Modules",
    "OutputError",
    "Particles",
    "PythiaGenerator",
    "SimResult",
    "SourceError",
    "SourceExhausted",
    "UniformField",
    "available_geometries",
    "geometry_from_dict",
    "gun",
    "highland_theta0",
    "load_geometry",
    "load_trackml_detectors",
    "pythia_source",
    "read_event",
    "read_table",
    "simulate",
    "write_event",
    "write_table",
]
