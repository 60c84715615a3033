"""The cubic Hermite polynomial shared by the PDF and α_s interpolators."""


def hermite(t, vl, dl, vh, dh):
    """Cubic Hermite polynomial on [0, 1]: values vl, vh; slopes dl, dh (times the interval)."""
    t2 = t * t
    t3 = t2 * t
    return (2 * t3 - 3 * t2 + 1) * vl + (t3 - 2 * t2 + t) * dl + (-2 * t3 + 3 * t2) * vh + (
        t3 - t2
    ) * dh
