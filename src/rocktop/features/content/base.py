"""The content-encoder contract shared by training, conversion and streaming."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

CONTENT_SAMPLE_RATE = 16_000
CONTENT_FRAME_RATE = 50  # frames per second (hop 320 samples at 16 kHz)


class ContentEncoder(ABC):
    """Speech content units from 16 kHz audio.

    Attributes:
        name: registry name (e.g. ``"contentvec"``).
        dim: feature dimension (256 for RVC v1, 768 for v2).
        sample_rate: input rate, always 16,000 Hz.
    """

    name: str
    dim: int
    sample_rate: int = CONTENT_SAMPLE_RATE
    weights_sha256: str | None = None  # sha256 of the weights file, for cache keys

    def params(self) -> dict[str, Any]:
        """Settings that change the output (part of feature-cache keys); JSON-serialisable."""
        return {}

    @abstractmethod
    def encode(self, wav_16k: np.ndarray) -> np.ndarray:
        """Encode mono float32 ``(num_samples,)`` at 16 kHz into ``(frames, dim)`` at 50 fps.

        ``frames = floor((num_samples - 400) / 320) + 1`` (HuBERT framing).
        """
