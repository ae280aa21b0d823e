"""API keys: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, compared in constant time.

No keys configured means authentication is off (the CLI warns when it binds beyond loopback).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from rocktop.serve.errors import error_response


class Authenticator:
    """Checks request headers against a fixed set of keys."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = tuple(key.encode("utf-8") for key in keys if key)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def check_key(self, key: str | None) -> bool:
        """True if ``key`` is one of the keys (every key is compared: no early exit)."""
        if not self._keys:
            return True
        if not key:
            return False
        candidate = key.encode("utf-8")
        matched = False
        for known in self._keys:
            matched |= hmac.compare_digest(candidate, known)
        return matched

    def check_headers(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        return self.check_key(key_from_headers(headers))


def key_from_headers(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The key from ``Authorization: Bearer`` or ``X-API-Key`` (raw ASGI headers)."""
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"x-api-key":
            return value.decode("latin-1").strip()
        if lowered == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return None


class AuthMiddleware:
    """Refuses HTTP requests without a valid key (401), except on the open paths.

    WebSocket routes check keys themselves (a browser cannot set headers on a WebSocket).
    """

    def __init__(self, app: ASGIApp, authenticator: Authenticator, open_paths: Iterable[str]):
        self.app = app
        self.authenticator = authenticator
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.authenticator.enabled
            or scope.get("method") == "OPTIONS"
            or scope["path"] in self.open_paths
            or self.authenticator.check_headers(scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["error_code"] = "unauthorized"
        response = error_response(
            401,
            "unauthorized",
            "missing or invalid API key (Authorization: Bearer or X-API-Key)",
            state.get("request_id"),
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        await response(scope, receive, send)
