"""Write audio files: 32-bit float, or 16/24-bit PCM with TPDF dither.

Dither is applied only when reducing bit depth (float -> 16/24-bit integer), never otherwise.
Files are written atomically (temporary name, fsync, rename).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from rocktop.audio.errors import AudioError
from rocktop.audio.types import Audio
from rocktop.common.atomic import atomic_path

BIT_DEPTHS = ("16", "24", "32f")
_FORMATS = {".wav": "WAV", ".flac": "FLAC"}
_SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}


def quantize(
    samples: np.ndarray, bits: int, dither: bool = True, seed: int | None = 0
) -> np.ndarray:
    """Float [-1, 1) -> integers of ``bits`` bits (int16 for 16, int32 holding 24-bit values).

    TPDF dither: the sum of two independent uniform variables of one LSB each (triangular,
    +/- 1 LSB peak) is added before rounding. Values are clipped to the integer range.
    """
    scale = float(2 ** (bits - 1))
    scaled = np.asarray(samples, dtype=np.float64) * scale
    if dither:
        rng = np.random.default_rng(seed)
        scaled = (
            scaled + rng.uniform(-0.5, 0.5, scaled.shape) + rng.uniform(-0.5, 0.5, scaled.shape)
        )
    integers = np.clip(np.round(scaled), -scale, scale - 1)
    return integers.astype(np.int16 if bits == 16 else np.int32)


def _container(path_or_format: str) -> str:
    suffix = path_or_format if path_or_format.startswith(".") else f".{path_or_format}"
    container = _FORMATS.get(suffix.lower())
    if container is None:
        raise AudioError(f"cannot write {path_or_format!r}: choose .wav or .flac")
    return container


def _frames(audio: Audio, bits: str, dither: bool, seed: int | None) -> tuple[np.ndarray, str]:
    if bits not in BIT_DEPTHS:
        raise AudioError(f"bit depth {bits!r} is not one of {', '.join(BIT_DEPTHS)}")
    if bits == "32f":
        return audio.samples.T, "FLOAT"
    integers = quantize(audio.samples, int(bits), dither, seed)
    if bits == "24":
        integers = integers << 8  # libsndfile takes the top 24 bits of int32 frames
    return integers.T, _SUBTYPES[bits]


def encode(
    audio: Audio, fmt: str = "wav", bits: str = "32f", dither: bool = True, seed: int | None = 0
) -> bytes:
    """Encode ``audio`` to WAV or FLAC bytes (e.g. for an HTTP response)."""
    container = _container(fmt)
    if container == "FLAC" and bits == "32f":
        raise AudioError("FLAC stores integers only: use --bits 16 or 24")
    frames, subtype = _frames(audio, bits, dither, seed)
    buffer = io.BytesIO()
    sf.write(buffer, frames, audio.sample_rate, subtype=subtype, format=container)
    return buffer.getvalue()


def write(
    path: str | os.PathLike[str],
    audio: Audio,
    bits: str = "32f",
    dither: bool = True,
    seed: int | None = 0,
) -> Path:
    """Write ``audio`` to ``path`` (.wav or .flac, chosen by suffix) atomically."""
    path = Path(path)
    container = _container(path.suffix)
    if container == "FLAC" and bits == "32f":
        raise AudioError(f"{path}: FLAC stores integers only: use 16 or 24 bits")
    frames, subtype = _frames(audio, bits, dither, seed)
    with atomic_path(path) as tmp:
        sf.write(tmp, frames, audio.sample_rate, subtype=subtype, format=container)
    return path
