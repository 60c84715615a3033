"""Time colliderax.detector.simulate() on particle-gun batches.

For every batch size the script compiles once (reported as ``compile+first``), then runs
``--repeats`` timed calls with ``jax.block_until_ready`` and reports the median wall time, the
particle throughput and the mean number of hits per particle.

Usage::

    python bench/tracker_sim.py                       # 1000 and 10000 particles, default device
    python bench/tracker_sim.py --device gpu --sizes 1000 10000 100000
    python bench/tracker_sim.py --geometry path/to/detector.toml --no-material
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time

import jax
import numpy as np

from benchtable import git_revision
from colliderax.core import enable_x64, select_device
from colliderax.core.device import device_description


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000],
                        help="particles per simulate() call (default: 1000 10000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per size")
    parser.add_argument("--device", choices=["cpu", "gpu"], default=None,
                        help="device (default: COLLIDERAX_DEVICE or JAX's default)")
    parser.add_argument("--geometry", default="cms_phase2_like",
                        help="shipped geometry name or TOML path")
    parser.add_argument("--pt", type=float, nargs=2, default=(0.5, 10.0), metavar=("MIN", "MAX"),
                        help="gun p_T range [GeV]")
    parser.add_argument("--eta", type=float, default=4.0, help="gun |eta| limit")
    parser.add_argument("--noise", type=int, default=0, help="noise hits per call")
    parser.add_argument("--no-material", action="store_true", help="switch off scattering")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    enable_x64()
    from colliderax.detector import gun, load_geometry, simulate

    device = select_device(args.device)
    geometry = load_geometry(args.geometry)
    rows: list[tuple[str, float, str]] = []
    with jax.default_device(device):
        for n in args.sizes:
            particles = jax.device_put(
                gun(jax.random.key(1), n, pt_range=tuple(args.pt),
                    eta_range=(-args.eta, args.eta)),
                device,
            )

            def run(seed: int, particles=particles):
                return simulate(jax.random.key(seed), particles, geometry,
                                material=not args.no_material, noise_hits=args.noise)

            t0 = time.perf_counter()
            result = jax.block_until_ready(run(0))
            first = time.perf_counter() - t0
            times = []
            for i in range(args.repeats):
                t0 = time.perf_counter()
                jax.block_until_ready(run(i + 1))
                times.append(time.perf_counter() - t0)
            median = statistics.median(times)
            hits = float(np.mean(np.asarray(result.n_hits)))
            rows += [
                (f"simulate n={n} compile+first", first, "s"),
                (f"simulate n={n} median of {args.repeats}", median * 1e3, "ms"),
                (f"simulate n={n} throughput", n / median, "particles/s"),
                (f"simulate n={n} hits per particle", hits, "hits"),
            ]
    meta = (
        device_description(device),
        jax.__version__,
        git_revision(),
        datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    header = ("name", "value", "unit", "device", "jax", "git", "date")
    table = [header] + [(name, f"{value:.4g}", unit, *meta) for name, value, unit in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
