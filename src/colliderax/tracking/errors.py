"""Errors raised by the tracking package (all one-line :class:`InvalidInput` subclasses)."""

from colliderax.core.errors import InvalidInput


class TrackingError(InvalidInput):
    """Base class of the tracking errors."""


class GeometryMismatch(TrackingError):
    """Hits (or a checkpoint) belong to another detector geometry than the one given."""


class EmptyEvent(TrackingError):
    """An event has no hits (or no particles, for evaluation)."""


class CheckpointError(TrackingError):
    """A model checkpoint is missing, malformed, or made for another geometry or version."""


__all__ = ["CheckpointError", "EmptyEvent", "GeometryMismatch", "TrackingError"]
