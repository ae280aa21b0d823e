"""Ranking several results: per-metric ranks, mean rank, paired differences."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rocktop.common.errors import RocktopError
from rocktop.evaluation.compare import compare
from rocktop.evaluation.result import EvalResult

Make = Callable[..., EvalResult]


def test_better_on_every_metric_ranks_first(make_result: Make) -> None:
    good = make_result({"speaker_similarity": [0.8, 0.82, 0.79], "mcd": [4.0, 4.2, 4.1]})
    bad = make_result({"speaker_similarity": [0.6, 0.61, 0.58], "mcd": [6.0, 6.3, 6.2]})
    ranking = compare({"ckpt-1000": bad, "ckpt-2000": good})
    assert ranking.order == ["ckpt-2000", "ckpt-1000"]
    assert ranking.ranks["ckpt-2000"] == {"mcd": 1.0, "speaker_similarity": 1.0}
    delta = ranking.paired["ckpt-1000"]["speaker_similarity"]
    assert delta.mean == pytest.approx(-0.62 / 3) and delta.ci_high < 0.0
    assert ranking.as_dict()["paired_vs_best"]["ckpt-1000"]["mcd"]["significant"] is True


def test_pooled_values_rank_wer_and_unmeasured_metrics_are_skipped(make_result: Make) -> None:
    a = make_result({"wer": [0.0, 0.5], "lufs": [-20.0, -20.0]}, pooled={"wer": 0.05})
    b = make_result({"wer": [0.1, 0.1], "pesq": [3.0, 3.0]}, pooled={"wer": 0.10})
    ranking = compare({"a": a, "b": b})
    assert ranking.metrics == ["wer"] and ranking.best == "a"
    assert ranking.values["a"]["wer"] == 0.05


def test_ties_share_ranks_and_break_by_name(make_result: Make) -> None:
    same = {"stoi": [0.9, 0.8]}
    ranking = compare({"z": make_result(same), "a": make_result(same)})
    assert ranking.order == ["a", "z"] and ranking.mean_rank == {"a": 1.5, "z": 1.5}
    assert ranking.paired["z"]["stoi"].mean == 0.0


def test_comparison_needs_two_results_and_a_shared_metric(make_result: Make) -> None:
    with pytest.raises(RocktopError, match="at least two"):
        compare({"only": make_result({"mcd": [1.0]})})
    with pytest.raises(RocktopError, match="no rankable metric"):
        compare({"a": make_result({"mcd": [1.0]}), "b": make_result({"pesq": [2.0]})})
