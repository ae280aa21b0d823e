"""Response bodies of the JSON endpoints (they document the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. queue_full, bad_audio.")
    message: str = Field(description="One line naming the input and the limit.")
    retryable: bool = Field(description="True when the same request may succeed later.")
    request_id: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    ready: bool
    not_ready: list[str] = Field(default_factory=list)


class ModelInfo(BaseModel):
    name: str
    format: str = Field(description="safetensors (native) or pth (RVC).")
    has_index: bool
    size_bytes: int
    loaded: bool
    load_seconds: float | None = None


class ModelList(BaseModel):
    models: list[ModelInfo]
    default: str | None
    max_loaded: int


class ModelAction(BaseModel):
    name: str
    loaded: bool
    load_seconds: float | None = None


class Status(BaseModel):
    version: str
    uptime_s: float
    ready: bool
    not_ready: list[str]
    device: str
    tts_backend: str
    default_model: str | None
    auth: bool
    stages: dict[str, dict[str, Any]]
    models: dict[str, Any]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad parameter"),
        (401, "Missing or invalid API key"),
        (404, "Unknown voice model"),
        (409, "No voice model given or configured"),
        (413, "Body, audio or text over the limits"),
        (415, "Not an audio format"),
        (422, "Invalid audio or request"),
        (429, "Queue full (see Retry-After)"),
        (503, "Not ready, worker replaced or queue timeout (see Retry-After)"),
        (504, "Timed out"),
    )
}

AUDIO_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"audio/wav": {}, "audio/flac": {}},
        "description": "Audio; timing in X-TTS-Time / X-RVC-Time (seconds).",
    }
}
