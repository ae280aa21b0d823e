"""Fault injection and a bounded load test over real HTTP (loopback only)."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

import httpx
import numpy as np
import pytest

from rocktop.testing.servers import wait_until

pytestmark = pytest.mark.integration
LOAD_SECONDS = float(os.environ.get("ROCKTOP_LOAD_TEST_S", "20"))


def test_worker_crash_gives_clean_503_and_a_replacement(running: Any, tmp_path: Any) -> None:
    with running(models_dir=tmp_path, tts_workers=1) as (url, app):
        stage = app.state.service.engine["tts"]
        stage.inject_crash()
        response = httpx.post(f"{url}/tts", data={"text": "crash"}, timeout=30)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "worker_failed" and error["retryable"] is True
        assert int(response.headers["Retry-After"]) >= 1
        assert wait_until(lambda: httpx.get(f"{url}/ready").status_code == 200)
        again = httpx.post(f"{url}/tts", data={"text": "fine again"}, timeout=30)
        assert again.status_code == 200
        status = httpx.get(f"{url}/status").json()["stages"]["tts"]
        assert status["replaced_workers"] == 1 and status["workers"] == 1
        metrics = httpx.get(f"{url}/metrics").text
        assert 'rocktop_errors_total{code="worker_failed"}' in metrics


def _client_loop(url: str, stop_at: float, results: list[tuple[int, float, str]]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = client.post("/tts", data={"text": "Load test sentence."})
            elapsed = time.perf_counter() - started
            results.append((response.status_code, elapsed, response.headers.get("Retry-After", "")))
            if response.status_code == 429:
                time.sleep(0.05)


@pytest.mark.slow
def test_bounded_load_has_no_5xx_and_sheds_with_429(
    running: Any, tmp_path: Any, record_property: Any
) -> None:
    """16 concurrent clients for LOAD_SECONDS against /tts with a deliberately small queue."""
    with running(models_dir=tmp_path, tts_workers=2, queue_size=4) as (url, _):
        results: list[tuple[int, float, str]] = []
        stop_at = time.monotonic() + LOAD_SECONDS
        threads = [
            threading.Thread(target=_client_loop, args=(url, stop_at, results)) for _ in range(16)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = [status for status, _, _ in results]
        ok = np.array([seconds for status, seconds, _ in results if status == 200])
        report = {
            "requests": len(results),
            "ok": int(ok.size),
            "shed_429": statuses.count(429),
            "p50_ms": round(float(np.percentile(ok, 50)) * 1000, 1),
            "p99_ms": round(float(np.percentile(ok, 99)) * 1000, 1),
        }
        record_property("load", report)
        sys.stderr.write(f"load test (16 clients, {LOAD_SECONDS:g} s): {report}\n")
        assert not [s for s in statuses if s >= 500], report
        assert set(statuses) <= {200, 429}, report
        assert report["shed_429"] > 0 and report["ok"] > 0, report
        assert all(retry.isdigit() for status, _, retry in results if status == 429)
        assert httpx.get(f"{url}/ready").status_code == 200


@pytest.mark.slow
def test_client_that_leaves_cancels_its_queued_job(running: Any, tmp_path: Any) -> None:
    long_text = "This sentence keeps the only speech worker busy for a while. " * 250
    with running(models_dir=tmp_path, tts_workers=1, max_text_chars=20_000) as (url, _):
        busy = threading.Thread(
            target=lambda: httpx.post(f"{url}/tts", data={"text": long_text}, timeout=120)
        )
        busy.start()
        assert wait_until(
            lambda: httpx.get(f"{url}/status").json()["stages"]["tts"]["running"] == 1
        )
        with pytest.raises(httpx.TimeoutException):
            httpx.post(f"{url}/tts", data={"text": "I will not wait."}, timeout=0.5)
        busy.join()
        assert wait_until(
            lambda: (
                'rocktop_errors_total{code="client_disconnected"}'
                in httpx.get(f"{url}/metrics").text
            )
        )
        stages = httpx.get(f"{url}/status").json()["stages"]["tts"]
        assert stages["completed"] == 1  # the abandoned request never ran
