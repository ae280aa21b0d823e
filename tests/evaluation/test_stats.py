"""Aggregates: Student-t 95% interval, missing values, degenerate sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from rocktop.evaluation.stats import Aggregate, aggregate


def test_interval_is_the_student_t_interval() -> None:
    values = [0.71, 0.78, 0.74, 0.80, 0.69, 0.77]
    low, high = stats.t.interval(0.95, len(values) - 1, np.mean(values), stats.sem(values))
    agg = aggregate(values)
    assert agg.mean == pytest.approx(np.mean(values))
    assert (agg.ci_low, agg.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert agg.n == 6 and agg.n_missing == 0


def test_non_finite_values_are_left_out_and_counted() -> None:
    agg = aggregate([1.0, float("nan"), 3.0, float("inf")])
    assert agg.mean == 2.0 and agg.n == 2 and agg.n_missing == 2


def test_degenerate_sizes() -> None:
    one = aggregate([5.0])
    assert one.mean == 5.0 and math.isnan(one.ci_low) and one.n == 1
    none = aggregate([])
    assert math.isnan(none.mean) and none.n == 0


def test_json_round_trip_keeps_nan() -> None:
    agg = aggregate([5.0])
    data = agg.as_dict()
    assert data["ci_low"] is None
    back = Aggregate.from_dict(data)
    assert back.mean == 5.0 and math.isnan(back.ci_high)


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_mean_lies_inside_its_interval(values: list[float]) -> None:
    agg = aggregate(values)
    assert agg.ci_low - 1e-6 <= agg.mean <= agg.ci_high + 1e-6
