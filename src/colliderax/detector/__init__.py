"""Fast silicon-tracker simulation in JAX.

Load a geometry (:func:`load_geometry` for the shipped CMS Phase-2-like tracker or a TOML file,
:func:`load_trackml_detectors` for a TrackML ``detectors.csv``), make particles (:func:`gun` or
:meth:`Particles.from_arrays`), run :func:`simulate`, and write the hit/truth/particle tables
with :func:`write_event`. Units: mm, GeV, T, e. Importing this package changes no JAX settings;
enable x64 (``colliderax.core.enable_x64()``) before simulating.
"""

from colliderax.detector.errors import GeometryError
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
from colliderax.detector.trackml import load_trackml_detectors

__all__ = [
    "FieldMap",
    "Geometry",
    "GeometryError",
    "Layer",
    "Modules",
    "Particles",
    "SimResult",
    "UniformField",
    "available_geometries",
    "geometry_from_dict",
    "gun",
    "highland_theta0",
    "load_geometry",
    "load_trackml_detectors",
    "read_event",
    "read_table",
    "simulate",
    "write_event",
    "write_table",
]
