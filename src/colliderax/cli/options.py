"""Options shared by several sub-commands."""

import click

dtype_option = click.option(
    "--dtype",
    type=click.Choice(["float64", "float32"]),
    default="float64",
    show_default=True,
    help="Floating-point precision.",
)
device_option = click.option(
    "--device",
    type=click.Choice(["cpu", "gpu"]),
    default=None,
    help="Compute device (default: $COLLIDERAX_DEVICE, else JAX's default).",
)


def enable_precision(dtype: str) -> None:
    """The CLI runs physics in float64 unless float32 is asked for, and keeps compiled code in
    the persistent cache (:mod:`colliderax.core.cache`)."""
    from colliderax.core.cache import enable_compilation_cache

    enable_compilation_cache()
    if dtype == "float64":
        from colliderax.core.dtypes import enable_x64

        enable_x64()


def load_cli_geometry(name_or_path: str, bfield: float | None):
    """The ``--geometry`` of a tracker command: a TrackML ``detectors.csv[.gz]`` (in ``--bfield``
    tesla, default 2 T as in TrackML) or a shipped name / TOML file (its own field)."""
    from colliderax.detector import load_geometry, load_trackml_detectors

    if name_or_path.endswith((".csv", ".csv.gz")):
        return load_trackml_detectors(name_or_path, bz=2.0 if bfield is None else bfield)
    return load_geometry(name_or_path)
