"""Hit look-up by layer, v and azimuth (host-side numpy), used by seeding and the CKF.

v is the coordinate a layer measures besides the azimuth: z on barrel layers, r on disks. The
hits of each layer are counted into a grid of ``v_bins`` equal bins of v (between the layer's
smallest and largest hit v) times ``phi_bins`` equal bins of azimuth, and sorted twice: by
(azimuth bin, v bin) and by (v bin, azimuth bin), with the cells' start offsets kept. A window
query (layer, azimuth range, v range) reads contiguous runs of cells: one per azimuth bin in
the first order (windows long in v) or one per v bin in the second (windows long in azimuth;
two where they cross +-pi), whichever needs fewer, and keeps the hits inside the window. It
returns exactly the hits a scan of the whole layer would, without binary searches.
"""

from __future__ import annotations

import numpy as np

from colliderax.tracking.hits import HitSet

_TWO_PI = 2.0 * np.pi


class LayerIndex:
    """Hits sorted by (layer, v bin, azimuth bin) for vectorised window queries.

    Attributes:
        hits: The indexed hits.
        hits_layers: The geometry's layers (``Geometry.layers``).
        v: (n,) v of every hit [mm] (z on barrels, r on disks).
        pos_range: (n_layers, 2) smallest and largest r (barrel) or z (disk) of a layer's hits
            [mm]: how far its hits sit off the nominal surface.
    """

    def __init__(self, hits: HitSet, layers: tuple = (), v_bins: int = 64, phi_bins: int = 256):
        self.hits = hits
        self.hits_layers = layers
        self.v_bins = v_bins
        self.phi_bins = phi_bins
        n_layers = max(len(layers), int(hits.layer.max()) + 1 if len(hits) else 0)
        self.v = np.where(hits.is_barrel, hits.z, hits.r)
        pos = np.where(hits.is_barrel, hits.r, hits.z)
        lo, hi = _per_layer_range(hits.layer, self.v, n_layers)
        self._v0 = np.where(hi >= lo, lo, 0.0)
        self._v_width = np.where(hi > lo, (hi - lo) / v_bins, 1.0)
        self.pos_range = np.stack(_per_layer_range(hits.layer, pos, n_layers), axis=-1)
        self._by_layer = np.argsort(hits.layer, kind="stable")
        self._layer_start = np.searchsorted(hits.layer[self._by_layer], np.arange(n_layers + 1))
        phibin = self._phibin(hits.phi) % phi_bins  # phi = pi is -pi
        vbin = self._vbin(hits.layer, self.v)
        lay = hits.layer.astype(np.int64)
        n_cells = n_layers * v_bins * phi_bins
        orders, starts = [], []
        for cell in ((lay * phi_bins + phibin) * v_bins + vbin,
                     (lay * v_bins + vbin) * phi_bins + phibin):
            orders.append(np.argsort(cell, kind="stable"))
            starts.append(np.concatenate([[0], np.cumsum(np.bincount(cell, minlength=n_cells))]))
        # positions in both orders, one after the other
        self._order = np.concatenate(orders)
        self._start_phi_major, self._start_v_major = starts[0], starts[1] + len(hits)

    def layer_hits(self, layer: int) -> np.ndarray:
        """Indices of the hits on ``layer`` (ascending)."""
        return self._by_layer[self._layer_start[layer] : self._layer_start[layer + 1]]

    def _vbin(self, layer: np.ndarray, v: np.ndarray) -> np.ndarray:
        """v bin of the layer (v outside the layer's range clipped, NaN to bin 0)."""
        with np.errstate(invalid="ignore"):
            b = (v - self._v0[layer]) / self._v_width[layer]
        # fmax/fmin drop NaN; truncation is the floor of the clipped value
        return np.fmin(np.fmax(b, 0.0), self.v_bins - 1).astype(np.int64)

    def _phibin(self, phi: np.ndarray) -> np.ndarray:
        """Azimuth bin of phi in [-pi, pi + 2 pi) (not wrapped)."""
        return ((phi + np.pi) * (self.phi_bins / _TWO_PI)).astype(np.int64)

    def window(
        self,
        layer: np.ndarray | int,
        phi_lo: np.ndarray,
        phi_hi: np.ndarray,
        v_lo: np.ndarray | float = -np.inf,
        v_hi: np.ndarray | float = np.inf,
    ) -> tuple[np.ndarray, np.ndarray]:
        """All (query, hit index) pairs with the hit on ``layer`` (one for all queries or one
        each), ``(phi - phi_lo) mod 2 pi`` at most ``phi_hi - phi_lo`` and v in [v_lo, v_hi]
        [rad, mm].

        Azimuth windows may cross +-pi and must be narrower than 2 pi; an empty v range
        (v_hi < v_lo) gives no hits.

        Returns:
            (query index, hit index) arrays of equal length (in no particular order).
        """
        layer = np.asarray(layer, dtype=np.int64)
        n = len(phi_lo)
        v_lo = np.broadcast_to(np.asarray(v_lo, dtype=np.float64), (n,))
        v_hi = np.broadcast_to(np.asarray(v_hi, dtype=np.float64), (n,))
        width = np.minimum(np.asarray(phi_hi) - np.asarray(phi_lo), _TWO_PI - 1e-9)
        lo = np.mod(np.asarray(phi_lo) + np.pi, _TWO_PI) - np.pi
        bad = ~(np.isfinite(lo) & np.isfinite(width))
        lo, width = np.where(bad, 0.0, lo), np.where(bad, -1.0, width)
        nphi, nv = self.phi_bins, self.v_bins
        c0 = self._phibin(lo)
        c1 = np.minimum(self._phibin(lo + width), c0 + nphi - 1)  # inclusive, may pass nphi
        n_c = np.where(bad, 0, c1 + 1 - c0)
        b0 = self._vbin(layer, v_lo)
        b1 = np.where(v_hi >= v_lo, self._vbin(layer, v_hi) + 1, b0)  # exclusive
        # runs of cells: one per azimuth bin (azimuth-major) or per v bin (v-major, two where
        # the window crosses +-pi), whichever are fewer
        v_major = (b1 - b0) * (1 + (c1 >= nphi)) < n_c
        qa = np.flatnonzero(~v_major)
        qp, cell = _expand(c0[qa], c0[qa] + n_c[qa])
        qp = qa[qp]
        first = (_take(layer, qp) * nphi + cell % nphi) * nv
        s_p = self._start_phi_major[first + b0[qp]]
        e_p = self._start_phi_major[first + b1[qp]]
        qb = np.flatnonzero(v_major & ~bad)
        qv, vbin = _expand(b0[qb], b1[qb])
        qv = qb[qv]
        first = (_take(layer, qv) * nv + vbin) * nphi
        cv1 = c1[qv]
        s_1 = self._start_v_major[first + c0[qv]]
        e_1 = self._start_v_major[first + np.minimum(cv1, nphi - 1) + 1]
        wrap = np.flatnonzero(cv1 >= nphi)
        s_2 = self._start_v_major[first[wrap]]
        e_2 = self._start_v_major[first[wrap] + cv1[wrap] - nphi + 1]
        run, pos = _expand(np.concatenate([s_p, s_1, s_2]), np.concatenate([e_p, e_1, e_2]))
        q = np.concatenate([qp, qv, qv[wrap]])[run]
        h = self._order[pos]
        inside = (
            (np.mod(self.hits.phi[h] - lo[q], _TWO_PI) <= width[q])
            & (self.v[h] >= v_lo[q])
            & (self.v[h] <= v_hi[q])
        )
        return q[inside], h[inside]


def _take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``a[idx]``, or the scalar ``a`` itself."""
    return a if a.ndim == 0 else a[idx]


def _per_layer_range(layer: np.ndarray, value: np.ndarray, n_layers: int):
    """Smallest and largest ``value`` per layer (+inf, -inf for a layer without hits)."""
    lo = np.full(n_layers, np.inf)
    hi = np.full(n_layers, -np.inf)
    np.minimum.at(lo, layer, value)
    np.maximum.at(hi, layer, value)
    return lo, hi


def _expand(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten ranges [start_i, stop_i) into (i, position) pairs."""
    counts = np.maximum(stop - start, 0)
    q = np.repeat(np.arange(len(start)), counts)
    return q, np.arange(len(q)) + (start - np.cumsum(counts) + counts)[q]


__all__ = ["LayerIndex"]
