"""Events: generation cuts and renormalisation/factorisation scales (MG5 conventions)."""

from colliderax.generation.events.cuts import CutFunction as CutFunction
from colliderax.generation.events.cuts import Cuts as Cuts
from colliderax.generation.events.cuts import cut_mask as cut_mask
from colliderax.generation.events.cuts import particle_class as particle_class
from colliderax.generation.events.scales import Clustering as Clustering
from colliderax.generation.events.scales import ScaleChoice as ScaleChoice
from colliderax.generation.events.scales import clustering_for as clustering_for
from colliderax.generation.events.scales import clustering_options as clustering_options
from colliderax.generation.events.scales import event_scales as event_scales
from colliderax.generation.events.scales import event_scales_per_beam as event_scales_per_beam
from colliderax.generation.events.scales import mg5_scale_veto as mg5_scale_veto

__all__ = [
    "Clustering",
    "CutFunction",
    "Cuts",
    "ScaleChoice",
    "clustering_for",
    "clustering_options",
    "cut_mask",
    "event_scales",
    "event_scales_per_beam",
    "mg5_scale_veto",
    "particle_class",
]
