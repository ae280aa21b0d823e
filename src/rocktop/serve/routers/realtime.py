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


async def _open(service: Service, start: StartMessage) -> tuple[StreamSession, int]:
    """Load the voice and build its streaming converter; returns it and the voice's rate."""
    model = await service.load_model(service.model_name(start.model))
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
    return stream, rate


class _Session:
    """One session's state: the stream, its PCM format, the input not yet converted."""

    def __init__(self, service: Service, stream: StreamSession, rate: int, fmt: str) -> None:
        self.service = service
        self.stream = stream
        self.rate = rate
        self.format = fmt
        self.dtype = np.dtype(SAMPLE_FORMATS[fmt])
        self.pending = np.zeros(0, dtype=np.float32)
        self.received_s = 0.0
        self.blocks = 0
        self.compute_s = 0.0

    def ready(self) -> dict[str, Any]:
        config = self.service.config
        return {
            "type": "ready",
            "sample_rate": self.rate,
            "block_samples": self.stream.block_samples,
            "latency_ms": round(self.stream.latency_s * 1000, 1),
            "max_frame_bytes": config.ws_max_frame_bytes,
            "max_session_s": config.ws_max_session_s,
        }

    def take(self, data: bytes) -> None:
        """Check a binary frame against the caps and queue its samples."""
        config = self.service.config
        if len(data) > config.ws_max_frame_bytes:
            raise SessionError(
                "frame_too_large",
                f"frame of {len(data)} bytes exceeds {config.ws_max_frame_bytes}",
                1009,
            )
        if len(data) % self.dtype.itemsize:
            raise SessionError(
                "bad_frame",
                f"frame size {len(data)} is not a multiple of "
                f"{self.dtype.itemsize} ({self.format})",
            )
        samples = _to_float(np.frombuffer(data, dtype=self.dtype))
        self.received_s += samples.size / self.rate
        if self.received_s > config.ws_max_session_s:
            raise SessionError("session_too_long", f"session exceeds {config.ws_max_session_s:g} s")
        self.pending = np.concatenate([self.pending, samples])

    async def convert_blocks(self, websocket: WebSocket) -> None:
        """Convert and send every complete block (realtime priority on the convert stage)."""
        size = self.stream.block_samples
        while self.pending.size >= size:
            block, self.pending = self.pending[:size], self.pending[size:]
            started = time.perf_counter()
            out = await self.service.engine["convert"].submit(
                _block_job(self.stream, block),
                self.service.config.request_timeout_s,
                PRIORITY_REALTIME,
            )
            elapsed = time.perf_counter() - started
            self.compute_s += elapsed
            self.blocks += 1
            self.service.metrics.observe_rtf("/realtime", elapsed, size / self.rate)
            await websocket.send_bytes(_from_float(out, self.dtype))

    def done(self) -> dict[str, Any]:
        return {
            "type": "done",
            "blocks": self.blocks,
            "audio_s": round(self.received_s, 3),
            "mean_block_ms": round(1000 * self.compute_s / max(self.blocks, 1), 2),
        }


async def _session(websocket: WebSocket, service: Service, start: StartMessage) -> None:
    stream, rate = await _open(service, start)
    session = _Session(service, stream, rate, start.format)
    await websocket.send_text(json.dumps(session.ready()))
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            if _is_stop(message["text"]):
                break
            raise SessionError("bad_message", "text messages after start must be {type: stop}")
        session.take(message.get("bytes") or b"")
        await session.convert_blocks(websocket)
    await websocket.send_text(json.dumps(session.done()))
    await websocket.close(1000)


def _is_stop(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("type") == "stop"


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
