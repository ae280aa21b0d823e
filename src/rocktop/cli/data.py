"""``rocktop data``: build a verified, split 48 kHz dataset; merge shards; review clips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rocktop.cli._console import err_console, print_json, progress_bar
from rocktop.common.errors import RocktopError

app = typer.Typer(
    help="Dataset kit: segment, score, verify, split and review recordings.", no_args_is_help=True
)


def _settings(**options: Any) -> Any:
    from rocktop.data.settings import (
        BuildSettings,
        FinalizeSettings,
        PrepSettings,
        QCThresholds,
        SegmentSettings,
    )
    from rocktop.data.split import parse_ratios

    if options["mains"] not in ("50", "60", "auto"):
        raise RocktopError(f"--mains must be 50, 60 or auto, got {options['mains']!r}")
    prep = PrepSettings(
        options["sr"],
        options["highpass_hz"] or None,
        -1.0,
        options["hum_autonotch"],
        options["mains"],
    )
    segment = SegmentSettings(options["min_sec"], options["max_sec"], options["margin_ms"] / 1000.0)
    qc = QCThresholds(min_bandwidth_hz=options["min_bandwidth_hz"])
    final = FinalizeSettings(
        options["spk_sim_thresh"], parse_ratios(options["split"]), options["seed"]
    )
    return BuildSettings(prep, segment, qc, final, options["speaker"])


def _summary(info: dict[str, Any], as_json: bool, out_dir: Path) -> None:
    """Print the totals (or JSON); exit 2 when the dataset ended up without a single clip."""
    if as_json:
        print_json(info)
    else:
        _print_totals(info)
    if info["totals"]["clips"] == 0:
        raise RocktopError(
            f"{out_dir}: no clips: {len(info['failed'])} inputs failed and the rest held no "
            f"speech (see {out_dir / 'report.html'})"
        )


def _print_totals(info: dict[str, Any]) -> None:
    totals, console = info["totals"], err_console()
    console.print(
        f"{totals['clips']} clips: {totals['accepted']} accepted "
        f"({totals['accepted_minutes']:.2f} min), {totals['rejected']} rejected; "
        f"{len(info['failed'])} inputs failed",
        highlight=False,
    )
    for failure in info["failed"]:
        console.print(
            f"failed: {failure['source']}: {failure['error']}", markup=False, highlight=False
        )


@app.command()
def build(
    in_dir: Path = typer.Option(..., "--in-dir", help="Folder of raw recordings (recursive)."),
    out_dir: Path = typer.Option(..., "--out-dir", help="Dataset folder to write."),
    sr: int = typer.Option(48_000, "--sr", help="Dataset sample rate, Hz (soxr VHQ)."),
    min_sec: float = typer.Option(5.0, "--min-sec", help="Shortest clip, s."),
    max_sec: float = typer.Option(15.0, "--max-sec", help="Longest clip, s."),
    margin_ms: float = typer.Option(150.0, "--margin-ms", help="Silence kept around speech, ms."),
    highpass_hz: float = typer.Option(30.0, "--highpass-hz", help="High-pass cutoff, Hz (0: off)."),
    hum_autonotch: bool = typer.Option(False, "--hum-autonotch", help="Notch hum above threshold."),
    mains: str = typer.Option("auto", "--mains", help="Mains frequency: 50, 60 or auto."),
    spk_ref: Path | None = typer.Option(None, "--spk-ref", help="Reference voice: file or folder."),
    spk_sim_thresh: float = typer.Option(0.75, "--spk-sim-thresh", help="Speaker cosine floor."),
    min_bandwidth_hz: float = typer.Option(
        12_000.0, "--min-bandwidth-hz", help="Bandwidth floor, Hz."
    ),
    split: str = typer.Option("0.9,0.05,0.05", "--split", help="train,val,test shares."),
    seed: int = typer.Option(0, "--seed", help="Split seed."),
    speaker: str = typer.Option("spk", "--speaker", help="Speaker id used in clip names."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel worker processes."),
    shard: str | None = typer.Option(None, "--shard", help="Process shard i/N only (0-based)."),
    transcripts: Path | None = typer.Option(None, "--transcripts", help="Texts: TSV/JSON/JSONL."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Segment, score, verify and split recordings into DATA (rerun: skips finished sources)."""
    from rocktop.common.batch import parse_shard
    from rocktop.data.build import BuildRequest, plan_sources
    from rocktop.data.build import build as run_build

    settings = _settings(**locals())
    request = BuildRequest(
        in_dir, out_dir, settings, workers, parse_shard(shard), spk_ref, transcripts
    )
    sources = plan_sources(request)
    with progress_bar(len(sources), "sources") as advance:
        info = run_build(request, sources, on_done=advance)
    _summary(info, as_json, out_dir)


@app.command()
def merge(
    shards: list[Path] = typer.Argument(..., help="Shard output folders."),
    out_dir: Path = typer.Option(..., "--out-dir", help="Merged dataset folder."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Join sharded build outputs into one dataset (same result as an unsharded build)."""
    from rocktop.data.merge import merge as run_merge

    _summary(run_merge(shards, out_dir), as_json, out_dir)


@app.command()
def review(
    data_dir: Path = typer.Argument(..., help="Dataset folder (with metadata.jsonl)."),
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0: any free port)."),
) -> None:
    """Serve the clip reviewer on 127.0.0.1: play, approve, reject, trim."""
    from rocktop.data.review.server import serve

    serve(
        data_dir, port, ready=lambda url: err_console().print(f"reviewer at {url} (Ctrl-C stops)")
    )
