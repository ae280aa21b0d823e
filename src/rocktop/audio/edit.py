"""Edits on float audio: peak normalisation, silence trim, high-pass, mains notch, DC removal.

All filters are zero-phase (forward-backward), so they do not shift transients.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from rocktop.audio.analysis import db_to_amplitude, peak


def peak_normalize(samples: np.ndarray, target_db: float = -1.0) -> np.ndarray:
    """Scale so the sample peak is exactly ``target_db`` dBFS; silence is returned unchanged."""
    current = peak(samples)
    if current == 0.0:
        return samples.astype(np.float32, copy=True)
    gain = db_to_amplitude(target_db) / current
    return (samples * gain).astype(np.float32)


def trim_silence(
    samples: np.ndarray,
    sample_rate: int,
    threshold_db: float = -50.0,
    margin_s: float = 0.1,
) -> tuple[np.ndarray, int, int]:
    """Remove leading and trailing silence; never cuts inside the sound.

    A sample is sound when its absolute value (any channel) is at or above the file's peak
    times ``threshold_db`` (relative, so the trim adapts to the recording level). Everything
    from the first to the last sound sample is kept, plus ``margin_s`` on each side.

    Returns:
        ``(trimmed, start, end)``: the trimmed array and the kept sample range ``[start, end)``.
    """
    channels = np.atleast_2d(samples)
    level = np.max(np.abs(channels), axis=0)
    threshold = peak(samples) * db_to_amplitude(threshold_db)
    loud = np.flatnonzero(level >= threshold) if threshold > 0 else np.array([], dtype=int)
    if loud.size == 0:
        return samples[..., :0], 0, 0
    margin = int(round(margin_s * sample_rate))
    start = max(int(loud[0]) - margin, 0)
    end = min(int(loud[-1]) + 1 + margin, channels.shape[-1])
    return samples[..., start:end], start, end


def highpass(
    samples: np.ndarray, sample_rate: int, cutoff_hz: float = 30.0, order: int = 4
) -> np.ndarray:
    """Zero-phase Butterworth high-pass along the last axis (``order`` per direction)."""
    sos = signal.butter(order, cutoff_hz, btype="highpass", fs=sample_rate, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), samples.shape[-1] - 1)
    return signal.sosfiltfilt(sos, samples, axis=-1, padlen=max(padlen, 0)).astype(np.float32)


def notch(
    samples: np.ndarray,
    sample_rate: int,
    mains_hz: float = 50.0,
    harmonics: int = 8,
    quality: float = 100.0,
) -> np.ndarray:
    """Zero-phase notches at the mains frequency and its harmonics below Nyquist.

    Args:
        mains_hz: 50 or 60 (Hz).
        harmonics: how many multiples (1 = fundamental only).
        quality: notch Q (bandwidth = frequency / Q).
    """
    out = np.asarray(samples, dtype=np.float64)
    for k in range(1, harmonics + 1):
        frequency = k * mains_hz
        if frequency >= 0.45 * sample_rate:
            break
        b, a = signal.iirnotch(frequency, quality, fs=sample_rate)
        # Pad by ~3 time constants of the notch so the edges do not ring (odd extension).
        settle = int(3 * sample_rate * quality / (np.pi * frequency))
        out = signal.filtfilt(b, a, out, axis=-1, padlen=min(out.shape[-1] - 1, settle))
    return out.astype(np.float32)


def remove_dc(samples: np.ndarray) -> np.ndarray:
    """Subtract each channel's mean."""
    return (samples - np.mean(samples, axis=-1, keepdims=True)).astype(np.float32)


def fade(
    samples: np.ndarray, sample_rate: int, in_s: float = 0.0, out_s: float = 0.0
) -> np.ndarray:
    """Apply raised-cosine fades of ``in_s`` and ``out_s`` seconds."""
    out = np.array(samples, dtype=np.float32, copy=True)
    n = out.shape[-1]
    for length, forward in ((int(in_s * sample_rate), True), (int(out_s * sample_rate), False)):
        length = min(length, n)
        if length <= 0:
            continue
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, length))).astype(np.float32)
        if forward:
            out[..., :length] *= ramp
        else:
            out[..., n - length :] *= ramp[::-1]
    return out
