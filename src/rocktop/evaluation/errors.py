"""Errors raised by the evaluation layer."""

from __future__ import annotations

from rocktop.common.errors import RocktopError


class MetricError(RocktopError):
    """A metric is undefined for this input (too short, silent, no voiced frames, ...).

    The runner records the message for that clip and metric and goes on with the others.
    """

    code = "metric_undefined"


class DatasetError(RocktopError):
    """An evaluation dataset (``metadata.jsonl``) is missing, unreadable or has no clips."""

    code = "bad_dataset"
