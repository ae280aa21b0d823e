"""Golden tests of RVC's F0 post-processing (spec §4.1)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rocktop.features.pitch import apply_filter_radius, f0_to_coarse, postprocess_f0, shift_f0
from rocktop.features.pitch.convert import F0_MEL_MAX, F0_MEL_MIN


def _reference_coarse(f0: float) -> int:
    """The spec's formula written out scalar by scalar."""
    mel = 1127 * math.log(1 + f0 / 700)
    if mel > 0:
        mel = (mel - 77.75496616579426) * 254 / (1064.4082331636394 - 77.75496616579426) + 1
    mel = min(max(mel, 1), 255)
    return int(np.rint(mel))


def test_spec_constants() -> None:
    assert F0_MEL_MIN == 77.75496616579426
    assert F0_MEL_MAX == 1064.4082331636394


def test_coarse_golden_values() -> None:
    f0 = np.array([0.0, 10.0, 50.0, 100.0, 220.0, 440.0, 1000.0, 1100.0, 1500.0])
    assert f0_to_coarse(f0).tolist() == [1, 1, 1, 20, 60, 122, 238, 255, 255]
    assert f0_to_coarse(f0).dtype == np.int64


def test_coarse_matches_reference_on_grid() -> None:
    f0 = np.concatenate([[0.0], np.geomspace(20, 3000, 2000)])
    expected = [_reference_coarse(v) for v in f0]
    assert f0_to_coarse(f0).tolist() == expected


@given(st.lists(st.floats(0, 5000), min_size=1, max_size=50))
def test_coarse_is_monotonic_and_bounded(values: list[float]) -> None:
    f0 = np.sort(np.array(values))
    coarse = f0_to_coarse(f0)
    assert coarse.min() >= 1 and coarse.max() <= 255
    assert np.all(np.diff(coarse) >= 0)


def test_shift_is_semitone_ratio_and_keeps_unvoiced() -> None:
    f0 = np.array([0.0, 220.0, 440.0])
    np.testing.assert_allclose(shift_f0(f0, 12), [0.0, 440.0, 880.0])
    np.testing.assert_allclose(shift_f0(f0, -12), [0.0, 110.0, 220.0])
    np.testing.assert_allclose(shift_f0(f0, 1)[1], 220.0 * 2 ** (1 / 12))


def test_median_rule_only_harvest_and_radius_above_two() -> None:
    f0 = np.array([100.0, 100.0, 500.0, 100.0, 100.0, 0.0, 200.0, 200.0])
    filtered = apply_filter_radius(f0, "harvest", 3)
    assert filtered[2] == 100.0  # the spike is removed by medfilt(3)
    np.testing.assert_array_equal(apply_filter_radius(f0, "harvest", 7), filtered)  # kernel 3
    np.testing.assert_array_equal(apply_filter_radius(f0, "harvest", 2), f0)
    for method in ("rmvpe", "pm", "crepe", "dio", "fcpe"):
        np.testing.assert_array_equal(apply_filter_radius(f0, method, 7), f0)


def test_postprocess_filters_then_shifts() -> None:
    f0 = np.array([0.0, 220.0, 880.0, 220.0, 220.0])
    coarse, f0_out = postprocess_f0(f0, "harvest", semitones=12, filter_radius=3)
    np.testing.assert_allclose(f0_out, [0.0, 440.0, 440.0, 440.0, 440.0], rtol=1e-6)
    assert f0_out.dtype == np.float32
    np.testing.assert_array_equal(coarse, f0_to_coarse(f0_out.astype(np.float64)))
