"""Track reconstruction: Kalman fit, CKF and GNN track finders, metrics.

Conventions (see ``docs/tracking.md``): perigee parameters ``(d0, z0, phi, theta, q/p)`` with
respect to the z axis in mm, rad and e/GeV; the field is Bz along +z in T. Hits come from
:mod:`colliderax.detector` tables (simulated events or TrackML CSV) and are checked against
the geometry by :func:`prepare_hits`. Importing this package changes no JAX settings; enable
x64 (``colliderax.core.enable_x64()``) first.
"""

from colliderax.tracking.ckf import CKFConfig, Tracks, find_tracks_ckf, fit_tracks
from colliderax.tracking.errors import (
    CheckpointError,
    EmptyEvent,
    GeometryMismatch,
    TrackingError,
)
from colliderax.tracking.helix import PARAM_NAMES, perigee_from_momentum
from colliderax.tracking.hits import HitSet, measurements_for, padded_indices, prepare_hits
from colliderax.tracking.kalman import FitResult, Measurements, fit
from colliderax.tracking.metrics import (
    event_metrics,
    match_tracks,
    resolutions,
    summarize,
    trackml_score,
)
from colliderax.tracking.seeding import helix_from_triplet

__all__ = [
    "PARAM_NAMES",
    "CKFConfig",
    "CheckpointError",
    "EmptyEvent",
    "FitResult",
    "GeometryMismatch",
    "HitSet",
    "Measurements",
    "TrackingError",
    "Tracks",
    "event_metrics",
    "find_tracks_ckf",
    "fit",
    "fit_tracks",
    "helix_from_triplet",
    "match_tracks",
    "measurements_for",
    "padded_indices",
    "perigee_from_momentum",
    "prepare_hits",
    "resolutions",
    "summarize",
    "trackml_score",
]
