"""JSON and self-contained HTML reports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rocktop.audio.types import Audio
from rocktop.common.errors import RocktopError
from rocktop.evaluation.compare import compare
from rocktop.evaluation.compare_report import write_comparison
from rocktop.evaluation.report import read_json, worst_clips, write_report
from rocktop.evaluation.result import EvalResult
from rocktop.evaluation.runner import ClipPair
from rocktop.testing import synth

Make = Callable[..., EvalResult]


def _no_external_resources(html: str) -> None:
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_json_round_trip_and_targets(make_result: Make, tmp_path: Path) -> None:
    result = make_result(
        {"speaker_similarity": [0.8, float("nan"), 0.7], "wer": [0.0, 0.1, float("inf")]},
        pooled={"wer": 0.04},
    )
    json_path, html_path = write_report(result, tmp_path)
    data = json.loads(json_path.read_text())
    assert (
        data["summary"]["wer"] == 0.04 and data["clips"][1]["values"]["speaker_similarity"] is None
    )
    assert [t["passed"] for t in data["targets"]] == [True, None, True, None]
    back = read_json(json_path)
    assert back.summary()["speaker_similarity"] == pytest.approx(0.75)
    assert back.aggregates["speaker_similarity"].n_missing == 1
    html = html_path.read_text()
    assert "PASS  WER 4.00% &lt;= 7.00%" in html and html.count("data:image/png;base64,") >= 2
    _no_external_resources(html)


def test_worst_clips_carry_players_spectrograms_and_f0(make_result: Make, tmp_path: Path) -> None:
    result = make_result({"speaker_similarity": [0.9, 0.2, 0.5], "mcd": [1.0, 2.0, 3.0]})
    tone = Audio.from_array(
        synth.tone_from_contour(synth.steady_contour(220.0, 1.0), 48_000), 48_000
    )
    result.clips[1].f0_reference = np.full(100, 220.0)
    result.clips[1].f0_converted = np.full(100, 230.0)
    pairs = {"c1": ClipPair("c1", tone, tone)}
    assert [c.clip_id for c in worst_clips(result, "speaker_similarity", 2)] == ["c1", "c2"]
    _, html_path = write_report(result, tmp_path, pairs=pairs, worst=1)
    html = html_path.read_text()
    assert html.count("<audio controls") == 2 and "data:audio/flac;base64," in html
    assert "Worst clips by speaker_similarity" in html and "<h3>c1</h3>" in html
    assert html.count("data:image/png;base64,") == 2 + 3  # distributions + 2 spectrograms + F0


def test_report_loads_audio_from_paths(make_result: Make, tmp_path: Path, write_wav) -> None:  # type: ignore[no-untyped-def]
    result = make_result({"mcd": [5.0]})
    result.clips[0].converted_path = str(write_wav("c.wav", synth.sine(440.0, 1.0, 48_000)))
    result.clips[0].reference_path = str(tmp_path / "missing.wav")
    _, html_path = write_report(result, tmp_path / "out")
    assert html_path.read_text().count("<audio controls") == 1


def test_comparison_report(make_result: Make, tmp_path: Path) -> None:
    a = make_result({"mcd": [4.0, 4.5], "stoi": [0.9, 0.92]})
    b = make_result({"mcd": [5.0, 5.5], "stoi": [0.8, 0.85]})
    json_path, html_path = write_comparison(compare({"a": a, "b": b}), {"a": a, "b": b}, tmp_path)
    data = json.loads(json_path.read_text())
    assert data["ranking"]["best"] == "a" and set(data["results"]) == {"a", "b"}
    html = html_path.read_text()
    assert "best is a" in html and html.count("data:image/png;base64,") == 2
    _no_external_resources(html)


def test_read_json_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(RocktopError, match="not an evaluation result"):
        read_json(path)
