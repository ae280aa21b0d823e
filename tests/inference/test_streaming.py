"""StreamingConverter (spec §8): geometry, seams, agreement with offline, bad blocks."""

from __future__ import annotations

import numpy as np
import pytest

from rocktop.audio.types import Audio
from rocktop.features.pitch import get_pitch_extractor
from rocktop.inference import ConversionError, ConversionParams, Converter
from rocktop.inference.streaming import StreamingConverter, StreamingSettings
from rocktop.models.voice import VoiceModel, default_metadata
from rocktop.testing import synth
from rocktop.testing.contentvec import tiny_contentvec
from rocktop.testing.models import tiny_synthesizer

PARAMS = ConversionParams(
    f0_method="pm", rms_mix_rate=1.0, noise_scale=0.0, excitation_noise=0.0, index_rate=0.0
)


def _converter(sample_rate: int = 32_000, f0: bool = True) -> Converter:
    encoder = tiny_contentvec("v2")
    model = tiny_synthesizer("v2", sample_rate, f0, content_dim=encoder.dim)
    voice = VoiceModel.from_synthesizer(model, default_metadata(model.config, "tiny"))
    return Converter(voice, encoder, get_pitch_extractor)


def _tone(rate: int = 32_000) -> Audio:
    contour = synth.with_silence(synth.vibrato_contour(220.0, 2.6), 0.2, 0.2)
    return Audio.from_array(synth.tone_from_contour(contour, rate), rate)


def test_geometry_matches_rvc_defaults_at_48k() -> None:
    streaming = StreamingConverter(_converter(48_000))
    f = streaming.frames
    assert (f.zc, f.block, f.crossfade, f.sola_buffer, f.sola_search, f.extra) == (
        480, 12_000, 2_400, 1_920, 480, 120_000,
    )  # fmt: skip
    assert f.skip_head == 250 and f.return_length == 30
    assert streaming.latency_s == pytest.approx(0.31)


def test_streamed_output_matches_offline_and_seams_are_continuous() -> None:
    converter, audio = _converter(), _tone()
    offline = converter.convert(audio, PARAMS).samples[0]
    streaming = StreamingConverter(converter, PARAMS, StreamingSettings(extra_s=1.0))
    blocks = list(streaming.stream(audio))
    raw = np.concatenate(blocks)
    assert len(streaming.block_seconds) == len(blocks)
    assert np.median(streaming.block_seconds) < streaming.settings.block_s
    steps = np.abs(np.diff(raw))
    seams = [steps[k * streaming.block_size - 1] for k in range(1, len(blocks))]
    assert max(seams) <= steps.max()
    streamed = streaming.convert(audio).samples[0]
    assert len(streamed) == audio.num_samples
    core = slice(3_200, len(offline) - 3_200)
    best = max(
        np.corrcoef(offline[core], np.roll(streamed, -lag)[core])[0, 1]
        for lag in range(-400, 401, 2)
    )
    assert best >= 0.99


def test_reused_units_stay_close_to_reencoding_the_whole_context() -> None:
    converter, audio = _converter(), _tone()
    outs = []
    for window in (None, 0.8):
        settings = StreamingSettings(extra_s=1.5, content_window_s=window)
        outs.append(StreamingConverter(converter, PARAMS, settings).convert(audio).samples[0])
    assert np.corrcoef(outs[0], outs[1])[0, 1] >= 0.99
    assert not np.array_equal(outs[0], outs[1])  # the window really was used


def test_no_f0_voice_streams() -> None:
    streaming = StreamingConverter(_converter(f0=False), PARAMS, StreamingSettings(extra_s=0.5))
    out = streaming.process(np.zeros(streaming.block_size, dtype=np.float32))
    assert out.shape == (streaming.block_size,) and np.isfinite(out).all()


def test_bad_blocks_and_settings_are_refused() -> None:
    streaming = StreamingConverter(_converter(), PARAMS, StreamingSettings(extra_s=0.5))
    with pytest.raises(ConversionError, match="block must hold"):
        streaming.process(np.zeros(10, dtype=np.float32))
    with pytest.raises(ConversionError, match="NaN"):
        streaming.process(np.full(streaming.block_size, np.nan, dtype=np.float32))
    with pytest.raises(ConversionError, match="block_s"):
        StreamingSettings(block_s=5.0)
    with pytest.raises(ConversionError, match="content_window_s"):
        StreamingSettings(content_window_s=0.0)
