"""Conversion endpoints with a tiny real voice (random weights, real code, real loader)."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from rocktop.testing import synth
from rocktop.testing.audiofiles import read_wav, wav_bytes
from rocktop.testing.badaudio import BAD_AUDIO_NAMES, bad_audio
from rocktop.testing.servers import wait_until

pytestmark = pytest.mark.integration
KEY = "convert-key"
F0 = "pm"  # needs no weights (the tiny setup has no rmvpe.pt)
CLIP = synth.tone_from_contour(synth.steady_contour(200.0, 0.6), 48_000)


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from rocktop.testing.voices import write_tiny_voice

    return write_tiny_voice(tmp_path_factory.mktemp("voice"), "tiny-voice")


@pytest.fixture(scope="module")
def service(running: Any, voice: Any) -> Iterator[tuple[str, Any]]:
    settings = {
        "api_keys": KEY,
        "models_dir": voice.models_dir,
        "weights_dir": voice.weights_dir,
        "rvc_model": voice.name,
        "warmup_f0_method": F0,
        "rvc_workers": 2,
    }
    with running(**settings) as value:
        yield value


@pytest.fixture
def http(service: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service[0], headers={"X-API-Key": KEY}, timeout=300) as client:
        yield client


def _rvc(http: httpx.Client, path: str = "/rvc", **data: Any) -> httpx.Response:
    return http.post(
        path,
        data={"f0_method": F0, **data},
        files={"audio": ("clip.wav", wav_bytes(CLIP), "audio/wav")},
    )


def test_ready_after_warm_up(http: httpx.Client) -> None:
    assert http.get("/ready").json() == {"ready": True, "not_ready": []}
    models = http.get("/models").json()
    assert models["default"] == "tiny-voice"
    assert models["models"][0]["name"] == "tiny-voice" and models["models"][0]["loaded"]


@pytest.mark.parametrize("path", ["/rvc", "/convert"])
def test_rvc_converts_an_upload(http: httpx.Client, path: str) -> None:
    response = _rvc(http, path, pitch_shift=3)
    assert response.status_code == 200, response.text
    samples, rate = read_wav(response.content)
    assert rate == 48_000
    assert abs(samples.shape[1] - CLIP.size) <= 48_000 * 0.02
    assert np.isfinite(samples).all()
    assert float(response.headers["X-RVC-Time"]) > 0
    assert float(response.headers["X-TTS-Time"]) == 0


def test_rvc_output_rate_and_flac(http: httpx.Client) -> None:
    response = _rvc(http, output_sample_rate=44_100, format="flac", bits=24)
    assert response.status_code == 200, response.text
    info = sf.info(io.BytesIO(response.content))
    assert (info.format, info.samplerate) == ("FLAC", 44_100)


@pytest.mark.parametrize(
    "data,code",
    [
        ({"index_rate": "2"}, "invalid_request"),
        ({"f0_method": "nope"}, "invalid_request"),
        ({"model": "../tiny-voice"}, "model_not_found"),
    ],
)
def test_rvc_refusals(http: httpx.Client, data: dict[str, str], code: str) -> None:
    response = _rvc(http, **data)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("name", BAD_AUDIO_NAMES)
def test_bad_audio_to_rvc_is_4xx(http: httpx.Client, name: str) -> None:
    response = http.post(
        "/rvc",
        data={"f0_method": F0},
        files={"audio": (name, bad_audio(name), "audio/wav")},
    )
    assert 400 <= response.status_code < 500, response.text
    assert http.get("/ready").status_code == 200


def test_synthesize_runs_tts_then_conversion(http: httpx.Client) -> None:
    response = http.post(
        "/synthesize",
        data={"text": "Hello there.", "f0_method": F0, "reference_text": "", "index_rate": 0.75},
    )
    assert response.status_code == 200, response.text
    assert float(response.headers["X-TTS-Time"]) > 0
    assert float(response.headers["X-RVC-Time"]) > 0
    samples, rate = read_wav(response.content)
    assert rate == 48_000 and samples.shape[1] > 0.3 * rate


def _parse_stream_wav(data: bytes) -> tuple[int, np.ndarray]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and data[36:40] == b"data"
    assert struct.unpack_from("<I", data, 40)[0] == 0xFFFFFFFF
    rate = struct.unpack_from("<I", data, 24)[0]
    return rate, np.frombuffer(data[44:], dtype="<i2")


def test_synthesize_stream_sends_sentences_as_they_come(service: tuple[str, Any]) -> None:
    url, _ = service
    chunks: list[bytes] = []
    with httpx.stream(
        "POST",
        f"{url}/synthesize/stream",
        headers={"X-API-Key": KEY},
        data={"text": "One. Two words. Three words here.", "f0_method": F0},
        timeout=300,
    ) as response:
        assert response.status_code == 200
        assert response.headers["X-Sentences"] == "3"
        chunks = list(response.iter_raw())
    rate, pcm = _parse_stream_wav(b"".join(chunks))
    assert rate == 48_000 and pcm.size > 0.3 * rate
    samples, _ = sf.read(io.BytesIO(b"".join(chunks)), dtype="float32")
    assert samples.size == pcm.size  # libsndfile reads the open-ended WAV


def test_synthesize_stream_raw_pcm(http: httpx.Client) -> None:
    response = http.post(
        "/synthesize/stream", data={"text": "Raw. Frames.", "f0_method": F0, "stream_format": "pcm"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("audio/L16;rate=48000")
    assert len(response.content) % 2 == 0 and response.content[:4] != b"RIFF"


def test_model_unload_load_and_metrics(http: httpx.Client) -> None:
    assert http.post("/models/tiny-voice/unload").json()["loaded"] is False
    assert not http.get("/models").json()["models"][0]["loaded"]
    loaded = http.post("/models/tiny-voice/load").json()
    assert loaded["loaded"] and loaded["load_seconds"] > 0
    assert _rvc(http).status_code == 200
    metrics = http.get("/metrics").text
    assert "rocktop_model_load_seconds_count" in metrics
    assert 'rocktop_realtime_factor_count{endpoint="/rvc"}' in metrics


def test_convert_worker_crash_is_503_then_recovers(
    service: tuple[str, Any], http: httpx.Client
) -> None:
    _, app = service
    app.state.service.engine["convert"].inject_crash()
    crashed = _rvc(http)
    assert crashed.status_code == 503 and crashed.json()["error"]["code"] == "worker_failed"
    assert "Retry-After" in crashed.headers
    assert wait_until(lambda: http.get("/ready").status_code == 200)
    assert _rvc(http).status_code == 200
