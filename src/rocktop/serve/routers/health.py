"""Liveness, readiness, status and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from rocktop.serve.schemas import Health, Readiness, Status
from rocktop.serve.service import Service, service_of

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health() -> Health:
    """Liveness: the process answers."""
    return Health()


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready (reasons listed)"}},
)
async def ready(service: Service = Depends(service_of)) -> JSONResponse:
    """Readiness: workers up, TTS usable, the default voice loaded and warmed up."""
    reasons = service.not_ready_reasons()
    body = Readiness(ready=not reasons, not_ready=reasons).model_dump()
    return JSONResponse(body, status_code=503 if reasons else 200)


@router.get("/status", response_model=Status)
async def status(service: Service = Depends(service_of)) -> Status:
    """Workers, queues, models and device, for humans."""
    return Status(**service.status())


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(service: Service = Depends(service_of)) -> Response:
    """Prometheus metrics (text exposition format)."""
    service.metrics.update_gpu_memory(service.config.device)
    return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)
