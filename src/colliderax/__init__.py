"""colliderax: collider physics on JAX.

The public API is what this module re-exports; sub-packages hold the implementation.
Importing colliderax changes no global JAX configuration: call
:func:`colliderax.core.enable_x64` (the CLI and the test-suite do) before creating arrays.
"""

from colliderax._version import __version__ as __version__
from colliderax.core.errors import ColliderAxError as ColliderAxError

__all__ = ["ColliderAxError", "__version__"]
