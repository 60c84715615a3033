"""Tree-level helicity amplitudes: external wavefunctions, vertices, diagrams, colour, |M|².

Entry point: :func:`compile_matrix_element`.
"""

from colliderax.generation.amplitudes.matrix_element import CompiledProcess as CompiledProcess
from colliderax.generation.amplitudes.matrix_element import Subprocess as Subprocess
from colliderax.generation.amplitudes.matrix_element import (
    compile_matrix_element as compile_matrix_element,
)

__all__ = ["CompiledProcess", "Subprocess", "compile_matrix_element"]
