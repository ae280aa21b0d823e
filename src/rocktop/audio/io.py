"""Decode untrusted audio with limits, and write audio files.

``load`` probes first and refuses (``AudioError``) before decoding anything over the limits;
WAV/FLAC/OGG/AIFF go through libsndfile, MP3/M4A/AAC/Opus/WebM through PyAV (FFmpeg).
Integer PCM converts to float32 exactly (int16 / 32768, int24 / 2**23).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from rocktop.audio import _probe
from rocktop.audio.errors import (
    AudioTooLargeError,
    AudioTooLongError,
    CorruptAudioError,
    EmptyAudioError,
    NonFiniteAudioError,
    SampleRateError,
    TooManyChannelsError,
    UnsupportedFormatError,
)
from rocktop.audio.limits import DecodeLimits
from rocktop.audio.types import Audio

Source = str | os.PathLike[str] | bytes
_HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class AudioInfo:
    """What a probe learns without decoding the samples."""

    name: str
    format: str
    subtype: str
    sample_rate: int
    channels: int
    num_samples: int | None
    num_bytes: int

    @property
    def duration_s(self) -> float | None:
        return None if self.num_samples is None else self.num_samples / self.sample_rate


def _name_of(source: Source, name: str | None) -> str:
    if name:
        return name
    return "<bytes>" if isinstance(source, bytes) else str(source)


def _read_head(source: Source) -> tuple[bytes, int]:
    if isinstance(source, bytes):
        return source[:_HEAD_BYTES], len(source)
    path = Path(source)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES), size
    except OSError as exc:
        raise UnsupportedFormatError(f"{path}: cannot read file ({exc.strerror})") from None


def _as_file(source: Source) -> str | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else str(source)


def _check_limits(info: AudioInfo, limits: DecodeLimits) -> None:
    rate_ok = limits.min_sample_rate <= info.sample_rate <= limits.max_sample_rate
    if not rate_ok:
        raise SampleRateError(
            f"{info.name}: sample rate {info.sample_rate} Hz is outside "
            f"{limits.min_sample_rate}-{limits.max_sample_rate} Hz"
        )
    if info.channels < 1 or info.channels > limits.max_channels:
        raise TooManyChannelsError(
            f"{info.name}: {info.channels} channels (limit {limits.max_channels})"
        )
    duration = info.duration_s
    if duration is not None and duration > limits.max_duration_s:
        raise AudioTooLongError(
            f"{info.name}: {duration:.1f} s is longer than the {limits.max_duration_s:.0f} s limit"
        )


def _read_tail(source: Source, num_bytes: int) -> bytes:
    start = max(num_bytes - _probe.OGG_TAIL_BYTES, 0)
    if isinstance(source, bytes):
        return source[start:]
    with open(Path(source), "rb") as handle:
        handle.seek(start)
        return handle.read()


def _check_structure(
    source: Source, head: bytes, num_bytes: int, name: str, limits: DecodeLimits
) -> None:
    """Header-level checks no decoder makes: declared WAV length, Ogg end-of-stream page."""
    if head.startswith(b"OggS") and _probe.ogg_truncated(_read_tail(source, num_bytes)):
        raise CorruptAudioError(f"{name}: truncated Ogg stream (no complete end-of-stream page)")
    _check_wav_header(head, num_bytes, name, limits)


def _check_wav_header(head: bytes, num_bytes: int, name: str, limits: DecodeLimits) -> None:
    header = _probe.parse_wav_header(head)
    if header is None:
        return
    declared = header.declared_duration_s()
    if declared is not None and declared > limits.max_duration_s:
        raise AudioTooLongError(
            f"{name}: header declares {declared:.1f} s, longer than the "
            f"{limits.max_duration_s:.0f} s limit"
        )
    if header.data_bytes is not None and header.data_offset + header.data_bytes > num_bytes:
        missing = header.data_offset + header.data_bytes - num_bytes
        raise CorruptAudioError(f"{name}: truncated WAV ({missing} bytes of audio data missing)")


def probe(source: Source, limits: DecodeLimits | None = None, name: str | None = None) -> AudioInfo:
    """Read the header only and refuse inputs over ``limits``.

    Raises:
        AudioError: a subclass naming the input and the limit it breaks.
    """
    limits = limits or DecodeLimits()
    label = _name_of(source, name)
    head, num_bytes = _read_head(source)
    if num_bytes == 0:
        raise EmptyAudioError(f"{label}: file is empty (0 bytes)")
    if num_bytes > limits.max_bytes:
        raise AudioTooLargeError(f"{label}: {num_bytes} bytes exceeds the {limits.max_bytes} limit")
    _check_structure(source, head, num_bytes, label, limits)
    info = _probe_soundfile(source, label, num_bytes) if _probe.soundfile_first(head) else None
    if info is None:
        from rocktop.audio import _pyav

        info = _pyav.probe(source, label, num_bytes, _probe.looks_like_audio(head))
    _check_limits(info, limits)
    return info


def _probe_soundfile(source: Source, label: str, num_bytes: int) -> AudioInfo | None:
    try:
        with sf.SoundFile(_as_file(source)) as handle:
            return AudioInfo(
                name=label,
                format=handle.format,
                subtype=handle.subtype,
                sample_rate=handle.samplerate,
                channels=handle.channels,
                num_samples=handle.frames,
                num_bytes=num_bytes,
            )
    except (sf.LibsndfileError, RuntimeError, ValueError):
        return None  # let PyAV try (e.g. Opus in Ogg); it reports the error if it fails too


def _decode_soundfile(source: Source, info: AudioInfo) -> np.ndarray:
    try:
        data, _ = sf.read(_as_file(source), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise CorruptAudioError(f"{info.name}: cannot decode {info.format} ({exc})") from None
    if info.num_samples is not None and data.shape[0] < info.num_samples:
        raise CorruptAudioError(
            f"{info.name}: truncated {info.format} "
            f"(decoded {data.shape[0]} of {info.num_samples} samples)"
        )
    return np.ascontiguousarray(data.T)


def validate_samples(samples: np.ndarray, name: str) -> None:
    """Refuse empty audio and NaN/Inf samples."""
    if samples.size == 0 or samples.shape[-1] == 0:
        raise EmptyAudioError(f"{name}: no audio samples")
    if not np.isfinite(samples).all():
        bad = int(np.size(samples) - np.count_nonzero(np.isfinite(samples)))
        raise NonFiniteAudioError(f"{name}: {bad} samples are NaN or infinite")


def load(source: Source, limits: DecodeLimits | None = None, name: str | None = None) -> Audio:
    """Decode a file path or in-memory bytes into float32 ``Audio`` after probing the limits.

    Args:
        source: a path, or the encoded bytes of an upload.
        limits: refusal limits (defaults: ``DecodeLimits()``).
        name: how errors name the input (defaults to the path, or ``<bytes>``).

    Raises:
        AudioError: a subclass naming the input and the limit or defect.
    """
    limits = limits or DecodeLimits()
    info = probe(source, limits, name)
    if info.format.startswith("ffmpeg:"):
        from rocktop.audio import _pyav

        samples = _pyav.decode(source, info, limits)
    else:
        samples = _decode_soundfile(source, info)
    validate_samples(samples, info.name)
    return Audio(samples=samples, sample_rate=info.sample_rate)
