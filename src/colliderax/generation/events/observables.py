"""Standard observables of parton-level events, weighted histograms and a χ² comparison.

Conventions: momenta are ``(..., 4)`` arrays ``(E, px, py, pz)`` [GeV]; φ in (−π, π]; the
pseudorapidity of a particle along the beam (pT = 0) is ±inf; rapidity uses ``E ± pz``.
Observables of an :class:`~colliderax.generation.events.EventBatch` use its outgoing
(status 1) particles, which must sit at the same positions in every event (true for one
process). Particles are named in MG5 style (``e+``, ``u~``, ``g``) from the first event.

Example::

    obs = standard_observables(batch)          # {"pt_3": Observable(...), ...}
    h = histogram(obs["m_final"].values, batch.weight, bins=40)
    chi2, dof, p = chi2_compare(h.values, h.errors, h_ref.values, h_ref.errors, ddof=1)
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from scipy import stats

from colliderax.core.errors import InvalidInput
from colliderax.generation.events.record import EventBatch

_NAMES = {1: "d", 2: "u", 3: "s", 4: "c", 5: "b", 6: "t", 11: "e", 12: "ve", 13: "mu",
          14: "vm", 15: "ta", 16: "vt", 21: "g", 22: "a", 23: "z", 24: "w", 25: "h"}


def pdg_name(pdg: int) -> str:
    """MG5-style name of a PDG id (``11 -> "e-"``, ``-2 -> "u~"``); ``"pdg<id>"`` if unknown.

    Example:
        >>> [pdg_name(i) for i in (11, -11, -2, 21, -24, 12, -12)]
        ['e-', 'e+', 'u~', 'g', 'w-', 've', 've~']
    """
    pdg = int(pdg)
    base = _NAMES.get(abs(pdg))
    if base is None:
        return f"pdg{pdg}"
    if abs(pdg) in (11, 13, 15):
        return base + ("-" if pdg > 0 else "+")
    if abs(pdg) == 24:
        return base + ("+" if pdg > 0 else "-")
    if abs(pdg) in (21, 22, 23, 25):
        return base
    return base + ("~" if pdg < 0 else "")


def transverse_momentum(p: np.ndarray) -> np.ndarray:
    """pT = √(px² + py²) [GeV] of ``(..., 4)`` momenta."""
    p = np.asarray(p, dtype=np.float64)
    return np.hypot(p[..., 1], p[..., 2])


def pseudorapidity(p: np.ndarray) -> np.ndarray:
    """η = asinh(pz / pT); ±inf along the beam."""
    p = np.asarray(p, dtype=np.float64)
    pt = transverse_momentum(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(p[..., 3] / pt)
    return np.where(pt > 0, eta, np.copysign(np.inf, p[..., 3]))


def rapidity(p: np.ndarray) -> np.ndarray:
    """y = ½ ln((E + pz) / (E − pz))."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return 0.5 * np.log((p[..., 0] + p[..., 3]) / (p[..., 0] - p[..., 3]))


def azimuth(p: np.ndarray) -> np.ndarray:
    """φ = atan2(py, px) in (−π, π]."""
    p = np.asarray(p, dtype=np.float64)
    return np.arctan2(p[..., 2], p[..., 1])


def invariant_mass(p: np.ndarray, axis: int | None = None) -> np.ndarray:
    """√max(P², 0) [GeV] of ``P = Σ p`` over ``axis`` (None: ``p`` is already the sum)."""
    p = np.asarray(p, dtype=np.float64)
    total = p if axis is None else p.sum(axis=axis)
    m2 = total[..., 0] ** 2 - np.sum(total[..., 1:] ** 2, axis=-1)
    return np.sqrt(np.maximum(m2, 0.0))


def outgoing_indices(batch: EventBatch) -> np.ndarray:
    """Positions (0-based) of the outgoing particles, the same in every event.

    Raises:
        InvalidInput: the positions differ between events.
    """
    out = batch.status == 1
    if batch.n_events and not np.all(out == out[0]):
        msg = "outgoing particles sit at different positions in different events: split by process"
        raise InvalidInput(msg)
    return np.flatnonzero(out[0]) if batch.n_events else np.zeros(0, dtype=np.int64)


class Observable(NamedTuple):
    """One observable per event.

    Attributes:
        values: (N,) values.
        label: Axis label (matplotlib mathtext), e.g. ``"$p_T(e^+)$ [GeV]"``.
        unit: ``"GeV"`` or ``""``.
    """

    values: np.ndarray
    label: str
    unit: str


def _tex(name: str) -> str:
    base, charge = name.rstrip("+-~"), name[len(name.rstrip("+-~")):]
    if charge == "~":
        return rf"\bar{{{base}}}"
    return f"{base}^{{{charge}}}" if charge else base


def standard_observables(batch: EventBatch) -> dict[str, Observable]:
    """pT, η, y, φ of every outgoing particle, the final-state mass and pair masses.

    Keys: ``pt_i``, ``eta_i``, ``y_i``, ``phi_i`` (``i`` the 1-based LHE position),
    ``m_final`` (all outgoing particles) and, with three or more outgoing particles,
    ``m_i_j`` for every pair.
    """
    out = outgoing_indices(batch)
    p = batch.momenta
    names = {int(i): (f"${_tex(pdg_name(batch.pdg[0, i]))}$" if batch.n_events else str(i + 1))
             for i in out}
    result: dict[str, Observable] = {}
    for i in out:
        q, name = p[:, i], names[int(i)]
        result[f"pt_{i + 1}"] = Observable(transverse_momentum(q), f"$p_T$({name}) [GeV]", "GeV")
        result[f"eta_{i + 1}"] = Observable(pseudorapidity(q), rf"$\eta$({name})", "")
        result[f"y_{i + 1}"] = Observable(rapidity(q), f"$y$({name})", "")
        result[f"phi_{i + 1}"] = Observable(azimuth(q), rf"$\phi$({name})", "")
    label = ", ".join(names[int(i)] for i in out)
    result["m_final"] = Observable(invariant_mass(p[:, out], axis=1), f"$m$({label}) [GeV]",
                                   "GeV")
    if len(out) > 2:
        for i, j in itertools.combinations(out, 2):
            result[f"m_{i + 1}_{j + 1}"] = Observable(
                invariant_mass(p[:, i] + p[:, j]),
                f"$m$({names[int(i)]}, {names[int(j)]}) [GeV]", "GeV")
    return result


class Histogram(NamedTuple):
    """A weighted histogram.

    Attributes:
        edges: (nbins + 1,) bin edges.
        values: (nbins,) Σ w per bin.
        errors: (nbins,) √(Σ w²) per bin.
    """

    edges: np.ndarray
    values: np.ndarray
    errors: np.ndarray


def histogram(values: np.ndarray, weights: np.ndarray | None = None,
              bins: int | np.ndarray = 40, range: tuple[float, float] | None = None
              ) -> Histogram:
    """Weighted histogram with per-bin errors √(Σ w²); non-finite values are dropped.

    Args:
        values: (N,) observable values.
        weights: (N,) weights (default 1).
        bins: Number of bins or (nbins + 1,) edges.
        range: (low, high) for an integer ``bins``; default the finite values' range.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != x.shape:
        msg = f"weights shape {w.shape} differs from values shape {x.shape}"
        raise InvalidInput(msg)
    finite = np.isfinite(x)
    x, w = x[finite], w[finite]
    if range is None and np.ndim(bins) == 0:
        range = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
        if range[0] == range[1]:
            range = (range[0] - 0.5, range[1] + 0.5)
    values_, edges = np.histogram(x, bins=bins, range=range, weights=w)
    sumw2, _ = np.histogram(x, bins=edges, weights=w**2)
    return Histogram(edges, values_, np.sqrt(sumw2))


def chi2_compare(hist_a: np.ndarray, err_a: np.ndarray, hist_b: np.ndarray, err_b: np.ndarray,
                 *, ddof: int = 0) -> tuple[float, int, float]:
    """χ² test that two histograms agree within their (independent) errors.

    χ² = Σ (a − b)² / (σ_a² + σ_b²) over bins with σ_a² + σ_b² > 0; dof = number of such bins
    − ``ddof`` (use ``ddof=1`` when both are normalised to the same total, as when comparing
    unweighted events with the weighted sample they came from).

    Returns:
        (χ², dof, p-value) with p = P(χ²_dof ≥ χ²).

    Example:
        >>> chi2, dof, p = chi2_compare([10.0, 20.0], [3.0, 4.0], [13.0, 20.0], [0.0, 1.0])
        >>> round(chi2, 6), dof
        (1.0, 2)
    """
    a, b = np.asarray(hist_a, np.float64), np.asarray(hist_b, np.float64)
    var = np.asarray(err_a, np.float64) ** 2 + np.asarray(err_b, np.float64) ** 2
    used = var > 0
    chi2 = float(np.sum((a[used] - b[used]) ** 2 / var[used]))
    dof = int(np.count_nonzero(used)) - int(ddof)
    if dof <= 0:
        msg = f"chi2_compare needs more bins with entries than ddof={ddof}, got {dof + ddof}"
        raise InvalidInput(msg)
    return chi2, dof, float(stats.chi2.sf(chi2, dof))


__all__ = [
    "Histogram",
    "Observable",
    "azimuth",
    "chi2_compare",
    "histogram",
    "invariant_mass",
    "outgoing_indices",
    "pdg_name",
    "pseudorapidity",
    "rapidity",
    "standard_observables",
    "transverse_momentum",
]
