"""Events: generation cuts and renormalisation/factorisation scales (MG5 conventions)."""

from colliderax.generation.events.cuts import CutFunction as CutFunction
from colliderax.generation.events.cuts import Cuts as Cuts
from colliderax.generation.events.cuts import cut_mask as cut_mask
from colliderax.generation.events.cuts import particle_class as particle_class

__all__ = ["CutFunction", "Cuts", "cut_mask", "particle_class"]
