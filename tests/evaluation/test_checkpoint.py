"""evaluate_checkpoint: convert, score, report and log in one call (the trainer's hook)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rocktop.audio.types import Audio
from rocktop.evaluation.checkpoint import evaluate_checkpoint
from rocktop.evaluation.dataset import EvalClip
from rocktop.evaluation.runner import MetricSet
from rocktop.testing import synth

mlflow = pytest.importorskip("mlflow")


def test_checkpoint_evaluation_writes_and_logs(
    write_wav,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    contour = synth.with_silence(synth.steady_contour(210.0, 1.0), 0.2, 0.2)
    source = write_wav("src/a.wav", synth.tone_from_contour(contour, 48_000))
    clips = [EvalClip("a", source, None), EvalClip("b", source, None)]

    def convert(audio: Audio) -> Audio:  # a "checkpoint" that halves the level
        return Audio(audio.samples * np.float32(0.5), audio.sample_rate)

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    try:
        with mlflow.start_run() as run:
            metrics = MetricSet(frozenset({"mcd", "loudness", "rtf"}))
            result = evaluate_checkpoint(convert, clips, metrics, tmp_path / "step-500", step=500)
        logged = mlflow.tracking.MlflowClient().get_run(run.info.run_id).data.metrics
    finally:
        mlflow.set_tracking_uri(None)
    assert result.summary()["lufs_delta"] == pytest.approx(-6.02, abs=0.05)
    assert result.aggregates["mcd"].mean < 0.01 and result.pooled["rtf"] > 1.0
    assert json.loads((tmp_path / "step-500" / "eval.json").read_text())["info"]["step"] == 500
    assert (tmp_path / "step-500" / "audio" / "b.wav").is_file()
    assert logged["eval/lufs_delta"] == pytest.approx(-6.02, abs=0.05)
