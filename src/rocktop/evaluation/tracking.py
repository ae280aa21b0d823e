"""Log an evaluation to MLflow when (and only when) an MLflow run is active.

Metrics are logged as ``{prefix}{metric}`` (summary value: pooled WER/CER/RTF, else the mean)
plus ``{prefix}{metric}_ci_low`` / ``_ci_high``; target outcomes as ``{prefix}target_{metric}``
(1 pass, 0 fail); the JSON/HTML files as artifacts under ``artifact_path``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from rocktop.evaluation.result import EvalResult
from rocktop.evaluation.targets import check_targets

logger = logging.getLogger(__name__)


def _metrics(result: EvalResult, prefix: str) -> dict[str, float]:
    flat: dict[str, float] = {}
    for name, value in result.summary().items():
        flat[f"{prefix}{name}"] = value
    for name, agg in result.aggregates.items():
        flat[f"{prefix}{name}_ci_low"] = agg.ci_low
        flat[f"{prefix}{name}_ci_high"] = agg.ci_high
    for check in check_targets(result.summary()):
        if check.passed is not None:
            flat[f"{prefix}target_{check.target.metric}"] = float(check.passed)
    return {key: value for key, value in flat.items() if math.isfinite(value)}


def log_to_mlflow(
    result: EvalResult,
    step: int | None = None,
    prefix: str = "eval/",
    artifacts: Sequence[Path] = (),
    artifact_path: str = "eval",
) -> bool:
    """Log ``result`` into the active MLflow run; return False (and do nothing) without one."""
    try:
        import mlflow
    except ImportError:
        logger.debug("mlflow is not installed; evaluation not logged")
        return False
    if mlflow.active_run() is None:
        return False
    mlflow.log_metrics(_metrics(result, prefix), step=step)
    for path in artifacts:
        mlflow.log_artifact(str(path), artifact_path=artifact_path)
    return True
