"""The segment planner: every speech sample in exactly one clip, clips within limits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rocktop.data.segment import energy_envelope, plan_clips
from rocktop.data.settings import SegmentSettings

SR = 1000  # planner works on integer samples; a low rate keeps the examples small
HOP = 10


@st.composite
def speech_layouts(
    draw: st.DrawFn,
) -> tuple[list[tuple[int, int]], int, np.ndarray, SegmentSettings]:
    min_s = draw(st.floats(0.5, 6.0))
    max_s = draw(st.floats(max(min_s, 1.0), 16.0))
    margin_s = draw(st.floats(0.0, min(0.3, max_s / 4)))
    total = draw(st.integers(1, 120 * SR))
    raw = draw(
        st.lists(st.tuples(st.integers(-SR, total + SR), st.integers(1, 40 * SR)), max_size=25)
    )
    speech = [(start, start + length) for start, length in raw]
    seed = draw(st.integers(0, 2**16))
    energy = np.random.default_rng(seed).random(-(-total // HOP))
    return speech, total, energy, SegmentSettings(min_s, max_s, margin_s, draw(st.floats(0.0, 3.0)))


def _covered(speech: list[tuple[int, int]], total: int) -> np.ndarray:
    mask = np.zeros(total, dtype=bool)
    for start, end in speech:
        mask[max(start, 0) : max(min(end, total), 0)] = True
    return mask


@settings(max_examples=120, deadline=None)
@given(speech_layouts())
def test_every_speech_sample_lands_in_exactly_one_clip(layout) -> None:  # type: ignore[no-untyped-def]
    speech, total, energy, config = layout
    clips = plan_clips(speech, total, energy, HOP, SR, config)
    counts = np.zeros(total, dtype=np.int32)
    for start, end in clips:
        assert 0 <= start < end <= total
        assert end - start <= int(config.max_s * SR)
        counts[start:end] += 1
    speech_mask = _covered(speech, total)
    assert np.all(counts[speech_mask] == 1)
    assert counts.max(initial=0) <= 1  # clips never overlap
    assert clips == sorted(clips)
    for start, end in clips:  # no clip without speech
        assert speech_mask[start:end].any()


def test_long_speech_is_cut_at_its_quietest_point() -> None:
    sr, hop = 48_000, 480
    rng = np.random.default_rng(0)
    wav = rng.standard_normal(40 * sr).astype(np.float32) * 0.3
    wav[int(12.0 * sr) : int(12.1 * sr)] *= 0.001  # a breath pause at 12 s
    wav[int(26.0 * sr) : int(26.1 * sr)] *= 0.001  # and at 26 s
    clips = plan_clips(
        [(0, 40 * sr)], 40 * sr, energy_envelope(wav, hop), hop, sr, SegmentSettings()
    )
    cuts = [end / sr for _, end in clips[:-1]]
    assert len(clips) == 3
    assert abs(cuts[0] - 12.05) < 0.06 and abs(cuts[1] - 26.05) < 0.06


def test_short_neighbours_are_merged_and_margins_added() -> None:
    sr = 1000
    speech = [(1000, 2500), (3000, 4200), (4600, 6000), (30_000, 37_000)]
    clips = plan_clips(speech, 40_000, np.ones(4000), 10, sr, SegmentSettings())
    assert clips == [(850, 6150), (29_850, 37_150)]


def test_min_longer_than_max_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="longer than max_s"):
        plan_clips([(0, 10)], 10, np.ones(1), 10, 1000, SegmentSettings(min_s=10, max_s=5))
