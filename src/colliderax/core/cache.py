"""JAX's persistent compilation cache for the command line.

Compiling a process (|M|², diagram weights, scales, PDFs) takes seconds to minutes; XLA can
keep compiled executables on disk so that the next run of the same process skips it. The CLI
turns this on in ``$COLLIDERAX_CACHE_DIR`` (default ``~/.cache/colliderax/jax``); set it to an
empty string to turn the cache off. Library code never touches the global JAX configuration.
"""

import logging
import os
from pathlib import Path

CACHE_ENV_VAR = "COLLIDERAX_CACHE_DIR"
logger = logging.getLogger(__name__)


def enable_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at the colliderax cache directory."""
    import jax

    setting = os.environ.get(CACHE_ENV_VAR)
    if setting == "":
        return None
    path = Path(setting) if setting else Path.home() / ".cache" / "colliderax" / "jax"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        logger.info("compilation cache off: %s is not writable (%s)", path, exc)
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    return path
