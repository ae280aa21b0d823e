"""A small Triton ``GRPCInferenceService`` for tests: Spark-TTS's contract, a synthetic voice.

It implements ServerLive, ServerReady, ModelReady and ModelInfer with Triton's own protos (from
``tritonclient.grpc``), checks every input of the Spark-TTS contract (names, datatypes,
shapes, ``reference_wav_len`` consistent with ``reference_wav``) and answers ``waveform``:
a 16 kHz harmonic tone, ``SECONDS_PER_CHAR`` per character of ``target_text``, at the
reference's RMS level. Errors go back as gRPC ``INVALID_ARGUMENT`` / ``NOT_FOUND``.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
SECONDS_PER_CHAR = 0.05
INPUTS = {
    "reference_wav": "FP32",
    "reference_wav_len": "INT32",
    "reference_text": "BYTES",
    "target_text": "BYTES",
}


def _decode_bytes(raw: bytes) -> list[bytes]:
    """Triton's BYTES wire format: 4-byte little-endian length, then the bytes, repeated."""
    items, offset = [], 0
    while offset < len(raw):
        (size,) = struct.unpack_from("<I", raw, offset)
        items.append(raw[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return items


def _tensors(request: Any) -> dict[str, Any]:
    tensors: dict[str, Any] = {}
    for index, tensor in enumerate(request.inputs):
        raw = request.raw_input_contents[index]
        if tensor.datatype != INPUTS.get(tensor.name, tensor.datatype):
            raise ValueError(
                f"{tensor.name}: datatype {tensor.datatype}, expected {INPUTS[tensor.name]}"
            )
        shape = tuple(tensor.shape)
        if tensor.datatype == "BYTES":
            tensors[tensor.name] = [b.decode("utf-8") for b in _decode_bytes(raw)]
        else:
            dtype = np.float32 if tensor.datatype == "FP32" else np.int32
            tensors[tensor.name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
    missing = set(INPUTS) - set(tensors)
    if missing:
        raise ValueError(f"missing inputs: {', '.join(sorted(missing))}")
    return tensors


def spark_waveform(tensors: dict[str, Any]) -> np.ndarray:
    """The synthetic answer: ``(1, n)`` float32 at 16 kHz."""
    wav = tensors["reference_wav"]
    length = int(tensors["reference_wav_len"].reshape(-1)[0])
    if wav.ndim != 2 or wav.shape[0] != 1 or length != wav.shape[1] or length == 0:
        raise ValueError(f"reference_wav shape {wav.shape} does not match length {length}")
    text = tensors["target_text"][0]
    if not text.strip():
        raise ValueError("target_text is empty")
    level = float(np.sqrt(np.mean(np.square(wav[0, :length], dtype=np.float64)))) or 0.1
    n = int(len(text) * SECONDS_PER_CHAR * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    tone = sum(0.6**k * np.sin(2 * np.pi * 180.0 * (k + 1) * t) for k in range(4))
    return (min(level * 1.4, 0.9) * tone / np.max(np.abs(tone))).astype(np.float32)[None, :]


def _servicer(model_name: str) -> Any:
    import grpc
    from tritonclient.grpc import service_pb2, service_pb2_grpc

    class FakeSparkTriton(service_pb2_grpc.GRPCInferenceServiceServicer):
        calls = 0

        def ServerLive(self, request: Any, context: Any) -> Any:  # noqa: N802
            return service_pb2.ServerLiveResponse(live=True)

        def ServerReady(self, request: Any, context: Any) -> Any:  # noqa: N802
            return service_pb2.ServerReadyResponse(ready=True)

        def ModelReady(self, request: Any, context: Any) -> Any:  # noqa: N802
            return service_pb2.ModelReadyResponse(ready=request.name == model_name)

        def ModelInfer(self, request: Any, context: Any) -> Any:  # noqa: N802
            type(self).calls += 1
            if request.model_name != model_name:
                context.abort(grpc.StatusCode.NOT_FOUND, f"unknown model {request.model_name}")
            try:
                waveform = spark_waveform(_tensors(request))
            except ValueError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            output = service_pb2.ModelInferResponse.InferOutputTensor(
                name="waveform", datatype="FP32", shape=list(waveform.shape)
            )
            return service_pb2.ModelInferResponse(
                model_name=model_name,
                id=request.id,
                outputs=[output],
                raw_output_contents=[waveform.tobytes()],
            )

    return FakeSparkTriton()


@contextlib.contextmanager
def fake_spark_triton(model_name: str = "spark_tts") -> Iterator[tuple[str, Any]]:
    """Serve the fake on 127.0.0.1 (free port); yields (``host:port``, servicer)."""
    import grpc
    from tritonclient.grpc import service_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = _servicer(model_name)
    service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", servicer
    finally:
        server.stop(grace=None)
