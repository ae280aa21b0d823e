"""soxr resampling: in-band amplitude preserved, aliases rejected, shapes kept."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rocktop.audio.resample import resample

RATE_PAIRS = [
    (44_100, 48_000),
    (48_000, 16_000),
    (40_000, 48_000),
    (48_000, 44_100),
    (32_000, 48_000),
    (16_000, 48_000),
    (96_000, 48_000),
]


def _amplitude(x: np.ndarray, frequency: float, rate: int) -> float:
    """Least-squares amplitude of a sine at ``frequency`` in the middle 80% of ``x``."""
    n = len(x)
    t = np.arange(n) / rate
    middle = slice(n // 10, n - n // 10)
    basis = np.stack([np.sin(2 * np.pi * frequency * t), np.cos(2 * np.pi * frequency * t)], 1)
    coef, *_ = np.linalg.lstsq(basis[middle], x[middle].astype(np.float64), rcond=None)
    return float(np.hypot(*coef))


@settings(max_examples=40, deadline=None)
@given(
    pair=st.sampled_from(RATE_PAIRS), fraction=st.floats(0.01, 0.8), amplitude=st.floats(0.01, 0.9)
)
def test_in_band_sine_amplitude_within_0_01_db(
    pair: tuple[int, int], fraction: float, amplitude: float
) -> None:
    in_rate, out_rate = pair
    frequency = fraction * min(in_rate, out_rate) / 2
    t = np.arange(in_rate // 2) / in_rate
    x = (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    y = resample(x, in_rate, out_rate)
    gain_db = 20 * np.log10(_amplitude(y, frequency, out_rate) / amplitude)
    assert abs(gain_db) < 0.01


def test_alias_rejection_48k_to_16k() -> None:
    rate = 48_000
    t = np.arange(rate) / rate
    for frequency in (8_800.0, 10_000.0, 15_000.0):
        x = np.sin(2 * np.pi * frequency * t)
        y = resample(x, rate, 16_000)
        residual = np.sqrt(np.mean(y[1600:-1600].astype(np.float64) ** 2)) * np.sqrt(2)
        assert 20 * np.log10(residual + 1e-30) < -120


def test_shapes_and_identity() -> None:
    stereo = np.zeros((2, 4410), np.float32)
    assert resample(stereo, 44_100, 48_000).shape == (2, 4800)
    mono = np.ones(480, np.float32)
    assert resample(mono, 48_000, 48_000) is mono or np.array_equal(
        resample(mono, 48_000, 48_000), mono
    )
    assert resample(mono, 48_000, 16_000).shape == (160,)
