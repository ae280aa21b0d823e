"""Compressed formats (MP3, AAC/M4A, Opus, WebM, ...) through PyAV, with limits while decoding."""

from __future__ import annotations

import io
import os

import av
import numpy as np

from rocktop.audio.errors import (
    AudioTooLongError,
    CorruptAudioError,
    UnsupportedFormatError,
)
from rocktop.audio.limits import DecodeLimits

Source = str | os.PathLike[str] | bytes
# Declared and decoded durations of a complete file agree to within a few codec frames.
_TRUNCATION_TOLERANCE_S = 0.2


def _open(source: Source) -> av.container.InputContainer:
    file = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    return av.open(file, mode="r", options={"probesize": "5000000"})


def _declared_duration_s(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def probe(source: Source, label: str, num_bytes: int, known_magic: bool):  # type: ignore[no-untyped-def]
    """Return an ``AudioInfo`` for the first audio stream, or raise a typed refusal."""
    from rocktop.audio.io import AudioInfo

    try:
        with _open(source) as container:
            if not container.streams.audio:
                raise UnsupportedFormatError(f"{label}: no audio stream")
            stream = container.streams.audio[0]
            rate = int(stream.codec_context.sample_rate or 0)
            channels = int(stream.codec_context.channels or 0)
            duration = _declared_duration_s(container, stream)
            fmt = container.format.name
    except av.error.FFmpegError as exc:
        if known_magic:
            raise CorruptAudioError(f"{label}: damaged audio container ({exc.strerror})") from None
        raise UnsupportedFormatError(f"{label}: not a recognised audio file") from None
    samples = int(round(duration * rate)) if duration > 0 else None
    return AudioInfo(
        label, f"ffmpeg:{fmt}", stream.codec_context.name, rate, channels, samples, num_bytes
    )


def decode(source: Source, info, limits: DecodeLimits) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Decode to float32 ``(channels, samples)``; stop as soon as the duration limit is passed."""
    max_samples = int(limits.max_duration_s * info.sample_rate)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with _open(source) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", rate=info.sample_rate)
            for packet in container.demux(stream):
                for frame in packet.decode():
                    for out in resampler.resample(frame):
                        chunk = out.to_ndarray().astype(np.float32, copy=False)
                        chunks.append(chunk)
                        total += chunk.shape[1]
                if total > max_samples:
                    raise AudioTooLongError(
                        f"{info.name}: longer than the {limits.max_duration_s:.0f} s limit"
                    )
    except av.error.FFmpegError as exc:
        raise CorruptAudioError(f"{info.name}: cannot decode ({exc.strerror})") from None
    if not chunks:
        return np.zeros((max(info.channels, 1), 0), dtype=np.float32)
    samples = np.concatenate(chunks, axis=1)
    declared = info.duration_s
    if (
        declared is not None
        and samples.shape[1] / info.sample_rate < declared - _TRUNCATION_TOLERANCE_S
    ):
        raise CorruptAudioError(
            f"{info.name}: truncated (decoded {samples.shape[1] / info.sample_rate:.2f} s "
            f"of {declared:.2f} s)"
        )
    return samples[: info.channels] if samples.shape[0] > info.channels else samples
