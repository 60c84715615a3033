"""``colliderax me``: standalone tree-level |M|² at given or generated phase-space points."""

import logging
import time
from pathlib import Path

import click
import numpy as np

from colliderax.cli.options import device_option, dtype_option, enable_precision
from colliderax.core.errors import InvalidInput
from colliderax.core.progress import progress_bar

logger = logging.getLogger("colliderax.cli")

ONSHELL_TOLERANCE = 1e-6  # |p² − m²| / E_max², E_max the event's largest energy
CONSERVATION_TOLERANCE = 1e-9  # max component of |Σ p_in − Σ p_out| / E_max


def _check_kinematics(momenta: np.ndarray, masses: list[float], n_initial: int, strict: bool):
    """Warn (or, with ``strict``, fail) on off-shell or non-conserving momenta."""
    e_max = np.max(np.abs(momenta[..., 0]), axis=1)
    p2 = momenta[..., 0] ** 2 - np.sum(momenta[..., 1:] ** 2, axis=-1)
    offshell = np.abs(p2 - np.asarray(masses) ** 2) / e_max[:, None] ** 2
    total = momenta[:, :n_initial].sum(axis=1) - momenta[:, n_initial:].sum(axis=1)
    violation = np.max(np.abs(total), axis=-1) / e_max
    problems = []
    if np.any(offshell > ONSHELL_TOLERANCE):
        n_bad = int(np.sum(np.any(offshell > ONSHELL_TOLERANCE, axis=1)))
        problems.append(
            f"{n_bad} event(s) have off-shell external momenta "
            f"(|p²−m²|/E² > {ONSHELL_TOLERANCE:g}); wavefunctions are evaluated at the momenta "
            "as given, like MG5 standalone"
        )
    if np.any(violation > CONSERVATION_TOLERANCE):
        n_bad = int(np.sum(violation > CONSERVATION_TOLERANCE))
        problems.append(
            f"{n_bad} event(s) violate four-momentum conservation (> {CONSERVATION_TOLERANCE:g} "
            "relative)"
        )
    for text in problems:
        if strict:
            raise InvalidInput(text + " (drop --strict to evaluate anyway)")
        logger.warning(text)


@click.command("me")
@click.argument("process")
@click.option(
    "--momenta",
    "momenta_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file of phase-space points (layout of shared/reference/mg5).",
)
@click.option(
    "--param-card",
    type=click.Path(dir_okay=False, path_type=Path),
    help="MG5 param_card.dat (default: the sm model defaults).",
)
@click.option(
    "--model",
    type=click.Choice(["sm", "sm-no_b_mass"]),
    default="sm",
    show_default=True,
    help="Model restriction.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write momenta and |M|² per event to this JSON file.",
)
@click.option(
    "--sqrts",
    type=click.FloatRange(min=0, min_open=True),
    default=1500.0,
    show_default=True,
    help="Without --momenta: partonic √s in GeV of flat points.",
)
@click.option(
    "--points",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Without --momenta: number of flat (RAMBO) phase-space points.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed for --points.")
@click.option("--strict", is_flag=True, help="Fail on off-shell or non-conserving momenta.")
@dtype_option
@device_option
def me(process, momenta_file, param_card, model, out, sqrts, points, seed, strict, dtype, device):
    """Evaluate |M|² (summed/averaged over helicities and colours, as MG5) for PROCESS.

    \b
    Examples:
      colliderax me "g g > t t~ g" --momenta points.json --out me.json
      colliderax me "e+ e- > mu+ mu-" --sqrts 91.188 --points 10
    """
    enable_precision(dtype)
    import jax

    from colliderax.core.device import device_description, select_device
    from colliderax.generation.amplitudes import compile_matrix_element
    from colliderax.generation.model import PARTICLES_BY_NAME, ModelParameters
    from colliderax.generation.phasespace import two_to_n

    dev = select_device(device)
    params = (
        ModelParameters.from_param_card(param_card, model)
        if param_card
        else ModelParameters(restriction=model)
    )
    t0 = time.perf_counter()
    compiled = compile_matrix_element(process, params, dtype=dtype)
    if len(compiled.subprocesses) != 1:
        names = "; ".join(s.name for s in compiled.subprocesses[:6])
        msg = (
            f"{process!r} expands to {len(compiled.subprocesses)} subprocesses ({names}...): "
            "give one partonic process"
        )
        raise InvalidInput(msg)
    sub = compiled.subprocesses[0]
    n_legs = len(sub.particles)
    masses = [params.value(PARTICLES_BY_NAME[p].mass) for p in sub.particles]
    if momenta_file is not None:
        from colliderax.io.me_json import read_momenta

        momenta = read_momenta(momenta_file)
        if momenta.shape[1] != n_legs:
            msg = (
                f"{momenta_file}: events have {momenta.shape[1]} momenta but {sub.name} has "
                f"{n_legs} particles"
            )
            raise InvalidInput(msg)
        _check_kinematics(momenta, masses, sub.n_initial, strict)
        source = str(momenta_file)
    else:
        if sub.n_initial != 2:
            msg = "generated points are for 2 → n scattering: pass --momenta for a decay"
            raise InvalidInput(msg)
        if sqrts <= sum(masses[2:]):
            msg = f"--sqrts {sqrts:g} GeV is below the final-state mass sum {sum(masses[2:]):g} GeV"
            raise InvalidInput(msg)
        key = jax.random.key(seed)
        momenta = np.asarray(two_to_n(key, points, sqrts, masses[2:])[0])
        source = f"{points} flat RAMBO points at sqrt(s) = {sqrts:g} GeV (seed {seed})"
    # Evaluate in equal chunks (the last one padded) so that one compilation serves all.
    chunk = min(16384, len(momenta))
    n_chunks = -(-len(momenta) // chunk)
    padded = np.concatenate(
        [momenta, np.repeat(momenta[-1:], n_chunks * chunk - len(momenta), axis=0)]
    )
    padded = jax.device_put(padded, dev)
    sub(padded[:chunk]).block_until_ready()
    t_compile = time.perf_counter() - t0
    values = []
    t1 = time.perf_counter()
    with progress_bar(len(momenta), "|M|²", enabled=n_chunks > 1, unit="ev") as bar:
        for i in range(n_chunks):
            values.append(np.asarray(sub(padded[i * chunk : (i + 1) * chunk])))
            bar.advance(min(chunk, len(momenta) - i * chunk))
    me_values = np.concatenate(values)[: len(momenta)]
    t_eval = time.perf_counter() - t1
    if not np.all(np.isfinite(me_values)):
        bad = int(np.argwhere(~np.isfinite(me_values))[0][0])
        logger.warning("event %d gives a non-finite |M|² (a propagator on its pole?)", bad)

    units = "dimensionless" if n_legs == 4 else f"GeV^{8 - 2 * n_legs}"
    click.echo(f"process      {sub.name}   (model {model}, {dtype}, {device_description(dev)})")
    click.echo(f"points       {source}")
    click.echo(
        f"colour flows {sub.n_colour_flows}   helicities {int(np.prod(sub.helicity_shape))}"
        f"   denominator {sub.denominator}"
    )
    click.echo(
        f"|M|^2 [{units}]  mean {np.mean(me_values):.6e}  min {np.min(me_values):.6e}"
        f"  max {np.max(me_values):.6e}"
    )
    click.echo(
        f"timing       build+compile {t_compile:.2f} s, then {len(momenta) / t_eval:.3g} events/s"
    )
    if out is not None:
        from colliderax.io.me_json import write_results

        metadata = {
            "format": "colliderax-me/1",
            "process": sub.name,
            "particles": list(sub.particles),
            "pdg_ids": list(sub.pdg_ids),
            "model": model,
            "dtype": dtype,
            "me_units": units,
            "me_denominator": sub.denominator,
            "param_card": str(param_card) if param_card else None,
        }
        write_results(out, metadata, momenta, me_values)
        click.echo(f"written      {out}")
