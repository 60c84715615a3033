"""The ``colliderax`` command line: one sub-command per user job (see ``colliderax --help``)."""

from colliderax.cli.app import main as main

__all__ = ["main"]
