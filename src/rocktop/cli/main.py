"""Entry point: ``rocktop [--debug] GROUP COMMAND ...``.

Every user-facing error (``RocktopError``) prints one line on stderr and exits with code 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

import click
import typer
from rich.text import Text

from rocktop import __version__
from rocktop.cli import (
    assets,
    audio,
    convert,
    data,
    evaluation,
    features,
    index,
    model,
    serve,
    storage,
    train,
)
from rocktop.cli._console import configure_logging, err_console
from rocktop.common.allocator import keep_freed_memory
from rocktop.common.errors import RocktopError

EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 1


def build_app() -> typer.Typer:
    """Assemble the command tree (no work beyond registering commands)."""
    app = typer.Typer(
        name="rocktop",
        help="Train singer/voice models and run studio-grade 48 kHz voice conversion.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def root(
        debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
        log_level: str = typer.Option("WARNING", help="Logging level (DEBUG, INFO, ...)."),
    ) -> None:
        configure_logging("DEBUG" if debug else log_level)
        keep_freed_memory()

    @app.command()
    def version() -> None:
        """Print the rocktop version."""
        typer.echo(__version__)

    # In pipeline order: prepare -> features -> train -> voices -> convert/serve -> evaluate.
    app.add_typer(audio.app, name="audio")
    app.add_typer(data.app, name="data")
    app.add_typer(features.app, name="features")
    app.add_typer(assets.app, name="assets")
    app.add_typer(train.app, name="train")
    app.add_typer(model.app, name="model")
    app.add_typer(index.app, name="index")
    app.command("convert")(convert.convert)
    app.command(name="serve")(serve.serve)
    app.add_typer(evaluation.app, name="eval")
    app.add_typer(storage.app, name="storage")
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        build_app()(args=args, prog_name="rocktop", standalone_mode=False)
    except RocktopError as exc:
        if debug:
            raise
        err_console().print(Text("error: ", style="red") + Text(str(exc)))
        sys.exit(EXIT_USER_ERROR)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err_console().print("aborted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last resort: one line, not a traceback
        if debug:
            raise
        message = f"{type(exc).__name__}: {exc} (rerun with --debug)"
        err_console().print(Text("internal error: ", style="red") + Text(message))
        sys.exit(EXIT_INTERNAL_ERROR)
    return 0


if __name__ == "__main__":
    main()
