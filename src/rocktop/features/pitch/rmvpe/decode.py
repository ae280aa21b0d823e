"""RMVPE salience -> F0 (RVC's ``to_local_average_cents``, threshold 0.03; spec §4.2)."""

from __future__ import annotations

import numpy as np

N_BINS = 360
CENTS_OFFSET = 1997.3794084376191  # cents of bin 0 (re 10 Hz): 31.7 Hz
CENTS_STEP = 20.0
THRESHOLD = 0.03
HALF_WINDOW = 4  # bins each side of the peak in the weighted mean


def cents_mapping() -> np.ndarray:
    """Cents of each bin, padded with 4 zeros each side: float64 ``(368,)``."""
    return np.pad(CENTS_STEP * np.arange(N_BINS) + CENTS_OFFSET, (HALF_WINDOW, HALF_WINDOW))


def local_average_cents(salience: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Salience-weighted mean cents over the 9 bins around each frame's peak.

    Args:
        salience: ``(frames, 360)`` in [0, 1].
        threshold: frames whose peak is ``<= threshold`` get 0 (unvoiced).

    Returns:
        float ``(frames,)`` cents re 10 Hz, 0 for unvoiced.
    """
    salience = np.asarray(salience, dtype=np.float64)
    center = np.argmax(salience, axis=1) + HALF_WINDOW
    padded = np.pad(salience, ((0, 0), (HALF_WINDOW, HALF_WINDOW)))
    index = center[:, None] + np.arange(-HALF_WINDOW, HALF_WINDOW + 1)[None, :]
    window = np.take_along_axis(padded, index, axis=1)
    mapping = cents_mapping()[index]
    with np.errstate(divide="ignore", invalid="ignore"):
        cents = np.sum(window * mapping, axis=1) / np.sum(window, axis=1)
    cents[np.max(padded, axis=1) <= threshold] = 0
    return np.nan_to_num(cents)


def salience_to_f0(salience: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """F0 float32 ``(frames,)`` Hz from salience ``(frames, 360)``; unvoiced -> 0."""
    f0 = 10.0 * 2.0 ** (local_average_cents(salience, threshold) / 1200.0)
    f0[f0 == 10.0] = 0.0
    return f0.astype(np.float32)
