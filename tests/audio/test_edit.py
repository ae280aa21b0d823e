"""Edits and analysis: peak normalisation, trim, filters, clipping, DC."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rocktop.audio import analysis, edit
from rocktop.testing import synth

SR = 48_000


def _tone_level(x: np.ndarray, frequency: float) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    bin_index = int(round(frequency * len(x) / SR))
    return float(spectrum[bin_index - 2 : bin_index + 3].max())


def test_peak_normalize_hits_target() -> None:
    x = synth.sine(440, 1.0, SR, amplitude=0.2)
    assert abs(analysis.peak_db(edit.peak_normalize(x, -1.0)) + 1.0) < 1e-4
    assert not edit.peak_normalize(np.zeros(10, np.float32)).any()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=1, max_size=400),
    threshold_db=st.floats(-80.0, -1.0),
    margin_s=st.floats(0.0, 0.01),
)
def test_trim_never_removes_samples_above_threshold(
    values: list[float], threshold_db: float, margin_s: float
) -> None:
    x = np.asarray(values, dtype=np.float32)
    trimmed, start, end = edit.trim_silence(x, SR, threshold_db, margin_s)
    threshold = analysis.peak(x) * analysis.db_to_amplitude(threshold_db)
    outside = np.concatenate([x[:start], x[end:]])
    if threshold > 0:
        assert not np.any(np.abs(outside) >= threshold)
    np.testing.assert_array_equal(trimmed, x[start:end])


def test_trim_keeps_margin(tone_with_silence: tuple[np.ndarray, np.ndarray]) -> None:
    x, _ = tone_with_silence
    trimmed, start, end = edit.trim_silence(x, SR, -40.0, margin_s=0.1)
    first_sound = np.flatnonzero(np.abs(x) > 0.005)[0]
    assert start == max(first_sound - int(0.1 * SR), 0) or start < first_sound
    assert 1.0 < trimmed.shape[-1] / SR < 1.3


def test_highpass_removes_rumble_keeps_voice() -> None:
    x = synth.sine(10, 2.0, SR) + synth.sine(1000, 2.0, SR)
    y = edit.highpass(x, SR, 30.0)
    assert _tone_level(y, 10) < 0.05 * _tone_level(x, 10)
    assert abs(_tone_level(y, 1000) / _tone_level(x, 1000) - 1) < 0.01


def test_notch_removes_hum_and_harmonics(hum_60: np.ndarray) -> None:
    voice = synth.sine(440, 2.0, SR, amplitude=0.3)
    y = edit.notch(hum_60 + voice, SR, mains_hz=60.0)
    for harmonic in (60, 120, 180):
        assert _tone_level(y, harmonic) < 0.05 * _tone_level(hum_60, harmonic)
    assert abs(_tone_level(y, 440) / _tone_level(voice, 440) - 1) < 0.02


def test_clipping_counts_flat_tops_not_isolated_peaks() -> None:
    x = np.clip(synth.sine(100, 1.0, SR, amplitude=1.5), -1, 1)
    stats = analysis.clipping(x)
    assert stats.runs == 200 and stats.percent > 20
    clicks, _ = synth.clicks(1.0, SR, amplitude=1.0)
    assert analysis.clipping(clicks).clipped_samples == 0


def test_dc_offset_and_removal() -> None:
    x = synth.sine(440, 1.0, SR) + 0.1
    assert abs(analysis.dc_offset(x) - 0.1) < 1e-3
    assert abs(analysis.dc_offset(edit.remove_dc(x))) < 1e-6


def test_fades_are_raised_cosine() -> None:
    y = edit.fade(np.ones(SR, np.float32), SR, in_s=0.1, out_s=0.1)
    assert y[0] == 0 and y[-1] == 0 and y[SR // 2] == 1
    assert np.all(np.diff(y[: SR // 10]) >= 0)
