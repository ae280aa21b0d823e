"""One call for the trainer: convert held-out clips, score, write the report, log to MLflow.

    metrics = MetricSet.build(["speaker", "asr", "f0", "mcd", "rtf"], target_clips=...,
                              pitch_extractor=get_pitch_extractor("pm"))     # once per run
    clips = read_split(data_dir, "val", limit=16)                             # once per run
    result = evaluate_checkpoint(convert, clips, metrics, run_dir / f"eval/step-{step}", step)

``convert`` is any ``Audio -> Audio`` callable (e.g. ``lambda a: converter.convert(a, params)``
with a converter built from the current weights); the evaluation layer never imports the
inference or training layers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rocktop.audio.types import Audio
from rocktop.evaluation.dataset import EvalClip
from rocktop.evaluation.files import converted_pairs
from rocktop.evaluation.report import write_report
from rocktop.evaluation.result import ClipScores, EvalResult
from rocktop.evaluation.runner import MetricSet, evaluate_pairs
from rocktop.evaluation.tracking import log_to_mlflow


def evaluate_checkpoint(
    convert: Callable[[Audio], Audio],
    clips: Sequence[EvalClip],
    metrics: MetricSet,
    out_dir: Path,
    step: int | None = None,
    title: str = "rocktop checkpoint evaluation",
    worst: int = 3,
    on_done: Callable[[ClipScores], None] | None = None,
) -> EvalResult:
    """Convert ``clips`` (timed, audio kept in ``out_dir/audio``), score them, write
    ``out_dir/eval.json`` and ``out_dir/report.html``, and log both to the active MLflow run
    (metrics at ``step``). Returns the result (``result.summary()`` for the trainer's logs)."""
    out_dir = Path(out_dir)
    pairs = list(converted_pairs(clips, convert, out_dir / "audio"))
    result = evaluate_pairs(pairs, metrics, on_done=on_done)
    if step is not None:
        result.info["step"] = step
    paths = write_report(result, out_dir, title, {pair.clip_id: pair for pair in pairs}, worst)
    log_to_mlflow(result, step=step, artifacts=paths, artifact_path=out_dir.name)
    return result
