"""Loudness (ITU-R BS.1770 via pyloudnorm), true peak, and delivery normalisation.

True peak is the maximum of the signal oversampled 4x (linear-phase soxr interpolation), as
BS.1770-4 Annex 2 prescribes. ``normalize_loudness`` reaches a loudness target with a
look-ahead true-peak limiter instead of clipping.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyloudnorm
import soxr
from scipy import ndimage

from rocktop.audio.analysis import amplitude_to_db, db_to_amplitude
from rocktop.audio.errors import AudioError

logger = logging.getLogger(__name__)

OVERSAMPLE = 4
MIN_LOUDNESS_DURATION_S = 0.4  # one BS.1770 gating block


def integrated_lufs(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (LUFS, gated) of ``(n,)`` or ``(channels, n)`` audio.

    Returns ``-inf`` for silence. Raises ``AudioError`` for audio shorter than 0.4 s.
    """
    channels = np.atleast_2d(samples)
    if channels.shape[-1] < MIN_LOUDNESS_DURATION_S * sample_rate:
        raise AudioError(
            f"audio of {channels.shape[-1] / sample_rate:.2f} s is too short to measure loudness "
            f"(needs {MIN_LOUDNESS_DURATION_S} s)"
        )
    meter = pyloudnorm.Meter(sample_rate)
    data = channels[0] if channels.shape[0] == 1 else channels.T
    with np.errstate(divide="ignore"):
        return float(meter.integrated_loudness(data.astype(np.float64)))


def oversample(samples: np.ndarray, sample_rate: int, factor: int = OVERSAMPLE) -> np.ndarray:
    """Band-limited interpolation by ``factor`` along the last axis: ``(channels, n*factor)``."""
    channels = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    up = soxr.resample(np.ascontiguousarray(channels.T), sample_rate, sample_rate * factor, "VHQ")
    return np.ascontiguousarray(np.atleast_2d(up.T) if up.ndim == 2 else up[np.newaxis, :])


def true_peak(samples: np.ndarray, sample_rate: int) -> float:
    """True peak (linear): max |x| after 4x oversampling, over all channels."""
    if np.size(samples) == 0:
        return 0.0
    sample_peak = float(np.max(np.abs(samples)))
    return max(sample_peak, float(np.max(np.abs(oversample(samples, sample_rate)))))


def true_peak_db(samples: np.ndarray, sample_rate: int) -> float:
    """True peak in dBTP."""
    return amplitude_to_db(true_peak(samples, sample_rate))


def _peak_envelope(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Per-sample inter-sample peak envelope ``(n,)``, linked across channels."""
    channels = np.atleast_2d(samples)
    n = channels.shape[-1]
    up = np.abs(oversample(channels, sample_rate))[:, : n * OVERSAMPLE]
    if up.shape[-1] < n * OVERSAMPLE:
        up = np.pad(up, ((0, 0), (0, n * OVERSAMPLE - up.shape[-1])))
    per_sample = up.reshape(up.shape[0], n, OVERSAMPLE).max(axis=(0, 2))
    neighbour = np.maximum(per_sample, np.concatenate(([0.0], per_sample[:-1])))
    return np.maximum(neighbour, np.max(np.abs(channels), axis=0))


def limiter_gain(envelope: np.ndarray, ceiling: float, lookahead: int, hold: int) -> np.ndarray:
    """Smooth gain curve ``g`` with ``g[n] * envelope[n] <= ceiling`` for every n.

    The required gain is min-filtered over ``2*(2*lookahead+hold)+1`` samples, then averaged
    twice over ``2*lookahead+1`` samples (smooth attack and release). Every averaging window
    around n only holds values that already include n in their min window, so the smoothed
    gain never exceeds the required gain anywhere.
    """
    required = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    radius = 2 * lookahead + hold  # the two averaging passes reach 2*lookahead samples away
    gain = ndimage.minimum_filter1d(required, size=2 * radius + 1, mode="nearest")
    for _ in range(2):
        gain = ndimage.uniform_filter1d(gain, size=2 * lookahead + 1, mode="nearest")
    return np.minimum(gain, required)


def limit_true_peak(
    samples: np.ndarray,
    sample_rate: int,
    ceiling_db: float = -1.0,
    lookahead_s: float = 0.005,
    hold_s: float = 0.02,
) -> np.ndarray:
    """Look-ahead limiter keeping the true peak at or below ``ceiling_db`` dBTP.

    Gain is applied identically to all channels (linked), so the stereo image is kept.
    """
    channels = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    ceiling = db_to_amplitude(ceiling_db)
    lookahead, hold = max(int(lookahead_s * sample_rate), 1), int(hold_s * sample_rate)
    out = channels
    for _ in range(4):
        envelope = _peak_envelope(out, sample_rate)
        if envelope.max() <= ceiling:
            break
        out = out * limiter_gain(envelope, ceiling, lookahead, hold)[np.newaxis, :]
        # Interpolation between gain steps can overshoot by a hair: shave the margin next pass.
        ceiling *= 0.999
    result = out.astype(np.float32)
    return result if np.ndim(samples) == 2 else result[0]


@dataclass(frozen=True)
class LoudnessResult:
    """What ``normalize_loudness`` achieved."""

    input_lufs: float
    output_lufs: float
    output_true_peak_db: float
    gain_db: float


def normalize_loudness(
    samples: np.ndarray,
    sample_rate: int,
    target_lufs: float = -19.0,
    max_true_peak_db: float = -1.0,
    tolerance_lu: float = 0.02,
) -> tuple[np.ndarray, LoudnessResult]:
    """Bring integrated loudness to ``target_lufs`` with true peak <= ``max_true_peak_db``.

    A gain is applied, then the look-ahead limiter catches peaks above the ceiling; because
    limiting lowers loudness slightly, the gain is re-solved (a few iterations) until the
    loudness is within ``tolerance_lu``. A target closer to the ceiling than the material's
    own waveform crest factor cannot be reached without distortion: the result then stays
    below the target (``LoudnessResult.output_lufs`` says by how much) and a warning is logged.

    Raises:
        AudioError: silent or too-short input (loudness undefined).
    """
    source = np.asarray(samples, dtype=np.float64)
    measured = integrated_lufs(source, sample_rate)
    if not np.isfinite(measured):
        raise AudioError("audio is silent: its loudness cannot be normalised")

    def apply(gain: float) -> tuple[np.ndarray, float]:
        limited = limit_true_peak(
            source * db_to_amplitude(gain), sample_rate, max_true_peak_db - 0.05
        )
        return limited, integrated_lufs(limited, sample_rate)

    # Secant search on the pre-limiter gain: limiting makes loudness grow by less than 1 dB
    # per dB of gain, so a plain fixed-point update converges slowly on peaky material.
    gain_db = target_lufs - measured
    out, achieved = apply(gain_db)
    previous: tuple[float, float] | None = None
    for _ in range(12):
        if abs(achieved - target_lufs) <= tolerance_lu:
            break
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = float(np.clip((achieved - previous[1]) / (gain_db - previous[0]), 0.05, 1.5))
        previous = (gain_db, achieved)
        gain_db += (target_lufs - achieved) / slope
        out, achieved = apply(gain_db)
    if abs(achieved - target_lufs) > 0.1:
        logger.warning("loudness reached %.2f LUFS, not %.2f (peak ceiling)", achieved, target_lufs)
    result = LoudnessResult(measured, achieved, true_peak_db(out, sample_rate), gain_db)
    return out.astype(np.float32), result
