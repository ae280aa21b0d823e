"""The plan's targets print as PASS/FAIL/SKIP lines."""

from __future__ import annotations

from rocktop.evaluation.targets import check_targets


def test_target_lines() -> None:
    lines = [c.line for c in check_targets({"wer": 0.05, "cer": 0.031, "speaker_similarity": 0.75})]
    assert lines == [
        "PASS  WER 5.00% <= 7.00%",
        "FAIL  CER 3.10% <= 3.00%",
        "PASS  speaker similarity 0.750 >= 0.750",
        "SKIP  realtime factor >= 1.000: not measured",
    ]


def test_nan_is_not_measured() -> None:
    check = check_targets({"rtf": float("nan")})[3]
    assert check.passed is None and check.as_dict()["value"] is None
