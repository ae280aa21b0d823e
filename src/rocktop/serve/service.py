"""The service's operations (TTS, conversion, readiness), shared by every router.

Routers translate HTTP to these calls; these calls put work on the engine's stages and keep
the blocking parts (model loading, decoding) off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from starlette.requests import HTTPConnection, Request

from rocktop import __version__
from rocktop.audio import io as audio_io
from rocktop.audio.limits import DecodeLimits
from rocktop.audio.types import Audio
from rocktop.inference.params import ConversionParams
from rocktop.inference.tts.base import TTSBackend, TTSRequest
from rocktop.serve.auth import Authenticator
from rocktop.serve.engine import PRIORITY_NORMAL, Engine, WorkerContext
from rocktop.serve.errors import NoModelError, NotReadyError, ServiceError
from rocktop.serve.metrics import ServiceMetrics
from rocktop.serve.models import LoadedModel, ModelRegistry

log = logging.getLogger(__name__)
T = TypeVar("T")
WARMUP_S = 0.5


class RealtimeUnavailableError(ServiceError):
    http_status = 501
    code = "realtime_unavailable"


class ClientDisconnectedError(ServiceError):
    http_status = 499
    code = "client_disconnected"


@dataclass
class ServiceConfig:
    """The typed knobs the operations need (built from ``Settings`` by the app factory)."""

    default_model: str
    device: str
    request_timeout_s: float
    decode_limits: DecodeLimits
    max_text_chars: int
    ws_max_frame_bytes: int
    ws_max_session_s: float
    open_paths: tuple[str, ...] = ()
    warmup_f0_method: str = "rmvpe"


@dataclass
class Service:
    """Everything a request handler needs, owned by one app instance."""

    config: ServiceConfig
    engine: Engine
    registry: ModelRegistry
    tts_backend: TTSBackend
    metrics: ServiceMetrics
    authenticator: Authenticator
    started_at: float = field(default_factory=time.time)
    warmed: set[str] = field(default_factory=set)
    startup_error: str | None = None

    # -- readiness -------------------------------------------------------------------------
    def not_ready_reasons(self) -> list[str]:
        """Empty when ready: workers up, TTS usable, the default voice warmed up at start.

        Unloading or evicting a voice later does not make the service unready: the next
        request naming it loads it again.
        """
        reasons = []
        if not self.engine.healthy:
            reasons.append("workers are (re)starting")
        tts = self.tts_backend.unavailable_reason()
        if tts:
            reasons.append(f"tts: {tts}")
        name = self.config.default_model
        if name and name not in self.warmed:
            reasons.append(f"voice {name!r} is not loaded and warmed up")
        if self.startup_error:
            reasons.append(self.startup_error)
        return reasons

    async def warm_up(self, name: str) -> None:
        """Load ``name`` and run one short conversion through the convert stage."""
        model = await self.load_model(name)
        silence = Audio(np.zeros((1, int(16_000 * WARMUP_S)), dtype=np.float32), 16_000)
        await self.engine["convert"].submit(
            lambda ctx: model.converter.convert(
                silence, ConversionParams(f0_method=self.config.warmup_f0_method)
            ),
            self.config.request_timeout_s,
        )
        self.warmed.add(name)

    # -- models ----------------------------------------------------------------------------
    async def load_model(self, name: str, reload: bool = False) -> LoadedModel:
        if reload:
            return await asyncio.to_thread(self.registry.load, name, True)
        return await asyncio.to_thread(self.registry.get, name)

    def unload_model(self, name: str) -> bool:
        self.registry.resolve(name)
        return self.registry.unload(name)  # readiness stays: the next request reloads it

    def model_name(self, requested: str | None) -> str:
        name = (requested or "").strip() or self.config.default_model
        if not name:
            raise NoModelError("no voice model: pass model=NAME or set RVC_MODEL")
        return name

    # -- work --------------------------------------------------------------------------------
    async def decode(self, data: bytes, filename: str | None) -> Audio:
        """Decode an upload with the service's limits (AudioError -> 4xx)."""
        label = _label(filename)
        return await asyncio.to_thread(audio_io.load, data, self.config.decode_limits, label)

    async def tts(self, request: TTSRequest, endpoint: str) -> tuple[Audio, float]:
        """Speak on the TTS stage; returns the audio and the seconds it took."""
        started = time.perf_counter()
        audio = await self.engine["tts"].submit(
            lambda ctx: self.tts_backend.synthesize(request), self.config.request_timeout_s
        )
        seconds = time.perf_counter() - started
        self.metrics.observe_rtf(f"{endpoint}:tts", seconds, audio.duration_s)
        return audio, seconds

    async def convert(
        self,
        audio: Audio,
        model_name: str,
        params: ConversionParams,
        endpoint: str,
        priority: int = PRIORITY_NORMAL,
    ) -> tuple[Audio, float]:
        """Convert on the convert stage with voice ``model_name``; returns audio and seconds."""
        model = await self.load_model(model_name)
        started = time.perf_counter()

        def job(ctx: WorkerContext) -> Audio:
            result: Audio = model.converter.convert(audio, params)
            return result

        converted = await self.engine["convert"].submit(
            job, self.config.request_timeout_s, priority
        )
        seconds = time.perf_counter() - started
        self.metrics.observe_rtf(endpoint, seconds, audio.duration_s)
        return converted, seconds

    def open_stream(
        self,
        model: LoadedModel,
        params: ConversionParams,
        block_s: float,
        extra_s: float,
        crossfade_s: float,
    ) -> StreamSession:
        """A realtime session on ``model``: ``process(block) -> converted block``."""
        return open_stream_session(model.converter, params, block_s, extra_s, crossfade_s)

    def status(self) -> dict[str, Any]:
        """The ``/status`` document."""
        return {
            "version": __version__,
            "uptime_s": round(time.time() - self.started_at, 1),
            "ready": not self.not_ready_reasons(),
            "not_ready": self.not_ready_reasons(),
            "device": self.config.device,
            "tts_backend": self.tts_backend.name,
            "default_model": self.config.default_model or None,
            "auth": self.authenticator.enabled,
            "stages": {name: stage.status() for name, stage in self.engine.stages.items()},
            "models": {
                "available": sorted(self.registry.available()),
                "loaded": [m.entry.name for m in self.registry.loaded()],
                "max_loaded": self.registry.max_loaded,
            },
        }


class StreamSession:
    """Adapter over ``rocktop.inference.streaming.StreamingConverter`` for one session.

    Attributes:
        block_samples: samples per block at ``sample_rate`` (mono).
        latency_s: algorithmic latency the streaming converter reports, seconds.
    """

    def __init__(self, streamer: Any, block_samples: int, latency_s: float) -> None:
        self.streamer = streamer
        self.block_samples = block_samples
        self.latency_s = latency_s

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convert one block: float32 ``(block_samples,)`` in, float32 ``(block_samples,)`` out."""
        out = self.streamer.process(block)
        return np.asarray(out, dtype=np.float32).reshape(-1)


def open_stream_session(
    converter: Any, params: ConversionParams, block_s: float, extra_s: float, crossfade_s: float
) -> StreamSession:
    """A ``StreamingConverter`` (spec §8 geometry) on ``converter`` for one realtime session."""
    try:
        from rocktop.inference.streaming import StreamingConverter, StreamingSettings
    except ImportError:
        raise RealtimeUnavailableError(
            "realtime conversion needs rocktop.inference.streaming, not in this build"
        ) from None
    settings = StreamingSettings(block_s=block_s, crossfade_s=crossfade_s, extra_s=extra_s)
    streamer = StreamingConverter(converter, params, settings)
    return StreamSession(streamer, int(streamer.block_size), float(streamer.latency_s))


def service_of(connection: HTTPConnection) -> Service:
    """The app's ``Service`` (FastAPI dependency)."""
    service = getattr(connection.app.state, "service", None)
    if service is None:
        raise NotReadyError("the service is starting")
    assert isinstance(service, Service)
    return service


async def until_disconnect(request: Request, work: Awaitable[T], poll_s: float = 0.2) -> T:
    """Await ``work``, cancelling it (and its queued job) if the client disconnects."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=poll_s)
            if done:
                return task.result()
            if await request.is_disconnected():
                raise ClientDisconnectedError("the client disconnected; work cancelled")
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def _label(filename: str | None) -> str:
    name = "".join(ch for ch in (filename or "upload") if ch.isprintable())[:80]
    return f"upload {name!r}"
