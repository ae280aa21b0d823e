"""``WS /realtime``: PCM blocks in, converted blocks out, through the streaming converter.

Protocol (JSON text messages + binary PCM frames):

1. client -> ``{"type": "start", "model": NAME, "format": "f32le"|"s16le", "block_ms": 250,
   "crossfade_ms": 50, "extra_ms": 2500, "pitch_shift": 0, "f0_method": "rmvpe",
   "index_rate": 0, ..., "api_key": KEY}`` (``api_key`` only when the handshake carried no key
   header; ``sample_rate``, if given, must be the voice's rate: PCM travels at that rate);
2. server -> ``{"type": "ready", "sample_rate", "block_samples", "latency_ms",
   "max_frame_bytes", "max_session_s"}``;
3. client -> binary frames of mono PCM in ``format`` (any size up to ``max_frame_bytes``);
   server -> one binary frame of converted PCM (same format and rate) per complete block;
4. client -> ``{"type": "stop"}``; server -> ``{"type": "done", "blocks", "audio_s",
   "mean_block_ms"}`` and closes (1000).

Errors are ``{"type": "error", "code", "message"}`` followed by a close: 1008 (auth, protocol,
session too long), 1009 (frame too big), 1013 (overloaded: retry later), 1011 (server error).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError

from rocktop.common.errors import RocktopError
from rocktop.inference.params import ConversionParams
from rocktop.serve.engine import PRIORITY_REALTIME, WorkerContext
from rocktop.serve.errors import classify
from rocktop.serve.routers._forms import F0Method
from rocktop.serve.service import Service, StreamSession, service_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["realtime"])
SAMPLE_FORMATS = {"f32le": "<f4", "s16le": "<i2"}


class StartMessage(BaseModel):
    """The first message of a realtime session."""

    type: str = Field(pattern="^start$")
    model: str | None = Field(None, max_length=128)
    sample_rate: int | None = Field(None, ge=8_000, le=192_000)
    format: str = Field("f32le", pattern="^(f32le|s16le)$")
    block_ms: float = Field(250.0, ge=20, le=1500)
    crossfade_ms: float = Field(50.0, ge=10, le=150)
    extra_ms: float = Field(2500.0, ge=50, le=5000)
    pitch_shift: float = Field(0.0, ge=-48, le=48)
    f0_method: F0Method = "rmvpe"
    index_rate: float = Field(0.0, ge=0, le=1)
    protect: float = Field(0.33, ge=0, le=0.5)
    rms_mix_rate: float = Field(0.0, ge=0, le=1)
    speaker_id: int = Field(0, ge=0, le=10_000)
    api_key: str | None = Field(None, max_length=512)

    def params(self) -> ConversionParams:
        return ConversionParams(
            pitch_shift=self.pitch_shift,
            f0_method=self.f0_method,
            index_rate=self.index_rate,
            protect=self.protect,
            rms_mix_rate=self.rms_mix_rate,
            speaker_id=self.speaker_id,
        )


class SessionError(RocktopError):
    """Ends a realtime session with a WebSocket close code."""

    def __init__(self, code: str, message: str, close_code: int = 1008) -> None:
        super().__init__(message)
        self.code = code
        self.close_code = close_code


def _close_code(exc: BaseException) -> int:
    if isinstance(exc, SessionError):
        return exc.close_code
    status = getattr(exc, "http_status", 500)
    return 1013 if status in (429, 503, 504) else 1008 if status < 500 else 1011


async def _start(websocket: WebSocket, service: Service) -> StartMessage:
    try:
        raw = await websocket.receive_text()
        start = StartMessage.model_validate(json.loads(raw))
    except (ValueError, ValidationError, KeyError) as exc:
        raise SessionError("bad_start", f"first message must be a start message: {exc}") from None
    header_ok = service.authenticator.check_headers(websocket.scope["headers"])
    if not header_ok and not service.authenticator.check_key(start.api_key):
        raise SessionError("unauthorized", "missing or invalid API key")
    return start


@router.websocket("/realtime")
async def realtime(websocket: WebSocket) -> None:
    """Realtime conversion session (see the module docstring for the protocol)."""
    service = service_of(websocket)
    await websocket.accept()
    try:
        start = await _start(websocket, service)
        await _session(websocket, service, start)
    except WebSocketDisconnect:
        return
    except Exception as exc:  # noqa: BLE001 - every failure becomes an error message + close
        _, code, message, _ = classify(exc, 1)
        code = getattr(exc, "code", code)
        service.metrics.error(code)
        if code == "internal_error":
            log.exception("realtime session failed")
        try:
            await websocket.send_text(
                json.dumps({"type": "error", "code": code, "message": message})
            )
            await websocket.close(_close_code(exc))
        except (WebSocketDisconnect, RuntimeError):
            pass


async def _session(websocket: WebSocket, service: Service, start: StartMessage) -> None:
    name = service.model_name(start.model)
    model = await service.load_model(name)
    rate = int(model.converter.sample_rate)
    if start.sample_rate not in (None, rate):
        raise SessionError(
            "bad_sample_rate",
            f"sample_rate must be the voice's {rate} Hz (got {start.sample_rate}); "
            "omit it to use the voice's rate",
        )
    stream = service.open_stream(
        model,
        start.params(),
        start.block_ms / 1000,
        start.extra_ms / 1000,
        start.crossfade_ms / 1000,
    )
    dtype = np.dtype(SAMPLE_FORMATS[start.format])
    limits = service.config
    await websocket.send_text(
        json.dumps(
            {
                "type": "ready",
                "sample_rate": rate,
                "block_samples": stream.block_samples,
                "latency_ms": round(stream.latency_s * 1000, 1),
                "max_frame_bytes": limits.ws_max_frame_bytes,
                "max_session_s": limits.ws_max_session_s,
            }
        )
    )
    pending = np.zeros(0, dtype=np.float32)
    received_s, blocks, compute_s = 0.0, 0, 0.0
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            if json.loads(message["text"]).get("type") == "stop":
                break
            raise SessionError("bad_message", "text messages after start must be {type: stop}")
        data: bytes = message.get("bytes") or b""
        if len(data) > limits.ws_max_frame_bytes:
            raise SessionError(
                "frame_too_large",
                f"frame of {len(data)} bytes exceeds {limits.ws_max_frame_bytes}",
                1009,
            )
        if len(data) % dtype.itemsize:
            raise SessionError(
                "bad_frame",
                f"frame size {len(data)} is not a multiple of {dtype.itemsize} ({start.format})",
            )
        samples = _to_float(np.frombuffer(data, dtype=dtype))
        received_s += samples.size / rate
        if received_s > limits.ws_max_session_s:
            raise SessionError("session_too_long", f"session exceeds {limits.ws_max_session_s:g} s")
        pending = np.concatenate([pending, samples])
        while pending.size >= stream.block_samples:
            block, pending = pending[: stream.block_samples], pending[stream.block_samples :]
            started = time.perf_counter()
            out = await service.engine["convert"].submit(
                _block_job(stream, block), limits.request_timeout_s, PRIORITY_REALTIME
            )
            compute_s += time.perf_counter() - started
            blocks += 1
            service.metrics.observe_rtf(
                "/realtime", time.perf_counter() - started, block.size / rate
            )
            await websocket.send_bytes(_from_float(out, dtype))
    await websocket.send_text(
        json.dumps(
            {
                "type": "done",
                "blocks": blocks,
                "audio_s": round(received_s, 3),
                "mean_block_ms": round(1000 * compute_s / max(blocks, 1), 2),
            }
        )
    )
    await websocket.close(1000)


def _block_job(stream: StreamSession, block: np.ndarray) -> Callable[[WorkerContext], np.ndarray]:
    def job(ctx: WorkerContext) -> np.ndarray:
        return stream.process(block)

    return job


def _to_float(samples: np.ndarray) -> np.ndarray:
    if samples.dtype.kind == "i":
        return (samples.astype(np.float32) / 32768.0).astype(np.float32)
    out = samples.astype(np.float32)
    if not np.isfinite(out).all():
        raise SessionError("non_finite_audio", "frame contains NaN or infinite samples")
    return out


def _from_float(samples: Any, dtype: np.dtype[Any]) -> bytes:
    array = np.asarray(samples, dtype=np.float32).reshape(-1)
    if dtype.kind == "i":
        return (np.clip(np.round(array * 32768.0), -32768, 32767).astype(dtype)).tobytes()
    return array.astype(dtype).tobytes()
