"""Errors raised by the detector package."""

from colliderax.core.errors import InvalidInput


class GeometryError(InvalidInput):
    """A detector geometry (TOML config or TrackML ``detectors.csv``) is malformed.

    The message is one line and starts with the dotted key path of the offending entry,
    e.g. ``volumes[2].layers[0].radius: must be > 0 mm, got -5.0``.
    """


class SourceError(InvalidInput):
    """A particle source is misconfigured: unknown process, bad LHE file, pileup μ < 0,
    Pythia missing, or a Pythia setting/initialisation failure."""


class SourceExhausted(SourceError):
    """A finite source (an LHE file) has no more events."""


class OutputError(InvalidInput):
    """An output location cannot be used (not writable, not a directory, already in use)."""


__all__ = ["GeometryError", "OutputError", "SourceError", "SourceExhausted"]
