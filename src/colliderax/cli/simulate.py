"""``colliderax simulate``: Pythia 8 / LHE / gun events with HL-LHC pileup through the tracker.

Per event the TrackML-layout tables ``event<id>-hits``, ``-truth`` and ``-particles`` are
written atomically into ``--out`` (the particles table adds ``pdg_id``, ``collision`` (0 = hard,
1.. = pileup) and ``vt`` [ns]); ``summary.json`` records the settings, versions, seed, the
means per event and the timing. Everything is checked before the first file is written; after
Ctrl-C the summary says ``"partial": true`` and lists the complete events.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import math
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from colliderax.cli.options import device_option, enable_precision, load_cli_geometry
from colliderax.core.progress import progress_bar

logger = logging.getLogger("colliderax.cli")

SUMMARY_NAME = "summary.json"
SUMMARY_FORMAT = "colliderax-simulate/1"
FIRST_EVENT_ID = 1000  # TrackML numbering: event000001000, event000001001, ...


def _check_out_dir(out: Path, overwrite: bool) -> None:
    """Fail early (writing nothing) when ``out`` cannot hold the run.

    Raises:
        OutputError: ``out`` is not a directory, cannot be created or written, or already
            holds a run (unless ``overwrite``).
    """
    from colliderax.detector.errors import OutputError

    if out.exists():
        if not out.is_dir():
            msg = f"--out {out}: exists and is not a directory"
            raise OutputError(msg)
        if not overwrite and (
            (out / SUMMARY_NAME).exists() or any(out.glob("event*-hits.*"))
        ):
            msg = f"--out {out}: already holds events; choose a new directory or pass --overwrite"
            raise OutputError(msg)
        probe_dir = out
    else:
        probe_dir = out.parent
        while not probe_dir.exists() and probe_dir != probe_dir.parent:
            probe_dir = probe_dir.parent
        if not probe_dir.is_dir():
            msg = f"--out {out}: cannot create it ({probe_dir} is not a directory)"
            raise OutputError(msg)
    try:
        with tempfile.TemporaryFile(dir=probe_dir):
            pass
    except OSError as exc:
        msg = f"--out {out}: cannot write in {probe_dir} ({exc.strerror or exc})"
        raise OutputError(msg) from exc


def _versions() -> dict[str, str | None]:
    import jax

    from colliderax._version import __version__
    from colliderax.detector.sources import pythia_version

    return {
        "colliderax": __version__,
        "jax": jax.__version__,
        "numpy": np.__version__,
        "pythia8mc": pythia_version(),
        "python": platform.python_version(),
    }


def _remove_event_files(out: Path, prefix: str) -> None:
    """Delete what exists of one (incomplete) event."""
    for path in out.glob(f"{prefix}-*"):
        path.unlink(missing_ok=True)


class _Run:
    """Per-event bookkeeping and the summary."""

    def __init__(self, settings: dict[str, Any], seed: int, requested: int):
        self.settings = settings
        self.seed = seed
        self.requested = requested
        self.rows: list[dict[str, Any]] = []
        self.t_start = time.perf_counter()
        self.timing = {"pythia_init": 0.0, "generation": 0.0, "simulation": 0.0, "writing": 0.0}
        self.stopped: str | None = None

    def add(self, event_id: int, n_pileup: int, n_hits: int, n_charged: int,
            n_charged_eta4: int) -> None:
        self.rows.append({
            "event_id": event_id,
            "pileup_collisions": n_pileup,
            "hits": n_hits,
            "charged_particles": n_charged,
            "charged_particles_abs_eta_lt_4": n_charged_eta4,
        })

    def summary(self, partial: bool) -> dict[str, Any]:
        n = len(self.rows)

        def mean(key: str) -> float | None:
            return float(np.mean([r[key] for r in self.rows])) if n else None

        per_event = {k: v / n if n else None for k, v in self.timing.items() if k != "pythia_init"}
        return {
            "format": SUMMARY_FORMAT,
            "partial": partial,
            "events": n,
            "events_requested": self.requested,
            "stopped": self.stopped,
            "first_event_id": FIRST_EVENT_ID,
            "mean_hits_per_event": mean("hits"),
            "mean_charged_particles_per_event": mean("charged_particles"),
            "mean_charged_particles_abs_eta_lt_4": mean("charged_particles_abs_eta_lt_4"),
            "mean_pileup_collisions": mean("pileup_collisions"),
            "seed": self.seed,
            "settings": self.settings,
            "versions": _versions(),
            "timing_s": {
                "pythia_init": self.timing["pythia_init"],
                "total": time.perf_counter() - self.t_start,
                "per_event": per_event,
            },
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "per_event": self.rows,
        }

    def write(self, out: Path, partial: bool) -> Path:
        from colliderax.detector.io import write_text_atomic

        text = json.dumps(self.summary(partial), indent=1) + "\n"
        return write_text_atomic(out / SUMMARY_NAME, text)


@click.command("simulate")
@click.option("--pythia", "process", metavar="PROCESS",
              help="Pythia 8 hard process: ttbar, zmumu or minbias.")
@click.option("--lhe", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Les Houches Event file to shower and hadronise with Pythia 8.")
@click.option("--gun", "gun_n", type=int, metavar="N",
              help="N muons per event (1 < pT < 10 GeV, |eta| < 2.5) instead of Pythia.")
@click.option("--pileup", type=float, default=200.0, show_default=True, metavar="MU",
              help="Mean number of minimum-bias pileup collisions (Poisson); 0 for none.")
@click.option("--events", type=int, required=True, metavar="N", help="Number of events.")
@click.option("--geometry", default="cms_phase2_like", show_default=True, metavar="FILE|NAME",
              help="Shipped geometry name, geometry TOML file or TrackML detectors.csv[.gz].")
@click.option("--bfield", type=float, default=None, metavar="TESLA",
              help="Solenoid field [T] (default: the geometry's nominal field, 3.8 for CMS).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="DIR", help="Output directory (created).")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the whole run (pileup, vertices, Pythia, simulation).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "csv.gz"]),
              default="parquet", show_default=True, help="Event file format.")
@click.option("--no-material", is_flag=True, help="Switch off multiple scattering.")
@click.option("--sqrts", type=float, default=14000.0, show_default=True,
              help="pp centre-of-mass energy [GeV] for --pythia and the pileup.")
@click.option("--pileup-model", type=click.Choice(["inelastic", "nondiffractive"]),
              default="inelastic", show_default=True, help="Pythia process for pileup.")
@click.option("--eta-max", type=float, default=None,
              help="Drop generated particles with |eta| above this (default: keep all).")
@click.option("--noise-hits", type=int, default=0, show_default=True,
              help="Random noise hits per event.")
@click.option("--neutrals", is_flag=True,
              help="Also keep neutral final-state particles (in the particles table only).")
@click.option("--overwrite", is_flag=True,
              help="Replace the run (event files, summary.json) held in --out.")
@device_option
def simulate(process, lhe, gun_n, pileup, events, geometry, bfield, out, seed, fmt, no_material,
             sqrts, pileup_model, eta_max, noise_hits, neutrals, overwrite, device):
    """Generate events with pileup and simulate their hits in a silicon tracker.

    Exactly one of --pythia PROCESS, --lhe FILE or --gun N gives the hard collision; a
    Poisson number (mean --pileup) of Pythia 8 minimum-bias collisions is added, each at its
    own vertex in the HL-LHC luminous region (sigma_z = 50 mm). Writes TrackML-layout
    hits/truth/particles files per event and summary.json into --out.

    \b
    Examples:
      colliderax simulate --pythia ttbar --pileup 200 --events 10 --out ttbar_pu200
      colliderax simulate --gun 100 --pileup 0 --events 5 --format csv --out gun
      colliderax simulate --lhe events.lhe --pileup 140 --events 100 --out lhe_pu140
    """
    from colliderax.detector.errors import OutputError, SourceError

    # ---- check everything before writing anything -------------------------------------------
    chosen = [name for name, v in (("--pythia", process), ("--lhe", lhe), ("--gun", gun_n))
              if v is not None]
    if len(chosen) != 1:
        what = "none" if not chosen else " and ".join(chosen)
        msg = f"give exactly one of --pythia PROCESS, --lhe FILE or --gun N (got {what})"
        raise SourceError(msg)
    if events < 1:
        msg = f"--events must be >= 1, got {events}"
        raise SourceError(msg)
    if not (math.isfinite(pileup) and pileup >= 0):
        msg = f"--pileup must be a finite mean number of collisions >= 0, got {pileup:g}"
        raise SourceError(msg)
    if gun_n is not None and gun_n < 1:
        msg = f"--gun needs N >= 1 particles, got {gun_n}"
        raise SourceError(msg)
    if noise_hits < 0:
        msg = f"--noise-hits must be >= 0, got {noise_hits}"
        raise SourceError(msg)
    if eta_max is not None and not eta_max > 0:
        msg = f"--eta-max must be > 0, got {eta_max:g}"
        raise SourceError(msg)
    if bfield is not None and not math.isfinite(bfield):
        msg = f"--bfield must be a finite field in T, got {bfield}"
        raise SourceError(msg)
    if not (math.isfinite(sqrts) and sqrts > 0):
        msg = f"--sqrts must be a positive energy in GeV, got {sqrts:g}"
        raise SourceError(msg)
    _check_out_dir(out, overwrite)

    enable_precision("float64")
    import jax

    from colliderax.core.device import device_description, select_device
    from colliderax.detector import simulate as run_simulation
    from colliderax.detector import write_event
    from colliderax.detector.io import event_prefix
    from colliderax.detector.sources import LuminousRegion, SourceExhausted, pythia_source

    dev = select_device(device)
    geo = load_cli_geometry(geometry, bfield)
    field = geo.bz if bfield is None else bfield
    root = jax.random.key(seed)
    k_source, k_sim = jax.random.split(root)
    region = LuminousRegion()
    t0 = time.perf_counter()
    source = pythia_source(
        k_source,
        process=process,
        lhe=lhe,
        gun_particles=gun_n,
        pileup=pileup,
        sqrt_s=sqrts,
        region=region,
        charged_only=not neutrals,
        eta_max=eta_max,
        pileup_model=pileup_model,
    )
    t_init = time.perf_counter() - t0
    settings = {
        "source": chosen[0].lstrip("-"),
        "process": process,
        "lhe": str(lhe.resolve()) if lhe is not None else None,
        "gun_particles": gun_n,
        "pileup_mu": pileup,
        "pileup_model": pileup_model if pileup > 0 else None,
        "sqrts_gev": sqrts,
        "luminous_region_mm_ns": {"sigma_x": region.sigma_x, "sigma_y": region.sigma_y,
                                  "sigma_z": region.sigma_z, "sigma_t": region.sigma_t},
        "charged_only": not neutrals,
        "eta_max": eta_max,
        "geometry": geo.name,
        "geometry_source": geo.source,
        "bfield_t": field,
        "material": not no_material,
        "noise_hits": noise_hits,
        "format": fmt,
        "device": device_description(dev),
    }
    run = _Run(settings, seed, events)
    run.timing["pythia_init"] = t_init

    # ---- the event loop -----------------------------------------------------------------------
    out.mkdir(parents=True, exist_ok=True)
    if overwrite:  # the old run goes, so no stale events outlive the new summary
        for path in [*out.glob("event*-hits.*"), *out.glob("event*-truth.*"),
                     *out.glob("event*-particles.*"), out / SUMMARY_NAME]:
            path.unlink(missing_ok=True)
    prefix = None
    try:
        with jax.default_device(dev), progress_bar(events, "simulate", unit="ev") as bar:
            for i in range(events):
                event_id = FIRST_EVENT_ID + i
                t0 = time.perf_counter()
                try:
                    generated = source.event(i)
                except SourceExhausted as exc:
                    run.stopped = str(exc)
                    logger.warning("%s: stopping after %d event(s)", exc, i)
                    break
                t1 = time.perf_counter()
                particles = jax.device_put(generated.particles, dev)
                result = run_simulation(
                    jax.random.fold_in(k_sim, i), particles, geo, field=field,
                    material=not no_material, noise_hits=noise_hits,
                )
                tables = result.to_tables()
                t2 = time.perf_counter()
                tables["particles"].update(generated.truth_columns())
                prefix = event_prefix(event_id)
                write_event(tables, out, event_id, fmt=fmt)
                prefix = None
                t3 = time.perf_counter()
                run.timing["generation"] += t1 - t0
                run.timing["simulation"] += t2 - t1
                run.timing["writing"] += t3 - t2
                q = np.asarray(generated.particles.q)
                eta = _eta(generated)
                run.add(event_id, generated.n_pileup, len(tables["hits"]["hit_id"]),
                        int(np.count_nonzero(q)), int(np.count_nonzero((q != 0) & (eta < 4))))
                bar.advance(1)
    except KeyboardInterrupt:
        if prefix is not None:
            _remove_event_files(out, prefix)
        run.stopped = "interrupted"
        path = run.write(out, partial=True)
        click.echo(f"interrupted after {len(run.rows)} complete event(s); wrote {path}",
                   err=True)
        raise
    except OSError as exc:
        if prefix is not None:
            _remove_event_files(out, prefix)
        run.stopped = f"write error: {exc}"
        with contextlib.suppress(OSError):
            run.write(out, partial=True)
        msg = f"--out {out}: cannot write event files ({exc.strerror or exc})"
        raise OutputError(msg) from exc
    path = run.write(out, partial=False)
    s = run.summary(partial=False)
    n = s["events"]
    click.echo(f"events       {n} written to {out} ({fmt}, first id {FIRST_EVENT_ID})")
    if n:
        click.echo(f"per event    {s['mean_hits_per_event']:.6g} hits, "
                   f"{s['mean_charged_particles_per_event']:.6g} charged particles "
                   f"({s['mean_charged_particles_abs_eta_lt_4']:.6g} with |eta| < 4), "
                   f"{s['mean_pileup_collisions']:.4g} pileup collisions")
        t = s["timing_s"]["per_event"]
        click.echo(f"timing       source init {t_init:.2f} s; per event: generation "
                   f"{t['generation']:.3g} s, simulation {t['simulation']:.3g} s, "
                   f"writing {t['writing']:.3g} s")
    click.echo(f"summary      {path}")


def _eta(generated) -> np.ndarray:
    """|eta| of the generated particles (inf along the beam)."""
    p = generated.particles
    px, py, pz = (np.asarray(a) for a in (p.px, p.py, p.pz))
    pt = np.hypot(px, py)
    ratio = np.divide(np.abs(pz), pt, out=np.full(len(pt), np.inf), where=pt > 0)
    return np.arcsinh(ratio)


__all__ = ["simulate"]
