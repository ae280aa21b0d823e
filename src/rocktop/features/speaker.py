"""Speaker embeddings (resemblyzer's GE2E encoder, weights shipped in its wheel).

Used by the dataset kit (speaker verification) and evaluation (speaker similarity): one code
path for both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rocktop.audio.resample import resample
from rocktop.common.errors import MissingDependencyError

EMBEDDING_RATE = 16_000


class SpeakerEncoder:
    """256-d unit-norm speaker embeddings of mono audio.

    Args:
        device: torch device string (``"cpu"``, ``"cuda"``).
    """

    name = "resemblyzer"
    dim = 256

    def __init__(self, device: str = "cpu") -> None:
        try:
            from resemblyzer import VoiceEncoder
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingDependencyError("resemblyzer", "data") from exc
        self._encoder: Any = VoiceEncoder(device=device, verbose=False)

    def embed(self, wav: np.ndarray, sample_rate: int, partials_per_s: float = 1.3) -> np.ndarray:
        """Embed mono float ``(num_samples,)`` audio: float32 ``(256,)`` with unit L2 norm.

        The whole utterance is used (resemblyzer's sliding 1.6 s windows, averaged).
        ``partials_per_s`` is how many windows start per second: 1.3 (resemblyzer's default)
        overlaps them by half; 0.625 tiles them, for about half the compute.
        """
        audio_16k = resample(np.asarray(wav, dtype=np.float32), sample_rate, EMBEDDING_RATE)
        embedding = self._encoder.embed_utterance(audio_16k.astype(np.float32), rate=partials_per_s)
        return np.asarray(embedding, dtype=np.float32)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings (``-1..1``)."""
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
    return float(np.dot(a, b) / denominator)
