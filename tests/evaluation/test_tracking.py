"""MLflow logging only inside an active run (local file store in tmp_path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rocktop.evaluation.result import EvalResult
from rocktop.evaluation.tracking import log_to_mlflow

mlflow = pytest.importorskip("mlflow")


def test_logs_metrics_and_artifacts_into_the_active_run(
    make_result: Callable[..., EvalResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = make_result(
        {"speaker_similarity": [0.8, 0.7], "wer": [0.1, 0.0]}, pooled={"wer": 0.05}
    )
    artifact = tmp_path / "eval.json"
    artifact.write_text("{}")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # the local file store, as ./mlruns
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    try:
        assert log_to_mlflow(result) is False  # no active run: nothing logged
        with mlflow.start_run() as run:
            assert log_to_mlflow(result, step=1000, artifacts=[artifact]) is True
        client = mlflow.tracking.MlflowClient()
        metrics = client.get_run(run.info.run_id).data.metrics
        assert metrics["eval/wer"] == 0.05
        assert metrics["eval/speaker_similarity"] == pytest.approx(0.75)
        assert (
            metrics["eval/target_wer"] == 1.0 and metrics["eval/target_speaker_similarity"] == 1.0
        )
        assert "eval/speaker_similarity_ci_low" in metrics
        history = client.get_metric_history(run.info.run_id, "eval/wer")
        assert [m.step for m in history] == [1000]
        files = [f.path for f in client.list_artifacts(run.info.run_id, "eval")]
        assert files == ["eval/eval.json"]
    finally:
        mlflow.set_tracking_uri(None)
