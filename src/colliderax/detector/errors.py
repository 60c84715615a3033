"""Errors raised by the detector package."""

from colliderax.core.errors import InvalidInput


class GeometryError(InvalidInput):
    """A detector geometry (TOML config or TrackML ``detectors.csv``) is malformed.

    The message is one line and starts with the dotted key path of the offending entry,
    e.g. ``volumes[2].layers[0].radius: must be > 0 mm, got -5.0``.
    """


__all__ = ["GeometryError"]
