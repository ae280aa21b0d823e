"""Harvest and DIO (pyworld), each refined by StoneMask, as RVC (spec §4.4)."""

from __future__ import annotations

import numpy as np

from rocktop.features.pitch._input import PITCH_SAMPLE_RATE, fit_length, num_frames, to_16k
from rocktop.features.pitch.base import PitchExtractor
from rocktop.features.pitch.convert import F0_MAX_HZ, F0_MIN_HZ

FRAME_PERIOD_MS = 10.0


class _WorldExtractor(PitchExtractor):
    def __init__(self, f0_floor: float = F0_MIN_HZ, f0_ceil: float = F0_MAX_HZ) -> None:
        self.f0_floor = f0_floor
        self.f0_ceil = f0_ceil

    def _raw(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """F0 float32 ``(n16k // 160 + 1,)`` Hz at 100 fps; 0 = unvoiced."""
        import pyworld

        x16 = to_16k(wav, sample_rate, self.name).astype(np.float64)
        f0, times = self._raw(x16)
        f0 = pyworld.stonemask(x16, f0, times, PITCH_SAMPLE_RATE)
        return fit_length(np.asarray(f0, dtype=np.float32), num_frames(len(x16)))

    def params(self) -> dict[str, float]:
        """Parameters that change the output (for cache keys)."""
        return {"f0_floor": self.f0_floor, "f0_ceil": self.f0_ceil, "frame_ms": FRAME_PERIOD_MS}


class HarvestExtractor(_WorldExtractor):
    """``pyworld.harvest(fs=16000, f0_floor=50, f0_ceil=1100, frame_period=10)`` + stonemask."""

    name = "harvest"

    def _raw(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import pyworld

        return pyworld.harvest(
            x,
            fs=PITCH_SAMPLE_RATE,
            f0_floor=self.f0_floor,
            f0_ceil=self.f0_ceil,
            frame_period=FRAME_PERIOD_MS,
        )


class DioExtractor(_WorldExtractor):
    """``pyworld.dio(fs=16000, f0_floor=50, f0_ceil=1100, frame_period=10)`` + stonemask."""

    name = "dio"

    def _raw(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import pyworld

        return pyworld.dio(
            x,
            fs=PITCH_SAMPLE_RATE,
            f0_floor=self.f0_floor,
            f0_ceil=self.f0_ceil,
            frame_period=FRAME_PERIOD_MS,
        )
