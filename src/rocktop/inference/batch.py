"""Batch conversion of files: resumable (finished outputs are skipped), one report per file."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rocktop.common.batch import ItemResult, run_batch
from rocktop.inference.params import ConversionParams
from rocktop.inference.pipeline import Converter


@dataclass(frozen=True)
class FileReport:
    """What happened to one input file."""

    input: str
    output: str
    status: str  # "written" or "skipped"
    duration_s: float = 0.0
    seconds: float = 0.0  # wall time of load + conversion + write

    @property
    def realtime_factor(self) -> float:
        """Audio seconds per wall second (> 1 is faster than realtime)."""
        return self.duration_s / self.seconds if self.seconds > 0 else 0.0


def convert_file(
    converter: Converter, source: Path, target: Path, params: ConversionParams, bits: str
) -> FileReport:
    """Convert ``source`` into ``target`` (.wav/.flac) atomically; skip an existing target."""
    from rocktop.audio import export, io

    if target.exists():
        return FileReport(str(source), str(target), "skipped")
    start = time.perf_counter()
    audio = io.load(source)
    converted = converter.convert(audio, params)
    export.write(target, converted, bits=bits, seed=params.seed)
    elapsed = time.perf_counter() - start
    return FileReport(str(source), str(target), "written", audio.duration_s, elapsed)


def convert_files(
    converter: Converter,
    pairs: Sequence[tuple[Path, Path]],
    params: ConversionParams,
    bits: str = "24",
    on_done: Callable[[ItemResult[tuple[Path, Path], FileReport]], None] | None = None,
) -> list[ItemResult[tuple[Path, Path], FileReport]]:
    """Convert every ``(source, target)`` pair in this process; per-file errors are collected."""

    def job(pair: tuple[Path, Path]) -> FileReport:
        return convert_file(converter, pair[0], pair[1], params, bits)

    return run_batch(job, pairs, workers=1, on_done=on_done)
