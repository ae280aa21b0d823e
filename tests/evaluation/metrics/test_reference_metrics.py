"""PESQ, STOI and MCD: maxima (or zero) against themselves, monotonic with added noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rocktop.audio import io
from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError
from rocktop.evaluation.metrics.mcd import mcd, mel_cepstrum
from rocktop.evaluation.metrics.pesq import pesq_wb
from rocktop.evaluation.metrics.stoi import stoi
from rocktop.testing.speech import SENTENCES, flite_say

SNRS_DB = (30.0, 20.0, 10.0, 0.0)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    path = tmp_path_factory.mktemp("speech") / "slt.wav"
    return io.load(flite_say(SENTENCES[3], "slt", path))


def _noisy(audio: Audio, snr_db: float, seed: int = 0) -> Audio:
    clean = audio.mono().astype(np.float64)
    noise = np.random.default_rng(seed).standard_normal(clean.size)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2)) * 10.0 ** (-snr_db / 20.0)
    return Audio.from_array(clean + noise, audio.sample_rate)


def test_pesq_is_maximal_against_itself_and_falls_with_noise(speech: Audio) -> None:
    own = pesq_wb(speech, speech)
    assert own > 4.5
    scores = [pesq_wb(speech, _noisy(speech, snr)) for snr in SNRS_DB]
    assert all(a > b for a, b in zip([own, *scores], scores, strict=False)), scores


def test_stoi_is_maximal_against_itself_and_falls_with_noise(speech: Audio) -> None:
    own = stoi(speech, speech)
    assert own == pytest.approx(1.0, abs=1e-6)
    scores = [stoi(speech, _noisy(speech, snr)) for snr in SNRS_DB]
    assert all(a > b for a, b in zip([own, *scores], scores, strict=False)), scores


def test_mcd_is_zero_against_itself_and_grows_with_noise(speech: Audio) -> None:
    assert mcd(speech, speech) == pytest.approx(0.0, abs=1e-9)
    scores = [mcd(speech, _noisy(speech, snr)) for snr in SNRS_DB]
    assert all(a < b for a, b in zip(scores, scores[1:], strict=False)), scores


def test_mcd_dtw_absorbs_a_time_shift(speech: Audio) -> None:
    samples = speech.mono()
    delayed = Audio.from_array(np.concatenate([np.zeros(3200, np.float32), samples]), 16_000)
    assert mcd(speech, delayed) < 0.1 < 1.0 < mcd(speech, _noisy(speech, 10.0))


def test_mcd_is_rate_independent(speech: Audio) -> None:
    from rocktop.audio.resample import resample

    up = Audio.from_array(resample(speech.mono(), 16_000, 48_000), 48_000)
    assert mcd(speech, up) < 0.05


def test_mel_cepstrum_shape(speech: Audio) -> None:
    cepstrum = mel_cepstrum(speech)
    assert cepstrum.shape[1] == 24 and 0 < cepstrum.shape[0] <= speech.duration_s * 100 + 1


@pytest.mark.parametrize("metric", [pesq_wb, stoi, mcd])
def test_silent_or_short_audio_is_undefined(metric, speech: Audio) -> None:  # type: ignore[no-untyped-def]
    silent = Audio.from_array(np.zeros(16_000), 16_000)
    with pytest.raises(MetricError):
        metric(speech, silent)
    with pytest.raises(MetricError):
        metric(Audio.from_array(np.zeros(10), 16_000), speech)


def test_reference_metrics_resample_48k_inputs(speech: Audio, tmp_path: Path) -> None:
    from rocktop.audio.resample import resample

    up = Audio.from_array(resample(speech.mono(), 16_000, 48_000), 48_000)
    assert pesq_wb(up, up) > 4.5
    assert stoi(up, speech) > 0.99


def test_mcd_ignores_overall_gain(speech: Audio) -> None:
    quieter = Audio(speech.samples * np.float32(0.1), speech.sample_rate)
    assert mcd(speech, quieter) == pytest.approx(0.0, abs=1e-4)  # float32 STFT rounding
