"""Hit look-up by layer and azimuth (host-side numpy), used by seeding and the CKF."""

from __future__ import annotations

import numpy as np

from colliderax.tracking.hits import HitSet

_STRIDE = 10.0  # > 2 pi: layer * _STRIDE + (phi + pi) is sorted by layer, then phi


class LayerIndex:
    """Hits sorted by (layer, phi) for vectorised azimuthal window queries."""

    def __init__(self, hits: HitSet, layers: tuple = ()):
        self.hits = hits
        self.hits_layers = layers
        key = hits.layer.astype(np.float64) * _STRIDE + (hits.phi + np.pi)
        self.order = np.argsort(key, kind="stable")
        self.key = key[self.order]

    def _range(self, layer: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        base = layer.astype(np.float64) * _STRIDE + np.pi
        start = np.searchsorted(self.key, base + lo, side="left")
        stop = np.searchsorted(self.key, base + hi, side="right")
        return start, stop

    def window(
        self, layer: np.ndarray, phi_lo: np.ndarray, phi_hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """All (query, hit index) pairs with the hit on ``layer`` and phi in [lo, hi].

        Windows may cross +-pi and must be narrower than 2 pi.

        Returns:
            (query index, hit index) arrays of equal length.
        """
        layer = np.asarray(layer)
        width = np.minimum(np.asarray(phi_hi) - np.asarray(phi_lo), 2.0 * np.pi - 1e-9)
        lo = np.mod(np.asarray(phi_lo) + np.pi, 2.0 * np.pi) - np.pi
        hi = lo + width
        wrap = hi > np.pi
        s1, e1 = self._range(layer, lo, np.minimum(hi, np.pi))
        s2, e2 = self._range(layer, np.full_like(lo, -np.pi), np.where(wrap, hi - 2 * np.pi, -4))
        e2 = np.where(wrap, e2, s2)
        q1, h1 = _expand(s1, e1)
        q2, h2 = _expand(s2, e2)
        return np.concatenate([q1, q2]), self.order[np.concatenate([h1, h2])]


def _expand(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten ranges [start_i, stop_i) into (i, position) pairs."""
    counts = np.maximum(stop - start, 0)
    total = int(counts.sum())
    q = np.repeat(np.arange(len(start)), counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return q, np.repeat(start, counts) + offset


__all__ = ["LayerIndex"]
