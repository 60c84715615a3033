"""Floating-point precision.

Physics runs in float64. JAX silently downgrades float64 requests to float32 unless
``jax_enable_x64`` is set, so entry points that compute physics call :func:`require_x64`,
which fails loudly instead. float32 is available as an explicit ``dtype="float32"`` option.
"""

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput

_REAL = {"float64": np.float64, "float32": np.float32}


def enable_x64() -> None:
    """Turn on 64-bit floats in JAX. Call before any array is created (the CLI does)."""
    jax.config.update("jax_enable_x64", True)


def require_x64() -> None:
    """Raise unless ``jax_enable_x64`` is on, saying how to turn it on."""
    if not jax.config.read("jax_enable_x64"):
        msg = (
            "float64 needs JAX's x64 mode: call colliderax.core.enable_x64() "
            "(or set JAX_ENABLE_X64=1) before creating arrays"
        )
        raise InvalidInput(msg)


def real_dtype(name: str | np.dtype | type = "float64") -> np.dtype:
    """Canonicalise a real dtype name (``"float64"`` or ``"float32"``).

    float64 requires x64 mode (see :func:`require_x64`).
    """
    key = np.dtype(name).name
    if key not in _REAL:
        msg = f"unsupported dtype {name!r}: use 'float64' (default) or 'float32'"
        raise InvalidInput(msg)
    if key == "float64":
        require_x64()
    return np.dtype(_REAL[key])


def complex_dtype(real: np.dtype) -> np.dtype:
    """The complex dtype matching a real one (float64 -> complex128)."""
    return np.dtype(jnp.complex128 if np.dtype(real) == np.float64 else jnp.complex64)
