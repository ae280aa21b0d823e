"""Settings from the environment (the seed's names), JSON logs, and `rocktop serve`."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from rocktop.common.errors import RocktopError
from rocktop.serve.observe import JsonFormatter
from rocktop.serve.settings import Settings
from rocktop.testing.servers import wait_until


def test_seed_environment_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RVC_MODEL", "SilverWolf_e300_s6600.pth")
    monkeypatch.setenv("RVC_WORKERS", "3")
    monkeypatch.setenv("API_PORT", "9090")
    monkeypatch.setenv("ROCKTOP_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("ROCKTOP_OPEN_PATHS", "/health, /metrics")
    monkeypatch.setenv("ROCKTOP_CORS_ORIGINS", "https://studio.example")
    settings = Settings()
    assert settings.default_model == "SilverWolf_e300_s6600"
    assert (settings.rvc_workers, settings.api_port) == (3, 9090)
    assert settings.models_dir == tmp_path
    assert settings.open_paths == ("/health", "/metrics")
    assert settings.cors_origins == ("https://studio.example",)
    assert settings.decode_limits().max_bytes == settings.max_upload_bytes


def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RVC_WORKERS", "0")
    with pytest.raises(ValueError):
        Settings()
    monkeypatch.delenv("RVC_WORKERS")
    with pytest.raises(RocktopError, match="API keys file"):
        Settings(api_keys_file=tmp_path / "missing").load_api_keys()


def test_json_log_lines_carry_fields() -> None:
    record = logging.LogRecord(
        "rocktop.serve.access", logging.INFO, __file__, 1, "request", None, None
    )
    record.fields = {"request_id": "abc", "status": 200}
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request" and line["request_id"] == "abc" and line["status"] == 200


def test_access_log_has_request_id(
    running: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def logged() -> list[dict[str, Any]]:
        fields = [getattr(r, "fields", {}) for r in caplog.records if r.name.endswith("access")]
        return [f for f in fields if f.get("request_id") == "trace-42"]

    with running(models_dir=tmp_path) as (url, _), caplog.at_level(logging.INFO):
        httpx.get(f"{url}/health", headers={"X-Request-ID": "trace-42"})
        assert wait_until(lambda: bool(logged()))  # logged right after the response is sent
    assert {"endpoint": "/health", "status": 200}.items() <= logged()[0].items()


@pytest.mark.integration
def test_rocktop_serve_starts_and_answers(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "ROCKTOP_MODELS_DIR": str(tmp_path),
        "ROCKTOP_API_KEYS": "cli-key",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    env.pop("RVC_MODEL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "rocktop", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        status = httpx.get(f"{url}/status", headers={"Authorization": "Bearer cli-key"}).json()
        assert status["stages"]["convert"]["configured_workers"] == 1
        assert httpx.get(f"{url}/status").status_code == 401
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    assert any(line.get("endpoint") == "/status" and line.get("request_id") for line in lines)
    assert "cli-key" not in stderr.decode()
