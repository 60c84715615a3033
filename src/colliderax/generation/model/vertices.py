"""Interaction vertices of the MG5 ``sm`` model (unitary gauge, unit CKM).

Each vertex lists its particles as *incoming* (MG5/UFO convention), a Lorentz kind, a coupling
that already contains the factor i of the Feynman rule, a colour structure and its coupling
order. Couplings follow the UFO ``sm`` model: photon ``i e Q γ^μ``, gluon ``i g_s γ^μ T^a``,
Z ``i e/(sw cw) γ^μ (T3 P_L − Q sw²)``, W ``i e/(sw √2) γ^μ P_L``, Higgs–fermion ``−i y_f/√2``,
triple gauge ``i g_V`` times the VVV1 structure, quartic gauge and Higgs couplings as in
:func:`sm_vertices`.

Colour structures use 1-based slot numbers of ``particles`` and negative numbers for summed
internal adjoint indices: ``("T", a, i, j)`` is (T^a)_{ij} with ``i`` the slot of the
antiquark-like field (ψ̄, row) and ``j`` the quark-like field (ψ, column); ``("f", a, b, c)``
is f^{abc}; ``("d", i, j)`` is δ_ij. Lorentz data per kind:

* ``FFV``/``FFS``: ``(c_L, c_R)``, the vertex is ``ψ̄ Γ (c_L P_L + c_R P_R) ψ``.
* ``VVVV``: weights ``(w12_34, w13_24, w14_23)`` of the metric pairings.
* others: no data (VVV1, VVS1 = g^{μν}, VVSS1 = g^{μν}, SSS1 = SSSS1 = 1).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from colliderax.generation.model.parameters import ModelParameters
from colliderax.generation.model.particles import PARTICLES_BY_NAME


@dataclass(frozen=True)
class Vertex:
    """One colour/Lorentz term of an interaction (a 4-gluon vertex gives three of these).

    Attributes:
        particles: incoming particle names in slot order.
        kind: ``FFV``, ``FFS``, ``VVV``, ``VVVV``, ``VVS``, ``VVSS``, ``SSS`` or ``SSSS``.
        coupling: function of the parameters returning the Lorentz data (see module doc)
            multiplied by the coupling constant: a complex number, or a tuple of them.
        colour: tuple of colour factors (see module doc); empty for colour singlets.
        qcd, qed: coupling orders.
        name: a label for diagnostics.
    """

    particles: tuple[str, ...]
    kind: str
    coupling: Callable[[ModelParameters], object]
    colour: tuple[tuple, ...]
    qcd: int
    qed: int
    name: str


_VVVV_PAIRINGS = {
    "VVVV1": (0.0, -1.0, 1.0),
    "VVVV2": (-2.0, 1.0, 1.0),
    "VVVV3": (-1.0, 0.0, 1.0),
    "VVVV4": (-1.0, 1.0, 0.0),
    "VVVV5": (-0.5, -0.5, 1.0),
}

# (c_L, c_R) of the UFO FFV structures, as multiples of the coupling.
_FFV_CHIRAL = {
    "FFV1": (1.0, 1.0),
    "FFV2": (1.0, 0.0),
    "FFV3": (1.0, -2.0),
    "FFV4": (1.0, 2.0),
    "FFV5": (1.0, 4.0),
}

_UP = ("u", "c", "t")
_DOWN = ("d", "s", "b")
_LEPTONS = ("e-", "mu-", "ta-")
_NEUTRINOS = ("ve", "vm", "vt")
_YUKAWA = {"b": "ymb", "t": "ymt", "ta-": "ymtau"}


def _chiral(*terms: tuple[str, Callable[[ModelParameters], complex]]):
    """Combine ``(FFVn, coupling)`` terms into one ``(c_L, c_R)`` coupling function."""

    def coupling(p: ModelParameters) -> tuple[complex, complex]:
        cl = cr = 0j
        for lorentz, value in terms:
            wl, wr = _FFV_CHIRAL[lorentz]
            g = value(p)
            cl += wl * g
            cr += wr * g
        return (cl, cr)

    return coupling


def sm_vertices() -> tuple[Vertex, ...]:
    """All vertices of the ``sm`` model (both fermion generations structures, unit CKM)."""
    i = 1j
    v: list[Vertex] = []

    def add(particles, kind, coupling, colour=(), qcd=0, qed=0, name=""):
        v.append(Vertex(tuple(particles), kind, coupling, tuple(colour), qcd, qed, name))

    # --- QCD -----------------------------------------------------------------------------
    # The UFO writes the quark-gluon colour factor as T(a, quark, antiquark), the transpose
    # of our (T^a)_{ψ̄ ψ} ordering along the fermion line; transposing every T flips the sign
    # of f^{abc} relative to them, so the UFO's −g_s becomes +g_s here. (Gauge invariance of
    # g g > g g, u u~ > g g and the MG5 reference values fix this sign; γWW and ZWW keep the
    # UFO sign, checked by photon gauge invariance and unitarity cancellations.)
    add(["g", "g", "g"], "VVV", lambda p: p.gs + 0j, [("f", 1, 2, 3)], qcd=1, name="ggg")
    gggg = [
        ((("f", -1, 1, 2), ("f", 3, 4, -1)), "VVVV1"),
        ((("f", -1, 1, 3), ("f", 2, 4, -1)), "VVVV3"),
        ((("f", -1, 1, 4), ("f", 2, 3, -1)), "VVVV4"),
    ]
    for colour, lorentz in gggg:
        w = _VVVV_PAIRINGS[lorentz]
        add(
            ["g", "g", "g", "g"],
            "VVVV",
            lambda p, w=w: tuple(i * p.gs**2 * x for x in w),
            colour,
            qcd=2,
            name=f"gggg:{lorentz}",
        )
    for q in _UP + _DOWN:
        add(
            [q + "~", q, "g"],
            "FFV",
            _chiral(("FFV1", lambda p: i * p.gs)),
            [("T", 3, 1, 2)],
            qcd=1,
            name=f"{q}{q}g",
        )

    # --- photon, Z, W couplings to fermions --------------------------------------------
    def quark_colour(particles):
        return [("d", 1, 2)] if PARTICLES_BY_NAME[particles[1]].colour == 3 else []

    for f in _UP + _DOWN + _LEPTONS:
        q = PARTICLES_BY_NAME[f].charge
        anti = PARTICLES_BY_NAME[f].antiname
        parts = [anti, f, "a"]
        add(
            parts,
            "FFV",
            _chiral(("FFV1", lambda p, q=q: i * p.ee * q)),
            quark_colour(parts),
            qed=1,
            name=f"{f}{f}a",
        )

    def z_coupling(t3: float, q: float):
        def c(p: ModelParameters) -> tuple[complex, complex]:
            g = p.ee / (p.sw * p.cw)
            return (i * g * (t3 - q * p.sw2), i * g * (-q * p.sw2))

        return c

    for f in _UP + _DOWN + _LEPTONS + _NEUTRINOS:
        part = PARTICLES_BY_NAME[f]
        t3 = 0.5 if (f in _UP or f in _NEUTRINOS) else -0.5
        parts = [part.antiname, f, "z"]
        add(parts, "FFV", z_coupling(t3, part.charge), quark_colour(parts), qed=1, name=f"{f}{f}z")

    def w_coupling(p: ModelParameters) -> tuple[complex, complex]:
        return (i * p.ee / (p.sw * math.sqrt(2.0)), 0j)

    for up, down in zip(_UP + _NEUTRINOS, _DOWN + _LEPTONS, strict=True):
        up_p, down_p = PARTICLES_BY_NAME[up], PARTICLES_BY_NAME[down]
        # d~ u W-: an incoming u and d~ annihilate into an outgoing W+ (incoming W-).
        parts = [down_p.antiname, up, "w-"]
        add(parts, "FFV", w_coupling, quark_colour(parts), qed=1, name=f"{down}{up}w-")
        parts = [up_p.antiname, down, "w+"]
        add(parts, "FFV", w_coupling, quark_colour(parts), qed=1, name=f"{up}{down}w+")

    # --- Higgs couplings to fermions -----------------------------------------------------
    for f, yname in _YUKAWA.items():
        part = PARTICLES_BY_NAME[f]
        parts = [part.antiname, f, "h"]

        def yuk(p: ModelParameters, yname=yname) -> tuple[complex, complex]:
            g = -i * p.yukawa(yname) / math.sqrt(2.0)
            return (g, g)

        add(parts, "FFS", yuk, quark_colour(parts), qed=1, name=f"{f}{f}h")

    # --- gauge self-couplings -------------------------------------------------------------
    add(["a", "w-", "w+"], "VVV", lambda p: i * p.ee, qed=1, name="aww")
    add(["w-", "w+", "z"], "VVV", lambda p: i * p.gw * p.cw, qed=1, name="wwz")

    def quartic(weights, value):
        return lambda p: tuple(value(p) * x for x in weights)

    add(
        ["w-", "w-", "w+", "w+"],
        "VVVV",
        quartic(_VVVV_PAIRINGS["VVVV2"], lambda p: -i * p.gw**2),
        qed=2,
        name="wwww",
    )
    add(
        ["a", "a", "w-", "w+"],
        "VVVV",
        quartic(_VVVV_PAIRINGS["VVVV2"], lambda p: i * p.ee**2),
        qed=2,
        name="aaww",
    )
    add(
        ["w-", "w+", "z", "z"],
        "VVVV",
        quartic(_VVVV_PAIRINGS["VVVV2"], lambda p: i * p.gw**2 * p.cw**2),
        qed=2,
        name="wwzz",
    )
    add(
        ["a", "w-", "w+", "z"],
        "VVVV",
        quartic(_VVVV_PAIRINGS["VVVV5"], lambda p: -2 * i * p.gw**2 * p.cw * p.sw),
        qed=2,
        name="awwz",
    )

    # --- Higgs couplings to bosons and itself ---------------------------------------------
    add(["w-", "w+", "h"], "VVS", lambda p: i * p.ee**2 * p.vev / (2 * p.sw2), qed=1, name="wwh")
    add(
        ["z", "z", "h"],
        "VVS",
        lambda p: i * p.ee**2 * p.vev / (2 * p.sw2 * p.cw**2),
        qed=1,
        name="zzh",
    )
    add(["w-", "w+", "h", "h"], "VVSS", lambda p: i * p.ee**2 / (2 * p.sw2), qed=2, name="wwhh")
    add(
        ["z", "z", "h", "h"],
        "VVSS",
        lambda p: i * p.ee**2 / (2 * p.sw2 * p.cw**2),
        qed=2,
        name="zzhh",
    )
    add(["h", "h", "h"], "SSS", lambda p: -6 * i * p.lam * p.vev, qed=1, name="hhh")
    add(["h", "h", "h", "h"], "SSSS", lambda p: -6 * i * p.lam, qed=2, name="hhhh")
    return tuple(v)


def active_vertices(params: ModelParameters) -> tuple[Vertex, ...]:
    """Vertices whose coupling is not identically zero for these parameters.

    Yukawa couplings of particles that the restriction makes massless vanish (``sm-no_b_mass``
    drops ``b b~ h``), as in MG5's restricted models.
    """
    out = []
    for vx in sm_vertices():
        value = vx.coupling(params)
        values = value if isinstance(value, tuple) else (value,)
        if any(abs(x) != 0 for x in values):
            out.append(vx)
    return tuple(out)
