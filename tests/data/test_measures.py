"""QC measurements on synthetic signals with known answers."""

from __future__ import annotations

import numpy as np

from rocktop.data import measures
from rocktop.testing import synth

SR = 48_000


def test_mains_is_detected_from_the_hum_lines() -> None:
    for mains in (50.0, 60.0):
        quiet = synth.hum(3.0, SR, mains, level_db=-40.0) + synth.noise(3.0, SR, -70.0)
        assert measures.detect_mains(quiet, SR) == mains


def test_hum_line_power_matches_the_injected_level_and_ignores_noise() -> None:
    tone = synth.sine(60.0, 4.0, SR, amplitude=0.01)  # mean square 5e-5
    noise = synth.noise(4.0, SR, -50.0)
    measured = measures.line_powers(tone + noise, SR, 60.0, harmonics=1)
    assert abs(measures.power_db(measured) - measures.power_db(5e-5)) < 1.0
    assert measures.line_powers(noise, SR, 60.0) < 1e-7


def test_bandwidth_of_full_band_and_band_limited_noise() -> None:
    from rocktop.audio.resample import resample

    wide = synth.noise(2.0, SR, -20.0)
    narrow = resample(resample(wide, SR, 16_000), 16_000, SR)
    assert measures.bandwidth_hz(wide, SR) > 20_000
    assert 7_000 < measures.bandwidth_hz(narrow, SR) < 8_100


def test_snr_from_speech_mask() -> None:
    power = np.concatenate([np.full(50, 1e-2), np.full(50, 1e-5)])
    mask = np.arange(100) < 50
    assert abs(measures.snr_db(power, mask, None) - 30.0) < 0.1
    assert measures.snr_db(np.concatenate([power[:50], np.zeros(50)]), mask, None) == 100.0


def test_plosive_bursts_counted_but_not_steady_low_hum() -> None:
    voice = synth.tone_from_contour(synth.steady_contour(200.0, 3.0), SR, amplitude=0.3)
    voice_power = float(np.mean(voice**2))
    t = np.arange(int(0.04 * SR)) / SR
    burst = 0.8 * np.sin(2 * np.pi * 35.0 * t) * np.hanning(t.size)
    popped = voice.copy()
    for at in (0.5, 1.5, 2.5):
        popped[int(at * SR) : int(at * SR) + burst.size] += burst
    hum = voice + synth.hum(3.0, SR, 60.0, -20.0)
    assert measures.plosive_bursts(popped, SR, voice_power, -12.0) == 3
    assert measures.plosive_bursts(voice, SR, voice_power, -12.0) == 0
    assert measures.plosive_bursts(hum, SR, voice_power, -12.0) == 0
