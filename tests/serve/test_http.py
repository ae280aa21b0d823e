"""Each endpoint over real HTTP: probes, auth, /tts, models, errors, limits, bad audio."""

from __future__ import annotations

import io
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from rocktop.testing.audiofiles import read_wav, wav_bytes
from rocktop.testing.badaudio import BAD_AUDIO_NAMES, bad_audio

API_KEY = "test-key-0123456789"  # conftest's key

pytestmark = pytest.mark.integration


def test_health_ready_metrics_are_open(server: tuple[str, Any]) -> None:
    url, _ = server
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{url}/ready")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    metrics = httpx.get(f"{url}/metrics")
    assert metrics.status_code == 200
    for name in (
        "rocktop_requests_total",
        "rocktop_request_duration_seconds",
        "rocktop_queue_depth",
        "rocktop_inflight",
        "rocktop_workers",
    ):
        assert name in metrics.text
    assert 'rocktop_workers{stage="convert"} 2.0' in metrics.text


@pytest.mark.parametrize(
    "headers,status",
    [
        ({}, 401),
        ({"X-API-Key": "wrong"}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": "Basic " + API_KEY}, 401),
        ({"X-API-Key": API_KEY}, 200),
        ({"Authorization": f"Bearer {API_KEY}"}, 200),
    ],
)
def test_auth(server: tuple[str, Any], headers: dict[str, str], status: int) -> None:
    url, _ = server
    response = httpx.get(f"{url}/status", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_status_describes_workers_and_models(client: httpx.Client) -> None:
    status = client.get("/status").json()
    assert status["stages"]["tts"]["workers"] == 2
    assert status["stages"]["convert"]["workers"] == 2
    assert status["tts_backend"] == "espeak"
    assert status["models"]["available"] == []


def test_tts_speaks_and_reports_timing(client: httpx.Client) -> None:
    response = client.post("/tts", data={"text": "Hello from rocktop. A second sentence."})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert float(response.headers["X-TTS-Time"]) > 0
    assert float(response.headers["X-RVC-Time"]) == 0
    samples, rate = read_wav(response.content)
    assert rate == 22_050 and samples.shape[1] > rate  # more than a second of speech
    assert np.abs(samples).max() > 0.05


def test_tts_flac_at_48k(client: httpx.Client) -> None:
    response = client.post(
        "/tts",
        data={
            "text": "Forty eight kilohertz.",
            "format": "flac",
            "bits": "24",
            "output_sample_rate": "48000",
        },
    )
    assert response.status_code == 200, response.text
    info = sf.info(io.BytesIO(response.content))
    assert (info.format, info.subtype, info.samplerate) == ("FLAC", "PCM_24", 48_000)


@pytest.mark.parametrize(
    "data,status,code",
    [
        ({"text": ""}, 422, "invalid_request"),
        ({"text": "   "}, 422, "tts_bad_request"),
        ({"text": "x" * 6000}, 413, "text_too_long"),
        ({"text": "hi", "voice": "../../etc/passwd"}, 422, "tts_bad_request"),
        ({"text": "hi", "rate_wpm": "5"}, 422, "invalid_request"),
        ({"text": "hi", "format": "flac", "bits": "32f"}, 400, "bad_request"),
    ],
)
def test_tts_refusals(client: httpx.Client, data: dict[str, str], status: int, code: str) -> None:
    response = client.post("/tts", data=data)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_models_listing_and_unknown_names(client: httpx.Client) -> None:
    listing = client.get("/models").json()
    assert listing == {"models": [], "default": None, "max_loaded": 2}
    assert client.post("/models/ghost/load").json()["error"]["code"] == "model_not_found"
    assert client.post("/models/..%2Fetc/load").status_code in (404, 422)
    assert client.post("/models/.hidden/unload").status_code == 422


def test_rvc_without_a_model_is_a_clear_409(client: httpx.Client) -> None:
    audio = wav_bytes(np.zeros(4800, dtype=np.float32))
    for path in ("/rvc", "/convert"):
        response = client.post(path, files={"audio": ("a.wav", audio, "audio/wav")})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "no_model"
    response = client.post("/rvc", data={"model": "ghost"}, files={"audio": ("a.wav", audio)})
    assert response.status_code == 404


def test_unknown_route_is_json_404(client: httpx.Client) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_request_id_is_echoed(client: httpx.Client) -> None:
    response = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health", headers={"X-Request-ID": "bad id; <script>"}).headers
    assert len(generated["X-Request-ID"]) == 32


@pytest.mark.parametrize("name", BAD_AUDIO_NAMES)
def test_bad_audio_is_4xx_and_service_stays_ready(
    server: tuple[str, Any], client: httpx.Client, name: str
) -> None:
    data = bad_audio(name)
    response = client.post(
        "/tts", data={"text": "hi"}, files={"reference_audio": (name, data, "audio/wav")}
    )
    if name == "zero_length.wav":  # an empty optional upload is no upload
        assert response.status_code == 200
    else:
        assert 400 <= response.status_code < 500, response.text
        error = response.json()["error"]
        assert error["message"].startswith(f"upload '{name}'"), error
    assert httpx.get(f"{server[0]}/ready").status_code == 200


def test_oversized_chunked_body_is_413(tmp_path: Any, running: Any) -> None:
    with running(max_upload_bytes=4096, models_dir=tmp_path) as (url, _):
        sent = 0

        def body() -> Any:
            nonlocal sent
            yield (
                b'--x\r\nContent-Disposition: form-data; name="reference_audio"; '
                b'filename="big.wav"\r\nContent-Type: audio/wav\r\n\r\n'
            )
            for _ in range(64):  # 4 MiB, no Content-Length: chunked transfer encoding
                sent += 65_536
                yield b"\0" * 65_536

        response = httpx.post(
            f"{url}/tts",
            content=body(),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "body_too_large"
        declared = httpx.post(
            f"{url}/tts",
            content=b"\0" * (2 * 1024 * 1024),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert declared.status_code == 413
        assert httpx.get(f"{url}/ready").status_code == 200
        metrics = httpx.get(f"{url}/metrics").text
        assert 'rocktop_errors_total{code="body_too_large"} 2.0' in metrics


def test_auth_off_without_keys_and_cors_off_by_default(tmp_path: Any, running: Any) -> None:
    with running(models_dir=tmp_path) as (url, _):
        response = httpx.get(f"{url}/status", headers={"Origin": "https://evil.example"})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers


def test_closed_probes_when_configured(tmp_path: Any, running: Any) -> None:
    with running(models_dir=tmp_path, api_keys="k", open_paths="/health") as (url, _):
        assert httpx.get(f"{url}/health").status_code == 200
        assert httpx.get(f"{url}/metrics").status_code == 401
        assert httpx.get(f"{url}/metrics", headers={"X-API-Key": "k"}).status_code == 200


def test_auth_keys_file(tmp_path: Any, running: Any) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# comment\nfile-key-1\n\nfile-key-2  # trailing\n")
    with running(models_dir=tmp_path, api_keys_file=keys) as (url, _):
        assert httpx.get(f"{url}/status", headers={"X-API-Key": "file-key-2"}).status_code == 200
        assert httpx.get(f"{url}/status", headers={"X-API-Key": "file-key-3"}).status_code == 401
