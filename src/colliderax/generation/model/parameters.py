"""Parameters of the MG5 ``sm`` model and the couplings derived from them.

Electroweak scheme (as MG5's ``sm``): inputs α_EW⁻¹(M_Z) (``aEWM1``), G_F and M_Z; derived at
tree level::

    M_W  = sqrt(M_Z²/2 + sqrt(M_Z⁴/4 − π α M_Z² / (√2 G_F)))
    sw²  = 1 − M_W²/M_Z²,  e = sqrt(4π α),  g_w = e/sw,  v = 2 M_W sw / e
    λ    = M_H² / (2 v²),   y_f = √2 m_f^Yukawa / v

Masses and widths come from the card (the card's W mass is informational and ignored). The
``sm`` restriction has massless u, d, s, c, e, μ, all neutrinos and a unit CKM matrix;
``sm-no_b_mass`` also sets M_B = y_b = 0. Units: GeV.
"""

import math
from dataclasses import dataclass, fields, replace

from colliderax.core.errors import InvalidCard, InvalidInput
from colliderax.io.slha import SLHACard, parse_slha, read_slha

RESTRICTIONS = ("sm", "sm-no_b_mass")


@dataclass(frozen=True)
class ModelParameters:
    """Independent parameters of the ``sm`` model (MG5 defaults). Units: GeV."""

    aEWM1: float = 132.507
    Gf: float = 1.16639e-5
    aS: float = 0.118
    MZ: float = 91.188
    MT: float = 173.0
    MB: float = 4.7
    MH: float = 125.0
    MTA: float = 1.777
    ymb: float = 4.7
    ymt: float = 173.0
    ymtau: float = 1.777
    WT: float = 1.4915
    WZ: float = 2.441404
    WW: float = 2.0476
    WH: float = 6.382339e-3
    restriction: str = "sm"

    def __post_init__(self):
        if self.restriction not in RESTRICTIONS:
            msg = f"unknown model {self.restriction!r}: choose one of {', '.join(RESTRICTIONS)}"
            raise InvalidInput(msg)
        if self.restriction == "sm-no_b_mass" and (self.MB != 0.0 or self.ymb != 0.0):
            object.__setattr__(self, "MB", 0.0)
            object.__setattr__(self, "ymb", 0.0)
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "restriction" and not (math.isfinite(value) and value >= 0.0):
                msg = f"model parameter {f.name} = {value} must be finite and non-negative"
                raise InvalidCard(msg)
        if self.MZ <= 0 or self.Gf <= 0 or self.aEWM1 <= 0:
            msg = "MZ, Gf and aEWM1 must be positive"
            raise InvalidCard(msg)
        if self.MZ**4 / 4 - math.pi * self.alpha_ew * self.MZ**2 / (math.sqrt(2) * self.Gf) < 0:
            msg = "inconsistent EW inputs: MZ⁴/4 < π α MZ²/(√2 G_F), no real W mass"
            raise InvalidCard(msg)

    # --- derived electroweak quantities -------------------------------------------------
    @property
    def alpha_ew(self) -> float:
        return 1.0 / self.aEWM1

    @property
    def MW(self) -> float:
        mz2 = self.MZ**2
        inner = mz2**2 / 4 - math.pi * self.alpha_ew * mz2 / (math.sqrt(2) * self.Gf)
        return math.sqrt(mz2 / 2 + math.sqrt(inner))

    @property
    def sw2(self) -> float:
        return 1.0 - self.MW**2 / self.MZ**2

    @property
    def sw(self) -> float:
        return math.sqrt(self.sw2)

    @property
    def cw(self) -> float:
        return self.MW / self.MZ

    @property
    def ee(self) -> float:
        return 2.0 * math.sqrt(math.pi * self.alpha_ew)

    @property
    def gw(self) -> float:
        return self.ee / self.sw

    @property
    def vev(self) -> float:
        return 2.0 * self.MW * self.sw / self.ee

    @property
    def lam(self) -> float:
        return self.MH**2 / (2.0 * self.vev**2)

    @property
    def gs(self) -> float:
        """Strong coupling g_s = sqrt(4π α_s) from the card's ``aS``."""
        return math.sqrt(4.0 * math.pi * self.aS)

    def yukawa(self, name: str) -> float:
        """Yukawa coupling y_f = √2 m_f/v for ``name`` in ``ymb``, ``ymt``, ``ymtau``."""
        return math.sqrt(2.0) * getattr(self, name) / self.vev

    def value(self, name: str) -> float:
        """A mass or width by parameter name (``"ZERO"`` is 0)."""
        if name == "ZERO":
            return 0.0
        return float(getattr(self, name))

    def with_alpha_s(self, alpha_s: float) -> "ModelParameters":
        """A copy with a different α_s."""
        return replace(self, aS=alpha_s)

    # --- param_card.dat -----------------------------------------------------------------
    @classmethod
    def from_card(cls, card: SLHACard, restriction: str = "sm") -> "ModelParameters":
        """Build from a parsed SLHA card (blocks ``mass``, ``sminputs``, ``yukawa``, ``decay``)."""
        d = cls(restriction=restriction)
        return cls(
            aEWM1=card.get("sminputs", 1, d.aEWM1),
            Gf=card.get("sminputs", 2, d.Gf),
            aS=card.get("sminputs", 3, d.aS),
            MZ=card.get("mass", 23, d.MZ),
            MT=card.get("mass", 6, d.MT),
            MB=card.get("mass", 5, d.MB),
            MH=card.get("mass", 25, d.MH),
            MTA=card.get("mass", 15, d.MTA),
            ymb=card.get("yukawa", 5, d.ymb),
            ymt=card.get("yukawa", 6, d.ymt),
            ymtau=card.get("yukawa", 15, d.ymtau),
            WT=card.decays.get(6, d.WT),
            WZ=card.decays.get(23, d.WZ),
            WW=card.decays.get(24, d.WW),
            WH=card.decays.get(25, d.WH),
            restriction=restriction,
        )

    @classmethod
    def from_param_card(cls, path, restriction: str = "sm") -> "ModelParameters":
        """Read an MG5 ``param_card.dat``."""
        return cls.from_card(read_slha(path), restriction)

    @classmethod
    def from_param_card_text(cls, text: str, restriction: str = "sm") -> "ModelParameters":
        return cls.from_card(parse_slha(text), restriction)

    def to_param_card(self) -> str:
        """SLHA text that :meth:`from_param_card` reads back to the same parameters."""
        rows = [
            "# param_card.dat written by colliderax (MG5 sm model)",
            "BLOCK MASS",
            f"    5 {self.MB:.16e} # MB",
            f"    6 {self.MT:.16e} # MT",
            f"   15 {self.MTA:.16e} # MTA",
            f"   23 {self.MZ:.16e} # MZ",
            f"   25 {self.MH:.16e} # MH",
            f"   24 {self.MW:.16e} # MW (derived, informational)",
            "BLOCK SMINPUTS",
            f"    1 {self.aEWM1:.16e} # aEWM1",
            f"    2 {self.Gf:.16e} # Gf",
            f"    3 {self.aS:.16e} # aS",
            "BLOCK YUKAWA",
            f"    5 {self.ymb:.16e} # ymb",
            f"    6 {self.ymt:.16e} # ymt",
            f"   15 {self.ymtau:.16e} # ymtau",
            f"DECAY   6 {self.WT:.16e} # WT",
            f"DECAY  23 {self.WZ:.16e} # WZ",
            f"DECAY  24 {self.WW:.16e} # WW",
            f"DECAY  25 {self.WH:.16e} # WH",
        ]
        return "\n".join(rows) + "\n"


def sm_parameters(restriction: str = "sm") -> ModelParameters:
    """MG5 default parameters for ``sm`` or ``sm-no_b_mass``."""
    return ModelParameters(restriction=restriction)
