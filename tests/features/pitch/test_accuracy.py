"""Accuracy of the DSP pitch extractors on synthetic signals with known F0."""

from __future__ import annotations

import numpy as np
import pytest

from rocktop.common.errors import RocktopError
from rocktop.features.pitch import get_pitch_extractor
from rocktop.testing import synth

SR = 16_000
EDGE = 4  # frames ignored next to each voicing change (onset ramps)


def raw_pitch_accuracy(estimate: np.ndarray, truth: np.ndarray, cents: float = 50.0) -> float:
    """Share of clearly voiced reference frames whose estimate is within ``cents``."""
    n = min(len(estimate), len(truth))
    est, ref = estimate[:n], truth[:n]
    voiced = ref > 0
    clear = voiced.copy()
    for shift in range(1, EDGE + 1):
        clear &= np.roll(voiced, shift) & np.roll(voiced, -shift)
    clear[:EDGE] = clear[-EDGE:] = False
    if not clear.any():
        raise ValueError("no clearly voiced frames")
    err = np.full(n, np.inf)
    ok = clear & (est > 0)
    err[ok] = np.abs(1200 * np.log2(est[ok] / ref[ok]))
    return float(np.mean(err[clear] <= cents))


def _contours() -> dict[str, np.ndarray]:
    contours = {f"steady_{f}": synth.steady_contour(f, 1.0) for f in (80, 150, 300, 600, 1000)}
    contours["vibrato_330"] = synth.vibrato_contour(330.0, 1.5, rate_hz=5.5, depth_cents=50)
    contours["vibrato_120"] = synth.vibrato_contour(120.0, 1.5, rate_hz=5.5, depth_cents=50)
    contours["glide_100_800"] = synth.glide_contour(100.0, 800.0, 1.5)
    return contours


CONTOURS = _contours()
THRESHOLDS = {"harvest": 0.95, "pm": 0.95, "dio": 0.9}


@pytest.mark.parametrize("method", ["harvest", "pm", "dio"])
@pytest.mark.parametrize("case", sorted(CONTOURS))
def test_clean_tones(method: str, case: str) -> None:
    contour = synth.with_silence(CONTOURS[case], 0.2, 0.2)
    wav = synth.tone_from_contour(contour, SR)
    f0 = get_pitch_extractor(method).extract(wav, SR)
    assert f0.dtype == np.float32
    assert len(f0) == len(wav) // 160 + 1
    assert raw_pitch_accuracy(f0, contour) >= THRESHOLDS[method]


@pytest.mark.parametrize("method", ["harvest", "pm"])
def test_tone_in_noise(method: str) -> None:
    contour = synth.steady_contour(220.0, 1.5)
    wav = synth.tone_from_contour(contour, SR) + synth.noise(1.5, SR, level_db=-35.0)
    f0 = get_pitch_extractor(method).extract(wav, SR)
    assert raw_pitch_accuracy(f0, contour) >= 0.9


@pytest.mark.parametrize("method", ["harvest", "pm", "dio"])
def test_silence_is_unvoiced(method: str) -> None:
    f0 = get_pitch_extractor(method).extract(synth.silence(1.0, SR), SR)
    assert len(f0) == 101
    assert np.all(f0 == 0)


@pytest.mark.parametrize("method", ["harvest", "pm"])
def test_unvoiced_margins_and_other_rates(method: str, tone_with_silence) -> None:  # type: ignore[no-untyped-def]
    wav, contour = tone_with_silence  # 48 kHz input is resampled to 16 kHz inside
    f0 = get_pitch_extractor(method).extract(wav, 48_000)
    assert len(f0) == round(len(wav) / 3) // 160 + 1
    assert raw_pitch_accuracy(f0, contour) >= 0.95
    assert np.all(f0[:40] == 0) and np.all(f0[-40:] == 0)


@pytest.mark.parametrize("bad", [np.zeros(0), np.array([0.1, np.nan] * 800), np.zeros((2, 800))])
def test_bad_input_is_refused(bad: np.ndarray) -> None:
    with pytest.raises(RocktopError):
        get_pitch_extractor("harvest").extract(bad, SR)


def test_unknown_name_is_refused() -> None:
    with pytest.raises(RocktopError, match="unknown pitch extractor"):
        get_pitch_extractor("yin")
