"""Shared preparation for reference-based metrics: mono, common rate, common length."""

from __future__ import annotations

import numpy as np

from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError


def aligned_pair(
    reference: Audio, degraded: Audio, sample_rate: int, min_duration_s: float, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """Mono float64 ``(n,)`` copies of both signals at ``sample_rate``, cut to the shorter.

    No time alignment beyond a common start: the metrics using this assume the degraded
    signal is time-aligned with the reference (reconstruction, copy synthesis).

    Raises:
        MetricError: the shorter signal lasts less than ``min_duration_s`` or is silent.
    """
    ref = resample(reference.mono(), reference.sample_rate, sample_rate)
    deg = resample(degraded.mono(), degraded.sample_rate, sample_rate)
    n = min(ref.size, deg.size)
    if n < min_duration_s * sample_rate:
        raise MetricError(
            f"{metric} needs at least {min_duration_s} s of audio in both signals, "
            f"got {n / sample_rate:.2f} s"
        )
    ref, deg = ref[:n].astype(np.float64), deg[:n].astype(np.float64)
    if not np.any(ref) or not np.any(deg):
        raise MetricError(f"{metric} is undefined for silent audio")
    return ref, deg
