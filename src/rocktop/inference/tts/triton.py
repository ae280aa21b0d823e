"""Spark-TTS served by Triton Inference Server over gRPC (``tritonclient[grpc]``).

The contract (Spark-TTS ``runtime/triton_trtllm``): model ``spark_tts`` takes
``reference_wav`` FP32 ``[1, n]`` (16 kHz mono), ``reference_wav_len`` INT32 ``[1, 1]``,
``reference_text`` BYTES ``[1, 1]`` and ``target_text`` BYTES ``[1, 1]``, and answers
``waveform`` FP32 (16 kHz mono).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.common.errors import MissingDependencyError
from rocktop.inference.tts.base import (
    TTSBackend,
    TTSError,
    TTSRequest,
    TTSUnavailableError,
    check_text,
)

SPARK_SAMPLE_RATE = 16_000


class TritonSparkTTS(TTSBackend):
    """Voice-cloning TTS: reference audio + its transcript + text in, 16 kHz waveform out."""

    name = "triton"

    def __init__(
        self,
        url: str = "127.0.0.1:8001",
        model: str = "spark_tts",
        max_chars: int = 5000,
        timeout_s: float = 60.0,
        sample_rate: int = SPARK_SAMPLE_RATE,
    ) -> None:
        self.url = url
        self.model = model
        self.max_chars = max_chars
        self.timeout_s = timeout_s
        self.sample_rate = sample_rate
        self._client: Any = None
        self._lock = threading.Lock()

    def _grpc(self) -> Any:
        try:
            import tritonclient.grpc as grpcclient
        except ImportError:
            raise MissingDependencyError("tritonclient[grpc]", "tts") from None
        return grpcclient

    def client(self) -> Any:
        """The (lazily created, thread-safe) ``InferenceServerClient``."""
        with self._lock:
            if self._client is None:
                self._client = self._grpc().InferenceServerClient(url=self.url)
            return self._client

    def unavailable_reason(self) -> str | None:
        try:
            client = self.client()
            if not client.is_server_live(client_timeout=5.0):
                return f"Triton at {self.url} is not live"
            if not client.is_model_ready(self.model, client_timeout=5.0):
                return f"Triton model {self.model!r} at {self.url} is not ready"
        except Exception as exc:  # noqa: BLE001 - any transport error means "not available"
            return f"Triton at {self.url} unreachable: {_one_line(exc)}"
        return None

    def inputs(self, request: TTSRequest) -> list[Any]:
        """The four Spark-TTS input tensors for ``request``."""
        grpc = self._grpc()
        text = check_text(request.text, self.max_chars)
        if request.reference_audio is None:
            raise TTSError("the triton (Spark-TTS) backend needs reference_audio")
        ref = request.reference_audio
        wav = resample(ref.mono(), ref.sample_rate, self.sample_rate).reshape(1, -1)
        length = np.array([[wav.shape[1]]], dtype=np.int32)
        tensors = [
            ("reference_wav", wav.astype(np.float32), "FP32"),
            ("reference_wav_len", length, "INT32"),
            ("reference_text", _text_tensor(request.reference_text), "BYTES"),
            ("target_text", _text_tensor(text), "BYTES"),
        ]
        inputs = []
        for name, array, dtype in tensors:
            tensor = grpc.InferInput(name, list(array.shape), dtype)
            tensor.set_data_from_numpy(array)
            inputs.append(tensor)
        return inputs

    def synthesize(self, request: TTSRequest) -> Audio:
        """Ask Triton for ``waveform``: float32 mono at ``sample_rate`` (16 kHz)."""
        grpc = self._grpc()
        inputs = self.inputs(request)
        from tritonclient.utils import InferenceServerException

        try:
            result = self.client().infer(
                self.model,
                inputs,
                outputs=[grpc.InferRequestedOutput("waveform")],
                client_timeout=self.timeout_s,
            )
        except InferenceServerException as exc:
            raise TTSUnavailableError(f"Triton {self.model!r}: {_one_line(exc)}") from None
        waveform = result.as_numpy("waveform")
        if waveform is None:
            raise TTSUnavailableError(f"Triton {self.model!r} answered without 'waveform'")
        samples = np.asarray(waveform, dtype=np.float32).reshape(-1)
        if samples.size == 0 or not np.isfinite(samples).all():
            raise TTSUnavailableError(f"Triton {self.model!r} returned empty or non-finite audio")
        return Audio.from_array(samples, self.sample_rate)


def _text_tensor(text: str) -> np.ndarray:
    return np.array([[text.encode("utf-8")]], dtype=object)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
