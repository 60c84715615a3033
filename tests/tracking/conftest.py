"""Shared fixtures for the tracking tests (float64)."""

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

BZ = 3.8


@pytest.fixture(scope="session")
def cms_geometry():
    from colliderax.detector import load_geometry

    return load_geometry("cms_phase2_like")


def truth_tracks(tables):
    """Hit indices per particle (path order) and the particles' row in the particles table."""
    pid = np.asarray(tables["truth"]["particle_id"])
    order = np.argsort(pid, kind="stable")
    ids, starts = np.unique(pid[order], return_index=True)
    groups = np.split(order, starts[1:])
    keep = ids != 0
    rows = np.searchsorted(tables["particles"]["particle_id"], ids[keep])
    return [g for g, k in zip(groups, keep, strict=True) if k], rows
