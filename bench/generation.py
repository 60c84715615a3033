"""Unweighted events per second: integration + unweighting + output, as a user runs it.

For each process (p p at 13 TeV, NNPDF23_lo_as_0130_qed, fixed scales μR = μF = 173 GeV as in
the Sherpa peer measurement of ``shared/peers/README.md``; MG5 default cuts, so p p > t t~ j
has pT(j) > 20 GeV, |η(j)| < 5): N unweighted events written as LHE (gzip) and Parquet, the
time split into build (process compilation in Python), integration, unweighting and output.

Two figures per process: *cold* (a fresh process, JAX compiling everything: what a first run
costs) and *warm* (the same job again in the same Python process with compiled code reused,
which is also what a second command-line run gets from the persistent compilation cache).
The peer ratio uses the warm figure; both are recorded.

Usage::

    taskset -c 0 python bench/generation.py --events 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import jax

from benchtable import Row, append_markdown, device_name, print_table
from colliderax.core import enable_x64, select_device
from colliderax.generation.events.generate import generate_events
from colliderax.generation.events.scales import ScaleChoice
from colliderax.generation.integrate import vegas_init
from colliderax.generation.integrate.run import (
    RunSettings,
    compute_cross_section,
    default_batch,
    prepare,
)
from colliderax.io.events_parquet import write_events_parquet
from colliderax.io.lhe import write_lhe

PROCESSES = {"tt": "p p > t t~", "ttj": "p p > t t~ j", "ttjj": "p p > t t~ j j"}
SHERPA = {"tt": 8.55e3, "ttj": 600.0}  # unweighted events/s, one core (peers/README.md)


def one_run(prepared, n_events, seed, batch, out: Path, workers: int):
    for unit in prepared.units:  # a fresh integration (new grids) on the same compiled code
        unit.history.clear()
        unit.grid = vegas_init(unit.dim)
        unit.sigma_point = 1.0
    t0 = time.perf_counter()
    xsec = compute_cross_section(prepared)
    t1 = time.perf_counter()
    generated = generate_events(prepared, xsec, n_events, seed=seed, batch=batch,
                                workers=workers)
    t2 = time.perf_counter()
    write_lhe(out / "events.lhe.gz", generated.run_info, [generated.events])
    write_events_parquet(out / "events.parquet", generated.events, generated.run_info)
    t3 = time.perf_counter()
    return xsec, generated, (t1 - t0, t2 - t1, t3 - t2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", nargs="+", default=["tt", "ttj"], choices=list(PROCESSES))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--device", choices=["cpu", "gpu"], default=None)
    parser.add_argument("--workers", type=int, default=1,
                        help="threads (one per core; pin the cores with taskset)")
    parser.add_argument("--runs", nargs="+", choices=["cold", "warm"], default=["cold", "warm"],
                        help="cold only for long jobs such as ttjj")
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    enable_x64()
    dev = select_device(args.device)
    hw = device_name(dev)
    rows = []
    with jax.default_device(dev), tempfile.TemporaryDirectory() as tmp:
        batch = default_batch()
        for name in args.processes:
            t0 = time.perf_counter()
            prepared = prepare(RunSettings(PROCESSES[name], 13000.0, batch=batch,
                                           scale=ScaleChoice.parse("fixed:173"), precision=0.01,
                                           workers=args.workers))
            build = time.perf_counter() - t0
            for label, seed in (("cold", 1), ("warm", 2)):
                if label not in args.runs:
                    continue
                xsec, generated, (t_int, t_unw, t_out) = one_run(
                    prepared, args.events, seed, batch, Path(tmp), args.workers)
                total = t_int + t_unw + t_out + (build if label == "cold" else 0.0)
                rate = args.events / total
                tag = f"{name} {label}" + (f", {args.workers} threads" if args.workers > 1 else "")
                rows += [
                    Row(f"{tag}: unweighted events/s", rate, "events/s", device=hw),
                    Row(f"{tag}: build", build if label == "cold" else 0.0, "s", device=hw),
                    Row(f"{tag}: integration", t_int, "s", device=hw),
                    Row(f"{tag}: unweighting", t_unw, "s", device=hw),
                    Row(f"{tag}: output (LHE.gz + Parquet)", t_out, "s", device=hw),
                    Row(f"{tag}: sigma", xsec.sigma_pb, "pb", device=hw,
                        note=f"± {xsec.error_pb:.3g}"),
                    Row(f"{tag}: unweighting efficiency", generated.efficiency, "fraction",
                        device=hw),
                ]
                if label == "warm" and name in SHERPA and args.workers == 1:
                    rows.append(Row(f"{name}: ratio to Sherpa 3.0.3 (one core)",
                                    rate / SHERPA[name], "ratio", device=hw))
                print_table(rows[-8:])
    print_table(rows)
    if args.append:
        append_markdown(rows, "Event generation — `bench/generation.py`")


if __name__ == "__main__":
    main()
