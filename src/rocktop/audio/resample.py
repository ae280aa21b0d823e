"""Sample-rate conversion with soxr (linear phase) and channel handling."""

from __future__ import annotations

import numpy as np
import soxr

from rocktop.audio.types import Audio

QUALITIES = ("VHQ", "HQ", "MQ", "LQ", "QQ")


def resample(samples: np.ndarray, in_rate: int, out_rate: int, quality: str = "VHQ") -> np.ndarray:
    """Resample float audio along its last axis.

    Args:
        samples: ``(num_samples,)`` or ``(channels, num_samples)`` float array.
        in_rate: input sample rate, Hz.
        out_rate: output sample rate, Hz.
        quality: soxr recipe; ``VHQ`` (28-bit, ~175 dB rejection) by default, linear phase.

    Returns:
        an array with the same leading shape and ``round(n * out / in)`` samples: float32,
        or float64 when the input is float64 (for measurements below float32's noise floor).
    """
    if quality not in QUALITIES:
        raise ValueError(f"quality must be one of {QUALITIES}, got {quality!r}")
    dtype = np.float64 if np.asarray(samples).dtype == np.float64 else np.float32
    array = np.asarray(samples, dtype=dtype)
    if in_rate == out_rate:
        return array
    if array.ndim == 1:
        return soxr.resample(array, in_rate, out_rate, quality=quality).astype(dtype)
    out = soxr.resample(np.ascontiguousarray(array.T), in_rate, out_rate, quality=quality)
    return np.ascontiguousarray(out.T, dtype=dtype)


def resample_audio(audio: Audio, out_rate: int, quality: str = "VHQ") -> Audio:
    """``resample`` for an ``Audio`` value."""
    if audio.sample_rate == out_rate:
        return audio
    return Audio(resample(audio.samples, audio.sample_rate, out_rate, quality), out_rate)


def to_mono(audio: Audio) -> Audio:
    """Mix down to one channel (mean of channels)."""
    return Audio(audio.mono()[np.newaxis, :], audio.sample_rate)
