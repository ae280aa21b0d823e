"""Encoded audio for tests: WAV bytes and decoding (hostile inputs: ``testing.badaudio``)."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf


def wav_bytes(samples: np.ndarray, rate: int = 48_000, subtype: str = "PCM_16") -> bytes:
    """``samples`` ((n,) or (channels, n) float) encoded as WAV bytes."""
    buffer = io.BytesIO()
    data = samples.T if samples.ndim == 2 else samples
    sf.write(buffer, data, rate, subtype=subtype, format="WAV")
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode WAV/FLAC bytes: float32 ``(channels, n)`` and the rate."""
    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return np.ascontiguousarray(samples.T), int(rate)
