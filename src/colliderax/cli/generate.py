"""``colliderax generate``: σ, unweighted events (LHE v3 + Parquet), summary and plots."""

import logging
import time
from pathlib import Path

import click

from colliderax.cli.integrate import print_result, run_options, summary_dict, write_json_atomic
from colliderax.cli.options import enable_precision
from colliderax.core.errors import InvalidInput

logger = logging.getLogger("colliderax.cli")


def _check_out(out: Path) -> None:
    import os

    if out.exists() and not out.is_dir():
        msg = f"--out {out} exists and is not a directory: choose another path"
        raise InvalidInput(msg)
    parent = out if out.exists() else out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        msg = f"--out {out}: {parent} is not writable; choose a writable directory"
        raise InvalidInput(msg)


@click.command("generate")
@run_options
@click.option("--events", "n_events", type=int, required=True, help="Unweighted events to write.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Output directory (events.lhe.gz, events.parquet, summary.json, plots/).")
@click.option("--unweight-tolerance", type=float, default=1e-3, show_default=True,
              help="Bound on the overweight fraction (the bias of any binned fraction).")
@click.option("--no-plots", is_flag=True, help="Skip the PNG histograms.")
@click.option("--plain-lhe", is_flag=True, help="Write events.lhe instead of events.lhe.gz.")
def generate(n_events, out, unweight_tolerance, no_plots, plain_lhe, **opts):
    """Cross section and unweighted events for PROCESS (MadGraph5 LO defaults).

    \b
    Writes into --out: events.lhe.gz (LHE v3, 7-point scale weights), events.parquet,
    summary.json and plots/*.png. Ctrl-C keeps a valid, closed LHE file with the events so
    far and a summary marked partial.

    \b
    Examples:
      colliderax generate "p p > t t~" --sqrts 13000 --events 10000 --out ttbar
      colliderax generate "e+ e- > mu+ mu-" --sqrts 91.188 --events 1000 --out zpole
    """
    if n_events <= 0:
        msg = f"--events must be a positive number of events, got {n_events}"
        raise InvalidInput(msg)
    if not 0 < unweight_tolerance < 1:
        msg = f"--unweight-tolerance must be in (0, 1), got {unweight_tolerance}"
        raise InvalidInput(msg)
    _check_out(out)
    enable_precision(opts["dtype"])
    import jax

    from colliderax.cli.integrate import settings_from_options
    from colliderax.core.device import device_description, select_device
    from colliderax.core.progress import progress_bar
    from colliderax.generation.events.generate import generate_events
    from colliderax.generation.integrate.run import (
        compute_cross_section,
        default_batch,
        prepare,
    )
    from colliderax.io.events_parquet import write_events_parquet
    from colliderax.io.lhe import LHEWriter

    dev = select_device(opts["device"])
    settings = settings_from_options(opts, dev)
    lhe_path = out / ("events.lhe" if plain_lhe else "events.lhe.gz")
    t0 = time.perf_counter()
    with jax.default_device(dev):
        prepared = prepare(settings, dtype=opts["dtype"])
        t1 = time.perf_counter()
        with progress_bar(settings.max_iterations, "VEGAS iterations", unit="it") as bar:
            xsec = compute_cross_section(prepared, progress=lambda *_: bar.advance(1))
        t2 = time.perf_counter()
        print_result(xsec, prepared)
        if xsec.interrupted:
            raise KeyboardInterrupt
        with progress_bar(n_events, "unweighted events", unit="ev") as bar:
            generated = generate_events(
                prepared, xsec, n_events, seed=settings.seed, tolerance=unweight_tolerance,
                batch=settings.batch or default_batch(), workers=settings.workers,
                progress=bar.advance,
            )
    t3 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    run_info = generated.run_info.replace(header_sections=(
        ("colliderax_settings", _json(prepared.settings.describe(prepared.params))),
        ("slha", prepared.params.to_param_card()),
    ))
    writer = LHEWriter(lhe_path, run_info)
    try:
        writer.write(generated.events)
    except BaseException:
        writer.close(partial=True, reason="interrupted while writing")
        raise
    writer.close(partial=generated.interrupted,
                 reason="interrupted" if generated.interrupted else "")
    write_events_parquet(out / "events.parquet", generated.events, run_info)
    t4 = time.perf_counter()
    plots = []
    if not no_plots:
        from colliderax.generation.events.plots import plot_observables

        plots = plot_observables(generated.events, out / "plots",
                                 weighted_reference=generated.weighted_reference,
                                 title=settings.process)
    t5 = time.perf_counter()
    summary = summary_dict(xsec, prepared, opts["dtype"], device_description(dev), {
        "build": t1 - t0, "integrate": t2 - t1, "unweight": t3 - t2, "write": t4 - t3,
        "plots": t5 - t4,
    })
    summary.update({
        "format": "colliderax-generate/1",
        "partial": generated.interrupted,
        "events": len(generated.events),
        "events_requested": n_events,
        "event_weight_pb": xsec.sigma_pb / n_events,
        "unweighting": {
            "points": generated.n_points,
            "efficiency": generated.efficiency,
            "overweight_fraction": generated.overweight_fraction,
            "tolerance": unweight_tolerance,
        },
        "events_per_subprocess": generated.per_subprocess,
        "files": {"lhe": str(lhe_path), "parquet": str(out / "events.parquet"),
                  "plots": [str(p) for p in plots]},
    })
    write_json_atomic(out / "summary.json", summary)
    click.echo(f"events       {len(generated.events):,} unweighted "
               f"(efficiency {100 * generated.efficiency:.2f} %, overweight fraction "
               f"{generated.overweight_fraction:.1e})")
    click.echo(f"timing       build {t1 - t0:.1f} s, integrate {t2 - t1:.1f} s, unweight "
               f"{t3 - t2:.1f} s, write {t4 - t3:.1f} s ({device_description(dev)})")
    click.echo(f"written      {lhe_path}, {out / 'events.parquet'}, {out / 'summary.json'}"
               + (f", {len(plots)} plots in {out / 'plots'}" if plots else ""))
    if generated.interrupted:
        raise KeyboardInterrupt


def _json(data) -> str:
    import json

    return json.dumps(data, default=str)
