"""Evaluation fixtures: hand-built EvalResults with known values."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rocktop.evaluation.result import ClipScores, EvalResult
from rocktop.evaluation.stats import aggregate


def _make_result(
    per_clip: dict[str, list[float]], pooled: dict[str, float] | None = None
) -> EvalResult:
    """A result with ``len(values)`` clips named c0, c1, ...; ``per_clip[metric][i]``."""
    count = len(next(iter(per_clip.values())))
    clips = [
        ClipScores(f"c{i}", 2.0, {metric: values[i] for metric, values in per_clip.items()})
        for i in range(count)
    ]
    aggregates = {metric: aggregate(values) for metric, values in per_clip.items()}
    return EvalResult(clips, aggregates, pooled or {}, {"pitch_shift": 0.0})


@pytest.fixture
def make_result() -> Callable[..., EvalResult]:
    """``make_result({metric: [per-clip values]}, pooled=None) -> EvalResult``."""
    return _make_result
