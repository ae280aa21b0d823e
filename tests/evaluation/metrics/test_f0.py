"""F0 metrics on synthetic contours with planted errors return exactly those errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocktop.evaluation.errors import MetricError
from rocktop.evaluation.metrics.f0 import f0_scores

FRAMES = 200


def _reference() -> np.ndarray:
    return np.full(FRAMES, 200.0)


def test_identical_contours_have_no_error() -> None:
    ref = 200.0 + 20.0 * np.sin(np.linspace(0, 6, FRAMES))
    scores = f0_scores(ref, ref)
    assert scores.f0_rmse_hz == 0.0 and scores.f0_rmse_cents == 0.0
    assert scores.f0_corr == pytest.approx(1.0)
    assert scores.vde == scores.gpe_cents == scores.gpe_20pct == scores.ffe == 0.0


def test_octave_jumps_are_counted_exactly() -> None:
    ref = _reference()
    est = ref.copy()
    est[10:30] *= 2.0  # 20 frames an octave up
    est[50:60] /= 2.0  # 10 frames an octave down
    scores = f0_scores(ref, est)
    assert scores.octave_error_rate == pytest.approx(30 / FRAMES)
    assert scores.gpe_cents == pytest.approx(30 / FRAMES)
    assert scores.gpe_20pct == pytest.approx(30 / FRAMES)
    assert scores.f0_rmse_cents == pytest.approx(math.sqrt(30 * 1200.0**2 / FRAMES))
    expected_hz = math.sqrt((20 * 200.0**2 + 10 * 100.0**2) / FRAMES)
    assert scores.f0_rmse_hz == pytest.approx(expected_hz)
    assert scores.vde == 0.0


@pytest.mark.parametrize("cents", [10.0, 30.0, 49.0, 51.0, 300.0])
def test_constant_cent_offset(cents: float) -> None:
    ref = 150.0 + 50.0 * np.linspace(0, 1, FRAMES)
    est = ref * 2.0 ** (cents / 1200.0)
    scores = f0_scores(ref, est)
    assert scores.f0_rmse_cents == pytest.approx(cents)
    assert scores.gpe_cents == (1.0 if cents > 50 else 0.0)
    assert scores.gpe_20pct == (1.0 if 2.0 ** (cents / 1200) - 1 > 0.2 else 0.0)
    assert scores.f0_corr == pytest.approx(1.0)


def test_voicing_flips_are_counted_exactly() -> None:
    ref = _reference()
    est = ref.copy()
    est[0:7] = 0.0  # voiced -> unvoiced in 7 frames
    ref[100:105] = 0.0  # unvoiced in the reference, voiced in the estimate: 5 frames
    scores = f0_scores(ref, est)
    assert scores.vde == pytest.approx(12 / FRAMES)
    assert scores.ffe == pytest.approx(12 / FRAMES)
    assert scores.voiced_frames == FRAMES - 12
    assert scores.f0_rmse_hz == 0.0


def test_pitch_shift_is_the_expected_transposition() -> None:
    ref = _reference()
    est = ref * 2.0 ** (12 / 12)  # converted an octave up, as asked
    assert f0_scores(ref, est, pitch_shift=12.0).f0_rmse_cents == pytest.approx(0.0, abs=1e-9)
    assert f0_scores(ref, est).octave_error_rate == 1.0


def test_lengths_are_truncated_to_the_shorter() -> None:
    scores = f0_scores(_reference(), _reference()[:150])
    assert scores.frames == 150


def test_undefined_inputs_raise_metric_errors() -> None:
    with pytest.raises(MetricError, match="voiced in both"):
        f0_scores(np.zeros(10), np.full(10, 100.0))
    with pytest.raises(MetricError, match="empty"):
        f0_scores(np.zeros(0), np.zeros(0))
    with pytest.raises(MetricError, match="NaN"):
        f0_scores(np.array([100.0, np.nan, 100.0]), np.full(3, 100.0))


def test_constant_contours_have_undefined_correlation() -> None:
    assert math.isnan(f0_scores(_reference(), _reference() * 1.01).f0_corr)


@given(
    st.lists(st.floats(60.0, 1000.0), min_size=2, max_size=50),
    st.floats(-1200.0, 1200.0),
)
def test_uniform_cent_offset_property(values: list[float], cents: float) -> None:
    ref = np.asarray(values)
    scores = f0_scores(ref, ref * 2.0 ** (cents / 1200.0))
    assert scores.f0_rmse_cents == pytest.approx(abs(cents), abs=1e-6)
    assert scores.vde == 0.0
