"""Per-checkpoint evaluation: metrics through rocktop.evaluation, artifacts, undefined metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rocktop.testing import synth
from rocktop.training.evaluate import ClipEvaluator, ValClip

SR = 48_000


def _clip(name: str, f0: float, generated_f0: float | None = None) -> ValClip:
    contour = synth.vibrato_contour(f0, 1.5)
    target = synth.tone_from_contour(contour, SR)
    generated = (
        target
        if generated_f0 is None
        else synth.tone_from_contour(synth.vibrato_contour(generated_f0, 1.5), SR)
    )
    return ValClip(name, generated, target, contour.astype(np.float32), SR)


@pytest.mark.slow
def test_identical_resynthesis_scores_perfectly_and_writes_artifacts(tmp_path: Path) -> None:
    evaluator = ClipEvaluator(pitch_method="pm", speaker=True, artifacts=1)
    metrics = evaluator.evaluate([_clip("a", 200.0), _clip("b", 150.0)], tmp_path / "step")
    assert metrics["val/mcd_db"] == pytest.approx(0.0, abs=1e-6)
    assert metrics["val/f0_rmse_cents"] < 30.0
    assert metrics["val/speaker_similarity"] > 0.8  # vs the mean embedding of both clips
    written = sorted(p.name for p in (tmp_path / "step").iterdir())
    assert written == ["a.f0.png", "a.mel.png", "a.wav"]


def test_wrong_pitch_and_silence_are_scored_or_left_out() -> None:
    evaluator = ClipEvaluator(pitch_method="pm", speaker=False, artifacts=0)
    octave = evaluator.evaluate([_clip("a", 200.0, generated_f0=400.0)])
    assert octave["val/f0_rmse_cents"] > 1000.0
    silent = _clip("s", 200.0)
    silent.generated = np.zeros_like(silent.generated)
    assert evaluator.evaluate([silent]) == {}  # every metric undefined: nothing, no crash
    assert evaluator.evaluate([]) == {}
