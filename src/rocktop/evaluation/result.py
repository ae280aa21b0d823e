"""Evaluation results: per-clip scores, aggregates with confidence intervals, JSON form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rocktop.evaluation.stats import Aggregate

FORMAT_VERSION = 1

# +1: larger is better, -1: smaller is better. Metrics absent here are reported, not ranked.
DIRECTIONS: dict[str, int] = {
    "speaker_similarity": 1,
    "wer": -1,
    "cer": -1,
    "f0_rmse_hz": -1,
    "f0_rmse_cents": -1,
    "f0_corr": 1,
    "vde": -1,
    "gpe_cents": -1,
    "gpe_20pct": -1,
    "octave_error_rate": -1,
    "ffe": -1,
    "pesq": 1,
    "stoi": 1,
    "mcd": -1,
    "rtf": 1,
}
POOLED = ("wer", "cer", "rtf")  # summarised by the pooled ratio, not the per-clip mean


@dataclass
class ClipScores:
    """Every metric value of one clip, and why a metric is missing.

    Attributes:
        clip_id: the clip's identifier.
        duration_s: duration of the converted audio, seconds.
        values: metric name -> value (see ``rocktop.evaluation.metrics``).
        errors: metric group -> reason it is undefined for this clip.
        transcript: the ASR transcript, when WER/CER ran.
        reference_text: the reference transcript, when given.
        counts: ``word``/``char`` -> S/D/I/hits counts, when WER/CER ran.
        converted_path: file of the converted audio, when it exists on disk.
        reference_path: file of the reference audio, when it exists on disk.
        f0_reference: reference contour, Hz at 100 fps (in memory only, not in JSON).
        f0_converted: converted contour, Hz at 100 fps (in memory only, not in JSON).
    """

    clip_id: str
    duration_s: float
    values: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    transcript: str | None = None
    reference_text: str | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    converted_path: str | None = None
    reference_path: str | None = None
    f0_reference: np.ndarray | None = None
    f0_converted: np.ndarray | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.clip_id,
            "duration_s": self.duration_s,
            "values": {key: _finite_or_none(value) for key, value in self.values.items()},
            "errors": dict(self.errors),
            "transcript": self.transcript,
            "reference_text": self.reference_text,
            "counts": self.counts,
            "converted_path": self.converted_path,
            "reference_path": self.reference_path,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClipScores:
        values = {k: float("nan") if v is None else float(v) for k, v in data["values"].items()}
        return cls(
            clip_id=data["id"],
            duration_s=float(data["duration_s"]),
            values=values,
            errors=dict(data.get("errors", {})),
            transcript=data.get("transcript"),
            reference_text=data.get("reference_text"),
            counts=dict(data.get("counts", {})),
            converted_path=data.get("converted_path"),
            reference_path=data.get("reference_path"),
        )


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass
class EvalResult:
    """Scores of a set of clips.

    Attributes:
        clips: per-clip scores, in input order.
        aggregates: metric -> mean with 95% t interval over the clips (``stats.aggregate``).
        pooled: ``wer``/``cer`` as total errors / total reference units, ``rtf`` as total
            duration / total processing time.
        info: provenance (metrics run, ASR model, pitch extractor, pitch shift, ...).
    """

    clips: list[ClipScores]
    aggregates: dict[str, Aggregate]
    pooled: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, float]:
        """One number per metric: the pooled value for WER/CER/RTF, else the mean."""
        flat = {name: agg.mean for name, agg in self.aggregates.items()}
        flat.update(self.pooled)
        return flat

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "info": self.info,
            "summary": {key: _finite_or_none(value) for key, value in self.summary().items()},
            "pooled": {key: _finite_or_none(value) for key, value in self.pooled.items()},
            "aggregates": {name: agg.as_dict() for name, agg in self.aggregates.items()},
            "clips": [clip.as_dict() for clip in self.clips],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalResult:
        return cls(
            clips=[ClipScores.from_dict(clip) for clip in data["clips"]],
            aggregates={k: Aggregate.from_dict(v) for k, v in data["aggregates"].items()},
            pooled={k: float("nan") if v is None else v for k, v in data["pooled"].items()},
            info=dict(data.get("info", {})),
        )
