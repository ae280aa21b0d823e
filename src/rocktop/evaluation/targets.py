"""The voice-cloning plan's quality targets as pass/fail lines.

WER <= 7%, CER <= 3% (pooled over clips, ASR model named in the report), speaker similarity
>= 0.75 (mean cosine, resemblyzer), realtime factor >= 1 (pooled duration / time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """``metric op threshold``; ``percent`` formats the values as percentages."""

    metric: str
    label: str
    op: str
    threshold: float
    percent: bool = False

    def passes(self, value: float) -> bool:
        return value <= self.threshold if self.op == "<=" else value >= self.threshold

    def format(self, value: float) -> str:
        return f"{100 * value:.2f}%" if self.percent else f"{value:.3f}"


PLAN_TARGETS = (
    Target("wer", "WER", "<=", 0.07, percent=True),
    Target("cer", "CER", "<=", 0.03, percent=True),
    Target("speaker_similarity", "speaker similarity", ">=", 0.75),
    Target("rtf", "realtime factor", ">=", 1.0),
)


@dataclass(frozen=True)
class TargetCheck:
    """A target and its outcome; ``passed`` is None when the metric was not measured."""

    target: Target
    value: float | None
    passed: bool | None

    @property
    def line(self) -> str:
        t = self.target
        goal = f"{t.op} {t.format(t.threshold)}"
        if self.value is None or self.passed is None:
            return f"SKIP  {t.label} {goal}: not measured"
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {t.label} {t.format(self.value)} {goal}"

    def as_dict(self) -> dict[str, object]:
        return {
            "metric": self.target.metric,
            "op": self.target.op,
            "threshold": self.target.threshold,
            "value": self.value,
            "passed": self.passed,
            "line": self.line,
        }


def check_targets(
    summary: Mapping[str, float], targets: tuple[Target, ...] = PLAN_TARGETS
) -> list[TargetCheck]:
    """Check each target against ``summary`` (``EvalResult.summary()``)."""
    checks = []
    for target in targets:
        value = summary.get(target.metric)
        if value is None or not math.isfinite(value):
            checks.append(TargetCheck(target, None, None))
        else:
            checks.append(TargetCheck(target, float(value), target.passes(float(value))))
    return checks
