"""The strong coupling α_s(Q) that goes with a PDF set.

Three kinds, chosen by :class:`AlphaSSettings`:

* ``"ipol"``: LHAPDF's ``AlphaS_Type: ipol``. The set's table (``AlphaS_Qs``, ``AlphaS_Vals``)
  is cut into subgrids wherever a Q value repeats (flavour thresholds); inside a subgrid α_s is
  a cubic Hermite polynomial in ln Q² whose knot slopes are the mean of the left and right
  finite differences (one-sided at the first and last knot of a subgrid). Below the first knot
  α_s follows the power law in Q² through the first two distinct knots; above the last knot it
  is frozen at the last value. A Q exactly on a threshold uses the upper subgrid (the tabulated
  values there agree).
* ``"running"``: the renormalisation-group equation
  ``dα/d ln Q² = -α² (β0 + β1 α + β2 α²)`` truncated at 1, 2 or 3 loops
  (``β0 = (33 - 2 nf)/(12π)``, ``β1 = (153 - 19 nf)/(24π²)``,
  ``β2 = (2857 - 5033 nf/9 + 325 nf²/27)/(128π³)``), started from α_s(M_Z). At 1 loop the
  solution is closed-form; at 2 loops the exact implicit solution of the truncated equation is
  solved by Newton's method; at 3 loops the equation is integrated with fixed-step RK4. The
  number of active flavours is ``nf = 3`` below the charm threshold, 4 between charm and
  bottom, 5 above bottom, and 6 above top only when ``nf_max = 6``; α_s is continuous at each
  threshold (no decoupling constants). This is what LHAPDF's ``AlphaS_Type: ode`` computes (up
  to LHAPDF's own ODE tolerance) and, for ``nf_max = 5`` and thresholds 1.42/4.7 GeV, what
  MadGraph5_aMC@NLO's ``alfas_functions.f`` computes for ``nn23lo1``.
* ``"fixed"``: a constant.

Q is in GeV everywhere.
"""

import dataclasses
import logging
import math
from collections.abc import Mapping
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.generation.pdf.hermite import hermite

logger = logging.getLogger(__name__)

_KINDS = ("ipol", "running", "fixed")
_NEWTON_STEPS = 12  # 2-loop Newton iterations: quadratic convergence from the 1-loop seed
_RK4_STEPS = 256  # 3-loop RK4 steps per evaluation (relative error ~1e-11 down to Q = 1 GeV)


@dataclasses.dataclass(frozen=True)
class AlphaSSettings:
    """How to compute α_s(Q) for a PDF set (hashable; a static argument under ``jax.jit``).

    Build one with :meth:`fixed`, :meth:`running`, :meth:`ipol`, :meth:`mg5_nn23lo1` or
    :meth:`from_info`.

    Attributes:
        kind: ``"ipol"``, ``"running"`` or ``"fixed"``.
        alpha_mz: α_s(M_Z) for ``"running"``; the constant for ``"fixed"``; informational for
            ``"ipol"`` (``AlphaS_MZ`` when the set gives it, else NaN).
        mz: Reference scale M_Z [GeV].
        loops: Loops in the β function for ``"running"`` (1, 2 or 3).
        thresholds: Charm, bottom and top masses [GeV] where nf changes by one.
        nf_max: Largest number of active flavours (5: no top threshold; 6: with it).
        fixed_flavours: If true, ``nf = nf_max`` at every scale (fixed-flavour scheme).
        qs: ``"ipol"`` knots in Q [GeV], thresholds repeated.
        values: ``"ipol"`` α_s at the knots.
    """

    kind: str
    alpha_mz: float
    mz: float = 91.1876
    loops: int = 2
    thresholds: tuple[float, float, float] = (1.3, 4.75, 172.5)
    nf_max: int = 5
    fixed_flavours: bool = False
    qs: tuple[float, ...] = ()
    values: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            msg = f"alpha_s kind {self.kind!r} is not one of {', '.join(_KINDS)}"
            raise InvalidInput(msg)
        if self.kind == "running":
            if self.loops not in (1, 2, 3):
                msg = f"alpha_s running supports 1, 2 or 3 loops, got {self.loops}"
                raise InvalidInput(msg)
            mc, mb, mt = self.thresholds
            if not 0 < mc < mb < mt:
                msg = f"alpha_s thresholds must satisfy 0 < mc < mb < mt GeV, got {self.thresholds}"
                raise InvalidInput(msg)
            if self.nf_max not in (3, 4, 5, 6):
                msg = f"alpha_s nf_max must be 3..6, got {self.nf_max}"
                raise InvalidInput(msg)
            if not (self.alpha_mz > 0 and self.mz > 0):
                msg = f"alpha_s needs alpha_mz > 0 and mz > 0 GeV, got {self.alpha_mz}, {self.mz}"
                raise InvalidInput(msg)
        if self.kind == "ipol":
            qs = np.asarray(self.qs, dtype=float)
            vals = np.asarray(self.values, dtype=float)
            if qs.size < 2 or qs.shape != vals.shape:
                msg = f"alpha_s ipol needs >= 2 knots and as many values ({qs.size} vs {vals.size})"
                raise InvalidInput(msg)
            if np.any(qs <= 0) or np.any(np.diff(qs) < 0) or np.any(vals <= 0):
                msg = "alpha_s ipol knots must be positive, non-decreasing, with positive values"
                raise InvalidInput(msg)

    # --- constructors -------------------------------------------------------------------

    @classmethod
    def fixed(cls, value: float) -> "AlphaSSettings":
        """A constant α_s = ``value`` at every scale."""
        return cls(kind="fixed", alpha_mz=float(value))

    @classmethod
    def running(
        cls,
        alpha_mz: float,
        *,
        mz: float = 91.1876,
        loops: int = 2,
        mc: float = 1.3,
        mb: float = 4.75,
        mt: float = 172.5,
        nf_max: int = 5,
        fixed_flavours: bool = False,
    ) -> "AlphaSSettings":
        """RGE running from α_s(M_Z) with thresholds at the charm, bottom and top masses [GeV].

        Args:
            alpha_mz: α_s(M_Z).
            mz: M_Z [GeV].
            loops: 1, 2 or 3.
            mc: Charm threshold [GeV] (nf 3 → 4).
            mb: Bottom threshold [GeV] (nf 4 → 5).
            mt: Top threshold [GeV] (nf 5 → 6, only used when ``nf_max = 6``).
            nf_max: Largest number of active flavours.
            fixed_flavours: Use ``nf = nf_max`` at all scales.
        """
        return cls(
            kind="running",
            alpha_mz=float(alpha_mz),
            mz=float(mz),
            loops=int(loops),
            thresholds=(float(mc), float(mb), float(mt)),
            nf_max=int(nf_max),
            fixed_flavours=bool(fixed_flavours),
        )

    @classmethod
    def ipol(cls, qs, values, *, alpha_mz: float = math.nan, mz: float = 91.1876):
        """LHAPDF-style interpolation of a table α_s(Q) (Q [GeV], thresholds repeated)."""
        return cls(
            kind="ipol",
            alpha_mz=float(alpha_mz),
            mz=float(mz),
            qs=tuple(float(q) for q in qs),
            values=tuple(float(v) for v in values),
        )

    @classmethod
    def mg5_nn23lo1(cls) -> "AlphaSSettings":
        """MadGraph5_aMC@NLO's α_s for ``pdlabel = nn23lo1`` (NNPDF2.3 QED LO, α_s(MZ)=0.130).

        Two-loop running from α_s(91.188 GeV) = 0.130 with thresholds mc = 1.42 GeV and
        mb = 4.7 GeV and at most five flavours (no top threshold), as in MG5's
        ``Source/alfas_functions.f`` with ``nloop = 2``. The default for the
        ``NNPDF23_lo_as_0130_qed`` grid when no ``.info`` file is found (PYTHIA's copy).
        """
        return cls.running(0.130, mz=91.188, loops=2, mc=1.42, mb=4.7, mt=175.0, nf_max=5)

    @classmethod
    def from_info(cls, info: Mapping[str, Any], *, name: str = "") -> "AlphaSSettings | None":
        """Settings from LHAPDF metadata, following LHAPDF's rules, or None if incomplete.

        ``AlphaS_Type: ipol`` uses ``AlphaS_Qs``/``AlphaS_Vals``. Any other type (``ode``,
        ``analytic``) runs from ``AlphaS_MZ`` at ``MZ`` with ``AlphaS_OrderQCD`` loops
        (0 means constant α_s; more than 3 is capped at 3 with a warning), thresholds
        ``MCharm``/``MBottom``/``MTop``, and ``nf_max`` from ``AlphaS_NumFlavors``, else
        ``NumFlavors``, else 5 (LHAPDF's fallback chain; so ``NumFlavors: 6`` switches the top
        threshold on). ``AlphaS_FlavorScheme``/``FlavorScheme: fixed`` keeps nf fixed.

        Args:
            info: Parsed ``.info`` entries (member header entries merged in).
            name: Set name, for log messages.
        """
        kind = str(info.get("AlphaS_Type", "")).strip().lower()
        try:
            if kind == "ipol":
                if "AlphaS_Qs" not in info or "AlphaS_Vals" not in info:
                    logger.warning("PDF set %s: ipol alpha_s without AlphaS_Qs/AlphaS_Vals", name)
                    return None
                return cls.ipol(
                    info["AlphaS_Qs"],
                    info["AlphaS_Vals"],
                    alpha_mz=float(info.get("AlphaS_MZ", math.nan)),
                    mz=float(info.get("MZ", 91.1876)),
                )
            if "AlphaS_MZ" not in info:
                return None
            loops = int(info.get("AlphaS_OrderQCD", 2))
            if loops == 0:
                return cls.fixed(float(info["AlphaS_MZ"]))
            if loops > 3:
                logger.warning("PDF set %s: AlphaS_OrderQCD %d capped at 3 loops", name, loops)
                loops = 3
            masses = [info.get(k) for k in ("MCharm", "MBottom", "MTop")]
            if any(m is None for m in masses):
                logger.warning("PDF set %s: alpha_s needs MCharm, MBottom and MTop", name)
                return None
            nf_max = int(info.get("AlphaS_NumFlavors", info.get("NumFlavors", 5)))
            scheme = str(info.get("AlphaS_FlavorScheme", info.get("FlavorScheme", "variable")))
            return cls.running(
                float(info["AlphaS_MZ"]),
                mz=float(info.get("MZ", 91.1876)),
                loops=loops,
                mc=float(masses[0]),
                mb=float(masses[1]),
                mt=float(masses[2]),
                nf_max=min(max(nf_max, 3), 6),
                fixed_flavours=scheme.strip().lower() == "fixed",
            )
        except (TypeError, ValueError) as err:
            msg = f"PDF set {name}: malformed alpha_s metadata: {err}"
            raise InvalidInput(msg) from None


# --- evaluation --------------------------------------------------------------------------


def alpha_s(pdf_or_settings, q) -> jax.Array:
    """α_s at scale(s) ``q`` [GeV] for a loaded PDF or explicit :class:`AlphaSSettings`.

    Args:
        pdf_or_settings: A :class:`~colliderax.generation.pdf.PDF` (its
            ``alpha_s_settings``) or an :class:`AlphaSSettings`.
        q: Scale Q [GeV] > 0, any shape.

    Returns:
        α_s(Q), same shape as ``q``, float64 under x64; NaN where Q <= 0.

    Raises:
        InvalidInput: The PDF carries no α_s metadata.
    """
    settings = getattr(pdf_or_settings, "alpha_s_settings", pdf_or_settings)
    if settings is None:
        name = getattr(pdf_or_settings, "name", "?")
        msg = (
            f"PDF set {name} has no usable alpha_s metadata (no .info with AlphaS_Type and "
            "AlphaS_MZ or AlphaS_Qs/Vals): pass AlphaSSettings to alpha_s() instead"
        )
        raise InvalidInput(msg)
    if not isinstance(settings, AlphaSSettings):
        msg = f"alpha_s() needs a PDF or AlphaSSettings, got {type(settings).__name__}"
        raise InvalidInput(msg)
    return _alpha_s(settings, q)


@partial(jax.jit, static_argnums=0)
def _alpha_s(settings: AlphaSSettings, q) -> jax.Array:
    q = jnp.asarray(q, dtype=jnp.result_type(float))
    q2 = jnp.where(q > 0, q * q, 1.0)
    if settings.kind == "fixed":
        out = jnp.full_like(q2, settings.alpha_mz)
    elif settings.kind == "ipol":
        out = _ipol(settings, q2)
    else:
        out = _running(settings, q2)
    return jnp.where(q > 0, out, jnp.nan)


def _ipol(settings: AlphaSSettings, q2):
    q2k = np.asarray(settings.qs, dtype=np.float64) ** 2
    lq2k = np.log(q2k)
    ak = np.asarray(settings.values, dtype=np.float64)
    n = q2k.size
    q2kj, lq2kj, akj = jnp.asarray(q2k), jnp.asarray(lq2k), jnp.asarray(ak)

    # Below the table: power law through the first two distinct knots.
    nxt = int(np.argmax(q2k > q2k[0]))
    slope = math.log(ak[nxt] / ak[0]) / math.log(q2k[nxt] / q2k[0])
    below = ak[0] * (q2 / q2k[0]) ** slope

    # Inside: the interval [i, i+1] with q2k[i] <= q2 < q2k[i+1]; a repeated knot (threshold)
    # starts the upper subgrid, so a query exactly on it is read from above.
    qc = jnp.clip(q2, q2k[0], q2k[-1])
    i = jnp.clip(jnp.searchsorted(q2kj, qc, side="right") - 1, 0, n - 2)
    im1, ip1, ip2 = jnp.maximum(i - 1, 0), i + 1, jnp.minimum(i + 2, n - 1)
    lower_edge = (i == 0) | (q2kj[i] == q2kj[im1])
    upper_edge = (ip1 == n - 1) | (q2kj[ip1] == q2kj[ip2])
    dl = lq2kj[ip1] - lq2kj[i]
    fwd = (akj[ip1] - akj[i]) / dl
    d0 = lq2kj[i] - lq2kj[im1]
    d2 = lq2kj[ip2] - lq2kj[ip1]
    back_i = (akj[i] - akj[im1]) / jnp.where(d0 == 0, 1.0, d0)
    fwd_ip1 = (akj[ip2] - akj[ip1]) / jnp.where(d2 == 0, 1.0, d2)
    slope_i = jnp.where(lower_edge, fwd, 0.5 * (fwd + back_i))
    slope_ip1 = jnp.where(upper_edge, fwd, 0.5 * (fwd_ip1 + fwd))
    t = (jnp.log(qc) - lq2kj[i]) / dl
    inside = hermite(t, akj[i], slope_i * dl, akj[ip1], slope_ip1 * dl)

    return jnp.where(q2 < q2k[0], below, jnp.where(q2 > q2k[-1], ak[-1], inside))


def _betas(nf):
    """β0, β1, β2 for ``dα/d ln Q² = -α² (β0 + β1 α + β2 α²)`` with nf active flavours."""
    pi = math.pi
    b0 = (33.0 - 2.0 * nf) / (12.0 * pi)
    b1 = (153.0 - 19.0 * nf) / (24.0 * pi**2)
    b2 = (2857.0 - 5033.0 / 9.0 * nf + 325.0 / 27.0 * nf * nf) / (128.0 * pi**3)
    return b0, b1, b2


def _run(a0, mu2, q2, nf, loops: int):
    """α_s(q2) from α_s(mu2) = a0 at fixed nf (arrays broadcast)."""
    b0, b1, b2 = _betas(nf)
    lg = jnp.log(q2 / mu2)
    one_loop = a0 / (1.0 + b0 * a0 * lg)
    if loops == 1:
        return one_loop
    if loops == 2:
        # Exact solution of dα/dL = -b0 α² (1 + c α): 1/α + c ln(α/(1 + cα)) = const + b0 L.
        c = b1 / b0
        target = 1.0 / a0 + c * jnp.log(a0 / (1.0 + c * a0)) + b0 * lg
        a = one_loop
        for _ in range(_NEWTON_STEPS):
            g = 1.0 / a + c * jnp.log(a / (1.0 + c * a)) - target
            a = a + g * a * a * (1.0 + c * a)  # Newton: dG/dα = -1/(α² (1 + cα))
        return a

    def rhs(a):
        return -a * a * (b0 + a * (b1 + a * b2))

    h = lg / _RK4_STEPS

    def step(_, a):
        k1 = rhs(a)
        k2 = rhs(a + 0.5 * h * k1)
        k3 = rhs(a + 0.5 * h * k2)
        k4 = rhs(a + h * k3)
        return a + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    return jax.lax.fori_loop(0, _RK4_STEPS, step, jnp.broadcast_to(a0, jnp.shape(lg)) + 0.0)


def _running(settings: AlphaSSettings, q2):
    """Threshold-matched running: anchor each nf region, then run inside the region."""
    loops = settings.loops
    if settings.fixed_flavours:
        nf = float(settings.nf_max)
        return _run(settings.alpha_mz, settings.mz**2, q2, nf, loops)
    mc, mb, mt = settings.thresholds
    lower = {3: 0.0, 4: mc, 5: mb, 6: mt}  # lower edge of each nf region [GeV]
    nfs = list(range(3, settings.nf_max + 1))

    def nf_of(scale: float) -> int:
        return max(n for n in nfs if scale > lower[n]) if scale > 0 else 3

    nf_mz = nf_of(settings.mz)
    anchors: dict[int, tuple[float, Any]] = {nf_mz: (settings.mz**2, settings.alpha_mz)}
    with jax.ensure_compile_time_eval():  # constants: evaluated once, not traced
        for n in range(nf_mz + 1, settings.nf_max + 1):  # upwards: start at the lower edge
            mu2, a = anchors[n - 1]
            anchors[n] = (lower[n] ** 2, _run(a, mu2, lower[n] ** 2, float(n - 1), loops))
        for n in range(nf_mz - 1, 2, -1):  # downwards: start at the upper edge
            mu2, a = anchors[n + 1]
            edge2 = lower[n + 1] ** 2
            anchors[n] = (edge2, _run(a, mu2, edge2, float(n + 1), loops))

    nf_q = jnp.full(jnp.shape(q2), 3.0)
    for n in nfs[1:]:
        nf_q = jnp.where(q2 > lower[n] ** 2, float(n), nf_q)
    idx = (nf_q - 3.0).astype(jnp.int32)
    mu2s = jnp.asarray([anchors[n][0] for n in nfs])
    a0s = jnp.stack([jnp.asarray(anchors[n][1], dtype=q2.dtype) for n in nfs])
    return _run(a0s[idx], mu2s[idx], q2, nf_q, loops)


__all__ = ["AlphaSSettings", "alpha_s"]
