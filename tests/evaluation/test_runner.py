"""evaluate_pairs on synthetic tones: per-clip values, undefined metrics, pooled figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rocktop.audio import io
from rocktop.audio.types import Audio
from rocktop.common.errors import RocktopError
from rocktop.evaluation.dataset import EvalClip
from rocktop.evaluation.files import converted_pairs
from rocktop.evaluation.runner import ClipPair, MetricSet, evaluate_pairs
from rocktop.features.pitch.registry import get_pitch_extractor
from rocktop.testing import synth

SR = 48_000


class FixedTranscriber:
    """A transcriber whose output is known (tests the pooling, not the ASR)."""

    name = "fixed"

    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, audio: Audio) -> str:
        return self.text


def _tone(f0_hz: float, seconds: float = 1.5) -> Audio:
    contour = synth.with_silence(synth.steady_contour(f0_hz, seconds), 0.2, 0.2)
    return Audio.from_array(synth.tone_from_contour(contour, SR), SR)


def test_f0_mcd_loudness_rtf_on_tones() -> None:
    metrics = MetricSet(
        frozenset({"f0", "mcd", "loudness", "rtf"}), pitch_extractor=get_pitch_extractor("pm")
    )
    source = _tone(200.0)
    pairs = [
        ClipPair("same", source, source, conversion_time_s=0.5),
        ClipPair("fifth-up", _tone(200.0 * 1.5), source, conversion_time_s=1.9),
    ]
    result = evaluate_pairs(pairs, metrics)
    same, fifth = (clip.values for clip in result.clips)
    assert same["f0_rmse_cents"] < 5.0 and same["mcd"] == pytest.approx(0.0, abs=1e-9)
    assert fifth["f0_rmse_cents"] == pytest.approx(702.0, abs=10.0)
    assert fifth["gpe_cents"] > 0.95 and same["gpe_cents"] == 0.0
    assert same["rtf"] == pytest.approx(source.duration_s / 0.5)
    assert result.pooled["rtf"] == pytest.approx(2 * source.duration_s / 2.4)
    assert result.aggregates["f0_rmse_cents"].n == 2


def test_pitch_shift_sets_the_expected_contour() -> None:
    metrics = MetricSet(
        frozenset({"f0"}), pitch_extractor=get_pitch_extractor("pm"), pitch_shift=12.0
    )
    result = evaluate_pairs([ClipPair("octave", _tone(400.0), _tone(200.0))], metrics)
    assert result.clips[0].values["f0_rmse_cents"] < 5.0


def test_undefined_metrics_are_recorded_not_fatal() -> None:
    metrics = MetricSet(frozenset({"f0", "pesq", "mcd", "rtf", "asr"}))
    result = evaluate_pairs([ClipPair("lonely", _tone(200.0))], metrics)
    errors = result.clips[0].errors
    assert set(errors) == {"f0", "pesq", "mcd", "rtf", "asr"}
    assert "no reference audio" in errors["pesq"]
    assert result.aggregates == {}


def test_pooled_wer_is_total_errors_over_total_words() -> None:
    metrics = MetricSet(frozenset({"asr"}), transcriber=FixedTranscriber("one two three"))
    pairs = [
        ClipPair("a", _tone(200.0), text="one two three"),  # 0 errors / 3 words
        ClipPair("b", _tone(200.0), text="one two three four five six seven"),  # 4 deletions / 7
    ]
    result = evaluate_pairs(pairs, metrics)
    assert result.pooled["wer"] == pytest.approx(4 / 10)
    assert result.aggregates["wer"].mean == pytest.approx((0 + 4 / 7) / 2)
    assert result.clips[1].counts["word"]["deletions"] == 4


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(RocktopError, match="unknown metric"):
        MetricSet(frozenset({"dnsmos"}))


def test_converted_pairs_time_and_write_each_clip(tmp_path: Path, write_wav) -> None:  # type: ignore[no-untyped-def]
    source = write_wav("src.wav", _tone(220.0).samples[0])
    clips = [EvalClip("speaker/clip1", source, "hello")]

    def convert(audio: Audio) -> Audio:
        return Audio(audio.samples * np.float32(0.5), audio.sample_rate)

    pairs = list(converted_pairs(clips, convert, tmp_path / "audio"))
    written = io.load(tmp_path / "audio" / "clip1.wav")
    assert np.allclose(written.samples, pairs[0].reference.samples * 0.5)  # type: ignore[union-attr]
    assert pairs[0].conversion_time_s is not None and pairs[0].conversion_time_s >= 0.0
    assert pairs[0].text == "hello"


@pytest.mark.parametrize(
    ("converted", "message"),
    [
        (np.zeros(0, dtype=np.float32), "converted audio is empty"),
        (np.full(48_000, np.nan, dtype=np.float32), "NaN or Inf"),
    ],
)
def test_empty_or_nan_audio_makes_every_metric_undefined(
    converted: np.ndarray, message: str
) -> None:
    metrics = MetricSet(
        frozenset({"f0", "mcd", "loudness", "stoi"}), pitch_extractor=get_pitch_extractor("pm")
    )
    pair = ClipPair("bad", Audio.from_array(converted, SR), _tone(200.0))
    result = evaluate_pairs([pair, ClipPair("good", _tone(200.0), _tone(200.0))], metrics)
    assert set(result.clips[0].errors) == {"f0", "mcd", "loudness", "stoi"}
    assert all(message in reason for reason in result.clips[0].errors.values())
    assert result.aggregates["mcd"].n == 1 and result.aggregates["mcd"].n_missing == 1


def test_pairs_from_files_matches_a_reference_folder_by_name(write_wav, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rocktop.evaluation.files import pairs_from_files

    tone = _tone(200.0).samples[0]
    converted = [write_wav("out/a.wav", tone), write_wav("out/b.wav", tone)]
    write_wav("ref/a.wav", tone)
    write_wav("ref/b.flac", tone, subtype="PCM_24")
    pairs = pairs_from_files([tmp_path / "out"], tmp_path / "ref", "hello")
    assert [(p.clip_id, Path(p.reference_path or "").name) for p in pairs] == [
        ("a", "a.wav"),
        ("b", "b.flac"),
    ]
    assert all(p.text == "hello" and p.reference is not None for p in pairs)
    (tmp_path / "ref" / "b.flac").unlink()
    with pytest.raises(RocktopError, match="no reference named b"):
        pairs_from_files(converted, tmp_path / "ref")
