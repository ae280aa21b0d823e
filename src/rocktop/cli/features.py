"""``rocktop features``: extract and cache content units and F0 for a dataset."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from rocktop.cli._console import err_console, print_json, progress_bar
from rocktop.common.batch import ItemResult
from rocktop.common.errors import RocktopError

app = typer.Typer(
    help="Content units (ContentVec) and F0, cached by content hash.", no_args_is_help=True
)


@app.command()
def extract(
    data: Path = typer.Option(
        ..., "--data", help="Dataset folder (metadata.jsonl) or audio folder."
    ),
    content: str = typer.Option("contentvec", "--content", help="Content encoder."),
    f0: str = typer.Option("rmvpe", "--f0", help="rmvpe, harvest, dio, pm, crepe or fcpe."),
    version: str = typer.Option("v2", "--version", help="v1 (256-d, layer 9) or v2 (768-d)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N."),
    dtype: str = typer.Option("float32", "--dtype", help="float32, float16 or bfloat16."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel worker processes."),
    shard: str | None = typer.Option(None, "--shard", help="Process shard i/N (0-based)."),
    cache: Path | None = typer.Option(None, "--cache", help="Cache folder [DATA/.cache/features]."),
    weights_dir: Path | None = typer.Option(None, "--weights-dir", help="Assets folder."),
    export: Path | None = typer.Option(None, "--export-rvc-layout", help="Also write RVC layout."),
    export_sr: int = typer.Option(48_000, "--export-sr", help="Rate of 0_gt_wavs, Hz."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Compute what is missing from the cache (reruns compute nothing), optionally export."""
    from rocktop.common.batch import parse_shard, run_batch, take_shard
    from rocktop.features.dataset import read_clips
    from rocktop.features.extract import ExtractSettings, extract_one
    from rocktop.features.torch_utils import resolve_device

    if version not in ("v1", "v2"):
        raise RocktopError(f"--version must be v1 or v2, got {version!r}")
    every = read_clips(data)
    if not every:
        raise RocktopError(f"{data}: no accepted clips to process")
    clips = take_shard(every, parse_shard(shard), key=lambda c: c.id)
    cache_dir = cache or (data if data.is_dir() else data.parent) / ".cache" / "features"
    settings = ExtractSettings(
        content, f0, version, resolve_device(device), dtype, weights_dir, cache_dir, export,
        export_sr,
    )  # fmt: skip
    from rocktop.features.extract import build_extractors

    build_extractors(settings)  # fail fast on missing weights, before the progress bar
    job = functools.partial(extract_one, settings=settings)
    with progress_bar(len(clips), "features") as advance:
        results = run_batch(job, clips, workers, advance, start_method="spawn")
    _report(results, as_json)


def _report(results: list[ItemResult[Any, dict[str, str]]], as_json: bool) -> None:
    counts: Counter[str] = Counter()
    for result in results:
        for status in (result.value or {}).values():
            counts[status] += 1
    failed = [r for r in results if not r.ok]
    summary = {
        "clips": len(results),
        "computed": counts["computed"],
        "cached": counts["hit"],
        "failed": [{"clip": r.item.id, "error": r.error} for r in failed],
    }
    if as_json:
        print_json(summary)
    else:
        err_console().print(
            f"{len(results)} clips: {summary['computed']} features computed, "
            f"{summary['cached']} from cache, {len(failed)} failed"
        )
    for failure in failed:
        err_console().print(f"failed: {failure.item.id}: {failure.error}", markup=False)
    if failed:
        raise RocktopError(f"{len(failed)} of {len(results)} clips failed")
