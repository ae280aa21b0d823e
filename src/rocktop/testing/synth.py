"""Synthetic audio with known properties (F0 contours, noise, clicks, hum, silence).

Every generator is deterministic (explicit ``seed``) and returns float32 ``(num_samples,)``.
Pitched generators also return the true F0 at 100 frames per second (0 = unvoiced), frame
``i`` centred at ``i * 10 ms``, so pitch extractors can be scored against ground truth.
"""

from __future__ import annotations

import numpy as np

FRAME_RATE = 100  # F0 frames per second, as every pitch extractor in rocktop


def tone_from_contour(
    f0_hz: np.ndarray,
    sample_rate: int,
    harmonics: int = 8,
    amplitude: float = 0.5,
    rolloff: float = 0.7,
) -> np.ndarray:
    """Harmonic tone following ``f0_hz`` (100 fps; 0 = silence), phase-continuous.

    Harmonic ``k`` has amplitude ``rolloff**(k-1)``; harmonics above Nyquist are dropped.
    """
    frames = np.asarray(f0_hz, dtype=np.float64)
    n = int(round(len(frames) * sample_rate / FRAME_RATE))
    times = np.arange(n) / sample_rate
    f0 = np.interp(times, np.arange(len(frames)) / FRAME_RATE, frames)
    voiced = np.interp(times, np.arange(len(frames)) / FRAME_RATE, (frames > 0).astype(float))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    out = np.zeros(n)
    for k in range(1, harmonics + 1):
        audible = (k * f0) < 0.45 * sample_rate
        out += rolloff ** (k - 1) * np.sin(k * phase) * audible
    out *= voiced
    peak = np.max(np.abs(out)) or 1.0
    return (amplitude * out / peak).astype(np.float32)


def steady_contour(f0_hz: float, duration_s: float) -> np.ndarray:
    """Constant F0 for ``duration_s`` seconds at 100 fps."""
    return np.full(int(round(duration_s * FRAME_RATE)), float(f0_hz))


def vibrato_contour(
    f0_hz: float, duration_s: float, rate_hz: float = 5.5, depth_cents: float = 50.0
) -> np.ndarray:
    """Sinusoidal vibrato around ``f0_hz``: +/- ``depth_cents`` at ``rate_hz``."""
    t = np.arange(int(round(duration_s * FRAME_RATE))) / FRAME_RATE
    return f0_hz * 2.0 ** (depth_cents * np.sin(2 * np.pi * rate_hz * t) / 1200.0)


def glide_contour(start_hz: float, end_hz: float, duration_s: float) -> np.ndarray:
    """Exponential (linear in cents) glide from ``start_hz`` to ``end_hz``."""
    n = int(round(duration_s * FRAME_RATE))
    return start_hz * (end_hz / start_hz) ** np.linspace(0.0, 1.0, n)


def with_silence(contour: np.ndarray, before_s: float, after_s: float) -> np.ndarray:
    """Pad a contour with unvoiced (0 Hz) frames."""
    return np.concatenate(
        [np.zeros(int(before_s * FRAME_RATE)), contour, np.zeros(int(after_s * FRAME_RATE))]
    )


def sine(
    frequency_hz: float,
    duration_s: float,
    sample_rate: int,
    amplitude: float = 0.5,
    phase: float = 0.0,
) -> np.ndarray:
    """A pure sine."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    return (amplitude * np.sin(2 * np.pi * frequency_hz * t + phase)).astype(np.float32)


def noise(
    duration_s: float, sample_rate: int, level_db: float = -30.0, seed: int = 0
) -> np.ndarray:
    """White Gaussian noise with RMS ``level_db`` dBFS."""
    rng = np.random.default_rng(seed)
    rms = 10 ** (level_db / 20)
    return (rms * rng.standard_normal(int(round(duration_s * sample_rate)))).astype(np.float32)


def silence(duration_s: float, sample_rate: int) -> np.ndarray:
    """Digital silence."""
    return np.zeros(int(round(duration_s * sample_rate)), dtype=np.float32)


def hum(
    duration_s: float,
    sample_rate: int,
    mains_hz: float = 60.0,
    level_db: float = -30.0,
    harmonics: int = 5,
) -> np.ndarray:
    """Mains hum: the mains frequency and decaying harmonics, peak ``level_db`` dBFS."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    out = sum(
        0.5 ** (k - 1) * np.sin(2 * np.pi * k * mains_hz * t) for k in range(1, harmonics + 1)
    )
    out = np.asarray(out)
    return (10 ** (level_db / 20) * out / np.max(np.abs(out))).astype(np.float32)


def clicks(
    duration_s: float, sample_rate: int, count: int = 5, amplitude: float = 0.9, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Isolated one-sample clicks; returns ``(signal, click_sample_indices)``."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    positions = np.sort(rng.choice(np.arange(n // 10, n - n // 10), size=count, replace=False))
    out = np.zeros(n, dtype=np.float32)
    out[positions] = amplitude * rng.choice([-1.0, 1.0], size=count)
    return out, positions
