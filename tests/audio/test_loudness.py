"""Loudness, true peak and the look-ahead limiter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocktop.audio import edit, loudness
from rocktop.audio.errors import AudioError
from rocktop.testing import synth

SR = 48_000


def test_true_peak_finds_inter_sample_peaks() -> None:
    # A sine at fs/4 sampled at 45 degrees: every sample is at 0.707 of the true peak.
    x = synth.sine(SR / 4, 1.0, SR, amplitude=1.0, phase=np.pi / 4)
    x = edit.fade(x, SR, in_s=0.1, out_s=0.1)  # no edge discontinuity (Gibbs overshoot)
    assert abs(loudness.true_peak_db(x, SR) - 0.0) < 0.05
    assert np.max(np.abs(x)) < 0.71


def test_lufs_of_full_scale_1k_sine() -> None:
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LUFS.
    x = synth.sine(997.0, 5.0, SR, amplitude=1.0)
    assert abs(loudness.integrated_lufs(x, SR) - (-3.01)) < 0.05


def test_short_or_silent_audio_is_refused() -> None:
    with pytest.raises(AudioError, match="too short"):
        loudness.integrated_lufs(np.zeros(100, np.float32), SR)
    with pytest.raises(AudioError, match="silent"):
        loudness.normalize_loudness(np.zeros(SR, np.float32), SR)


def test_limiter_gain_never_exceeds_required() -> None:
    rng = np.random.default_rng(1)
    envelope = np.abs(rng.standard_normal(5000)) * 2
    gain = loudness.limiter_gain(envelope, 1.0, lookahead=24, hold=50)
    assert np.all(gain * envelope <= 1.0 + 1e-9)
    assert np.all(np.abs(np.diff(gain)) < 0.2)  # smooth, not a hard clip


def _program(seed: int, crest: float) -> np.ndarray:
    """Speech-like test programme: a tone with bursts and noise, variable crest factor."""
    rng = np.random.default_rng(seed)
    contour = synth.vibrato_contour(float(rng.uniform(100, 400)), 3.0)
    tone = synth.tone_from_contour(contour, SR, amplitude=0.3)
    bursts = np.repeat(rng.uniform(0.1, 1.0, 30), SR // 10)[: len(tone)]
    spikes = np.zeros_like(tone)
    spikes[rng.integers(0, len(tone), 20)] = crest * 0.3
    return (tone * bursts + synth.noise(3.0, SR, -45.0, seed) + spikes).astype(np.float32)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    target=st.floats(-30.0, -16.0),
    ceiling=st.floats(-3.0, -0.5),
    crest=st.floats(0.0, 3.0),
)
def test_normalize_hits_target_and_respects_ceiling(
    seed: int, target: float, ceiling: float, crest: float
) -> None:
    # Targets within a transparent limiter's reach: the programme's own waveform crest factor
    # is ~10 dB, so the peak-to-loudness ratio asked for stays >= 13 dB.
    x = _program(seed, crest)
    y, result = loudness.normalize_loudness(x, SR, target, ceiling)
    assert abs(loudness.integrated_lufs(y, SR) - target) <= 0.1
    assert loudness.true_peak_db(y, SR) <= ceiling + 1e-6
    assert result.output_true_peak_db <= ceiling + 1e-6


def test_stereo_limiting_is_linked() -> None:
    left = synth.sine(440, 1.0, SR, amplitude=0.9)
    right = 0.5 * left
    y = loudness.limit_true_peak(np.stack([left, right]), SR, ceiling_db=-6.0)
    assert loudness.true_peak_db(y, SR) <= -6.0 + 1e-6
    np.testing.assert_allclose(y[1], 0.5 * y[0], atol=1e-6)
