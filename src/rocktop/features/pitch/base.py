"""The pitch-extractor contract shared by training, conversion and streaming."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

PITCH_FRAME_RATE = 100  # frames per second (hop 160 samples at 16 kHz)


class PitchExtractor(ABC):
    """F0 in Hz at 100 fps, 0 for unvoiced frames.

    Attributes:
        name: registry name (``rmvpe``, ``harvest``, ``dio``, ``pm``, ``crepe``, ``fcpe``).
    """

    name: str
    weights_sha256: str | None = None  # sha256 of the weights file, for cache keys

    def params(self) -> dict[str, Any]:
        """Settings that change the output (part of feature-cache keys); JSON-serialisable."""
        return {}

    @abstractmethod
    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """F0 of mono float32 ``(num_samples,)`` audio: float ``(frames,)`` Hz at 100 fps.

        ``frames`` is ``num_samples * 100 // sample_rate`` (+1 for centred estimators; callers
        truncate or pad to the length they need). 0 means unvoiced.
        """
