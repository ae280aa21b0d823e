"""Speech detection with silero-vad (ONNX weights from its wheel, CPU, no network)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rocktop.audio.resample import resample
from rocktop.common.errors import MissingDependencyError
from rocktop.data.segment import Interval

VAD_RATE = 16_000


class SileroVAD:
    """Speech intervals of mono audio from silero-vad's batched ONNX model.

    Args:
        threshold: speech probability above which a 32 ms frame is speech.
        min_speech_ms: shorter speech bursts are dropped.
        min_silence_ms: shorter pauses do not split speech.
        pad_ms: padding silero adds around each speech interval.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        min_speech_ms: int = 250,
        min_silence_ms: int = 100,
        pad_ms: int = 30,
    ) -> None:
        try:
            from silero_vad import load_silero_vad
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingDependencyError("silero-vad", "data") from exc
        self._model: Any = load_silero_vad(sequence=True)
        self.threshold = threshold
        self.min_speech_ms = min_speech_ms
        self.min_silence_ms = min_silence_ms
        self.pad_ms = pad_ms

    def speech(self, wav: np.ndarray, sample_rate: int) -> list[Interval]:
        """Speech ``[start, end)`` intervals of float ``(n,)`` audio, samples at ``sample_rate``."""
        from silero_vad import get_speech_timestamps_from_probs

        wav_16k = resample(np.asarray(wav, dtype=np.float32), sample_rate, VAD_RATE, "HQ")
        probs = self._model.audio_forward(wav_16k, sampling_rate=VAD_RATE)
        stamps = get_speech_timestamps_from_probs(
            list(map(float, probs)),
            sampling_rate=VAD_RATE,
            threshold=self.threshold,
            min_speech_duration_ms=self.min_speech_ms,
            min_silence_duration_ms=self.min_silence_ms,
            speech_pad_ms=self.pad_ms,
            audio_length_samples=int(wav_16k.shape[-1]),
        )
        scale = sample_rate / VAD_RATE
        total = int(np.shape(wav)[-1])
        return [
            (int(round(s["start"] * scale)), min(int(round(s["end"] * scale)), total))
            for s in stamps
        ]
