"""Process strings in MadGraph5 syntax and their expansion into partonic subprocesses."""

from colliderax.generation.process.parser import ProcessSpec as ProcessSpec
from colliderax.generation.process.parser import default_multiparticles as default_multiparticles
from colliderax.generation.process.parser import expand_process as expand_process
from colliderax.generation.process.parser import parse_process as parse_process

__all__ = ["ProcessSpec", "default_multiparticles", "expand_process", "parse_process"]
