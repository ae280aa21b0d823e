"""Build clip pairs from files: converted audio, its reference, its transcript."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rocktop.audio import export, io
from rocktop.audio.types import Audio
from rocktop.common.errors import RocktopError
from rocktop.common.files import find_audio
from rocktop.evaluation.dataset import EvalClip
from rocktop.evaluation.runner import ClipPair

Convert = Callable[[Audio], Audio]


def _reference_for(converted: Path, reference: Path | None) -> Path | None:
    """``reference`` itself when a file; in a folder, the file with the same stem."""
    if reference is None or reference.is_file():
        return reference
    if not reference.is_dir():
        raise RocktopError(f"{reference}: no such file or directory")
    matches = [path for path in find_audio(reference) if path.stem == converted.stem]
    if not matches:
        raise RocktopError(f"{reference}: no reference named {converted.stem}.* for {converted}")
    return matches[0]


def _unique_ids(paths: Sequence[Path]) -> list[str]:
    stems = [path.stem for path in paths]
    if len(set(stems)) == len(stems):
        return stems
    return [str(path) for path in paths]


def pairs_from_files(
    converted: Sequence[Path], reference: Path | None = None, text: str | None = None
) -> list[ClipPair]:
    """One ``ClipPair`` per converted file (folders expanded), with its reference and text.

    ``reference`` is one file (scored against every converted file) or a folder whose files
    are matched to the converted files by stem.

    Raises:
        RocktopError: a missing file, an undecodable file (``AudioError``), no audio found.
    """
    files = [path for item in converted for path in find_audio(Path(item))]
    if not files:
        raise RocktopError(f"no audio files in {', '.join(map(str, converted))}")
    pairs = []
    for clip_id, path in zip(_unique_ids(files), files, strict=True):
        ref_path = _reference_for(path, reference)
        pairs.append(
            ClipPair(
                clip_id=clip_id,
                converted=io.load(path),
                reference=io.load(ref_path) if ref_path else None,
                text=text,
                converted_path=str(path),
                reference_path=str(ref_path) if ref_path else None,
            )
        )
    return pairs


def converted_pairs(
    clips: Sequence[EvalClip], convert: Convert, audio_dir: Path
) -> Iterator[ClipPair]:
    """Convert each dataset clip (timed), write ``audio_dir/<id>.wav``, yield its pair.

    The written file is 32-bit float WAV, atomic; the time covers ``convert`` only.
    """
    for clip in clips:
        source = io.load(clip.path)
        start = time.perf_counter()
        output = convert(source)
        elapsed = time.perf_counter() - start
        target = audio_dir / f"{Path(clip.clip_id).name}.wav"
        export.write(target, output, bits="32f")
        yield ClipPair(
            clip_id=clip.clip_id,
            converted=output,
            reference=source,
            text=clip.text,
            conversion_time_s=elapsed,
            converted_path=str(target),
            reference_path=str(clip.path),
        )
