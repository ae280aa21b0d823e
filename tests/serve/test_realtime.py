"""WebSocket /realtime round trip through the streaming converter, with a tiny real voice."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from websockets.sync.client import connect

from rocktop.testing import synth

pytestmark = pytest.mark.integration
KEY = "rt-key"
F0 = "pm"


@pytest.fixture(scope="module")
def rt_server(running: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from rocktop.testing.voices import write_tiny_voice

    voice = write_tiny_voice(tmp_path_factory.mktemp("rt"), "rt-voice")
    with running(
        api_keys=KEY,
        models_dir=voice.models_dir,
        weights_dir=voice.weights_dir,
        rvc_model=voice.name,
        warmup_f0_method=F0,
        ws_max_frame_bytes=48_000,
        ws_max_session_s=3.0,
    ) as (url, _):
        yield url.replace("http://", "ws://") + "/realtime"


def _start(ws: Any, **fields: Any) -> dict[str, Any]:
    ws.send(json.dumps({"type": "start", "f0_method": F0, "block_ms": 250} | fields))
    reply = json.loads(ws.recv(timeout=120))
    assert reply["type"] == "ready", reply
    return reply


def test_round_trip_with_latency(rt_server: str) -> None:
    tone = synth.tone_from_contour(synth.steady_contour(220.0, 2.5), 48_000)
    with connect(rt_server, additional_headers={"X-API-Key": KEY}, max_size=None) as ws:
        ready = _start(ws)
        size = ready["block_samples"]
        assert size == 12_000 and ready["sample_rate"] == 48_000 and ready["latency_ms"] > 0
        latencies, out = [], []
        for index in range(tone.size // size):
            block = tone[index * size : (index + 1) * size].astype("<f4")
            started = time.perf_counter()
            ws.send(block.tobytes())
            frame = ws.recv(timeout=120)
            latencies.append(time.perf_counter() - started)
            out.append(np.frombuffer(frame, dtype="<f4"))
        ws.send(json.dumps({"type": "stop"}))
        done = json.loads(ws.recv(timeout=60))
    assert done["type"] == "done" and done["blocks"] == len(out)
    assert all(chunk.size == size for chunk in out)
    assert np.isfinite(np.concatenate(out)).all()
    sys.stderr.write(
        f"realtime 250 ms blocks: median round trip {1000 * statistics.median(latencies):.0f} ms\n"
    )


def test_int16_frames_and_key_in_start_message(rt_server: str) -> None:
    tone = synth.tone_from_contour(synth.steady_contour(220.0, 0.5), 48_000)
    pcm = np.round(tone * 32767).astype("<i2")
    with connect(rt_server, max_size=None) as ws:
        ready = _start(ws, format="s16le", api_key=KEY)
        ws.send(pcm[: ready["block_samples"]].tobytes())
        assert len(ws.recv(timeout=120)) == 2 * ready["block_samples"]


def test_bad_text_message_mid_session(rt_server: str) -> None:
    with connect(rt_server, additional_headers={"X-API-Key": KEY}) as ws:
        _start(ws)
        ws.send("null")
        reply = json.loads(ws.recv(timeout=60))
    assert reply["code"] == "bad_message" and ws.close_code == 1008


def test_wrong_rate_is_refused(rt_server: str) -> None:
    with connect(rt_server, additional_headers={"X-API-Key": KEY}) as ws:
        ws.send(json.dumps({"type": "start", "f0_method": F0, "sample_rate": 44_100}))
        reply = json.loads(ws.recv(timeout=60))
    assert reply["code"] == "bad_sample_rate" and "48000" in reply["message"]


def test_frame_and_session_caps(rt_server: str) -> None:
    with connect(rt_server, additional_headers={"X-API-Key": KEY}, max_size=None) as ws:
        _start(ws)
        ws.send(np.zeros(24_000, dtype="<f4").tobytes())  # 96 kB > 48 kB cap
        error = json.loads(ws.recv(timeout=60))
        assert error["code"] == "frame_too_large"
    assert ws.close_code == 1009
    with connect(rt_server, additional_headers={"X-API-Key": KEY}, max_size=None) as ws:
        ready = _start(ws)
        block = np.zeros(ready["block_samples"], dtype="<f4").tobytes()
        reply: Any = None
        for _ in range(20):  # 20 x 0.25 s > the 3 s session cap
            ws.send(block)
            reply = ws.recv(timeout=120)
            if isinstance(reply, str):
                break
        assert json.loads(reply)["code"] == "session_too_long"
