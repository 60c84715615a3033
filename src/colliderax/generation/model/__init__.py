"""The MG5 ``sm`` model: particles, parameters (param_card) and vertices."""

from colliderax.generation.model.parameters import ModelParameters as ModelParameters
from colliderax.generation.model.parameters import sm_parameters as sm_parameters
from colliderax.generation.model.particles import PARTICLES_BY_NAME as PARTICLES_BY_NAME
from colliderax.generation.model.particles import Particle as Particle

__all__ = ["PARTICLES_BY_NAME", "ModelParameters", "Particle", "sm_parameters"]
