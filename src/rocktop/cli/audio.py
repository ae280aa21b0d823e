"""``rocktop audio``: inspect, prepare and master audio files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from rocktop.cli._console import err_console, print_json, progress_bar, raise_for_failures
from rocktop.common.batch import ItemResult

app = typer.Typer(
    help="Inspect, prepare (48 kHz training audio) and master audio files.", no_args_is_help=True
)

BITS_HELP = "Output bit depth: 16 or 24 (TPDF-dithered PCM) or 32f (float)."


@app.command()
def info(
    files: list[Path] = typer.Argument(..., help="Audio files to inspect."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Format, sample rate, channels, duration, peak, LUFS, true peak, clipping, DC offset."""
    from rocktop.audio import io
    from rocktop.audio.stats import measure

    rows: list[dict[str, Any]] = []
    for path in files:
        probed = io.probe(path)
        row = {"file": str(path), "format": probed.format, "subtype": probed.subtype}
        rows.append(row | measure(io.load(path)).as_dict())
    if as_json:
        print_json(rows)
        return
    table = Table("", *(Path(row["file"]).name for row in rows))
    for key in list(rows[0])[1:]:
        table.add_row(key, *(_fmt(row[key]) for row in rows))
    err_console().print(table)


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _prepare_one(pair: tuple[Path, Path], settings: Any) -> str:
    from rocktop.audio import export, io
    from rocktop.audio.chains import prepare

    source, target = pair
    if target.exists():
        return "skipped"
    export.write(target, prepare(io.load(source), settings), bits="32f")
    return "written"


def report_batch(results: list[ItemResult[Any, str]], as_json: bool) -> None:
    """Print a batch summary; raise (exit 2) when any item failed.

    A single failed input raises its own one-line error; several are listed, then summarised.
    """
    failed = [r for r in results if not r.ok]
    if as_json:
        print_json(
            {
                "written": sum(1 for r in results if r.value == "written"),
                "skipped": sum(1 for r in results if r.value == "skipped"),
                "failed": [{"input": str(r.item), "error": r.error} for r in failed],
            }
        )
    raise_for_failures(results)


@app.command()
def prep(
    source: Path = typer.Argument(..., help="Input file or folder (recursive)."),
    output: Path = typer.Argument(..., help="Output file (.wav) or folder (tree is kept)."),
    sr: int = typer.Option(48_000, "--sr", help="Output sample rate, Hz (soxr VHQ)."),
    peak_db: float = typer.Option(-1.0, "--peak-db", help="Peak normalisation target, dBFS."),
    trim: bool = typer.Option(False, "--trim", help="Trim leading/trailing silence."),
    highpass: float | None = typer.Option(None, "--highpass", help="High-pass cutoff, Hz."),
    mono: bool = typer.Option(False, "--mono", help="Mix down to mono."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel worker processes."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Prepare training audio: 48 kHz float32 WAV, peak-normalised. Reruns skip finished files."""
    from rocktop.audio.chains import PrepareSettings
    from rocktop.common.batch import run_batch
    from rocktop.common.files import output_pairs

    settings = PrepareSettings(sr, peak_db, highpass, trim, mono=mono)
    pairs = output_pairs(source, output, ".wav")
    job = functools.partial(_prepare_one, settings=settings)
    with progress_bar(len(pairs), "prep") as advance:
        results = run_batch(job, pairs, workers, on_done=advance)
    report_batch(results, as_json)


@app.command()
def master(
    source: Path = typer.Argument(..., help="Input audio file."),
    output: Path = typer.Argument(..., help="Output file (.wav or .flac)."),
    lufs: float = typer.Option(-19.0, "--lufs", help="Integrated loudness target, LUFS."),
    true_peak: float = typer.Option(-1.0, "--true-peak", help="True-peak ceiling, dBTP."),
    bits: str = typer.Option("24", "--bits", help=BITS_HELP),
    sr: int | None = typer.Option(None, "--sr", help="Delivery sample rate, Hz."),
    mono: bool = typer.Option(False, "--mono", help="Mix down to mono first."),
    as_json: bool = typer.Option(False, "--json", help="Print the achieved levels as JSON."),
) -> None:
    """Delivery mastering: loudness target with a look-ahead true-peak limiter, dithered export."""
    from rocktop.audio import export, io
    from rocktop.audio.chains import MasterSettings
    from rocktop.audio.chains import master as run_master

    mastered, result = run_master(io.load(source), MasterSettings(lufs, true_peak, sr, mono))
    export.write(output, mastered, bits=bits)
    levels = {
        "file": str(output),
        "input_lufs": result.input_lufs,
        "output_lufs": result.output_lufs,
        "true_peak_dbtp": result.output_true_peak_db,
    }
    if as_json:
        print_json(levels)
    else:
        lufs_text = f"{result.output_lufs:.2f} LUFS"
        err_console().print(
            f"{output}: {lufs_text}, true peak {result.output_true_peak_db:.2f} dBTP"
        )
