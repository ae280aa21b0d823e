"""Signal steps of spec §5: split search, RMS mix, high-pass, peak rules."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rocktop.inference import dsp
from rocktop.inference.dsp import FP16_CONSTANTS, FP32_CONSTANTS, ChunkConstants


def test_constants_by_precision() -> None:
    assert dsp.constants_for(torch.float16) == FP16_CONSTANTS == ChunkConstants(3, 10, 60, 65)
    assert dsp.constants_for(torch.float32) == FP32_CONSTANTS == ChunkConstants(1, 6, 38, 41)
    assert FP16_CONSTANTS.t_pad == 48_000 and FP32_CONSTANTS.t_max == 656_000


def test_split_points_find_the_quietest_spot() -> None:
    c = ChunkConstants(x_pad=1, x_query=1, x_center=2, x_max=3)
    rng = np.random.default_rng(0)
    audio = (0.3 * rng.standard_normal(16_000 * 5)).astype(np.float32)
    audio[28_000:28_400] = 0.0  # quiet gap inside [t_center - t_query, t_center + t_query)
    audio[70_000:70_400] = 0.0
    points = dsp.split_points(audio, c)
    assert len(points) == 2
    assert 27_900 <= points[0] <= 28_400 - 80
    assert 69_900 <= points[1] <= 70_400 - 80
    assert dsp.split_points(audio[: 3 * 16_000 - 160], c) == []


def test_peak_rules() -> None:
    loud = np.array([0.0, 2.0, -1.0], dtype=np.float32)
    np.testing.assert_allclose(dsp.limit_peak(loud), [0.0, 0.95, -0.475])
    quiet = np.array([0.1, -0.5], dtype=np.float32)
    assert dsp.limit_peak(quiet) is quiet
    assert abs(np.abs(dsp.limit_output_peak(loud)).max() - 0.99) < 1e-6


def test_highpass_removes_rumble_and_keeps_voice() -> None:
    t = np.arange(32_000) / 16_000
    rumble = dsp.highpass_48hz(np.sin(2 * np.pi * 15 * t).astype(np.float32))
    voice = dsp.highpass_48hz(np.sin(2 * np.pi * 300 * t).astype(np.float32))
    assert np.abs(rumble[4000:-4000]).max() < 0.01
    assert abs(np.abs(voice[4000:-4000]).max() - 1.0) < 0.01


def test_rms_mix_rate_one_is_identity_and_zero_follows_input() -> None:
    out = np.ones(48_000 * 3, dtype=np.float32) * 0.5
    source = np.concatenate([np.full(16_000, 0.1), np.full(32_000, 0.4)]).astype(np.float32)
    assert dsp.mix_rms(source, out, 48_000, 1.0) is out
    mixed = dsp.mix_rms(source, out, 48_000, 0.0)
    assert abs(mixed[48_000 * 2 + 24_000] - 0.4) < 0.02  # takes the input's level
    assert mixed[1_000] < 0.2


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.01, 1.0))
def test_rms_mix_of_identical_levels_keeps_the_level(rate: float, level: float) -> None:
    source = np.full(32_000, level, dtype=np.float32)
    out = np.full(96_000, level, dtype=np.float32)
    mixed = dsp.mix_rms(source, out, 48_000, rate)
    np.testing.assert_allclose(mixed[24_000:72_000], level, rtol=1e-3)
