"""Encoded audio for tests: WAV bytes, decoding, and a corpus of hostile/broken inputs."""

from __future__ import annotations

import io
import struct

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


def bad_audio_corpus() -> dict[str, bytes]:
    """Inputs every decoder must refuse: name -> bytes (``empty.wav`` is zero bytes)."""
    good = wav_bytes(np.zeros(48_000, dtype=np.float32))
    nan = np.zeros(4800, dtype=np.float32)
    nan[100] = np.nan
    one_hz = bytearray(wav_bytes(np.zeros(100, dtype=np.float32), rate=8000))
    struct.pack_into("<II", one_hz, 24, 1, 2)  # sample rate 1 Hz, byte rate 2
    return {
        "truncated.wav": good[: len(good) // 2],
        "text.wav": b"this is not audio, just a text file\n" * 20,
        "nan.wav": wav_bytes(nan, subtype="FLOAT"),
        "sixteen_channels.wav": wav_bytes(np.zeros((16, 4800), dtype=np.float32)),
        "one_hz.wav": bytes(one_hz),
        "random.bin": np.random.default_rng(0).bytes(20_000),
        "empty.wav": b"",
    }
