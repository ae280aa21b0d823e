"""Rank several voices or checkpoints scored on the same clips.

Ranking rule: for every metric with a direction (``result.DIRECTIONS``) that all results
measured, each result gets a rank (1 = best, ties share the mean rank) on its summary value
(pooled WER/CER/RTF, else the mean). The overall order is by the mean of these ranks, ties
broken by name. Next to the ranks, every result is compared with the leader clip by clip:
the mean paired difference (``result - leader``) on the clips both scored, with its 95%
Student-t interval; ``significant`` when the interval excludes 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

from rocktop.common.errors import RocktopError
from rocktop.evaluation.result import DIRECTIONS, EvalResult
from rocktop.evaluation.stats import Aggregate, aggregate


@dataclass
class Ranking:
    """Order of the compared results and the evidence behind it."""

    order: list[str]
    metrics: list[str]
    values: dict[str, dict[str, float]]
    ranks: dict[str, dict[str, float]]
    mean_rank: dict[str, float]
    paired: dict[str, dict[str, Aggregate]] = field(default_factory=dict)

    @property
    def best(self) -> str:
        return self.order[0]

    def as_dict(self) -> dict[str, Any]:
        def clean(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "order": self.order,
            "best": self.best,
            "metrics": self.metrics,
            "mean_rank": self.mean_rank,
            "ranks": self.ranks,
            "values": {n: {m: clean(v) for m, v in row.items()} for n, row in self.values.items()},
            "paired_vs_best": {
                name: {
                    m: agg.as_dict() | {"significant": _significant(agg)} for m, agg in row.items()
                }
                for name, row in self.paired.items()
            },
        }


def _significant(agg: Aggregate) -> bool:
    return math.isfinite(agg.ci_low) and (agg.ci_low > 0.0 or agg.ci_high < 0.0)


def _shared_metrics(results: Mapping[str, EvalResult], wanted: Sequence[str] | None) -> list[str]:
    summaries = [result.summary() for result in results.values()]
    candidates = wanted if wanted is not None else sorted(DIRECTIONS)
    return [
        metric
        for metric in candidates
        if metric in DIRECTIONS
        and all(math.isfinite(summary.get(metric, math.nan)) for summary in summaries)
    ]


def _paired(result: EvalResult, leader: EvalResult, metric: str) -> Aggregate:
    theirs = {clip.clip_id: clip.values.get(metric, math.nan) for clip in leader.clips}
    deltas = [
        clip.values.get(metric, math.nan) - theirs[clip.clip_id]
        for clip in result.clips
        if clip.clip_id in theirs
    ]
    return aggregate(deltas)


def compare(
    results_by_name: Mapping[str, EvalResult], metrics: Sequence[str] | None = None
) -> Ranking:
    """Rank ``results_by_name`` (name -> result on the same clips); see the module docstring.

    Raises:
        RocktopError: fewer than two results, or no metric measured by all of them.
    """
    if len(results_by_name) < 2:
        raise RocktopError("comparison needs at least two results")
    chosen = _shared_metrics(results_by_name, metrics)
    if not chosen:
        raise RocktopError("no rankable metric was measured by every compared result")
    names = sorted(results_by_name)
    values = {n: {m: results_by_name[n].summary()[m] for m in chosen} for n in names}
    ranks: dict[str, dict[str, float]] = {name: {} for name in names}
    for metric in chosen:
        signed = np.array([-DIRECTIONS[metric] * values[n][metric] for n in names])
        for name, rank in zip(names, scipy_stats.rankdata(signed), strict=True):
            ranks[name][metric] = float(rank)
    mean_rank = {name: float(np.mean(list(ranks[name].values()))) for name in names}
    order = sorted(names, key=lambda name: (mean_rank[name], name))
    leader = results_by_name[order[0]]
    paired = {
        name: {m: _paired(results_by_name[name], leader, m) for m in chosen} for name in order[1:]
    }
    return Ranking(order, chosen, values, ranks, mean_rank, paired)
