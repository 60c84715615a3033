"""Particles of the MadGraph5 ``sm`` model: names, PDG ids, spins, colour, mass and width names.

Names follow MG5 (``u u~ e- e+ ve ve~ a z w+ w- g h``...). Spin is stored as 2s+1 (1 scalar,
2 fermion, 3 vector); colour as 1, 3 (quark), -3 (antiquark) or 8.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Particle:
    """One particle (an antiparticle is a separate entry).

    Attributes:
        name: MG5 name, e.g. ``"t~"``.
        pdg: PDG id (negative for antiparticles).
        spin: 2s+1.
        colour: 1, 3, -3 or 8.
        charge: electric charge in units of e.
        mass: name of the mass parameter (``"ZERO"`` for massless).
        width: name of the width parameter (``"ZERO"`` for stable).
        antiname: name of the antiparticle (itself for self-conjugate particles).
    """

    name: str
    pdg: int
    spin: int
    colour: int
    charge: float
    mass: str
    width: str
    antiname: str

    @property
    def is_fermion(self) -> bool:
        return self.spin == 2

    @property
    def is_self_conjugate(self) -> bool:
        return self.name == self.antiname


def _pair(name, antiname, pdg, spin, colour, charge, mass="ZERO", width="ZERO"):
    p = Particle(name, pdg, spin, colour, charge, mass, width, antiname)
    if name == antiname:
        return [p]
    anti_colour = -colour if colour in (3, -3) else colour
    return [p, Particle(antiname, -pdg, spin, anti_colour, -charge, mass, width, name)]


def _sm_particles() -> tuple[Particle, ...]:
    table = [
        ("d", "d~", 1, 2, 3, -1 / 3),
        ("u", "u~", 2, 2, 3, 2 / 3),
        ("s", "s~", 3, 2, 3, -1 / 3),
        ("c", "c~", 4, 2, 3, 2 / 3),
        ("b", "b~", 5, 2, 3, -1 / 3, "MB"),
        ("t", "t~", 6, 2, 3, 2 / 3, "MT", "WT"),
        ("e-", "e+", 11, 2, 1, -1.0),
        ("ve", "ve~", 12, 2, 1, 0.0),
        ("mu-", "mu+", 13, 2, 1, -1.0),
        ("vm", "vm~", 14, 2, 1, 0.0),
        ("ta-", "ta+", 15, 2, 1, -1.0, "MTA"),
        ("vt", "vt~", 16, 2, 1, 0.0),
        ("g", "g", 21, 3, 8, 0.0),
        ("a", "a", 22, 3, 1, 0.0),
        ("z", "z", 23, 3, 1, 0.0, "MZ", "WZ"),
        ("w+", "w-", 24, 3, 1, 1.0, "MW", "WW"),
        ("h", "h", 25, 1, 1, 0.0, "MH", "WH"),
    ]
    out: list[Particle] = []
    for row in table:
        out.extend(_pair(*row))
    return tuple(out)


SM_PARTICLES: tuple[Particle, ...] = _sm_particles()
PARTICLES_BY_NAME: dict[str, Particle] = {p.name: p for p in SM_PARTICLES}
PARTICLES_BY_PDG: dict[int, Particle] = {p.pdg: p for p in SM_PARTICLES}


def antiparticle(p: Particle) -> Particle:
    """The antiparticle of ``p``."""
    return PARTICLES_BY_NAME[p.antiname]
