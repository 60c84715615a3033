"""Matrix-element throughput and compile time.

For each process: the time to build and jit-compile |M|² (Python build + XLA compile, measured
on the first call), then the steady-state rate in events/s (median of ``--repeats`` timed calls
after warm-up, ``block_until_ready``), on flat RAMBO points at √s = 1500 GeV. Compare with
madgraph4gpu's figures in ``shared/peers/README.md`` measured on the same kind of machine.

Run on one CPU core as the peers were measured::

    taskset -c 0 python bench/me_throughput.py --dtype float64 float32
    python bench/me_throughput.py --device gpu --events 65536 --append
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax

from benchtable import Row, append_markdown, device_name, print_table
from colliderax.core import enable_x64, select_device
from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.model import PARTICLES_BY_NAME, ModelParameters
from colliderax.generation.phasespace import two_to_n

PROCESSES = [
    "e+ e- > mu+ mu-",
    "g g > t t~",
    "g g > t t~ g",
    "g g > t t~ g g",
    "g g > t t~ g g g",
]


def measure(process: str, dtype: str, n_events: int, repeats: int, device) -> list[Row]:
    params = ModelParameters()
    final = process.split(">")[1].split()
    masses = [params.value(PARTICLES_BY_NAME[f].mass) for f in final]
    momenta, _ = two_to_n(jax.random.key(0), n_events, 1500.0, masses)
    momenta = jax.device_put(momenta.astype(dtype), device)
    t0 = time.perf_counter()
    (sub,) = compile_matrix_element(process, params, dtype=dtype).subprocesses
    sub(momenta).block_until_ready()
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        sub(momenta).block_until_ready()
        times.append(time.perf_counter() - t)
    rate = n_events / statistics.median(times)
    note = f"{dtype}, {n_events} events, median of {repeats}"
    name = device_name(device)
    return [
        Row(f"me {process}", rate, "events/s", note, device=name),
        Row(f"compile {process}", compile_s, "s", f"{dtype}, build + jit", device=name),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", nargs="+", default=PROCESSES)
    parser.add_argument("--dtype", nargs="+", default=["float64"], choices=["float64", "float32"])
    parser.add_argument("--events", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", choices=["cpu", "gpu"], default=None)
    parser.add_argument("--append", action="store_true", help="append the table to BENCHMARKS.md")
    args = parser.parse_args()
    enable_x64()
    device = select_device(args.device)
    rows: list[Row] = []
    for dtype in args.dtype:
        for process in args.processes:
            rows += measure(process, dtype, args.events, args.repeats, device)
            print_table(rows[-2:])
    print()
    print_table(rows)
    if args.append:
        append_markdown(rows, f"Matrix elements ({device_name(device)})")


if __name__ == "__main__":
    main()
