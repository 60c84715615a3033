"""``colliderax integrate``: σ ± δσ of a process, with MG5's LO defaults."""

import json
import logging
import time
from pathlib import Path

import click

from colliderax.cli.options import device_option, dtype_option, enable_precision
from colliderax.core.errors import InvalidInput

logger = logging.getLogger("colliderax.cli")


def run_options(function):
    """Options shared by ``integrate`` and ``generate`` (everything that fixes σ)."""
    options = [
        click.argument("process"),
        click.option("--sqrts", type=float, default=None,
                     help="Collision energy in GeV (default: ebeam1 + ebeam2 of --run-card)."),
        click.option("--beams", type=click.Choice(["pp", "ppbar", "ee"]), default=None,
                     help="Beams (default: ee for a lepton initial state, else pp)."),
        click.option("--model", type=click.Choice(["sm", "sm-no_b_mass"]), default="sm",
                     show_default=True, help="Model restriction."),
        click.option("--define", "defines", multiple=True, metavar='"LABEL = PARTICLES"',
                     help='Multiparticle label, e.g. --define "p = g u c d s b u~ c~ d~ s~ b~".'),
        click.option("--param-card", type=click.Path(dir_okay=False, path_type=Path),
                     help="MG5 param_card.dat (default: the model's defaults)."),
        click.option("--run-card", type=click.Path(dir_okay=False, path_type=Path),
                     help="MG5 run_card.dat: beams, PDF, scales, cuts, seed (options override)."),
        click.option("--pdf", default=None,
                     help="LHAPDF set name (default: NNPDF23_lo_as_0130_qed, MG5's nn23lo1)."),
        click.option("--pdf-interpolation", type=click.Choice(["logcubic", "lhagrid1-pythia"]),
                     default="logcubic", show_default=True,
                     help="PDF interpolation: LHAPDF's log-bicubic or PYTHIA's LHAGrid1."),
        click.option("--cut", "cuts", multiple=True, metavar="NAME=VALUE",
                     help="MG5 run-card cut, e.g. --cut ptj=30 --cut etaj=2.5 (repeatable)."),
        click.option("--no-cuts", is_flag=True, help="Start from no cuts instead of MG5's."),
        click.option("--scale", default=None,
                     help="fixed:MU | mg5:-1 (default) | mg5:1..4 | ht/2 | sqrt-shat ..."),
        click.option("--mur-factor", type=float, default=None,
                     help="Multiply μR (e.g. 2 or 0.5 for scale variations)."),
        click.option("--muf-factor", type=float, default=None, help="Multiply μF."),
        click.option("--alpha-s", type=float, default=None,
                     help="Fixed α_s for every point (default: the PDF's α_s(μR))."),
        click.option("--precision", type=float, default=0.005, show_default=True,
                     help="Target relative error of σ."),
        click.option("--max-iterations", type=click.IntRange(min=1), default=20,
                     show_default=True, help="Bound on the VEGAS iterations."),
        click.option("--seed", type=int, default=None, help="Random seed (default: 0)."),
        click.option("--channel-weights", type=click.Choice(["amplitudes", "propagators"]),
                     default=None,
                     help="Multichannel weights: per-diagram |amplitude|² or propagator "
                          "denominators (default: propagators; MG5 sde_strategy 1 / 2)."),
        click.option("--bwcutoff", type=float, default=None,
                     help="Keep decay-chain resonances within, and '$'-forbidden s-channel "
                          "lines outside, this many widths of their mass (default 15, MG5's "
                          "run-card bwcutoff)."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Threads working on integration units at once (default: one per "
                          "CPU core on a CPU, 1 on a GPU); results do not depend on it."),
        dtype_option,
        device_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _parse_cuts(items) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            msg = f"--cut {item!r}: write NAME=VALUE, e.g. --cut ptj=30"
            raise InvalidInput(msg)
    return out


def _parse_defines(items) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        label, sep, particles = item.partition("=")
        if not sep or not label.strip() or not particles.split():
            msg = f'--define {item!r}: write "LABEL = PARTICLES", e.g. "p = g u d u~ d~"'
            raise InvalidInput(msg)
        out.append((label.strip(), " ".join(particles.split())))
    return tuple(out)


def settings_from_options(opts: dict, device=None):
    """:class:`RunSettings` from the shared options (run card first, options on top);
    ``device`` picks the default number of worker threads."""
    from colliderax.generation.events.cuts import Cuts
    from colliderax.generation.events.scales import ScaleChoice
    from colliderax.generation.integrate.run import DEFAULT_PDF, RunSettings, default_workers
    from colliderax.generation.model import ModelParameters
    from colliderax.io.run_card import read_run_card

    card = read_run_card(opts["run_card"]) if opts["run_card"] else None
    sqrts = opts["sqrts"]
    beams = opts["beams"]
    pdf = opts["pdf"]
    seed = opts["seed"]
    cuts = Cuts.none() if opts["no_cuts"] else Cuts()
    scale = ScaleChoice()
    channel_weights = RunSettings.channel_weights
    bwcutoff = RunSettings.bwcutoff
    if card is not None:
        if sqrts is None:
            sqrts = card.ebeam1 + card.ebeam2
        if beams is None and card.lpp1 == 0 and card.lpp2 == 0:
            beams = "ee"
        elif beams is None and card.lpp2 == -1:
            beams = "ppbar"
        if pdf is None and card.lpp1 != 0:
            pdf = _pdf_from_card(card)
        if seed is None:
            seed = card.iseed
        if not opts["no_cuts"]:
            cuts = Cuts.from_run_card(card)
        scale = ScaleChoice.from_run_card(card)
        bwcutoff = card.bwcutoff
        channel_weights = {1: "amplitudes", 2: "propagators"}.get(card.sde_strategy)
        if channel_weights is None:
            msg = f"run card sde_strategy = {card.sde_strategy}: use 1 (amplitudes) or 2"
            raise InvalidInput(msg)
    if sqrts is None:
        msg = "give the collision energy with --sqrts E (GeV) or a --run-card"
        raise InvalidInput(msg)
    if not sqrts > 0:
        msg = f"--sqrts must be a positive energy in GeV, got {sqrts:g}"
        raise InvalidInput(msg)
    cuts = cuts.with_overrides(_parse_cuts(opts["cuts"]))
    if opts["scale"]:
        scale = ScaleChoice.parse(opts["scale"])
    if opts["mur_factor"] is not None or opts["muf_factor"] is not None:
        scale = scale.with_factors(
            opts["mur_factor"] if opts["mur_factor"] is not None else scale.mur_factor,
            opts["muf_factor"] if opts["muf_factor"] is not None else scale.muf_factor,
        )
    params = None
    if opts["param_card"]:
        params = ModelParameters.from_param_card(opts["param_card"], opts["model"])
    return RunSettings(
        process=opts["process"],
        sqrts=float(sqrts),
        beams=beams,
        model=opts["model"],
        definitions=_parse_defines(opts["defines"]),
        params=params,
        pdf=pdf or DEFAULT_PDF,
        pdf_scheme=opts["pdf_interpolation"],
        alpha_s=opts["alpha_s"],
        scale=scale,
        cuts=cuts,
        precision=opts["precision"],
        seed=seed or 0,
        max_iterations=opts["max_iterations"],
        workers=opts.get("workers") or default_workers(device),
        channel_weights=opts.get("channel_weights") or channel_weights,
        bwcutoff=opts["bwcutoff"] if opts.get("bwcutoff") is not None else bwcutoff,
    )


def _pdf_from_card(card) -> str:
    from colliderax.generation.integrate.run import DEFAULT_PDF, LHAPDF_IDS

    if card.pdlabel == "nn23lo1":
        return DEFAULT_PDF
    if card.pdlabel == "lhapdf":
        names = {v: k for k, v in LHAPDF_IDS.items()}
        if card.lhaid in names:
            return names[card.lhaid]
        msg = f"run card lhaid = {card.lhaid} is not a set colliderax knows by id: pass --pdf NAME"
        raise InvalidInput(msg)
    msg = f"run card pdlabel = {card.pdlabel!r} is not supported: use nn23lo1 or pass --pdf NAME"
    raise InvalidInput(msg)


def print_result(result, prepared) -> None:
    """σ ± δσ and the per-subprocess table."""
    click.echo(f"process      {prepared.settings.process}   "
               f"({prepared.physics.beams.kind}, √s = {prepared.settings.sqrts:g} GeV)")
    click.echo(f"sigma        {result.sigma_pb:.6g} ± {result.error_pb:.3g} pb   "
               f"({100 * result.relative_error:.3f} %, χ²/dof {result.chi2_dof:.2f}, "
               f"{len(result.iterations)} iterations, {result.n_evaluations:,} points)")
    width = max(len(s.name) for s in result.subprocesses)
    click.echo(f"{'subprocess':<{width}}  {'sigma [pb]':>12}  {'error [pb]':>10}  channels")
    for s in result.subprocesses:
        click.echo(f"{s.name:<{width}}  {s.sigma_pb:12.6g}  {s.error_pb:10.3g}  {s.n_channels}")


def summary_dict(result, prepared, dtype: str, device: str, wall: dict) -> dict:
    from colliderax._version import __version__

    return {
        "format": "colliderax-integrate/1",
        "sigma_pb": result.sigma_pb,
        "error_pb": result.error_pb,
        "relative_error": result.relative_error,
        "chi2_dof": result.chi2_dof,
        "iterations": [{"sigma_pb": m, "error_pb": e} for m, e in result.iterations],
        "n_evaluations": result.n_evaluations,
        "interrupted": result.interrupted,
        "subprocesses": [
            {"name": s.name, "flavours": list(s.same_me), "sigma_pb": s.sigma_pb,
             "error_pb": s.error_pb, "channels": s.n_channels}
            for s in result.subprocesses
        ],
        "settings": prepared.settings.describe(prepared.params),
        "dtype": dtype,
        "device": device,
        "workers": prepared.settings.workers,
        "timing_s": wall,
        "version": __version__,
    }


def write_json_atomic(path: Path, data: dict) -> None:
    from colliderax.io.slha import write_text_atomic

    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


@click.command("integrate")
@run_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for summary.json.")
def integrate(out, **opts):
    """Cross section σ ± δσ (pb) of PROCESS, with MadGraph5's LO defaults.

    \b
    Examples:
      colliderax integrate "p p > t t~" --sqrts 13000
      colliderax integrate "e+ e- > mu+ mu-" --sqrts 91.188 --precision 0.001
      colliderax integrate "p p > t t~ j" --sqrts 13000 --cut ptj=30 --scale fixed:173
    """
    enable_precision(opts["dtype"])
    from colliderax.core.device import device_description, select_device
    from colliderax.core.progress import progress_bar
    from colliderax.generation.integrate.run import compute_cross_section, prepare

    if out is not None and out.exists() and not out.is_dir():
        msg = f"--out {out} exists and is not a directory"
        raise InvalidInput(msg)
    dev = select_device(opts["device"])
    settings = settings_from_options(opts, dev)
    import jax

    t0 = time.perf_counter()
    with jax.default_device(dev):
        prepared = prepare(settings, dtype=opts["dtype"])
        t1 = time.perf_counter()
        with progress_bar(settings.max_iterations, "VEGAS iterations", unit="it") as bar:
            def progress(iteration, value, error):
                bar.advance(1)
                logger.info("iteration %d: %.6g ± %.3g pb", iteration, value, error)

            result = compute_cross_section(prepared, progress=progress)
    t2 = time.perf_counter()
    print_result(result, prepared)
    click.echo(f"timing       build {t1 - t0:.1f} s, integrate {t2 - t1:.1f} s "
               f"({device_description(dev)})")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        data = summary_dict(result, prepared, opts["dtype"], device_description(dev),
                            {"build": t1 - t0, "integrate": t2 - t1})
        write_json_atomic(out / "summary.json", data)
        click.echo(f"written      {out / 'summary.json'}")
    if result.interrupted:
        raise KeyboardInterrupt
