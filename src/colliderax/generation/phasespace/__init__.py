"""Phase-space generators. Entry point today: :func:`rambo`."""

from colliderax.generation.phasespace.rambo import rambo as rambo
from colliderax.generation.phasespace.rambo import two_to_n as two_to_n

__all__ = ["rambo", "two_to_n"]
