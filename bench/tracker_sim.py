"""Time colliderax.detector.simulate() on particle-gun batches or Pythia 8 events with pileup.

Gun mode (default): for every batch size the script compiles once (reported as
``compile+first``), then runs ``--repeats`` timed calls with ``jax.block_until_ready`` and
reports the median wall time, the particle throughput and the mean number of hits per particle.

Pythia mode (``--pythia PROCESS``): generates ``--events`` bunch crossings of PROCESS plus
Poisson pileup of mean ``--pileup`` and times, per event, the Pythia generation (hard process
and pileup separately) and ``simulate`` (first call, which compiles when the padded batch size
is new, and a second, warm call with another key); it reports hits and charged particles per
event (all, |eta| < 4, |eta| < 2.5), and with ``--hist-csv`` writes the mean number of hits per
event in each layer and bin of the particle's pseudorapidity as CSV.

Usage::

    python bench/tracker_sim.py                       # 1000 and 10000 particles, default device
    python bench/tracker_sim.py --device gpu --sizes 1000 10000 100000
    python bench/tracker_sim.py --geometry path/to/detector.toml --no-material
    taskset -c 1 python bench/tracker_sim.py --pythia ttbar --pileup 200 --events 5 \\
        --hist-csv hits_per_layer_vs_eta.csv          # one CPU core
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time

import jax
import numpy as np

from benchtable import device_name, git_revision
from colliderax.core import enable_x64, select_device


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
    parser.add_argument("--pythia", metavar="PROCESS", default=None,
                        help="Pythia mode: hard process (ttbar, zmumu, minbias)")
    parser.add_argument("--pileup", type=float, default=200.0, help="Pythia mode: mean pileup")
    parser.add_argument("--events", type=int, default=5, help="Pythia mode: events")
    parser.add_argument("--seed", type=int, default=1, help="Pythia mode: seed")
    parser.add_argument("--hist-csv", default=None, metavar="FILE",
                        help="Pythia mode: write hits per layer and eta bin to this CSV")
    return parser.parse_args()


def _eta(px: np.ndarray, py: np.ndarray, pz: np.ndarray) -> np.ndarray:
    pt = np.hypot(px, py)
    return np.arcsinh(np.divide(pz, pt, out=np.copysign(np.inf, pz), where=pt > 0))


ETA_EDGES = np.linspace(-4.5, 4.5, 37)  # 0.25 wide bins


def pythia_mode(args: argparse.Namespace, device: jax.Device) -> list[tuple[str, float, str]]:
    """Time Pythia generation and simulate() separately on events with pileup."""
    from colliderax.detector import load_geometry, simulate
    from colliderax.detector.sources import pythia_source

    geometry = load_geometry(args.geometry)
    t0 = time.perf_counter()
    source = pythia_source(jax.random.key(args.seed), process=args.pythia, pileup=args.pileup)
    t_init = time.perf_counter() - t0
    layers = geometry.layers
    layer_key = {(lay.volume_id, lay.layer_id): i for i, lay in enumerate(layers)}
    hist = np.zeros((len(layers), len(ETA_EDGES) - 1))
    stats: dict[str, list[float]] = {k: [] for k in (
        "gen", "hard", "pileup", "sim_first", "sim_warm", "tables", "hits", "charged",
        "charged_eta4", "charged_eta25", "n_pileup", "dndeta0")}
    with jax.default_device(device):
        for i in range(args.events):
            before = dict(source.timing)
            t0 = time.perf_counter()
            event = source.event(i)
            stats["gen"].append(time.perf_counter() - t0)
            stats["hard"].append(source.timing["hard"] - before["hard"])
            stats["pileup"].append(source.timing["pileup"] - before["pileup"])
            particles = jax.device_put(event.particles, device)

            def run(seed: int, particles=particles):
                return jax.block_until_ready(simulate(
                    jax.random.key(seed), particles, geometry,
                    material=not args.no_material, noise_hits=args.noise))

            t0 = time.perf_counter()
            result = run(2 * i)
            stats["sim_first"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run(2 * i + 1)
            stats["sim_warm"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tables = result.to_tables()
            stats["tables"].append(time.perf_counter() - t0)
            p = tables["particles"]
            eta = _eta(p["px"], p["py"], p["pz"])
            charged = p["q"] != 0
            stats["hits"].append(len(tables["hits"]["hit_id"]))
            stats["charged"].append(np.count_nonzero(charged))
            stats["charged_eta4"].append(np.count_nonzero(charged & (np.abs(eta) < 4)))
            stats["charged_eta25"].append(np.count_nonzero(charged & (np.abs(eta) < 2.5)))
            stats["n_pileup"].append(event.n_pileup)
            if event.n_pileup:  # pileup (minimum-bias) particles only
                central = charged & (np.abs(eta) < 0.5) & (event.collision > 0)
                stats["dndeta0"].append(np.count_nonzero(central) / event.n_pileup)
            # hits per layer and eta of the hit's particle (at production)
            row = np.searchsorted(p["particle_id"], tables["truth"]["particle_id"])
            hit_eta = eta[row]
            lay = np.array([layer_key[(v, l)] for v, l in zip(
                tables["hits"]["volume_id"].tolist(), tables["hits"]["layer_id"].tolist(),
                strict=True)], dtype=np.int64)
            b = np.digitize(hit_eta, ETA_EDGES) - 1
            ok = (b >= 0) & (b < len(ETA_EDGES) - 1)
            np.add.at(hist, (lay[ok], b[ok]), 1.0)
    n = args.events
    if args.hist_csv:
        with open(args.hist_csv, "w", encoding="utf-8") as fh:
            fh.write("volume_id,layer_id,volume_name,kind,eta_lo,eta_hi,hits_per_event\n")
            for i, lay in enumerate(layers):
                for j in range(len(ETA_EDGES) - 1):
                    fh.write(f"{lay.volume_id},{lay.layer_id},{lay.volume_name},{lay.kind},"
                             f"{ETA_EDGES[j]:.2f},{ETA_EDGES[j + 1]:.2f},{hist[i, j] / n:.4g}\n")
        print(f"# hits per layer vs eta written to {args.hist_csv}")
    label = f"{args.pythia} mu={args.pileup:g}"

    def mean(key: str) -> float:
        return float(np.mean(stats[key]))

    def spread(key: str) -> str:
        return f"{min(stats[key]):.3g}-{max(stats[key]):.3g}"

    print(f"# {label}: per event generation {spread('gen')} s, simulate first call "
          f"{spread('sim_first')} s, warm {spread('sim_warm')} s; hits {spread('hits')}")
    return [
        (f"{label} Pythia init (hard + pileup)", t_init, "s"),
        (f"{label} generation per event", mean("gen"), "s"),
        (f"{label}   of which hard process", mean("hard"), "s"),
        (f"{label}   of which pileup", mean("pileup"), "s"),
        (f"{label} simulate per event, first call", mean("sim_first"), "s"),
        (f"{label} simulate per event, warm", mean("sim_warm"), "s"),
        (f"{label} to_tables per event", mean("tables"), "s"),
        (f"{label} pileup collisions per event", mean("n_pileup"), "collisions"),
        (f"{label} hits per event", mean("hits"), "hits"),
        (f"{label} charged particles per event", mean("charged"), "particles"),
        (f"{label} charged particles |eta|<4", mean("charged_eta4"), "particles"),
        (f"{label} charged particles |eta|<2.5", mean("charged_eta25"), "particles"),
        (f"{label} pileup charged dN/deta, |eta|<0.5, per collision", mean("dndeta0"),
         "particles"),
    ]


def main() -> None:
    args = parse_args()
    enable_x64()
    from colliderax.detector import gun, load_geometry, simulate

    device = select_device(args.device)
    rows: list[tuple[str, float, str]] = []
    if args.pythia is not None:
        rows = pythia_mode(args, device)
        args.sizes = []
    geometry = load_geometry(args.geometry)
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
        device_name(device),
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
