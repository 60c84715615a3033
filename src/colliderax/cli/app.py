"""Top-level command group and the error policy of the command line.

User errors (bad options, bad input files, unknown particles, a missing GPU) print one line,
``colliderax: error: <what and how to fix it>``, on stderr and exit with code 2; no traceback.
Ctrl-C exits with 130 after the command has saved what it had.
"""

import sys

import click

from colliderax._version import __version__
from colliderax.core.errors import ColliderAxError
from colliderax.core.logging import configure_logging

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="colliderax")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """colliderax: collider physics on JAX.

    Tree-level matrix elements for Standard Model processes, batched and jit-compiled
    for CPU and GPU.

    \b
    Example:
      colliderax me "g g > t t~ g" --sqrts 1500 --points 1000
    """
    configure_logging(-1 if quiet else verbose)


def _register_commands() -> None:
    """Attach the sub-commands."""
    from colliderax.cli.generate import generate
    from colliderax.cli.integrate import integrate
    from colliderax.cli.me import me
    from colliderax.cli.reconstruct import evaluate, reconstruct, train
    from colliderax.cli.simulate import simulate

    for command in (me, integrate, generate, simulate, reconstruct, evaluate, train):
        if command.name not in cli.commands:
            cli.add_command(command)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 success, 2 user error, 130 interrupted)."""
    _register_commands()
    try:
        result = cli.main(args=argv, prog_name="colliderax", standalone_mode=False)
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            click.echo(exc.ctx.get_help())
            return 0
        hint = f" (see 'colliderax {exc.ctx.info_name} --help')" if exc.ctx else ""
        if exc.ctx and exc.ctx.parent is None:
            hint = " (see 'colliderax --help')"
        click.echo(f"colliderax: error: {_one_line(exc.format_message())}{hint}", err=True)
        return EXIT_USER_ERROR
    except click.ClickException as exc:
        click.echo(f"colliderax: error: {_one_line(exc.format_message())}", err=True)
        return EXIT_USER_ERROR
    except ColliderAxError as exc:
        click.echo(f"colliderax: error: {_one_line(str(exc))}", err=True)
        return EXIT_USER_ERROR
    except (KeyboardInterrupt, click.Abort):
        click.echo("colliderax: interrupted", err=True)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
