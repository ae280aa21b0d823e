"""Finding input files and mapping them to outputs for batch commands."""

from __future__ import annotations

from pathlib import Path

from rocktop.common.atomic import TMP_PREFIX
from rocktop.common.errors import RocktopError

AUDIO_EXTENSIONS = frozenset(
    {
        ".wav",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".aif",
        ".aiff",
        ".mp3",
        ".m4a",
        ".aac",
        ".webm",
        ".mka",
        ".wma",
    }
)


def find_audio(root: Path) -> list[Path]:
    """Audio files under ``root`` (recursive, sorted), or ``[root]`` when it is a file."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise RocktopError(f"{root}: no such file or directory")
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix.lower() in AUDIO_EXTENSIONS
        and not path.name.startswith(TMP_PREFIX)
    )


def output_pairs(inputs: Path, output: Path, suffix: str) -> list[tuple[Path, Path]]:
    """Map each input file to its output path, keeping the folder tree.

    A single input file maps to ``output`` itself when ``output`` has a suffix, else to a
    file inside the ``output`` folder.
    """
    files = find_audio(inputs)
    if not files:
        raise RocktopError(f"{inputs}: no audio files found")
    if inputs.is_file():
        target = output if output.suffix else output / (inputs.stem + suffix)
        return [(inputs, target)]
    return [(f, (output / f.relative_to(inputs)).with_suffix(suffix)) for f in files]
