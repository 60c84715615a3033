"""Time track reconstruction per method and stage on t t̄ events with pileup μ = 0, 50, 200.

For every μ the script generates ``--events + 1`` bunch crossings (Pythia 8 t t̄ plus Poisson
pileup, CMS Phase-2-like tracker, 3.8 T, full material), reconstructs them, reports the total
time of the first (cold: it compiles the kernels), discards it and reports per stage (seeding,
extension, ambiguity resolution, final Kalman fit) the median time per event and the events per
second, together with the efficiency (pT > 1 GeV, |η| < 2.5, ≥ 3 hits; all particles and
primaries, production vertex within 1 mm of the beam line), the efficiency with the selection of
the ACTS figures in ``shared/peers`` (pT > 0.5 GeV, ≥ 9 hits, any η), fake and duplicate rates
and the TrackML score (official hit weights, see ``colliderax.tracking.metrics``). ``--methods ckf
gnn`` also runs the GNN pipeline (stages graph, gnn, building, fit) with the shipped checkpoint
or ``--checkpoint``.

Usage::

    python bench/tracking.py                          # μ = 0 50 200, 3 timed events each
    taskset -c 1 python bench/tracking.py --mu 200 --events 5      # one CPU core
    python bench/tracking.py --mu 0 50 --pileup-model nondiffractive  # faster generation
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import numpy as np

from benchtable import Row, print_table
from colliderax.core import enable_x64, select_device


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mu", type=float, nargs="+", default=[0.0, 50.0, 200.0],
                        help="mean pileup values (default: 0 50 200)")
    parser.add_argument("--events", type=int, default=3, help="timed events per μ")
    parser.add_argument("--seed", type=int, default=1, help="generation seed")
    parser.add_argument("--geometry", default="cms_phase2_like", help="geometry name or TOML")
    parser.add_argument("--pileup-model", choices=["inelastic", "nondiffractive"],
                        default="inelastic", help="Pythia pileup process")
    parser.add_argument("--device", choices=["cpu", "gpu"], default=None, help="device")
    parser.add_argument("--methods", nargs="+", choices=["ckf", "gnn"], default=["ckf"],
                        help="finders to time (default: ckf)")
    parser.add_argument("--checkpoint", default=None, help="GNN checkpoint directory")
    return parser.parse_args()


def _primary_efficiency(tracks, event) -> tuple[int, int]:
    from colliderax.tracking.metrics import match_tracks, particle_kinematics

    m = match_tracks(tracks.hit_ids, tracks.track_ids, event["truth"])
    p = event["particles"]
    kin = particle_kinematics(p)
    pos = np.searchsorted(kin["particle_id"], m.particle_ids)
    rv = np.hypot(p["vx"], p["vy"])[pos]
    sel = ((m.particle_nhits >= 3) & (kin["pt"][pos] > 1.0) & (np.abs(kin["eta"][pos]) < 2.5)
           & (rv < 1.0))
    return int(sel.sum()), int((sel & m.particle_matched).sum())


def main() -> None:
    args = parse_args()
    enable_x64()
    device = select_device(args.device)
    from colliderax.detector import load_geometry
    from colliderax.tracking import gnn
    from colliderax.tracking.ckf import find_tracks_ckf
    from colliderax.tracking.pipeline import find_tracks_gnn

    geometry = load_geometry(args.geometry)
    bz = geometry.bz
    rows: list[Row] = []
    model = None
    if "gnn" in args.methods:
        model = gnn.load_checkpoint(args.checkpoint or gnn.default_checkpoint(geometry),
                                    geometry)[:2]
    for mu in args.mu:
        for method in args.methods:
            rows += _run(args, mu, method, geometry, bz, device, model, find_tracks_ckf,
                         find_tracks_gnn)
    print_table(rows)


def _run(args, mu, method, geometry, bz, device, model, find_tracks_ckf, find_tracks_gnn):
    from colliderax.detector import simulate
    from colliderax.detector.sources import pythia_source
    from colliderax.tracking.hits import prepare_hits
    from colliderax.tracking.metrics import event_metrics, summarize

    rows: list[Row] = []
    source = pythia_source(jax.random.key(args.seed), process="ttbar", pileup=mu,
                           pileup_model=args.pileup_model)
    stage_times: dict[str, list[float]] = {}
    metrics, metrics_acts, prim = [], [], [0, 0]
    n_hits = []
    cold = float("nan")
    for i in range(args.events + 1):
        generated = source.event(i)
        sim = simulate(jax.random.fold_in(jax.random.key(args.seed), i),
                       jax.device_put(generated.particles, device), geometry, field=bz)
        tables = sim.to_tables()
        t0 = time.perf_counter()
        hits = prepare_hits(tables["hits"], geometry)
        t1 = time.perf_counter()
        if method == "ckf":
            tracks = find_tracks_ckf(hits, geometry, bz=bz)
        else:
            tracks = find_tracks_gnn(hits, model[0], model[1], bz=bz)
        t2 = time.perf_counter()
        if i == 0:
            cold = t2 - t0  # compiles
            continue
        times = dict(tracks.timing, prepare=t1 - t0, total=t2 - t0)
        for k, v in times.items():
            stage_times.setdefault(k, []).append(v)
        metrics.append(event_metrics(tracks.hit_ids, tracks.track_ids, tables["truth"],
                                     tables["particles"]))
        metrics_acts.append(event_metrics(tracks.hit_ids, tracks.track_ids, tables["truth"],
                                          tables["particles"], pt_min=0.5, eta_max=np.inf,
                                          min_hits=9))
        a, b = _primary_efficiency(tracks, tables)
        prim[0] += a
        prim[1] += b
        n_hits.append(len(hits))
    s = summarize(metrics)
    s_acts = summarize(metrics_acts)
    note = f"ttbar mu={mu:g}, {args.events} events, {np.mean(n_hits):.3g} hits/event"
    rows.append(Row(f"{method} total cold mu={mu:g}", cold, "s/event",
                    f"ttbar mu={mu:g}, first event (compiles)"))
    for stage in stage_times:
        med = statistics.median(stage_times[stage])
        rows.append(Row(f"{method} {stage} mu={mu:g}", med, "s/event", note))
        rows.append(Row(f"{method} {stage} mu={mu:g} rate",
                        1.0 / med if med > 0 else np.inf, "events/s", note))
    rows.append(Row(f"{method} efficiency mu={mu:g}", s["efficiency"], "", note))
    rows.append(Row(f"{method} efficiency primaries mu={mu:g}",
                    prim[1] / prim[0] if prim[0] else float("nan"), "", note))
    rows.append(Row(f"{method} efficiency pT>0.5 >=9 hits mu={mu:g}", s_acts["efficiency"], "",
                    note))
    rows.append(Row(f"{method} fake rate mu={mu:g}", s["fake_rate"], "", note))
    rows.append(Row(f"{method} duplicate rate mu={mu:g}", s["duplicate_rate"], "", note))
    rows.append(Row(f"{method} trackml score mu={mu:g}", s["trackml_score"], "", note))
    return rows


if __name__ == "__main__":
    main()
