"""Praat autocorrelation pitch (``pm``) through praat-parselmouth, as RVC (spec §4.4)."""

from __future__ import annotations

import numpy as np

from rocktop.features.pitch._input import (
    HOP_16K,
    PITCH_SAMPLE_RATE,
    fit_length,
    num_frames,
    to_16k,
)
from rocktop.features.pitch.base import PitchExtractor
from rocktop.features.pitch.convert import F0_MAX_HZ, F0_MIN_HZ


class PraatExtractor(PitchExtractor):
    """``Sound(x, 16000).to_pitch_ac(0.01, voicing_threshold=0.6, 50, 1100)``, centred padding.

    RVC pads Praat's shorter track symmetrically to ``p_len = n // 160`` frames with
    ``pad = (p_len - len + 1) // 2`` zeros in front; we do the same, then append one zero
    frame so every extractor returns ``n // 160 + 1`` frames.
    """

    name = "pm"

    def __init__(
        self,
        voicing_threshold: float = 0.6,
        pitch_floor: float = F0_MIN_HZ,
        pitch_ceiling: float = F0_MAX_HZ,
    ) -> None:
        self.voicing_threshold = voicing_threshold
        self.pitch_floor = pitch_floor
        self.pitch_ceiling = pitch_ceiling

    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """F0 float32 ``(n16k // 160 + 1,)`` Hz at 100 fps; 0 = unvoiced."""
        import parselmouth

        x16 = to_16k(wav, sample_rate, self.name).astype(np.float64)
        pitch = parselmouth.Sound(x16, PITCH_SAMPLE_RATE).to_pitch_ac(
            time_step=HOP_16K / PITCH_SAMPLE_RATE,
            voicing_threshold=self.voicing_threshold,
            pitch_floor=self.pitch_floor,
            pitch_ceiling=self.pitch_ceiling,
        )
        f0 = np.asarray(pitch.selected_array["frequency"], dtype=np.float32)
        p_len = len(x16) // HOP_16K
        pad_left = max(0, (p_len - len(f0) + 1) // 2)
        padded = np.concatenate([np.zeros(pad_left, dtype=np.float32), f0])
        return fit_length(padded, num_frames(len(x16)))

    def params(self) -> dict[str, float]:
        """Parameters that change the output (for cache keys)."""
        return {
            "voicing_threshold": self.voicing_threshold,
            "pitch_floor": self.pitch_floor,
            "pitch_ceiling": self.pitch_ceiling,
        }
