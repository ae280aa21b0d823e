"""Level measurements on float audio: peak, DC offset, clipping runs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FULL_SCALE_THRESHOLD = 0.999  # |x| at or above this counts as full scale (-0.009 dBFS)


def amplitude_to_db(amplitude: float) -> float:
    """20 log10(amplitude); ``-inf`` for zero."""
    return 20.0 * math.log10(amplitude) if amplitude > 0 else float("-inf")


def db_to_amplitude(level_db: float) -> float:
    """Inverse of ``amplitude_to_db``."""
    return float(10.0 ** (level_db / 20.0))


def peak(samples: np.ndarray) -> float:
    """Largest absolute sample value over all channels (linear)."""
    return float(np.max(np.abs(samples))) if samples.size else 0.0


def peak_db(samples: np.ndarray) -> float:
    """Sample peak in dBFS (``-inf`` for digital silence)."""
    return amplitude_to_db(peak(samples))


def dc_offset(samples: np.ndarray) -> float:
    """Mean sample value of the channel with the largest absolute mean (linear, signed)."""
    if samples.size == 0:
        return 0.0
    means = np.atleast_1d(np.mean(np.atleast_2d(samples), axis=-1, dtype=np.float64))
    return float(means[np.argmax(np.abs(means))])


@dataclass(frozen=True)
class ClippingStats:
    """Runs of consecutive full-scale samples.

    Attributes:
        clipped_samples: samples that belong to a run of at least ``min_run``.
        percent: ``clipped_samples`` as a percentage of all samples.
        longest_run: the longest run of full-scale samples (any length).
        runs: how many runs of at least ``min_run`` samples.
    """

    clipped_samples: int
    percent: float
    longest_run: int
    runs: int


def _runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True in a 1-D boolean array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return ends - starts


def clipping(
    samples: np.ndarray, threshold: float = FULL_SCALE_THRESHOLD, min_run: int = 3
) -> ClippingStats:
    """Find runs of full-scale samples (the flat tops that clipping leaves).

    Args:
        samples: ``(n,)`` or ``(channels, n)`` float audio.
        threshold: absolute value at or above which a sample is full scale.
        min_run: a run shorter than this (an isolated full-scale peak) is not clipping.
    """
    channels = np.atleast_2d(samples)
    lengths = np.concatenate([_runs(np.abs(ch) >= threshold) for ch in channels])
    counted = lengths[lengths >= min_run]
    total = int(counted.sum())
    return ClippingStats(
        clipped_samples=total,
        percent=100.0 * total / max(channels.size, 1),
        longest_run=int(lengths.max()) if lengths.size else 0,
        runs=int(counted.size),
    )
