"""The offline pipeline (spec §5) with tiny real components: lengths, determinism, options."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rocktop.audio.types import Audio
from rocktop.common.errors import RocktopError
from rocktop.features.pitch import get_pitch_extractor
from rocktop.inference import ConversionError, ConversionParams, Converter
from rocktop.inference.dsp import FP16_CONSTANTS, ChunkConstants
from rocktop.models.index import RetrievalIndex, build_index
from rocktop.models.voice import VoiceModel, default_metadata
from rocktop.testing import synth
from rocktop.testing.contentvec import tiny_contentvec
from rocktop.testing.models import tiny_synthesizer

NOISELESS = {"noise_scale": 0.0, "excitation_noise": 0.0}


def _converter(sample_rate: int = 32_000, f0: bool = True, **kwargs: object) -> Converter:
    encoder = tiny_contentvec("v2")
    model = tiny_synthesizer("v2", sample_rate, f0, content_dim=encoder.dim)
    voice = VoiceModel.from_synthesizer(model, default_metadata(model.config, "tiny"))
    return Converter(voice, encoder, get_pitch_extractor, **kwargs)  # type: ignore[arg-type]


def _tone(seconds: float = 1.5, rate: int = 48_000) -> Audio:
    contour = synth.with_silence(synth.vibrato_contour(220.0, seconds - 0.4), 0.2, 0.2)
    return Audio.from_array(synth.tone_from_contour(contour, rate), rate)


@pytest.mark.slow
def test_golden_output_length_10s_48k_xpad3() -> None:
    """Spec §5: 10 s at 48 kHz, x_pad 3, no split -> 479,040 samples (not 480,000)."""
    converter = _converter(48_000, constants=FP16_CONSTANTS)
    audio = Audio.from_array(np.zeros(480_000, dtype=np.float32) + 1e-3, 48_000)
    out = converter.convert(audio, ConversionParams(f0_method="pm", **NOISELESS))
    assert out.sample_rate == 48_000 and out.samples.shape == (1, 479_040)


def test_seeded_runs_repeat_and_noiseless_ignores_the_seed() -> None:
    converter, audio = _converter(), _tone()
    a = converter.convert(audio, ConversionParams(f0_method="pm", seed=3))
    b = converter.convert(audio, ConversionParams(f0_method="pm", seed=3))
    c = converter.convert(audio, ConversionParams(f0_method="pm", seed=4))
    assert np.array_equal(a.samples, b.samples) and not np.array_equal(a.samples, c.samples)
    d = converter.convert(audio, ConversionParams(f0_method="pm", seed=1, **NOISELESS))
    e = converter.convert(audio, ConversionParams(f0_method="pm", seed=2, **NOISELESS))
    assert np.array_equal(d.samples, e.samples)
    assert a.samples.shape[1] == pytest.approx(1.5 * 32_000, abs=640)
    assert np.abs(a.samples).max() <= 0.99 + 1e-6


def test_long_input_is_split_and_keeps_its_length() -> None:
    small = ChunkConstants(x_pad=1, x_query=1, x_center=2, x_max=3)
    converter, audio = _converter(constants=small), _tone(5.0)
    out = converter.convert(audio, ConversionParams(f0_method="pm", **NOISELESS))
    unsplit = _converter().convert(audio, ConversionParams(f0_method="pm", **NOISELESS))
    # each chunk loses 1-2 frames at its right edge (spec §5 step 8)
    assert 0 <= unsplit.num_samples - out.num_samples <= 3 * 2 * 320
    assert out.num_samples > 4.9 * 32_000


def test_index_blend_changes_output_and_rate_zero_ignores_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = _converter()
    feats = base.content_encoder.encode(np.random.default_rng(0).standard_normal(64_000) * 0.1)
    index = RetrievalIndex.load(build_index(np.tile(feats, (4, 1)), tmp_path, "tiny", "v2"))
    with_index = _converter(index=index)
    audio = _tone()
    plain = base.convert(audio, ConversionParams(f0_method="pm", index_rate=0.75, **NOISELESS))
    zero = with_index.convert(audio, ConversionParams(f0_method="pm", index_rate=0.0, **NOISELESS))
    full = with_index.convert(audio, ConversionParams(f0_method="pm", index_rate=1.0, **NOISELESS))
    assert np.array_equal(plain.samples, zero.samples)
    assert not np.array_equal(plain.samples, full.samples)
    probe = feats[:10] + 0.5
    blended = with_index.blend_index(probe, ConversionParams(index_rate=1.0))
    np.testing.assert_allclose(blended, index.retrieve(probe), rtol=1e-6)
    half = with_index.blend_index(probe, ConversionParams(index_rate=0.5))
    np.testing.assert_allclose(half, 0.5 * probe + 0.5 * blended, rtol=1e-5, atol=1e-6)


def test_no_f0_voice_converts_without_pitch_extractors() -> None:
    encoder = tiny_contentvec("v2")
    model = tiny_synthesizer("v2", 32_000, f0=False, content_dim=encoder.dim)
    voice = VoiceModel.from_synthesizer(model, default_metadata(model.config))
    out = Converter(voice, encoder).convert(_tone(), ConversionParams(**NOISELESS))
    assert out.num_samples > 0 and np.isfinite(out.samples).all()


def test_output_sample_rate_and_stereo_input() -> None:
    stereo = _tone(1.0, 44_100)
    stereo = Audio(np.vstack([stereo.samples, 0.5 * stereo.samples]), 44_100)
    out = _converter().convert(stereo, ConversionParams(f0_method="pm", output_sample_rate=48_000))
    assert out.sample_rate == 48_000 and out.channels == 1
    assert out.num_samples == pytest.approx(48_000, abs=1_500)


def test_bf16_runs_close_to_fp32() -> None:
    audio, params = _tone(), ConversionParams(f0_method="pm", **NOISELESS)
    ref = _converter().convert(audio, params).samples
    low = _converter(dtype=torch.bfloat16).convert(audio, params).samples
    assert low.shape == ref.shape and np.isfinite(low).all()
    assert np.corrcoef(ref[0], low[0])[0, 1] > 0.9


@pytest.mark.parametrize(
    ("samples", "params", "message"),
    [
        (np.zeros(10, dtype=np.float32), ConversionParams(), "at least"),
        (np.full(16_000, np.nan, dtype=np.float32), ConversionParams(), "NaN"),
        (np.zeros(16_000, dtype=np.float32), ConversionParams(speaker_id=9), "speaker_id 9"),
    ],
)
def test_bad_inputs_are_refused(
    samples: np.ndarray, params: ConversionParams, message: str
) -> None:
    with pytest.raises(ConversionError, match=message):
        _converter().convert(Audio.from_array(samples, 16_000), params)


def test_bad_setups_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConversionError, match="fp16 needs a GPU"):
        _converter(dtype=torch.float16)
    encoder = tiny_contentvec("v1")  # 4-d units
    model = tiny_synthesizer("v2", 32_000, content_dim=8)
    voice = VoiceModel.from_synthesizer(model, default_metadata(model.config))
    with pytest.raises(ConversionError, match="needs 8-d"):
        Converter(voice, encoder, get_pitch_extractor)
    index = RetrievalIndex.load(
        build_index(np.random.default_rng(0).standard_normal((100, 5)), tmp_path, "x", "v2")
    )
    with pytest.raises(RocktopError, match="5-d vectors"):
        _converter(index=index)


def test_pitch_runs_in_fp32_under_bf16(tmp_path: object) -> None:
    from pathlib import Path

    from rocktop.inference import load_converter
    from rocktop.inference.loading import pitch_dtype_for

    assert pitch_dtype_for(torch.bfloat16) == torch.float32
    assert pitch_dtype_for(torch.float16) == torch.float16
    encoder = tiny_contentvec("v2")
    model = tiny_synthesizer("v2", 32_000, True, content_dim=encoder.dim)
    path = VoiceModel.from_synthesizer(model, default_metadata(model.config, "t")).save(
        Path(str(tmp_path)) / "t.pth"
    )
    converter = load_converter(path, dtype="bfloat16", content_encoder=encoder)
    factory = converter._pitch_factory  # built lazily: rmvpe.pt is not needed to check it
    assert factory.keywords["dtype"] == "float32"  # type: ignore[union-attr]


def test_decoder_windows_follow_the_precision() -> None:
    assert _converter().decode_tile_frames == 250
    assert _converter(dtype=torch.bfloat16).decode_tile_frames == 125
    assert _converter(decode_tile_frames=None).decode_tile_frames is None
    assert _converter(decode_tile_frames=80).decode_tile_frames == 80
