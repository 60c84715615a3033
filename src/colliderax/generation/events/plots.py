"""PNG plots of the standard observables (mplhep styling), written atomically.

One figure per observable of :func:`~colliderax.generation.events.observables.standard_observables`:
the distribution dσ/dx [pb per unit of x] of the events (their weights, σ/N each for
unweighted events, summed per bin and divided by the bin width) with statistical errors. With a
``weighted_reference`` (the weighted integrator points the events were unweighted from) the
reference is overlaid, scaled to the same total cross section, with a ratio panel and the χ²
p-value of :func:`~colliderax.generation.events.observables.chi2_compare` in the legend: the
visual form of the acceptance test that unweighting did not distort the distribution.

matplotlib and mplhep are imported on first use; figures are built with the object API (no
pyplot state, no global style change) and rendered with the Agg canvas, so plotting works
without a display and from threads.

Example::

    paths = plot_observables(events, "out/plots", weighted_reference=points)
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.generation.events.observables import (
    Histogram,
    chi2_compare,
    histogram,
    standard_observables,
)
from colliderax.generation.events.record import EventBatch
from colliderax.io.atomic import write_bytes_atomic

logger = logging.getLogger(__name__)


def _edges(values: np.ndarray, reference: np.ndarray | None, bins: int, name: str
           ) -> np.ndarray:
    x = values[np.isfinite(values)]
    if reference is not None:
        x = np.concatenate([x, reference[np.isfinite(reference)]])
    if name.startswith("phi_"):
        return np.linspace(-np.pi, np.pi, bins + 1)
    if x.size == 0:
        return np.linspace(0.0, 1.0, bins + 1)
    lo, hi = np.quantile(x, [0.001, 0.999]) if x.size > 1000 else (x.min(), x.max())
    if name.startswith(("pt_", "m_")):
        lo = max(0.0, float(lo))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


def plot_observables(batch: EventBatch, outdir: str | os.PathLike,
                     weighted_reference: EventBatch | None = None, *, bins: int = 40,
                     names: Sequence[str] | None = None, title: str = "",
                     dpi: int = 100) -> list[Path]:
    """Write one PNG per observable into ``outdir`` (created if missing).

    Args:
        batch: Events to plot (weights in pb, e.g. σ/N for unweighted events).
        outdir: Output directory.
        weighted_reference: Weighted points of the same process to overlay (scaled to the
            same total); their ``weight`` is used as given.
        bins: Number of bins per plot.
        names: Observables to plot (keys of ``standard_observables``); default all.
        title: Text on top of each figure (e.g. the process string).
        dpi: Resolution.

    Returns:
        The written files, ``<outdir>/<observable>.png``, in observable order.

    Raises:
        InvalidInput: an unknown observable name, or a reference of another process layout.
    """
    import matplotlib.style
    import mplhep
    from matplotlib.figure import Figure

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    observables = standard_observables(batch)
    reference = None
    if weighted_reference is not None:
        reference = standard_observables(weighted_reference)
        if reference.keys() != observables.keys():
            msg = "weighted_reference has other outgoing particles than the events: same process"
            raise InvalidInput(msg)
    if names is None:
        names = list(observables)
    unknown = [n for n in names if n not in observables]
    if unknown:
        msg = f"unknown observables {unknown}: choose from {', '.join(observables)}"
        raise InvalidInput(msg)

    total = float(batch.weight.sum())
    written = []
    for name in names:
        obs = observables[name]
        ref_values = reference[name].values if reference is not None else None
        edges = _edges(obs.values, ref_values, bins, name)
        width = np.diff(edges)
        h = histogram(obs.values, batch.weight, edges)
        ref = None
        if reference is not None and weighted_reference is not None:
            r = histogram(reference[name].values, weighted_reference.weight, edges)
            scale = total / float(weighted_reference.weight.sum())
            ref = Histogram(edges, r.values * scale, r.errors * scale)
        with matplotlib.style.context([mplhep.style.ROOT, {"font.size": 14}]):
            fig = Figure(figsize=(8, 7.5 if ref is not None else 6), layout="constrained")
            if ref is not None:
                ax, rax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
            else:
                ax, rax = fig.subplots(), None
            mplhep.histplot(h.values / width, edges, yerr=h.errors / width, ax=ax,
                            label=f"events (N = {batch.n_events})", histtype="errorbar")
            if ref is not None:
                chi2, dof, p = chi2_compare(h.values, h.errors, ref.values, ref.errors, ddof=1)
                mplhep.histplot(ref.values / width, edges, yerr=ref.errors / width, ax=ax,
                                label="weighted reference")
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.where(ref.values > 0, h.values / ref.values, np.nan)
                    err = np.where(ref.values > 0, h.errors / ref.values, np.nan)
                mplhep.histplot(ratio, edges, yerr=err, ax=rax, histtype="errorbar")
                rax.axhline(1.0, color="grey", linewidth=1)
                rax.text(0.02, 0.8, f"χ²/dof = {chi2:.1f}/{dof}, p = {p:.2f}",
                         transform=rax.transAxes, fontsize="small")
                rax.set_ylabel("events / ref.")
                rax.set_xlabel(obs.label)
            else:
                ax.set_xlabel(obs.label)
            unit = f"pb/{obs.unit}" if obs.unit else "pb"
            ax.set_ylabel(f"dσ/dx [{unit}]")
            ax.legend(fontsize="small")
            if title:
                ax.set_title(title, fontsize="medium")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi)
        path = outdir / f"{name}.png"
        write_bytes_atomic(path, buffer.getvalue())
        written.append(path)
    logger.info("wrote %d plots to %s", len(written), outdir)
    return written


def write_histograms_text(batch: EventBatch, path: str | os.PathLike, *, bins: int = 40) -> Path:
    """The histograms of :func:`plot_observables` as a plain-text table (edges, Σw, √Σw²)."""
    lines = ["# observable  low  high  sum_w[pb]  error[pb]"]
    for name, obs in standard_observables(batch).items():
        edges = _edges(obs.values, None, bins, name)
        h = histogram(obs.values, batch.weight, edges)
        for lo, hi, v, e in zip(edges[:-1], edges[1:], h.values, h.errors, strict=True):
            lines.append(f"{name} {lo:.10g} {hi:.10g} {v:.10g} {e:.10g}")
    write_bytes_atomic(path, ("\n".join(lines) + "\n").encode())
    return Path(path)


__all__ = ["plot_observables", "write_histograms_text"]
