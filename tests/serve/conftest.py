"""Fixtures: the service under a real uvicorn on 127.0.0.1 (background thread)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from rocktop.serve.app import create_app
from rocktop.serve.settings import Settings
from rocktop.testing.servers import run_uvicorn

API_KEY = "test-key-0123456789"

Running = Callable[..., AbstractContextManager[tuple[str, Any]]]


@contextlib.contextmanager
def _running(**settings: Any) -> Iterator[tuple[str, Any]]:
    app = create_app(Settings(**settings))
    with run_uvicorn(app) as url:
        yield url, app


@pytest.fixture(scope="session")
def running() -> Running:
    """``with running(**settings) as (url, app):`` a service with ``Settings(**settings)``."""
    return _running


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """One authenticated service per test module, espeak TTS, an empty models directory."""
    models = tmp_path_factory.mktemp("models")
    with _running(api_keys=API_KEY, models_dir=models, tts_workers=2, rvc_workers=2) as value:
        yield value


@pytest.fixture
def client(server: tuple[str, Any]) -> Iterator[httpx.Client]:
    url, _ = server
    with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=60) as http:
        yield http
