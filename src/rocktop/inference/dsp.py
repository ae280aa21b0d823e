"""The signal steps of RVC's offline pipeline (rvc-spec §5) as pure numpy functions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from scipy import signal

SR_16K = 16_000
WINDOW = 160  # samples per 10 ms frame at 16 kHz
PEAK_LIMIT = 0.95
OUTPUT_PEAK = 0.99


@dataclass(frozen=True)
class ChunkConstants:
    """RVC's chunking constants (seconds): padding, split search, split spacing, max unsplit.

    fp16 runs use ``(3, 10, 60, 65)``, fp32 runs ``(1, 6, 38, 41)`` (spec §5 step 2).
    """

    x_pad: int
    x_query: int
    x_center: int
    x_max: int

    @property
    def t_pad(self) -> int:
        return SR_16K * self.x_pad

    @property
    def t_query(self) -> int:
        return SR_16K * self.x_query

    @property
    def t_center(self) -> int:
        return SR_16K * self.x_center

    @property
    def t_max(self) -> int:
        return SR_16K * self.x_max


FP16_CONSTANTS = ChunkConstants(3, 10, 60, 65)
FP32_CONSTANTS = ChunkConstants(1, 6, 38, 41)


def constants_for(dtype: torch.dtype) -> ChunkConstants:
    """RVC's constants for a precision: fp16 -> (3, 10, 60, 65); fp32 and bf16 -> (1, 6, 38, 41).

    bf16 is rocktop's CPU option; it takes the CPU (fp32) constants, as RVC does on CPUs.
    """
    return FP16_CONSTANTS if dtype == torch.float16 else FP32_CONSTANTS


def limit_peak(audio: np.ndarray, limit: float = PEAK_LIMIT) -> np.ndarray:
    """Scale down so that ``max|x| <= limit`` (never up): RVC's ``audio /= max/0.95``."""
    peak = float(np.abs(audio).max()) / limit if audio.size else 0.0
    return (audio / peak).astype(np.float32) if peak > 1 else audio


@lru_cache(maxsize=1)
def _highpass_coefficients() -> tuple[np.ndarray, np.ndarray]:
    b, a = signal.butter(N=5, Wn=48, btype="high", fs=SR_16K)
    return b, a


def highpass_48hz(audio_16k: np.ndarray) -> np.ndarray:
    """Zero-phase 5th-order Butterworth high-pass at 48 Hz (``filtfilt``), float32 out."""
    b, a = _highpass_coefficients()
    return signal.filtfilt(b, a, audio_16k).astype(np.float32)


def split_points(audio_16k: np.ndarray, constants: ChunkConstants) -> list[int]:
    """Quiet split positions (samples at 16 kHz) every ``x_center`` s, searched within
    ``+/- x_query`` s; empty when ``len + 160 <= t_max`` (spec §5 step 5)."""
    if len(audio_16k) + WINDOW <= constants.t_max:
        return []
    padded = np.pad(audio_16k, (WINDOW // 2, WINDOW // 2), mode="reflect")
    magnitude = np.abs(padded).astype(np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(magnitude)])
    frame_sum = cumulative[WINDOW:] - cumulative[:-WINDOW]  # sum of |x[n : n+160]|
    points = []
    t_query = constants.t_query
    for t in range(constants.t_center, len(audio_16k), constants.t_center):
        window = frame_sum[t - t_query : t + t_query]
        points.append(t - t_query + int(np.argmin(window)))
    return points


def _rms(audio: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """``librosa.feature.rms`` (centred, zero padding): float64 ``(frames,)``."""
    padded = np.pad(audio.astype(np.float64), frame_length // 2)
    frames = 1 + (len(padded) - frame_length) // hop_length
    cumulative = np.concatenate([[0.0], np.cumsum(padded**2)])
    starts = np.arange(frames) * hop_length
    power = (cumulative[starts + frame_length] - cumulative[starts]) / frame_length
    return np.sqrt(np.maximum(power, 0.0))


def _stretch(values: np.ndarray, size: int) -> np.ndarray:
    tensor = torch.from_numpy(values).reshape(1, 1, -1)
    return F.interpolate(tensor, size=size, mode="linear").reshape(-1).numpy()


def mix_rms(
    source_16k: np.ndarray, output: np.ndarray, output_rate: int, rate: float
) -> np.ndarray:
    """RVC ``change_rms``: ``out *= rms_in^(1-rate) * rms_out^(rate-1)`` (1 s frames, 0.5 s hop).

    ``rate = 1`` keeps the model's envelope, ``0`` imposes the input's.
    """
    if rate >= 1.0 or output.size == 0:
        return output
    rms_in = _stretch(_rms(source_16k, SR_16K, SR_16K // 2), len(output))
    rms_out = _stretch(_rms(output, output_rate // 2 * 2, output_rate // 2), len(output))
    rms_out = np.maximum(rms_out, 1e-6)
    gain = np.power(rms_in, 1.0 - rate) * np.power(rms_out, rate - 1.0)
    return (output * gain).astype(np.float32)


def limit_output_peak(audio: np.ndarray, limit: float = OUTPUT_PEAK) -> np.ndarray:
    """RVC's final int16 scaling rule in float: scale down to ``limit`` only when above it."""
    return limit_peak(audio, limit)
