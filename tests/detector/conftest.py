"""Shared fixtures for the detector tests. Physics runs in float64."""

from pathlib import Path

import jax
import pytest

jax.config.update("jax_enable_x64", True)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TRACKML_DETECTORS = SHARED / "data" / "trackml" / "detectors.csv.gz"


@pytest.fixture(scope="session")
def cms_geometry():
    """The shipped CMS Phase-2-like geometry."""
    from colliderax.detector import load_geometry

    return load_geometry("cms_phase2_like")


# Tests on the CMS-like geometry use batches of N_BATCH particles and the default static
# options so that they share one compiled kernel (flags and field strength are traced values).
N_BATCH = 400
NOISE_HITS = 2000


@pytest.fixture(scope="session")
def muons():
    """N_BATCH muons of both charges, 0.5 < p_T < 50 GeV, |eta| < 4."""
    from colliderax.detector import gun

    return gun(jax.random.key(123), N_BATCH, pt_range=(0.5, 50.0), eta_range=(-4.0, 4.0))


@pytest.fixture(scope="session")
def cms_event(cms_geometry, muons):
    """The muons through the CMS-like tracker with all effects and NOISE_HITS noise hits."""
    from colliderax.detector import simulate

    return simulate(jax.random.key(7), muons, cms_geometry, noise_hits=NOISE_HITS,
                    energy_loss=True)


@pytest.fixture(scope="session")
def trackml_detectors_path() -> Path:
    """The public TrackML detectors file from the shared data area; skips when absent."""
    if not TRACKML_DETECTORS.is_file():
        pytest.skip(f"TrackML detectors file not available at {TRACKML_DETECTORS}")
    return TRACKML_DETECTORS


def barrel_disk_geometry(
    *,
    barrels=(),
    disks=(),
    x_over_x0=0.0,
    inefficiency=0.0,
    pitch_u=0.05,
    pitch_v=0.1,
):
    """A small geometry from (radius, half_length) barrels and (z, r_min, r_max) disks."""
    from colliderax.detector import geometry_from_dict

    defaults = {
        "module_length": 50.0,
        "module_width": 20.0,
        "pitch_u": pitch_u,
        "pitch_v": pitch_v,
        "thickness": 0.2,
        "x_over_x0": x_over_x0,
        "inefficiency": inefficiency,
    }
    volumes = []
    if barrels:
        volumes.append(
            {
                "id": 8,
                "name": "B",
                "kind": "barrel",
                "defaults": defaults,
                "layers": [{"radius": r, "half_length": h} for r, h in barrels],
            }
        )
    if disks:
        volumes.append(
            {
                "id": 9,
                "name": "E",
                "kind": "endcap",
                "defaults": defaults,
                "layers": [{"z": z, "r_min": a, "r_max": b} for z, a, b in disks],
            }
        )
    return geometry_from_dict({"schema_version": 1, "name": "test", "volumes": volumes})
