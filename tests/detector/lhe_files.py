"""A tiny, exactly balanced Les Houches Event file (u u~ -> mu+ mu-) for the LHE tests."""

from pathlib import Path

import numpy as np

MU_MASS = 0.1056583755  # GeV
BEAM = 7000.0  # GeV per proton


def _particle(pdg, status, mothers, colours, p4, mass):
    e, px, py, pz = p4
    return (f" {pdg:d} {status:d} {mothers[0]:d} {mothers[1]:d} {colours[0]:d} {colours[1]:d}"
            f" {px:.12e} {py:.12e} {pz:.12e} {e:.12e} {mass:.12e} 0.0 9.0")


def write_test_lhe(path: Path, n_events: int = 2, seed: int = 3) -> Path:
    """Write ``n_events`` events u u~ -> mu+ mu- at 60 < m < 120 GeV, pp at 14 TeV."""
    rng = np.random.default_rng(seed)
    lines = [
        '<LesHouchesEvents version="1.0">',
        "<init>",
        f" 2212 2212 {BEAM:.6e} {BEAM:.6e} 0 0 0 0 3 1",
        " 1.0e+03 1.0e+01 1.0e+03 1",
        "</init>",
    ]
    for _ in range(n_events):
        m = rng.uniform(80.0, 100.0)
        y = rng.uniform(-1.0, 1.0)
        cos_t, phi = rng.uniform(-0.9, 0.9), rng.uniform(0.0, 2 * np.pi)
        x1, x2 = m / (2 * BEAM) * np.exp(y), m / (2 * BEAM) * np.exp(-y)
        q1 = (x1 * BEAM, 0.0, 0.0, x1 * BEAM)
        q2 = (x2 * BEAM, 0.0, 0.0, -x2 * BEAM)
        p = np.sqrt((m / 2) ** 2 - MU_MASS**2)
        sin_t = np.sqrt(1 - cos_t**2)
        dir_ = np.array([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])
        beta = np.tanh(y)  # boost of the pair along z
        gamma = np.cosh(y)
        legs = []
        for sign in (1, -1):
            e0, pvec = m / 2, sign * p * dir_
            e = gamma * (e0 + beta * pvec[2])
            pz = gamma * (pvec[2] + beta * e0)
            legs.append((e, pvec[0], pvec[1], pz))
        lines += [
            "<event>",
            f" 4 1 1.0 {m:.8e} 7.8e-03 1.18e-01",
            _particle(2, -1, (0, 0), (501, 0), q1, 0.0),
            _particle(-2, -1, (0, 0), (0, 501), q2, 0.0),
            _particle(-13, 1, (1, 2), (0, 0), legs[0], MU_MASS),
            _particle(13, 1, (1, 2), (0, 0), legs[1], MU_MASS),
            "</event>",
        ]
    lines.append("</LesHouchesEvents>")
    path.write_text("\n".join(lines) + "\n")
    return path
