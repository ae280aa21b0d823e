"""Request context: a request id, one JSON access-log line and the request metrics.

Pure ASGI (outermost middleware), so it sees every answer, including the 401s and 413s that
the inner middlewares send without reaching a route.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rocktop.serve.metrics import ServiceMetrics

log = logging.getLogger("rocktop.serve.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name.lower() == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def endpoint_label(scope: Scope) -> str:
    """The route template (bounded label values), or ``unmatched``.

    Requests refused before routing (401, 413) are matched against the app's routes here.
    """
    route = scope.get("route")
    if route is None:
        from starlette.routing import Match

        router = getattr(scope.get("app"), "router", None)
        for candidate in getattr(router, "routes", ()):
            if candidate.matches(scope)[0] == Match.FULL:
                route = candidate
                break
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Assigns ``scope['state']['request_id']``, echoes it, logs and measures each request."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = state["request_id"] = _incoming_id(scope)
        status = 500 if scope["type"] == "http" else 101
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state", {})
        endpoint = endpoint_label(scope)
        self.metrics.observe_request(endpoint, status, seconds)
        code = state.get("error_code")
        if code is not None:
            self.metrics.error(code)
        fields: dict[str, Any] = {
            "request_id": state.get("request_id"),
            "method": scope.get("method", "WS"),
            "path": scope.get("path"),
            "endpoint": endpoint,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        if code is not None:
            fields["error"] = code
        log.info("request", extra={"fields": fields})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, plus ``extra={'fields': {...}}``
    and ``request_id`` when given."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(level: str = "INFO") -> None:
    """Entry-point helper: JSON lines on stderr for rocktop and uvicorn loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = [handler]
        logging.getLogger(name).propagate = False
    logging.getLogger("uvicorn.access").disabled = True
