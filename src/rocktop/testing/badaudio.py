"""A corpus of hostile and broken audio inputs, generated on demand (for tests and fuzzing).

Each entry maps a file name to its bytes and the ``AudioError`` subclass name ``load`` must
raise. Used by the audio-core tests, the CLI tests and the service tests.
"""

from __future__ import annotations

import io
import struct
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

_RATE = 16_000


def _wav(samples: np.ndarray, rate: int = _RATE, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, subtype=subtype, format="WAV")
    return buffer.getvalue()


def _encoded(fmt: str, seconds: float = 2.0) -> bytes:
    """A tone encoded by ffmpeg (mp3, ogg) or libsndfile (flac)."""
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * _RATE)) / _RATE)).astype(
        np.float32
    )
    if fmt == "flac":
        buffer = io.BytesIO()
        sf.write(buffer, tone, _RATE, format="FLAC")
        return buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.wav", Path(tmp) / f"out.{fmt}"
        source.write_bytes(_wav(tone))
        codec = ["-c:a", "libvorbis"] if fmt == "ogg" else []
        subprocess.run(
            ["ffmpeg", "-y", "-loglevel", "error", "-i", str(source), *codec, str(target)],
            check=True,
        )
        return target.read_bytes()


def _long_header() -> bytes:
    data = bytearray(_wav(np.zeros(1600, dtype=np.float32)))
    offset = data.find(b"data")
    struct.pack_into("<I", data, offset + 4, 10 * 3600 * _RATE * 2)  # claims 10 hours
    return bytes(data)


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _nan_wav() -> bytes:
    nan = np.zeros(_RATE, dtype=np.float32)
    nan[100] = np.nan
    return _wav(nan, subtype="FLOAT")


def _random_bytes() -> bytes:
    return np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()


# name -> (builder of the bytes, the AudioError subclass ``load`` must raise)
_CORPUS: dict[str, tuple[Callable[[], bytes], str]] = {
    "truncated.wav": (lambda: _half(_wav(np.full(_RATE, 0.1, np.float32))), "CorruptAudioError"),
    "truncated.flac": (lambda: _half(_encoded("flac")), "CorruptAudioError"),
    "truncated.mp3": (lambda: _half(_encoded("mp3")), "CorruptAudioError"),
    "truncated.ogg": (lambda: _half(_encoded("ogg")), "CorruptAudioError"),
    "zero_length.wav": (lambda: b"", "EmptyAudioError"),
    "ten_hours.wav": (_long_header, "AudioTooLongError"),
    "text.wav": (lambda: b"this is a text file, not audio\n" * 20, "UnsupportedFormatError"),
    "sixteen_channels.wav": (lambda: _wav(np.zeros((800, 16), np.float32)), "TooManyChannelsError"),
    "one_hertz.wav": (lambda: _wav(np.zeros(10, np.float32), rate=1), "SampleRateError"),
    "nan.wav": (_nan_wav, "NonFiniteAudioError"),
    "random.bin": (_random_bytes, "UnsupportedFormatError"),
    "header_only.wav": (lambda: _wav(np.zeros(0, np.float32)), "EmptyAudioError"),
}
BAD_AUDIO_NAMES = tuple(sorted(_CORPUS))


def bad_audio(name: str) -> bytes:
    """The bytes of one corpus entry (built on demand)."""
    return _CORPUS[name][0]()


def expected_error(name: str) -> str:
    """The ``AudioError`` subclass name ``load`` must raise for corpus entry ``name``."""
    return _CORPUS[name][1]


def bad_audio_corpus() -> dict[str, tuple[bytes, str]]:
    """``{file name: (bytes, expected AudioError subclass name)}``."""
    return {name: (bad_audio(name), expected_error(name)) for name in BAD_AUDIO_NAMES}


def write_bad_audio_corpus(directory: Path) -> dict[Path, str]:
    """Write the corpus into ``directory``; returns ``{path: expected error name}``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (data, error) in bad_audio_corpus().items():
        path = directory / name
        path.write_bytes(data)
        written[path] = error
    return written


__all__ = [
    "BAD_AUDIO_NAMES",
    "bad_audio",
    "bad_audio_corpus",
    "expected_error",
    "write_bad_audio_corpus",
]
