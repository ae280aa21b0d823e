"""Service errors with stable codes, and the handlers that turn any error into JSON.

Every error body is ``{"error": {"code", "message", "retryable", "request_id"}}``. ``code`` is
stable (clients switch on it); ``retryable`` says whether the same request may succeed later
(overload, a replaced worker), in which case a ``Retry-After`` header comes with it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rocktop.common.errors import RocktopError

log = logging.getLogger(__name__)


class ServiceError(RocktopError):
    """A service-side refusal; ``retryable`` ones carry ``Retry-After``."""

    http_status = 503
    code = "unavailable"
    retryable = False

    def __init__(self, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QueueFullError(ServiceError):
    http_status = 429
    code = "queue_full"
    retryable = True


class QueueTimeoutError(ServiceError):
    """Waited in the queue longer than the queue timeout; nothing was computed."""

    http_status = 503
    code = "queue_timeout"
    retryable = True


class JobTimeoutError(ServiceError):
    """The work started but did not finish within the request timeout."""

    http_status = 504
    code = "timeout"
    retryable = True


class WorkerFailedError(ServiceError):
    """The worker running this request raised or died; it has been replaced."""

    http_status = 503
    code = "worker_failed"
    retryable = True


class ShuttingDownError(ServiceError):
    http_status = 503
    code = "shutting_down"
    retryable = True


class NotReadyError(ServiceError):
    http_status = 503
    code = "not_ready"
    retryable = True


class UnauthorizedError(ServiceError):
    http_status = 401
    code = "unauthorized"


class ModelNotFoundError(ServiceError):
    http_status = 404
    code = "model_not_found"


class NoModelError(ServiceError):
    http_status = 409
    code = "no_model"


class ModelLoadError(ServiceError):
    """The file is in the models directory but is not a loadable voice model."""

    http_status = 422
    code = "model_invalid"


class TextTooLongError(ServiceError):
    http_status = 413
    code = "text_too_long"


class BadRequestError(ServiceError):
    http_status = 400
    code = "bad_request"


def error_body(
    code: str, message: str, retryable: bool, request_id: str | None
) -> dict[str, object]:
    """The one JSON error shape."""
    return {
        "error": {
            "code": code,
            "message": message,
            "retryable": retryable,
            "request_id": request_id,
        }
    }


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str | None,
    retry_after_s: int | None = None,
) -> JSONResponse:
    """A JSON error response; retryable errors carry ``Retry-After`` (seconds)."""
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    if request_id:
        headers = (headers or {}) | {"X-Request-ID": request_id}
    body = error_body(code, message, retry_after_s is not None, request_id)
    return JSONResponse(body, status_code=status, headers=headers)


def classify(exc: BaseException, default_retry_after_s: int) -> tuple[int, str, str, int | None]:
    """``(status, code, message, retry_after_s)`` for any exception (no traceback text)."""
    if isinstance(exc, ServiceError):
        retry = exc.retry_after_s or default_retry_after_s if exc.retryable else None
        return exc.http_status, exc.code, str(exc), retry
    if isinstance(exc, RocktopError):
        status = exc.http_status
        retry = default_retry_after_s if status in (429, 503) else None
        return status, exc.code, str(exc), retry
    return 500, "internal_error", "internal error (see the server log for the request id)", None


def install_handlers(app: FastAPI, retry_after_s: int) -> None:
    """Register the JSON handlers for rocktop, validation, HTTP and unexpected errors."""

    def request_id(request: Request) -> str | None:
        return getattr(request.state, "request_id", None)

    async def rocktop_error(request: Request, exc: Exception) -> JSONResponse:
        status, code, message, retry = classify(exc, retry_after_s)
        request.state.error_code = code
        return error_response(status, code, message, request_id(request), retry)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for item in exc.errors()[:5]:
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where}: {item.get('msg', 'invalid')}")
        request.state.error_code = "invalid_request"
        return error_response(422, "invalid_request", "; ".join(parts), request_id(request))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        request.state.error_code = code
        return error_response(exc.status_code, code, str(exc.detail), request_id(request))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"request_id": request_id(request)})
        request.state.error_code = "internal_error"
        status, code, message, retry = classify(exc, retry_after_s)
        return error_response(status, code, message, request_id(request), retry)

    app.add_exception_handler(RocktopError, rocktop_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
