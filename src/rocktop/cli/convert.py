"""``rocktop convert``: offline voice conversion of files and folders."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rocktop.cli._console import print_json, progress_bar, raise_for_failures
from rocktop.common.batch import ItemResult
from rocktop.common.errors import RocktopError

if TYPE_CHECKING:
    from rocktop.inference.batch import FileReport


def convert(
    inputs: list[Path] = typer.Argument(..., help="Input audio files or folders (recursive)."),
    model: Path = typer.Option(..., "--model", "-m", help="Voice file (.pth or .safetensors)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output folder."),
    index: Path | None = typer.Option(None, "--index", help="Retrieval index (added_*.index)."),
    pitch_shift: float = typer.Option(0.0, "--pitch-shift", help="Transpose, semitones."),
    f0_method: str = typer.Option("rmvpe", "--f0-method", help="rmvpe, harvest, dio, pm, ..."),
    index_rate: float = typer.Option(0.75, "--index-rate", help="Share of retrieved features."),
    protect: float = typer.Option(0.33, "--protect", help="Consonant protection 0..0.5."),
    rms_mix_rate: float = typer.Option(0.25, "--rms-mix-rate", help="0 = input envelope."),
    filter_radius: int = typer.Option(3, "--filter-radius", help="Harvest median switch."),
    output_sr: int | None = typer.Option(None, "--output-sr", help="Resample output, Hz."),
    speaker_id: int = typer.Option(0, "--speaker-id", help="Speaker of multi-speaker voices."),
    seed: int = typer.Option(0, "--seed", help="Noise seed (repeatable output)."),
    fmt: str = typer.Option("wav", "--format", help="wav or flac."),
    bits: str = typer.Option("24", "--bits", help="16, 24 (dithered PCM) or 32f."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda[:N] or auto."),
    dtype: str = typer.Option("float32", "--dtype", help="float32, float16 (GPU), bfloat16."),
    weights_dir: Path | None = typer.Option(None, "--weights-dir", help="Assets folder."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON report per file."),
) -> None:
    """Convert speech or singing with an RVC voice. Reruns skip files already converted."""
    from rocktop.common.files import output_pairs
    from rocktop.inference import ConversionParams, load_converter
    from rocktop.inference.batch import convert_files

    if fmt not in ("wav", "flac"):
        raise RocktopError(f"--format must be wav or flac, got {fmt!r}")
    params = ConversionParams(
        pitch_shift, f0_method, index_rate, protect, rms_mix_rate, filter_radius,
        output_sr, speaker_id, seed,
    )  # fmt: skip
    pairs = [pair for source in inputs for pair in output_pairs(source, output, "." + fmt)]
    converter = load_converter(model, index, device=device, dtype=dtype, weights_dir=weights_dir)
    with progress_bar(len(pairs), "convert") as advance:
        results = convert_files(converter, pairs, params, bits, on_done=advance)
    _report(results, as_json)


def _report(results: list[ItemResult[tuple[Path, Path], FileReport]], as_json: bool) -> None:
    if as_json:
        rows = [
            asdict(r.value) | {"realtime_factor": round(r.value.realtime_factor, 3)}
            if r.value is not None
            else {"input": str(r.item[0]), "status": "failed", "error": r.error}
            for r in results
        ]
        print_json(rows)
    raise_for_failures(results)
