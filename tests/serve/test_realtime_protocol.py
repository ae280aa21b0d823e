"""WebSocket /realtime protocol refusals (auth, start message, model) over real uvicorn."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.sync.client import connect

pytestmark = pytest.mark.integration


def _ws(url: str) -> str:
    return url.replace("http://", "ws://") + "/realtime"


def _first_error(url: str, start: Any, headers: dict[str, str] | None = None) -> tuple[dict, int]:
    with connect(_ws(url), additional_headers=headers or {}, open_timeout=10) as ws:
        ws.send(start if isinstance(start, str) else json.dumps(start))
        reply = json.loads(ws.recv(timeout=10))
        try:
            ws.recv(timeout=5)
        except Exception:  # noqa: BLE001 - the server closed, as expected
            pass
        return reply, ws.close_code or 0


def test_realtime_needs_a_key(server: tuple[str, Any], api_key: str) -> None:
    url, _ = server
    reply, code = _first_error(url, {"type": "start"})
    assert reply == {
        "type": "error",
        "code": "unauthorized",
        "message": "missing or invalid API key",
    }
    assert code == 1008


def test_realtime_rejects_a_bad_start(server: tuple[str, Any], api_key: str) -> None:
    url, _ = server
    reply, code = _first_error(url, "hello", {"X-API-Key": api_key})
    assert reply["code"] == "bad_start" and code == 1008
    reply, _ = _first_error(url, {"type": "start", "block_ms": 5}, {"X-API-Key": api_key})
    assert reply["code"] == "bad_start"


def test_realtime_without_a_model(server: tuple[str, Any], api_key: str) -> None:
    url, _ = server
    reply, code = _first_error(url, {"type": "start", "api_key": api_key})
    assert reply["code"] == "no_model" and code == 1008
    reply, _ = _first_error(url, {"type": "start", "api_key": api_key, "model": "ghost"})
    assert reply["code"] == "model_not_found"
