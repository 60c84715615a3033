"""``colliderax reconstruct`` and ``colliderax evaluate``: track finding and its metrics.

``reconstruct`` reads simulated (or TrackML CSV) events, finds and fits tracks and writes, per
event, ``tracks.csv`` (``hit_id,track_id``) and ``track_params.parquet`` (perigee parameters,
covariance, chi^2) into ``--out`` (with several events, ``event<id>-tracks.csv`` and
``event<id>-track_params.parquet``), plus ``summary.json``. ``evaluate`` compares them with the
simulation truth and prints efficiency, fake and duplicate rates, the TrackML score and the
resolutions and pulls of the five parameters; it writes ``metrics.json`` and per-bin tables.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from pathlib import Path

import click
import numpy as np

from colliderax.cli.options import device_option, enable_precision, load_cli_geometry
from colliderax.core.progress import progress_bar

logger = logging.getLogger("colliderax.cli")

SUMMARY_NAME = "summary.json"
METRICS_NAME = "metrics.json"


def _output_names(event_id: int, single: bool) -> tuple[str, str]:
    from colliderax.detector.io import event_prefix

    if single:
        return "tracks.csv", "track_params.parquet"
    prefix = event_prefix(event_id)
    return f"{prefix}-tracks.csv", f"{prefix}-track_params.parquet"


def _check_out(out: Path) -> None:
    from colliderax.detector.errors import OutputError

    if out.exists() and not out.is_dir():
        msg = f"--out {out}: exists and is not a directory"
        raise OutputError(msg)


@click.command("reconstruct")
@click.option("--method", type=click.Choice(["ckf", "gnn"]), default="ckf", show_default=True,
              help="Track finder: combinatorial Kalman filter or the GNN pipeline.")
@click.option("--geometry", default="cms_phase2_like", show_default=True, metavar="FILE|NAME",
              help="Geometry the hits come from: shipped name, TOML file or TrackML detectors.csv.")
@click.option("--bfield", type=float, default=None, metavar="TESLA",
              help="Solenoid field [T] (default: the geometry's nominal field).")
@click.option("--input", "input_path", type=click.Path(path_type=Path), required=True,
              metavar="EVENT", help="An event hits file (event<id>-hits.*) or a directory.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="DIR", help="Output directory (created).")
@click.option("--events", "max_events", type=int, default=None, metavar="N",
              help="Reconstruct at most N events of the directory.")
@click.option("--checkpoint", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="GNN checkpoint (default: the one shipped for the geometry).")
@click.option("--threshold", type=float, default=0.5, show_default=True,
              help="GNN edge-score cut for track building.")
@device_option
def reconstruct(method, geometry, bfield, input_path, out, max_events, checkpoint, threshold,
                device):
    """Find and fit the tracks of simulated or TrackML events.

    \b
    Examples:
      colliderax reconstruct --method ckf --input ttbar_pu200 --out reco
      colliderax reconstruct --method ckf --geometry detectors.csv --bfield 2.0 \\
          --input train_1/event000001000-hits.csv --out reco_trackml
    """
    from colliderax.tracking.pipeline import event_ids

    directory, ids = event_ids(input_path)
    if max_events is not None:
        if max_events < 1:
            msg = f"--events must be >= 1, got {max_events}"
            raise click.BadParameter(msg)
        ids = ids[:max_events]
    _check_out(out)
    enable_precision("float64")
    import jax

    from colliderax.core.device import select_device
    from colliderax.detector import read_event, write_table
    from colliderax.detector.io import write_text_atomic
    from colliderax.tracking.pipeline import reconstruct_event, track_table

    dev = select_device(device)
    geo = load_cli_geometry(geometry, bfield)
    bz = geo.bz if bfield is None else bfield
    gnn_model = None
    if method == "gnn":
        from colliderax.tracking import gnn

        path = checkpoint or gnn.default_checkpoint(geo)
        model, layer_map, _ = gnn.load_checkpoint(path, geo)
        gnn_model = (model, layer_map)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    t_start = time.perf_counter()
    with jax.default_device(dev), progress_bar(len(ids), "reconstruct", unit="ev") as bar:
        for event_id in ids:
            hits = read_event(directory, event_id, parts=("hits",))["hits"]
            t0 = time.perf_counter()
            tracks = reconstruct_event(hits, geo, bz=bz, method=method, gnn_model=gnn_model,
                                       threshold=threshold)
            dt = time.perf_counter() - t0
            name_tracks, name_params = _output_names(event_id, len(ids) == 1)
            write_table({"hit_id": tracks.hit_ids, "track_id": tracks.track_ids},
                        out / name_tracks)
            write_table(track_table(tracks), out / name_params)
            rows.append({"event_id": event_id, "hits": len(hits["hit_id"]),
                         "tracks": tracks.n_tracks, "seeds": list(tracks.n_seeds),
                         "time_s": dt, "stages_s": tracks.timing,
                         "tracks_file": name_tracks, "params_file": name_params})
            bar.advance(1)
    summary = {
        "format": "colliderax-reconstruct/1",
        "method": method,
        "input": str(directory.resolve()),
        "geometry": geo.name,
        "geometry_source": geo.source,
        "bfield_t": bz,
        "events": rows,
        "total_s": time.perf_counter() - t_start,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    write_text_atomic(out / SUMMARY_NAME, json.dumps(summary, indent=1) + "\n")
    click.echo(f"{'event':>10} {'hits':>8} {'tracks':>7} {'time [s]':>9}")
    for r in rows:
        click.echo(f"{r['event_id']:>10} {r['hits']:>8} {r['tracks']:>7} {r['time_s']:>9.2f}")
    click.echo(f"wrote {len(rows)} event(s) to {out}")


@click.command("evaluate")
@click.option("--input", "input_path", type=click.Path(path_type=Path), required=True,
              metavar="EVENT", help="The events with truth (file or directory) that were "
              "reconstructed.")
@click.option("--tracks", "tracks_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, metavar="DIR", help="The output directory of reconstruct.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Where to write metrics.json and the binned tables "
              "(default: --tracks).")
@click.option("--pt-min", type=float, default=1.0, show_default=True,
              help="Particle selection for the efficiency: pT [GeV].")
@click.option("--eta-max", type=float, default=2.5, show_default=True,
              help="Particle selection: |eta|.")
@click.option("--min-hits", type=int, default=3, show_default=True,
              help="Particle selection: hits.")
def evaluate(input_path, tracks_dir, out, pt_min, eta_max, min_hits):
    """Efficiency, fake and duplicate rates, TrackML score, resolutions and pulls.

    \b
    Example:
      colliderax evaluate --input ttbar_pu200 --tracks reco
    """
    from colliderax.detector import read_event, read_table
    from colliderax.detector.io import write_text_atomic
    from colliderax.tracking.errors import EmptyEvent
    from colliderax.tracking.metrics import binned, resolutions, summarize
    from colliderax.tracking.pipeline import evaluate_event

    summary_path = tracks_dir / SUMMARY_NAME
    if not summary_path.is_file():
        msg = f"--tracks {tracks_dir}: no {SUMMARY_NAME} (run colliderax reconstruct first)"
        raise EmptyEvent(msg)
    reco = json.loads(summary_path.read_text())
    enable_precision("float64")
    directory = Path(input_path)
    if directory.is_file():
        directory = directory.parent
    bz = float(reco["bfield_t"])
    events, fits, covs, truths = [], [], [], []
    with progress_bar(len(reco["events"]), "evaluate", unit="ev") as bar:
        for row in reco["events"]:
            event = read_event(directory, row["event_id"], parts=("truth", "particles"))
            trk = read_table(tracks_dir / row["tracks_file"])
            params = read_table(tracks_dir / row["params_file"])
            m, f, c, t = evaluate_event(trk["hit_id"], trk["track_id"], event, params, bz=bz,
                                        pt_min=pt_min, eta_max=eta_max, min_hits=min_hits)
            events.append(m)
            fits.append(f)
            covs.append(c)
            truths.append(t)
            bar.advance(1)
    s = summarize(events)
    res = resolutions(np.concatenate(fits), np.concatenate(covs), np.concatenate(truths))
    bins = binned(events)
    out = out or tracks_dir
    out.mkdir(parents=True, exist_ok=True)
    times = [r["time_s"] for r in reco["events"]]
    payload = {"summary": s, "resolutions": res, "selection": {"pt_min": pt_min,
               "eta_max": eta_max, "min_hits": min_hits},
               "mean_reconstruction_time_s": float(np.mean(times)) if times else None,
               "binned": {k: np.asarray(v).tolist() for k, v in bins.items()}}
    write_text_atomic(out / METRICS_NAME, json.dumps(payload, indent=1) + "\n")
    for axis in ("pt", "eta"):
        edges = bins[f"{axis}_edges"]
        lines = [f"{axis}_lo,{axis}_hi,efficiency,fake_rate,duplicate_rate"]
        for i in range(len(edges) - 1):
            lines.append(f"{edges[i]:.6g},{edges[i + 1]:.6g},{bins[f'efficiency_{axis}'][i]:.6g},"
                         f"{bins[f'fake_rate_{axis}'][i]:.6g},"
                         f"{bins[f'duplicate_rate_{axis}'][i]:.6g}")
        write_text_atomic(out / f"metrics_vs_{axis}.csv", "\n".join(lines) + "\n")
    click.echo(f"method {reco['method']}, {s['events']} event(s), {s['particles']} selected "
               f"particles (pT > {pt_min:g} GeV, |eta| < {eta_max:g}, >= {min_hits} hits), "
               f"{s['tracks']} tracks")
    click.echo(f"{'efficiency':<16}{s['efficiency']:.4f}")
    click.echo(f"{'fake rate':<16}{s['fake_rate']:.4f}")
    click.echo(f"{'duplicate rate':<16}{s['duplicate_rate']:.4f}")
    click.echo(f"{'TrackML score':<16}{s['trackml_score']:.4f}")
    if times:
        click.echo(f"{'time / event':<16}{np.mean(times):.3g} s")
    click.echo(f"{'parameter':<10}{'mean':>12}{'sigma68':>12}{'pull mean':>11}{'pull std':>10}")
    for name, r in res.items():
        pm = f"{r['pull_mean']:>11.3f}{r['pull_std']:>10.3f}" if "pull_mean" in r else ""
        click.echo(f"{name:<10}{r['mean']:>12.4g}{r['sigma68']:>12.4g}{pm}")
    click.echo(f"wrote {out / METRICS_NAME}")


@click.command("train")
@click.option("--input", "input_paths", type=click.Path(path_type=Path), required=True,
              multiple=True, metavar="DIR", help="Simulated events with truth (repeatable).")
@click.option("--geometry", default="cms_phase2_like", show_default=True, metavar="FILE|NAME",
              help="Geometry of the events.")
@click.option("--bfield", type=float, default=None, metavar="TESLA",
              help="Field [T] (TrackML geometries only; default 2.0).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="DIR", help="Checkpoint directory to write.")
@click.option("--steps", type=int, default=300, show_default=True, help="Optimiser steps.")
@click.option("--hidden", type=int, default=32, show_default=True, help="Latent width.")
@click.option("--iterations", type=int, default=3, show_default=True,
              help="Message-passing rounds.")
@click.option("--learning-rate", type=float, default=2e-3, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--events", "max_events", type=int, default=None, metavar="N",
              help="Use at most N events per input directory.")
def train(input_paths, geometry, bfield, out, steps, hidden, iterations, learning_rate, seed,
          max_events):
    """Train the GNN edge classifier (and learn its layer map) on simulated events.

    \b
    Example:
      colliderax simulate --pythia ttbar --pileup 50 --events 20 --out train_pu50
      colliderax train --input train_pu50 --steps 1000 --out gnn_cms
    """
    from colliderax.tracking.errors import TrackingError
    from colliderax.tracking.pipeline import event_ids

    if steps < 1:
        msg = f"--steps must be >= 1, got {steps}"
        raise TrackingError(msg)
    enable_precision("float64")
    import jax

    from colliderax.detector import read_event
    from colliderax.tracking import gnn
    from colliderax.tracking.hits import prepare_hits

    geo = load_cli_geometry(geometry, bfield)
    events = []
    for path in input_paths:
        directory, ids = event_ids(path)
        for event_id in ids[:max_events]:
            ev = read_event(directory, event_id)
            events.append((prepare_hits(ev["hits"], geo), ev["truth"], ev["particles"]))
    layer_map = gnn.learn_layer_map(events)
    with progress_bar(steps, "train", unit="step") as bar:
        model, losses = gnn.train(jax.random.key(seed), events, layer_map, steps=steps,
                                  learning_rate=learning_rate, hidden=hidden,
                                  n_iter=iterations, progress=bar)
    gnn.save_checkpoint(out, model, layer_map, geo, n_iter=iterations,
                        extra={"steps": steps, "events": len(events), "seed": seed,
                               "final_loss": losses[-1]})
    click.echo(f"trained on {len(events)} event(s), {steps} steps, loss {losses[0]:.4g} -> "
               f"{losses[-1]:.4g}; layer map {len(layer_map.inner)} layer pairs")
    click.echo(f"checkpoint   {out}")


__all__ = ["evaluate", "reconstruct", "train"]
