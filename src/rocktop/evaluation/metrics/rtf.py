"""Realtime factor of a conversion.

Definition: ``rtf = audio_duration_s / processing_time_s`` (seconds of audio produced per
second of wall-clock processing). ``>= 1`` means faster than real time, the plan's target.
(Some papers quote the inverse; here larger is better.) Over several clips the pooled value
``sum(duration) / sum(time)`` is reported next to the per-clip mean.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from rocktop.evaluation.errors import MetricError

T = TypeVar("T")


def realtime_factor(duration_s: float, elapsed_s: float) -> float:
    """``duration_s / elapsed_s``. Raises ``MetricError`` for non-positive values."""
    if duration_s <= 0.0 or elapsed_s <= 0.0:
        raise MetricError(
            f"realtime factor needs positive duration and time, got {duration_s} s / {elapsed_s} s"
        )
    return duration_s / elapsed_s


def timed(function: Callable[[], T]) -> tuple[T, float]:
    """Run ``function()``; return its result and the wall-clock seconds it took."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start
