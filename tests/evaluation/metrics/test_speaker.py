"""Speaker similarity: a flite voice on other sentences scores above other voices."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from rocktop.audio import io
from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError
from rocktop.evaluation.metrics.speaker import speaker_similarity, target_embedding
from rocktop.features.speaker import SpeakerEncoder
from rocktop.testing.speech import SENTENCES, flite_say

logger = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


def _say(tmp: Path, voice: str, index: int) -> Audio:
    return io.load(flite_say(SENTENCES[index], voice, tmp / f"{voice}{index}.wav"))


@pytest.mark.slow
def test_same_voice_scores_clearly_above_other_voices(
    encoder: SpeakerEncoder, tmp_path: Path
) -> None:
    voices = ("slt", "rms", "awb", "kal")
    probes = {voice: _say(tmp_path, voice, 3) for voice in voices}
    margins = []
    for voice in voices[:3]:
        target = target_embedding(encoder, [_say(tmp_path, voice, 0), _say(tmp_path, voice, 1)])
        scores = {other: speaker_similarity(encoder, probes[other], target) for other in voices}
        best_other = max(value for other, value in scores.items() if other != voice)
        margins.append(scores[voice] - best_other)
        logger.warning("speaker %s: same %.3f, best other %.3f", voice, scores[voice], best_other)
    assert min(margins) > 0.1, margins


def test_short_or_silent_audio_is_undefined(encoder: SpeakerEncoder) -> None:
    target = np.ones(256, dtype=np.float32) / 16.0
    with pytest.raises(MetricError, match="too short"):
        speaker_similarity(encoder, Audio.from_array(np.ones(100), 16_000), target)
    with pytest.raises(MetricError, match="silent"):
        speaker_similarity(encoder, Audio.from_array(np.zeros(16_000), 16_000), target)
    with pytest.raises(MetricError, match="no target"):
        target_embedding(encoder, [])
