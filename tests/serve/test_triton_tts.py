"""The Triton (Spark-TTS) client against a real gRPC server on 127.0.0.1 (Triton's protos)."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import numpy as np
import pytest

from rocktop.audio.types import Audio
from rocktop.inference.tts.base import TTSError, TTSRequest, TTSUnavailableError
from rocktop.inference.tts.triton import TritonSparkTTS
from rocktop.serve.app import create_app
from rocktop.serve.settings import Settings
from rocktop.testing import synth
from rocktop.testing.audiofiles import read_wav, wav_bytes
from rocktop.testing.servers import run_uvicorn
from rocktop.testing.triton_server import SECONDS_PER_CHAR, fake_spark_triton

pytestmark = pytest.mark.integration
REFERENCE = Audio.from_array(
    synth.tone_from_contour(synth.steady_contour(150.0, 1.0), 48_000), 48_000
)


def test_spark_contract_round_trip() -> None:
    with fake_spark_triton() as (url, servicer):
        backend = TritonSparkTTS(url=url)
        assert backend.unavailable_reason() is None
        text = "Hello from Spark."
        audio = backend.synthesize(
            TTSRequest(text, reference_audio=REFERENCE, reference_text="a tone")
        )
        assert audio.sample_rate == 16_000
        assert audio.num_samples == int(len(text) * SECONDS_PER_CHAR * 16_000)
        assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() > 0.1
        assert servicer.calls == 1


def test_spark_needs_reference_audio_and_text() -> None:
    with fake_spark_triton() as (url, _):
        backend = TritonSparkTTS(url=url)
        with pytest.raises(TTSError, match="reference_audio"):
            backend.synthesize(TTSRequest("hello"))
        with pytest.raises(TTSError, match="empty"):
            backend.synthesize(TTSRequest("  ", reference_audio=REFERENCE))


def test_unknown_model_and_dead_server_are_unavailable() -> None:
    with fake_spark_triton() as (url, _):
        wrong = TritonSparkTTS(url=url, model="other")
        assert "not ready" in (wrong.unavailable_reason() or "")
        with pytest.raises(TTSUnavailableError, match="other"):
            wrong.synthesize(TTSRequest("hello", reference_audio=REFERENCE))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"
    backend = TritonSparkTTS(url=dead, timeout_s=2.0)
    assert "unreachable" in (backend.unavailable_reason() or "")
    with pytest.raises(TTSUnavailableError):
        backend.synthesize(TTSRequest("hello", reference_audio=REFERENCE))


def test_service_speaks_through_triton(tmp_path: Any) -> None:
    with fake_spark_triton() as (triton_url, _):
        settings = Settings(tts_backend="triton", triton_url=triton_url, models_dir=tmp_path)
        with run_uvicorn(create_app(settings)) as url:
            assert httpx.get(f"{url}/ready").json()["ready"] is True
            reference = wav_bytes(REFERENCE.samples, 48_000)
            response = httpx.post(
                f"{url}/tts",
                data={"text": "Seed contract.", "reference_text": "a tone"},
                files={"reference_audio": ("ref.wav", reference, "audio/wav")},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            samples, rate = read_wav(response.content)
            assert rate == 16_000 and samples.shape[1] == int(14 * SECONDS_PER_CHAR * 16_000)
            missing = httpx.post(f"{url}/tts", data={"text": "no reference"}, timeout=30)
            assert missing.status_code == 422
    # Triton gone: the service says why it is not ready, and TTS answers 503 (retryable)
    with run_uvicorn(create_app(settings)) as url:
        ready = httpx.get(f"{url}/ready")
        assert ready.status_code == 503 and "Triton" in ready.json()["not_ready"][0]


def test_seed_pipeline_spark_tts_then_conversion(tmp_path: Any) -> None:
    """The seed's flow: Spark-TTS on Triton (gRPC), then RVC conversion, one /synthesize call."""
    from rocktop.testing.voices import write_tiny_voice

    voice = write_tiny_voice(tmp_path, "seed-voice")
    with fake_spark_triton() as (triton_url, servicer):
        settings = Settings(
            tts_backend="triton",
            triton_url=triton_url,
            models_dir=voice.models_dir,
            weights_dir=voice.weights_dir,
            rvc_model=voice.name,
            warmup_f0_method="pm",
        )
        with run_uvicorn(create_app(settings)) as url:
            response = httpx.post(
                f"{url}/synthesize",
                data={
                    "text": "Hello world!",
                    "reference_text": "",
                    "pitch_shift": 0,
                    "f0_method": "pm",
                    "index_rate": 0.75,
                },
                files={"reference_audio": ("ref.wav", wav_bytes(REFERENCE.samples), "audio/wav")},
                timeout=120,
            )
    assert response.status_code == 200, response.text
    assert float(response.headers["X-TTS-Time"]) > 0 and float(response.headers["X-RVC-Time"]) > 0
    samples, rate = read_wav(response.content)
    expected = len("Hello world!") * SECONDS_PER_CHAR * 48_000
    assert rate == 48_000 and abs(samples.shape[1] - expected) < 0.05 * expected
    assert servicer.calls == 1
