"""The in-memory audio value: float32 samples with their sample rate next to them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Audio:
    """Float32 audio, always 2-D.

    Attributes:
        samples: float32 array of shape ``(channels, num_samples)``, nominal range [-1, 1].
        sample_rate: samples per second, in Hz.
    """

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        if self.samples.ndim != 2:
            raise ValueError(f"Audio.samples must be (channels, samples), got {self.samples.shape}")
        if self.samples.dtype != np.float32:
            raise ValueError(f"Audio.samples must be float32, got {self.samples.dtype}")

    @classmethod
    def from_array(cls, samples: np.ndarray, sample_rate: int) -> Audio:
        """Wrap a ``(samples,)`` or ``(channels, samples)`` array, converting to float32."""
        array = np.asarray(samples, dtype=np.float32)
        if array.ndim == 1:
            array = array[np.newaxis, :]
        return cls(samples=array, sample_rate=int(sample_rate))

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def num_samples(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.num_samples / self.sample_rate

    def mono(self) -> np.ndarray:
        """Mix-down to one channel: float32 ``(num_samples,)``, the mean of the channels."""
        if self.channels == 1:
            return self.samples[0]
        return self.samples.mean(axis=0, dtype=np.float64).astype(np.float32)
