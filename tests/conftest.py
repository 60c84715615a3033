"""Test-suite set-up: float64 everywhere, no compilation cache, and the location of ../shared."""

import os
from pathlib import Path

import jax
import pytest

jax.config.update("jax_enable_x64", True)
# The CLI's persistent compilation cache stays off in tests: nothing is written outside the
# checkout (colliderax.core.cache).
os.environ.setdefault("COLLIDERAX_CACHE_DIR", "")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """The read-only reference data beside the checkout; tests skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared (reference data) is not present")
    return SHARED


@pytest.fixture
def getkey():
    """A fresh PRNG key per call, from a fixed seed."""
    keys = iter(jax.random.split(jax.random.key(20261127), 1000))
    return lambda: next(keys)
