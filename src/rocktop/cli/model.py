"""``rocktop model``: inspect, convert (.pth <-> .safetensors) and merge voice files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rocktop.cli._console import err_console, print_json

app = typer.Typer(help="Inspect, import/export and merge voice models.", no_args_is_help=True)


@app.command()
def info(
    files: list[Path] = typer.Argument(..., help="Voice files (.pth or .safetensors)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Version, sample rate, F0, speakers, content encoder, size and provenance of voices."""
    from rocktop.models.voice import VoiceModel

    rows = [{"file": str(path)} | VoiceModel.load(path).describe() for path in files]
    if as_json:
        print_json(rows)
        return
    table = Table("", *(Path(row["file"]).name for row in rows))
    for key in list(rows[0])[1:]:
        table.add_row(key, *(str(row[key]) for row in rows))
    err_console().print(table)


def _convert(source: Path, target: Path) -> None:
    from rocktop.models.voice import VoiceModel

    VoiceModel.load(source).save(target)
    err_console().print(f"{source} -> {target}")


@app.command("import")
def import_(
    source: Path = typer.Argument(..., help="RVC voice (.pth)."),
    target: Path | None = typer.Argument(None, help="Output .safetensors (default: beside)."),
) -> None:
    """Convert an RVC .pth (read with weights_only) into the native .safetensors form."""
    _convert(source, target or source.with_suffix(".safetensors"))


@app.command()
def export(
    source: Path = typer.Argument(..., help="Voice file (.safetensors or .pth)."),
    target: Path | None = typer.Argument(None, help="Output .pth for RVC/Applio."),
) -> None:
    """Write an RVC-loadable .pth (fp16 weights, 18-item config) from any voice file."""
    _convert(source, target or source.with_suffix(".pth"))


@app.command()
def merge(
    first: Path = typer.Argument(..., help="Voice A."),
    second: Path = typer.Argument(..., help="Voice B."),
    output: Path = typer.Option(..., "--output", "-o", help="Merged voice (.pth/.safetensors)."),
    alpha: float = typer.Option(0.5, "--alpha", help="Weight of A (alpha*A + (1-alpha)*B)."),
    name: str = typer.Option("", "--name", help="Name of the merged voice."),
) -> None:
    """Weighted average of two voices of the same architecture (RVC's merge)."""
    from rocktop.models.voice import VoiceModel, merge_voices

    merged = merge_voices(VoiceModel.load(first), VoiceModel.load(second), alpha, name)
    merged.save(output)
    err_console().print(f"{first} x {alpha:g} + {second} x {1 - alpha:g} -> {output}")
