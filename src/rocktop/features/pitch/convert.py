"""RVC's F0 post-processing (spec §4.1): semitone shift, coarse mel pitch, Harvest's median rule.

Both training (``extract_f0_print.py coarse_f0``) and conversion (``pipeline.py get_f0``) use
exactly these formulas, so models trained here and in RVC see the same pitch tokens.
"""

from __future__ import annotations

import math

import numpy as np

F0_MIN_HZ = 50.0
F0_MAX_HZ = 1100.0
F0_MEL_MIN = 1127.0 * math.log(1.0 + F0_MIN_HZ / 700.0)  # 77.75496616579426
F0_MEL_MAX = 1127.0 * math.log(1.0 + F0_MAX_HZ / 700.0)  # 1064.4082331636394
COARSE_MIN = 1
COARSE_MAX = 255
MEDIAN_FILTER_METHODS = frozenset({"harvest"})


def shift_f0(f0_hz: np.ndarray, semitones: float) -> np.ndarray:
    """Transpose F0 ``(frames,)`` Hz by ``semitones`` (``f0 * 2**(n/12)``); 0 stays 0."""
    return np.asarray(f0_hz, dtype=np.float64) * 2.0 ** (semitones / 12.0)


def f0_to_coarse(f0_hz: np.ndarray) -> np.ndarray:
    """Coarse pitch tokens: int64 ``(frames,)`` in 1..255 (unvoiced and <= 50 Hz -> 1).

    ``mel = 1127 ln(1 + f0/700)``; voiced frames map linearly from [mel(50), mel(1100)] onto
    [1, 255]; the result is clipped to 1..255 and rounded half-to-even (``np.rint``), as RVC.
    """
    f0_mel = 1127.0 * np.log(1.0 + np.asarray(f0_hz, dtype=np.float64) / 700.0)
    voiced = f0_mel > 0
    f0_mel[voiced] = (f0_mel[voiced] - F0_MEL_MIN) * (COARSE_MAX - 1) / (
        F0_MEL_MAX - F0_MEL_MIN
    ) + 1
    f0_mel[f0_mel <= COARSE_MIN] = COARSE_MIN
    f0_mel[f0_mel > COARSE_MAX] = COARSE_MAX
    return np.rint(f0_mel).astype(np.int64)


def apply_filter_radius(f0_hz: np.ndarray, method: str, filter_radius: int) -> np.ndarray:
    """RVC's median rule: only for ``harvest`` and only when ``filter_radius > 2``, medfilt(3).

    The kernel is fixed at 3 whatever the radius (RVC@0604 ``pipeline.py``); other methods
    are returned unchanged.
    """
    f0 = np.asarray(f0_hz, dtype=np.float64)
    if method not in MEDIAN_FILTER_METHODS or filter_radius <= 2:
        return f0
    from scipy.signal import medfilt

    return np.asarray(medfilt(f0, 3), dtype=np.float64)


def postprocess_f0(
    f0_hz: np.ndarray, method: str, semitones: float = 0.0, filter_radius: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """The conversion pipeline's order: median rule, then shift; returns ``(coarse, f0_hz)``.

    ``coarse`` is int64 1..255 (the ``pitch`` input), ``f0_hz`` float32 (``pitchf``/NSF F0).
    """
    f0 = shift_f0(apply_filter_radius(f0_hz, method, filter_radius), semitones)
    return f0_to_coarse(f0), f0.astype(np.float32)
