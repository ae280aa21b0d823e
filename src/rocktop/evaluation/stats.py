"""Aggregates of per-clip values with 95% confidence intervals.

The interval is Student's t interval for the mean: ``mean +/- t(0.975, n-1) * s / sqrt(n)``
with ``s`` the sample standard deviation (ddof=1). It assumes roughly independent clips; with
n < 2 the interval is undefined (NaN bounds). Non-finite values (a metric undefined for a
clip) are left out and counted in ``n_missing``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Aggregate:
    """Summary of one metric over clips: mean, 95% t interval, spread, counts."""

    mean: float
    ci_low: float
    ci_high: float
    std: float
    median: float
    n: int
    n_missing: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {key: _json_float(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Aggregate:
        return cls(**{key: _from_json(value) for key, value in data.items()})


def _json_float(value: float | int) -> float | int | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _from_json(value: Any) -> Any:
    return float("nan") if value is None else value


def aggregate(values: Iterable[float]) -> Aggregate:
    """Mean, 95% Student-t confidence interval, std (ddof=1), median of the finite values."""
    array = np.asarray(list(values), dtype=np.float64)
    finite = array[np.isfinite(array)]
    missing = int(array.size - finite.size)
    nan = float("nan")
    if finite.size == 0:
        return Aggregate(nan, nan, nan, nan, nan, 0, missing)
    mean, median = float(finite.mean()), float(np.median(finite))
    if finite.size < 2:
        return Aggregate(mean, nan, nan, nan, median, 1, missing)
    std = float(finite.std(ddof=1))
    half = float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, finite.size - 1)) * std
    half /= math.sqrt(finite.size)
    return Aggregate(mean, mean - half, mean + half, std, median, int(finite.size), missing)
