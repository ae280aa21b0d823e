"""Registry against a real ``mlflow server`` subprocess (sqlite backend, proxied artifacts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rocktop.storage.layout import VoiceNotFoundError
from rocktop.storage.mlflow_models import register_voice
from rocktop.storage.registry import ModelRegistry

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STARTUP_TIMEOUT_S = 240.0  # mlflow's imports and migrations take 10-60 s on a busy 2-core box


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"mlflow server exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"mlflow server not healthy after {STARTUP_TIMEOUT_S} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and its uvicorn child: they share the session we started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # workers left behind by a clean parent exit
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def mlflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("mlflow")
    root = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    env = {
        **os.environ,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # no huey job workers
    }
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination", str(root / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    log = root / "server.log"
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
            yield url
    finally:
        _stop(proc)


def _log_voice_run(url: str, tmp: Path, payload: bytes) -> str:
    from mlflow import MlflowClient

    voice = tmp / f"voice-{len(payload)}"
    voice.mkdir()
    (voice / "singer.safetensors").write_bytes(payload)
    (voice / "added_IVF64_Flat_singer.index").write_bytes(b"I" * 32)
    client = MlflowClient(tracking_uri=url)
    experiment = client.get_experiment_by_name("rocktop-test") or None
    experiment_id = (
        experiment.experiment_id if experiment else client.create_experiment("rocktop-test")
    )
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "epochs", 2)
    client.log_metric(run.info.run_id, "loss_mel", 12.5)
    client.log_artifacts(run.info.run_id, str(voice), "voice")
    client.set_terminated(run.info.run_id)
    return str(run.info.run_id)


def test_registered_voice_resolves_by_version_and_alias(mlflow_url: str, tmp_path: Path) -> None:
    run_1 = _log_voice_run(mlflow_url, tmp_path, b"1" * 500)
    assert register_voice(run_1, "voice", "singer", mlflow_url, alias="production") == "1"
    registry = ModelRegistry("models:/", tmp_path / "cache", tracking_uri=mlflow_url)

    assert registry.list() == ["singer"]
    files = registry.fetch("models:/singer@production")
    assert files.model.name == "singer.safetensors" and files.model.read_bytes() == b"1" * 500
    assert files.index is not None and files.index.read_bytes() == b"I" * 32
    assert registry.fetch("models:/singer/1").model == files.model  # cached per version

    run_2 = _log_voice_run(mlflow_url, tmp_path, b"2" * 700)
    assert register_voice(run_2, "voice", "singer", mlflow_url, alias="production") == "2"
    assert registry.fetch("models:/singer@production").model.read_bytes() == b"2" * 700
    assert registry.fetch("singer").model.read_bytes() == b"2" * 700  # bare name: latest
    assert registry.fetch("models:/singer/1").model.read_bytes() == b"1" * 500

    local = ModelRegistry(str(tmp_path / "empty"), tmp_path / "cache", tracking_uri=mlflow_url)
    assert local.fetch("models:/singer/2").model.read_bytes() == b"2" * 700


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("models:/nobody@production", "not found in MLflow"),
        ("models:/singer/99", "not found in MLflow"),
        ("models:/bad/ref/x", "not valid"),
    ],
)
def test_unknown_references_are_clear_errors(
    mlflow_url: str, tmp_path: Path, ref: str, message: str
) -> None:
    registry = ModelRegistry("models:/", tmp_path / "cache", tracking_uri=mlflow_url)
    with pytest.raises(VoiceNotFoundError, match=message) as caught:
        registry.fetch(ref)
    assert "\n" not in str(caught.value)
