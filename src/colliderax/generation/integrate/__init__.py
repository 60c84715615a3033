"""Adaptive Monte Carlo integration. Entry point: :func:`vegas`."""

from colliderax.generation.integrate.vegas import VegasGrid as VegasGrid
from colliderax.generation.integrate.vegas import VegasResult as VegasResult
from colliderax.generation.integrate.vegas import vegas as vegas
from colliderax.generation.integrate.vegas import vegas_init as vegas_init
from colliderax.generation.integrate.vegas import vegas_step as vegas_step

__all__ = ["VegasGrid", "VegasResult", "vegas", "vegas_init", "vegas_step"]
