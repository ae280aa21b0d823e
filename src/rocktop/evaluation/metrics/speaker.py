"""Speaker similarity: cosine of speaker embeddings.

Definition: ``similarity = cos(e(converted), t)`` where ``e`` is the resemblyzer GE2E
encoder (``rocktop.features.speaker.SpeakerEncoder``: 16 kHz mono, sliding 1.6 s windows,
mean of the window embeddings, L2-normalised, 256-d) and ``t`` is the target speaker's
embedding: the L2-normalised mean of the embeddings of the target's reference clips
(``target_embedding``). Range -1..1; resemblyzer embeddings are non-negative (ReLU), so
in practice 0..1. This is the SECS of the literature (Seed-VC's table uses the same
encoder). The plan's target is ``>= 0.75``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError
from rocktop.features.speaker import cosine_similarity

MIN_DURATION_S = 0.5


class Embedder(Protocol):
    """Anything with ``embed(wav (n,), sample_rate) -> (dim,)`` (``SpeakerEncoder``)."""

    def embed(self, wav: np.ndarray, sample_rate: int) -> np.ndarray: ...


def _checked(audio: Audio) -> np.ndarray:
    if audio.duration_s < MIN_DURATION_S:
        raise MetricError(
            f"audio of {audio.duration_s:.2f} s is too short for a speaker embedding "
            f"(needs {MIN_DURATION_S} s)"
        )
    wav = audio.mono()
    if not np.any(wav):
        raise MetricError("audio is silent: no speaker embedding")
    return wav


def speaker_embedding(encoder: Embedder, audio: Audio) -> np.ndarray:
    """Embedding ``(dim,)`` of one clip. Raises ``MetricError`` for short or silent audio."""
    return np.asarray(encoder.embed(_checked(audio), audio.sample_rate), dtype=np.float32)


def target_embedding(encoder: Embedder, clips: Iterable[Audio]) -> np.ndarray:
    """The target speaker's embedding: L2-normalised mean of its clips' embeddings ``(dim,)``."""
    embeddings = [speaker_embedding(encoder, clip) for clip in clips]
    if not embeddings:
        raise MetricError("no target-speaker clips to embed")
    mean = np.mean(np.stack(embeddings), axis=0)
    norm = float(np.linalg.norm(mean))
    if norm == 0.0:
        raise MetricError("target-speaker embedding is zero")
    return (mean / norm).astype(np.float32)


def speaker_similarity(encoder: Embedder, converted: Audio, target: np.ndarray) -> float:
    """Cosine similarity of ``converted``'s embedding with the target embedding ``(dim,)``."""
    return cosine_similarity(speaker_embedding(encoder, converted), target)
