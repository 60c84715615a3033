"""Phase-space generators: RAMBO (flat n-body) and an angular two-body map."""

from colliderax.generation.phasespace.rambo import rambo as rambo
from colliderax.generation.phasespace.rambo import two_to_n as two_to_n
from colliderax.generation.phasespace.two_body import two_body as two_body

__all__ = ["rambo", "two_body", "two_to_n"]
