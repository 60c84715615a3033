"""Integration cost: points and wall time to reach 1 % and 0.3 %, and our integrator against
the ``vegas`` package (G. P. Lepage's VEGAS+) on the same integrands.

For each process (MG5 default run card: nn23lo1, scale −1, default cuts, 13 TeV for p p):

* build (compile |M|², diagrams, channels) and the first compiled call of every integrand;
* points (|M|² evaluations) and wall time until σ reaches 1 % and 0.3 % relative error
  (each precision a separate run from the same seed);
* against ``vegas``: the sum over our channels Σ_c f_c(x) is one integrand on the same unit
  hypercube (all channels of a process share the dimension); ``vegas`` (adaptive map plus
  adaptive stratified sampling) gets the same number of |M|² evaluations as our multichannel
  run (one point of ``vegas`` costs one evaluation per channel) and the same split into
  adapting and kept iterations; we compare the errors and the times (ratio < 1: ours better),
  as medians over ``--repeats`` paired runs (the ratio of one run scatters by ±20 %).

Usage::

    taskset -c 0 python bench/integration.py                   # ee, ttj (tt~jj with --all)
    python bench/integration.py --device gpu --append
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

from benchtable import Row, append_markdown, device_name, print_table
from colliderax.core import enable_x64, select_device
from colliderax.core.cache import enable_compilation_cache
from colliderax.generation.integrate.cross_section import integrate
from colliderax.generation.integrate.run import RunSettings, default_batch, prepare

PROCESSES = {
    "ee_mumu": ("e+ e- > mu+ mu-", 91.188),
    "pp_tt": ("p p > t t~", 13000.0),
    "pp_ttj": ("p p > t t~ j", 13000.0),
    "pp_ttjj": ("p p > t t~ j j", 13000.0),
}


def _compile_all(prepared, batch):
    for unit in prepared.units:
        x = jax.random.uniform(jax.random.key(0), (batch, unit.dim))
        jax.block_until_ready(unit.sample(x).weight)


def _reset(prepared):
    for unit in prepared.units:
        unit.reset()


def time_to_precision(process, sqrts, precision, batch, seed=1):
    """Build + compile time, then a timed run from fresh grids (after one untimed run that
    compiles the integrator's own small functions)."""
    t0 = time.perf_counter()
    prepared = prepare(RunSettings(process, sqrts, precision=precision, seed=seed,
                                   max_iterations=60))
    _compile_all(prepared, batch)
    build = time.perf_counter() - t0
    for _ in range(2):
        _reset(prepared)
        result = integrate(jax.random.key(seed), prepared.units,
                           prepared.compiled.subprocesses, precision=precision, batch=batch,
                           max_iterations=60, min_iterations=2)
    return prepared, result, build


def against_vegas(prepared, precision, batch, repeats):
    """Medians over ``repeats`` paired runs (our seed r, the ``vegas`` package unseeded) of the
    error ratio at the same number of |M|² evaluations and of the time ratio; the ``vegas``
    package integrates Σ_c f_c(x) on the same hypercube with the same split into adapting and
    kept iterations. None when the units differ in dimension."""
    import vegas

    units = prepared.units
    dims = {u.dim for u in units}
    if len(dims) != 1:
        return None
    (dim,) = dims

    @vegas.lbatchintegrand
    def f(x):
        n = x.shape[0]
        pad = -n % batch
        xp = np.concatenate([x, np.repeat(x[-1:], pad, axis=0)]) if pad else x
        out = np.zeros(len(xp))
        for k in range(0, len(xp), batch):
            chunk = jax.numpy.asarray(xp[k : k + batch])
            out[k : k + batch] = sum(np.asarray(u.sample(chunk).weight) for u in units)
        return out[:n]

    errors, times = [], []
    for r in range(repeats):
        _reset(prepared)
        ours = integrate(jax.random.key(100 + r), units, prepared.compiled.subprocesses,
                         precision=precision, batch=batch, max_iterations=60, min_iterations=2)
        points = ours.n_evaluations // len(units)
        n_iter = 10
        integ = vegas.Integrator([[0, 1]] * dim)
        t0 = time.perf_counter()
        integ(f, nitn=5, neval=points // (2 * 5))  # adapt, discarded (like our warm-up share)
        answer = integ(f, nitn=n_iter - 5, neval=points // (2 * (n_iter - 5)))
        times.append(ours.wall_s / (time.perf_counter() - t0))
        errors.append(ours.error_pb / answer.sdev)
    return float(np.median(errors)), float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", nargs="+", default=["ee_mumu", "pp_tt", "pp_ttj"],
                        choices=list(PROCESSES))
    parser.add_argument("--precisions", nargs="+", type=float, default=[0.01, 0.003])
    parser.add_argument("--device", choices=["cpu", "gpu"], default=None)
    parser.add_argument("--no-vegas", action="store_true", help="Skip the vegas comparison.")
    parser.add_argument("--repeats", type=int, default=5,
                        help="Paired runs for the vegas comparison (medians are quoted).")
    parser.add_argument("--append", action="store_true", help="Append to BENCHMARKS.md.")
    args = parser.parse_args()
    enable_x64()
    enable_compilation_cache()
    dev = select_device(args.device)
    rows = []
    with jax.default_device(dev):
        batch = default_batch()
        hw = device_name(dev)
        for name in args.processes:
            process, sqrts = PROCESSES[name]
            for precision in args.precisions:
                prepared, result, build = time_to_precision(process, sqrts, precision, batch)
                tag = f"{name} {precision:g}"
                rows += [
                    Row(f"{tag}: sigma", result.sigma_pb, "pb", device=hw),
                    Row(f"{tag}: error", result.error_pb, "pb", device=hw),
                    Row(f"{tag}: |M|² evaluations", result.n_evaluations, "points",
                        device=hw),
                    Row(f"{tag}: integration wall time", result.wall_s, "s", device=hw),
                    Row(f"{tag}: build + compile", build, "s", device=hw),
                    Row(f"{tag}: rate", result.n_evaluations / result.wall_s, "points/s",
                        device=hw),
                ]
                if not args.no_vegas and precision == max(args.precisions):
                    peer = against_vegas(prepared, precision, batch, args.repeats)
                    if peer is not None:
                        error_ratio, time_ratio = peer
                        rows += [
                            Row(f"{name}: error ratio ours/vegas (same evaluations, median of "
                                f"{args.repeats})", error_ratio, "ratio", device=hw),
                            Row(f"{name}: evaluations ratio for equal error (ours/vegas)",
                                error_ratio**2, "ratio", device=hw),
                            Row(f"{name}: time ratio ours/vegas (median)", time_ratio, "ratio",
                                device=hw),
                        ]
                print_table(rows[-10:])
    print_table(rows)
    if args.append:
        append_markdown(rows, "Integration — `bench/integration.py`")


if __name__ == "__main__":
    main()
