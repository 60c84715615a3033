"""Test-suite set-up: float64 everywhere, strict promotion, and the location of ../shared."""

from pathlib import Path

import jax
import pytest

jax.config.update("jax_enable_x64", True)

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
