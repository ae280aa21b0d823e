"""The service demo on embedded defaults: start ``rocktop serve``, call it, stop it.

Writes a tiny voice (random weights, real code) into OUT/models and OUT/assets, starts the
service on 127.0.0.1 with that voice as RVC_MODEL and espeak-ng TTS, then:
``/tts`` -> OUT/tts.wav, ``/rvc`` (the TTS output converted) -> OUT/converted.wav,
``/synthesize`` -> OUT/synthesized.wav, and prints the timing headers and /status.
The tiny voice is untrained: the converted audio demonstrates the path, not a voice.

Usage: ``python scripts/serve_demo.py [OUT]`` (default ``demo-out/serve``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from rocktop.testing.voices import write_tiny_voice

log = logging.getLogger("serve_demo")
KEY = "demo-key"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become ready (see the log above)")


def _save(response: httpx.Response, path: Path) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{response.request.url.path}: {response.status_code} {response.text}")
    path.write_bytes(response.content)
    log.warning(
        "%-12s -> %s  (X-TTS-Time %s s, X-RVC-Time %s s)",
        response.request.url.path,
        path,
        response.headers["X-TTS-Time"],
        response.headers["X-RVC-Time"],
    )


def main() -> None:
    logging.basicConfig(format="%(message)s")
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-out/serve")
    voice = write_tiny_voice(out, "demo-voice")
    port = _port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "ROCKTOP_MODELS_DIR": str(voice.models_dir),
        "ROCKTOP_WEIGHTS_DIR": str(voice.weights_dir),
        "RVC_MODEL": voice.name,
        "ROCKTOP_WARMUP_F0_METHOD": "pm",
        "ROCKTOP_API_KEYS": KEY,
        "ROCKTOP_LOG_JSON": "false",
    }
    command = [sys.executable, "-m", "rocktop", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env)
    try:
        _wait_ready(url, process)
        with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=300) as http:
            text = "Rocktop serves studio grade voice conversion. This is the demo."
            _save(http.post("/tts", data={"text": text}), out / "tts.wav")
            with open(out / "tts.wav", "rb") as handle:
                converted = http.post(
                    "/rvc",
                    data={"f0_method": "pm", "pitch_shift": 2},
                    files={"audio": ("tts.wav", handle, "audio/wav")},
                )
            _save(converted, out / "converted.wav")
            _save(
                http.post("/synthesize", data={"text": text, "f0_method": "pm"}),
                out / "synthesized.wav",
            )
            status = http.get("/status").json()
            log.warning("status: %s", json.dumps(status["stages"]))
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
