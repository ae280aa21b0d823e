"""``rocktop train``: train a voice (Hydra overrides), export a run, show the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from rocktop.cli._console import err_console, print_json


class _DefaultRun(TyperGroup):
    """``rocktop train key=value ...`` runs ``rocktop train run key=value ...``."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_DefaultRun,
    help="Train a voice: `rocktop train experiment=singer_48k_v2 data.dir=DATA key=value ...`.",
    no_args_is_help=True,
)

OVERRIDES = typer.Argument(
    None,
    help="Hydra overrides: group=option (experiment=, model=, trainer=, debug=fast) "
    "or key=value (data.dir=DATA, steps=2000, paths.run_dir=runs/me).",
)


@app.command()
def run(overrides: list[str] | None = OVERRIDES) -> None:
    """Train (or resume, when the run directory holds checkpoints); export at the end."""
    from rocktop.training.builders import compose_config
    from rocktop.training.run import train

    result = train(compose_config(overrides or []))
    if result.global_rank != 0:
        return  # DDP: one summary, from rank 0
    print_json(
        {
            "run_dir": str(result.run_dir),
            "steps": result.steps,
            "resumed_from": str(result.resumed_from) if result.resumed_from else None,
            "best_checkpoint": str(result.best_checkpoint) if result.best_checkpoint else None,
            "exports": {k: str(v) for k, v in result.exports.items()},
            "metrics": result.metrics,
        }
    )


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="A training run directory."),
    checkpoint: Path | None = typer.Option(None, help="Checkpoint (default: best, else last)."),
    formats: list[str] | None = typer.Option(
        None, "--format", help="safetensors, pth, index (repeatable; default: the run's)."
    ),
    out: Path | None = typer.Option(None, help="Output folder (default: RUN/export)."),
) -> None:
    """Export a run's generator as .safetensors, RVC .pth and .index."""
    from rocktop.training.run import export_run

    paths = export_run(run_dir, checkpoint, formats, out)
    print_json({k: str(v) for k, v in paths.items()})


@app.command()
def config(overrides: list[str] | None = OVERRIDES) -> None:
    """Print the composed, resolved config (nothing is trained)."""
    import yaml

    from rocktop.training.builders import compose_config, resolved

    err_console().print(yaml.safe_dump(resolved(compose_config(overrides or [])), sort_keys=False))
