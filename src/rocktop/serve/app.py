"""The FastAPI app factory: ``create_app(settings)``; workers start and voices load in lifespan.

Middleware, outermost first: request context (request id, access log, metrics), CORS (only
when origins are configured), API-key auth, body-size cap. Each app owns its metrics registry,
engine and model registry: two apps in one process share nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from rocktop import __version__
from rocktop.common.allocator import keep_freed_memory
from rocktop.inference.tts.base import TTSBackend
from rocktop.inference.tts.registry import build_backend
from rocktop.serve.auth import Authenticator, AuthMiddleware
from rocktop.serve.engine import Engine, Stage
from rocktop.serve.errors import install_handlers
from rocktop.serve.limits import BodyLimitMiddleware
from rocktop.serve.metrics import ServiceMetrics
from rocktop.serve.models import Loader, ModelRegistry, pipeline_loader
from rocktop.serve.observe import RequestContextMiddleware
from rocktop.serve.routers import convert, health, models, realtime, synthesize, tts
from rocktop.serve.service import Service, ServiceConfig
from rocktop.serve.settings import Settings

log = logging.getLogger(__name__)
MULTIPART_SLACK_BYTES = 1024 * 1024  # form fields and part headers around the upload


def build_tts(settings: Settings) -> TTSBackend:
    """The configured TTS backend."""
    if settings.tts_backend == "triton":
        return build_backend(
            "triton",
            url=settings.triton_url,
            model=settings.triton_model,
            max_chars=settings.max_text_chars,
            timeout_s=settings.tts_timeout_s,
        )
    return build_backend(
        "espeak",
        voice=settings.espeak_voice,
        max_chars=settings.max_text_chars,
        timeout_s=settings.tts_timeout_s,
    )


def build_engine(settings: Settings, metrics: ServiceMetrics) -> Engine:
    """The ``tts`` and ``convert`` stages (not started)."""
    common = dict(
        queue_size=settings.queue_size,
        metrics=metrics,
        device=settings.device,
        queue_timeout_s=settings.queue_timeout_s,
        retry_after_s=settings.retry_after_s,
        hang_timeout_s=max(4 * settings.request_timeout_s, 60.0),
    )
    return Engine(
        {
            "tts": Stage("tts", settings.tts_workers, **common),  # type: ignore[arg-type]
            "convert": Stage("convert", settings.rvc_workers, **common),  # type: ignore[arg-type]
        }
    )


def build_service(
    settings: Settings, loader: Loader | None = None, tts_backend: TTSBackend | None = None
) -> Service:
    """Wire the service's parts from ``settings`` (no threads start here)."""
    metrics = ServiceMetrics()
    engine = build_engine(settings, metrics)
    registry = ModelRegistry(
        settings.models_dir,
        loader or pipeline_loader(settings.device, settings.precision, settings.weights_dir),
        settings.max_loaded_models,
        metrics,
    )
    config = ServiceConfig(
        default_model=settings.default_model,
        device=settings.device,
        request_timeout_s=settings.request_timeout_s,
        decode_limits=settings.decode_limits(),
        max_text_chars=settings.max_text_chars,
        ws_max_frame_bytes=settings.ws_max_frame_bytes,
        ws_max_session_s=settings.ws_max_session_s,
        open_paths=settings.open_paths,
        warmup_f0_method=settings.warmup_f0_method,
    )
    return Service(
        config,
        engine,
        registry,
        tts_backend or build_tts(settings),
        metrics,
        Authenticator(settings.load_api_keys()),
    )


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    service: Service = app.state.service
    keep_freed_memory()  # also in worker processes that did not start through the CLI
    await service.engine.start()
    name = service.config.default_model
    if name:
        try:
            await service.warm_up(name)
        except Exception as exc:  # noqa: BLE001 - stay up, report not-ready with the reason
            service.startup_error = f"default voice {name!r}: {exc}"
            log.error("warm-up failed: %s", service.startup_error)
    try:
        yield
    finally:
        await service.engine.stop()


def create_app(
    settings: Settings | None = None,
    loader: Loader | None = None,
    tts_backend: TTSBackend | None = None,
) -> FastAPI:
    """The service app. ``loader``/``tts_backend`` replace the real ones (tests, embedding)."""
    settings = settings or Settings()
    service = build_service(settings, loader, tts_backend)
    app = FastAPI(
        title="rocktop",
        version=__version__,
        lifespan=lifespan,
        description="Text-to-speech, voice conversion and realtime conversion (48 kHz).",
    )
    app.state.service = service
    install_handlers(app, settings.retry_after_s)
    for module in (health, models, tts, convert, synthesize, realtime):
        app.include_router(module.router)
    app.add_middleware(
        BodyLimitMiddleware, max_body_bytes=settings.max_upload_bytes + MULTIPART_SLACK_BYTES
    )
    app.add_middleware(
        AuthMiddleware, authenticator=service.authenticator, open_paths=settings.open_paths
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key"],
        )
    app.add_middleware(RequestContextMiddleware, metrics=service.metrics)
    app.openapi = lambda: _openapi(app, settings.open_paths)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI, open_paths: tuple[str, ...]) -> dict[str, Any]:
    """FastAPI's schema plus the API-key security schemes (open paths need none)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schema.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    schema["security"] = [{"bearer": []}, {"apiKey": []}]
    for path, operations in schema.get("paths", {}).items():
        if path in open_paths:
            for operation in operations.values():
                operation["security"] = []
    app.openapi_schema = schema
    return schema
