"""Body size cap enforced on the streamed body (chunked requests included), before handlers.

A declared ``Content-Length`` over the cap is refused without reading; otherwise the bytes are
counted as they arrive, and the moment the count passes the cap the handler's ``receive``
raises and whatever the app answers is replaced by a 413.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rocktop.common.errors import RocktopError
from rocktop.serve.errors import error_response


class BodyTooLargeError(RocktopError):
    http_status = 413
    code = "body_too_large"


class BodyLimitMiddleware:
    """413 for HTTP request bodies over ``max_body_bytes``."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _message(self) -> str:
        return f"request body exceeds the {self.max_body_bytes} byte limit"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        state["error_code"] = "body_too_large"
        response = error_response(413, "body_too_large", self._message(), state.get("request_id"))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    exceeded = True
                    raise BodyTooLargeError(self._message())
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if not started and message["type"] == "http.response.start":
                    started = True
                    await self._refuse(scope, receive, send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
            if not started:
                await self._refuse(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
