"""Logging set-up for the command line. The library only creates loggers and adds no handlers."""

import logging
import sys


def configure_logging(verbosity: int) -> None:
    """Send log records to stderr; ``verbosity`` -1 quiet, 0 warnings, 1 info, 2+ debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, verbosity), logging.DEBUG
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("colliderax: %(levelname)s: %(message)s"))
    root = logging.getLogger("colliderax")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
