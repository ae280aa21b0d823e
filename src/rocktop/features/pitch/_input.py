"""Validation and 16 kHz conversion of what pitch extractors receive."""

from __future__ import annotations

import numpy as np

from rocktop.audio.resample import resample
from rocktop.common.errors import RocktopError

PITCH_SAMPLE_RATE = 16_000
HOP_16K = 160  # samples per F0 frame at 16 kHz (10 ms)


def to_16k(wav: np.ndarray, sample_rate: int, name: str) -> np.ndarray:
    """Check mono finite audio and resample it to 16 kHz (soxr VHQ): float32 ``(n,)``."""
    array = np.asarray(wav, dtype=np.float32)
    if array.ndim != 1:
        raise RocktopError(f"{name}: expected mono (num_samples,) audio, got shape {array.shape}")
    if array.size == 0:
        raise RocktopError(f"{name}: empty audio (0 samples)")
    if not 1_000 <= sample_rate <= 384_000:
        raise RocktopError(f"{name}: sample rate {sample_rate} Hz outside 1000-384000 Hz")
    if not np.all(np.isfinite(array)):
        raise RocktopError(f"{name}: audio contains NaN or Inf samples")
    return resample(array, sample_rate, PITCH_SAMPLE_RATE)


def num_frames(num_samples_16k: int) -> int:
    """Frames of a centred 100 fps estimator on ``n`` 16 kHz samples: ``n // 160 + 1``."""
    return num_samples_16k // HOP_16K + 1


def fit_length(f0: np.ndarray, frames: int) -> np.ndarray:
    """Truncate or zero-pad (at the end) ``f0`` to ``frames``: float32 ``(frames,)``."""
    out = np.zeros(frames, dtype=np.float32)
    n = min(frames, len(f0))
    out[:n] = f0[:n]
    return out
