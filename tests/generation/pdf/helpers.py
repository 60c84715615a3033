"""Test helpers: writers for small synthetic lhagrid1 sets, and a shape-stable evaluator."""

from pathlib import Path

import numpy as np

from colliderax.generation.pdf import xfx

# Every evaluation on a real set goes through xfx_table with inputs padded to a multiple of
# BLOCK points, so that tests share compiled kernels (compilation dominates the test time).
BLOCK = 96


def write_lhagrid1(path: Path, subgrids, header: str = "PdfType: central\nFormat: lhagrid1\n"):
    """Write a lhagrid1 member file from ``[(x, q, pids, func)]``; func(pid, x, q) -> x f."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = [header.rstrip("\n"), "---"]
    for xs, qs, pids, func in subgrids:
        out.append(" ".join(f"{v:.17e}" for v in xs))
        out.append(" ".join(f"{v:.17e}" for v in qs))
        out.append(" ".join(str(p) for p in pids))
        for x in xs:
            for q in qs:
                out.append(" ".join(f"{func(p, x, q):.17e}" for p in pids))
        out.append("---")
    path.write_text("\n".join(out) + "\n")
    return path


def toy_xf(pid, x, q):
    """A smooth, flavour-dependent toy x f(x, Q) (positive inside 0 < x < 1)."""
    a = 0.1 * (abs(pid) % 7) + 0.2
    return (1 + 0.05 * pid) * x**a * (1 - x) ** 3 * (1 + 0.1 * np.log(q))


def table_pids(pdf) -> np.ndarray:
    """The set's flavours, then 0 (the gluon again), then 6 and 11 where absent."""
    absent = [p for p in (6, 11) if p not in pdf.flavours]
    return np.array([*pdf.flavours, 0, *absent])


def xfx_table(pdf, x, q, scheme="logcubic", fn=xfx) -> np.ndarray:
    """``fn(pdf, pid, x, q)`` for every pid of :func:`table_pids`: shape (npid, len(x))."""
    x = np.asarray(x, dtype=np.float64).ravel()
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), x.shape)
    n = x.size
    pad = -n % BLOCK
    xp = np.concatenate([x, np.full(pad, 0.1)])
    qp = np.concatenate([q, np.full(pad, 10.0)])
    out = fn(pdf, table_pids(pdf)[:, None], xp[None, :], qp[None, :], scheme=scheme)
    return np.asarray(out)[:, :n]
