"""Service benchmarks: latency/throughput, server overhead, streaming and realtime latency.

Starts ``rocktop serve`` as a subprocess on 127.0.0.1 with a tiny voice (random weights, real
code; ``rocktop.testing.voices``) and measures, printing one JSON document:

- ``/tts`` and ``/rvc`` (10 s clips) at concurrency 1/4/16: median and p99 latency, requests/s;
- server overhead: ``/rvc`` against a direct ``Converter.convert`` call on the same clip in
  this process, interleaved in pairs (end to end, client and transport included), and the
  server-side share (request duration in the server / conversion-stage time; target < 5 %);
- ``/synthesize/stream``: first-chunk latency against the whole response;
- ``/realtime``: per-block round-trip latency for 250 ms blocks;
- ``--overload 60``: 16 clients for 60 s against /tts and /rvc with a queue of 4: no 5xx,
  429 shedding, p50/p99 (the test suite runs a 20 s version against /tts).

Usage: ``python benchmarks/bench_serve.py [--seconds 10] [--requests 8] [--quick]`` or
``python benchmarks/bench_serve.py --overload 60``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from rocktop.testing import synth
from rocktop.testing.audiofiles import wav_bytes
from rocktop.testing.voices import write_tiny_voice

F0 = "pm"  # needs no weights; the tiny voice setup has no rmvpe.pt


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    root: Path, workers: int, queue_size: int = 64
) -> tuple[subprocess.Popen[bytes], str]:
    voice = write_tiny_voice(root, "bench-voice")
    port = free_port()
    env = os.environ | {
        "ROCKTOP_MODELS_DIR": str(voice.models_dir),
        "ROCKTOP_WEIGHTS_DIR": str(voice.weights_dir),
        "RVC_MODEL": voice.name,
        "ROCKTOP_WARMUP_F0_METHOD": F0,
        "RVC_WORKERS": str(workers),
        "ROCKTOP_QUEUE_SIZE": str(queue_size),
        "ROCKTOP_LOG_JSON": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "rocktop", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the service did not become ready")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def load(url: str, path: str, make_request: Any, concurrency: int, per_client: int) -> dict:
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=url, timeout=600) as http:
            for _ in range(per_client):
                started = time.perf_counter()
                response = make_request(http)
                elapsed = time.perf_counter() - started
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "endpoint": path,
        "concurrency": concurrency,
        "requests": len(statuses),
        "ok": len(latencies),
        "non_200": sorted(set(statuses) - {200}),
        "median_s": round(statistics.median(latencies), 4) if latencies else None,
        "p99_s": round(percentile(latencies, 99), 4),
        "requests_per_s": round(len(latencies) / wall, 3),
    }


def overhead_pairs(url: str, root: Path, clip: np.ndarray, upload: bytes, pairs: int) -> dict:
    """Direct ``Converter.convert`` and served ``/rvc`` on the same clip, interleaved in pairs
    so that background load drifts affect both sides alike."""
    from rocktop.audio.types import Audio
    from rocktop.inference.loading import load_converter
    from rocktop.inference.params import ConversionParams

    voice = root / "models" / "bench-voice.safetensors"
    converter = load_converter(voice, None, device="cpu", weights_dir=root / "assets")
    audio = Audio.from_array(clip, 48_000)
    params = ConversionParams(f0_method=F0)
    direct, served, stage = [], [], []
    # The direct call runs on a worker thread, as the service's conversions do: on a busy CPU,
    # torch's intra-op thread pool makes main-thread calls several times slower.
    pool = ThreadPoolExecutor(max_workers=1)
    with httpx.Client(base_url=url, timeout=600) as http, pool:
        pool.submit(converter.convert, audio, params).result()  # warm-up
        before = _duration_sum(http, "/rvc")
        for _ in range(pairs):
            started = time.perf_counter()
            pool.submit(converter.convert, audio, params).result()
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = http.post(
                "/rvc", data={"f0_method": F0}, files={"audio": ("clip.wav", upload, "audio/wav")}
            )
            served.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            stage.append(float(response.headers["X-RVC-Time"]))
        server_s = _duration_sum(http, "/rvc") - before
    ratios = [s / d - 1 for s, d in zip(served, direct, strict=True)]
    return {
        "pairs": pairs,
        "direct_convert_median_s": round(statistics.median(direct), 4),
        "served_rvc_median_s": round(statistics.median(served), 4),
        "overhead_median_of_pairs": round(statistics.median(ratios), 4),
        "overhead_of_medians": round(statistics.median(served) / statistics.median(direct) - 1, 4),
        "server_side_overhead": round(server_s / sum(stage) - 1, 4),
    }


def _duration_sum(http: httpx.Client, endpoint: str) -> float:
    """``rocktop_request_duration_seconds_sum`` for ``endpoint`` from /metrics."""
    prefix = f'rocktop_request_duration_seconds_sum{{endpoint="{endpoint}"}} '
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0


def stream_first_chunk(url: str, runs: int) -> dict:
    text = (
        "The first sentence is short. The second one follows it closely. "
        "A third sentence ends the paragraph."
    )
    firsts, totals = [], []
    for _ in range(runs):
        started = time.perf_counter()
        with httpx.stream(
            "POST", f"{url}/synthesize/stream", data={"text": text, "f0_method": F0}, timeout=600
        ) as response:
            first = None
            for chunk in response.iter_bytes():
                if first is None and len(chunk) > 44:
                    first = time.perf_counter() - started
            firsts.append(first or float("nan"))
            totals.append(time.perf_counter() - started)
    return {
        "first_chunk_median_s": round(statistics.median(firsts), 4),
        "total_median_s": round(statistics.median(totals), 4),
        "first_over_total": round(statistics.median(firsts) / statistics.median(totals), 3),
    }


def realtime_blocks(url: str, blocks: int) -> dict:
    from websockets.sync.client import connect

    ws_url = url.replace("http://", "ws://") + "/realtime"
    tone = synth.tone_from_contour(synth.steady_contour(200.0, blocks * 0.25 + 1), 48_000)
    latencies = []
    with connect(ws_url, max_size=None) as ws:
        ws.send(
            json.dumps({"type": "start", "sample_rate": 48_000, "block_ms": 250, "f0_method": F0})
        )
        ready = json.loads(ws.recv())
        if ready.get("type") != "ready":
            return {"skipped": ready.get("message", str(ready))}
        size = ready["block_samples"]
        for index in range(blocks):
            block = tone[index * size : (index + 1) * size].astype("<f4")
            started = time.perf_counter()
            ws.send(block.tobytes())
            ws.recv()
            latencies.append(time.perf_counter() - started)
        ws.send(json.dumps({"type": "stop"}))
        ws.recv()
    return {
        "block_ms": 250,
        "blocks": blocks,
        "latency_ms": ready["latency_ms"],
        "round_trip_median_ms": round(1000 * statistics.median(latencies), 2),
        "round_trip_p99_ms": round(1000 * percentile(latencies, 99), 2),
    }


def overload(seconds: float, clients: int = 16) -> dict:
    """``clients`` clients for ``seconds`` against /tts and /rvc (1 s clips), queue size 4:
    counts 5xx (must be 0) and 429s, and the p50/p99 latency of the answers that succeeded."""
    clip = wav_bytes(synth.tone_from_contour(synth.steady_contour(200.0, 1.0), 48_000))
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp), workers=2, queue_size=4)
        stop_at = time.monotonic() + seconds

        def client(index: int) -> None:
            with httpx.Client(base_url=url, timeout=600) as http:
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    if index % 2:
                        path, response = "/tts", http.post("/tts", data={"text": "Overload."})
                    else:
                        path, response = (
                            "/rvc",
                            http.post(
                                "/rvc",
                                data={"f0_method": F0},
                                files={"audio": ("c.wav", clip, "audio/wav")},
                            ),
                        )
                    with lock:
                        results.append((path, response.status_code, time.perf_counter() - started))
                    if response.status_code == 429:
                        time.sleep(float(response.headers.get("Retry-After", "1")) / 10)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ready = httpx.get(f"{url}/ready").status_code
        finally:
            process.terminate()
            process.wait(30)
    report: dict[str, Any] = {"seconds": seconds, "clients": clients, "ready_after": ready}
    for path in ("/tts", "/rvc"):
        rows = [(status, t) for p, status, t in results if p == path]
        ok = [t for status, t in rows if status == 200]
        report[path] = {
            "requests": len(rows),
            "ok": len(ok),
            "shed_429": sum(status == 429 for status, _ in rows),
            "5xx": sum(status >= 500 for status, _ in rows),
            "p50_s": round(percentile(ok, 50), 4),
            "p99_s": round(percentile(ok, 99), 4),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="clip length for /rvc")
    parser.add_argument("--requests", type=int, default=8, help="requests per client")
    parser.add_argument("--workers", type=int, default=2, help="conversion workers")
    parser.add_argument("--quick", action="store_true", help="concurrency 1 and 4 only")
    parser.add_argument("--pairs", type=int, default=5, help="direct/served pairs (overhead)")
    parser.add_argument(
        "--overload",
        type=float,
        default=0.0,
        help="only run the overload test for this many seconds (e.g. 60)",
    )
    args = parser.parse_args()
    if args.overload:
        print(json.dumps({"overload": overload(args.overload)}, indent=2))
        return
    levels = (1, 4) if args.quick else (1, 4, 16)
    clip = synth.tone_from_contour(synth.vibrato_contour(220.0, args.seconds), 48_000)
    upload = wav_bytes(clip, 48_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        process, url = start_server(root, args.workers)
        try:

            def tts(http: httpx.Client) -> httpx.Response:
                return http.post(
                    "/tts", data={"text": "A ten word sentence for the benchmark run."}
                )

            def rvc(http: httpx.Client) -> httpx.Response:
                return http.post(
                    "/rvc",
                    data={"f0_method": F0},
                    files={"audio": ("clip.wav", upload, "audio/wav")},
                )

            rvc(httpx.Client(base_url=url, timeout=600))  # first 10 s clip: allocations
            rows = []
            for path, call, per_client in (("/tts", tts, args.requests), ("/rvc", rvc, None)):
                for c in levels:
                    rows.append(load(url, path, call, c, per_client or max(2, args.requests // c)))
                    sys.stderr.write(json.dumps(rows[-1]) + "\n")
            overhead = overhead_pairs(url, root, clip, upload, args.pairs)
            sys.stderr.write(json.dumps(overhead) + "\n")
            result = {
                "machine": f"{platform.processor() or platform.machine()}, "
                f"{os.cpu_count()} cores, no GPU",
                "clip_s": args.seconds,
                "rvc_workers": args.workers,
                "voice": "tiny v2 48k",
                "load": rows,
                "overhead": overhead,
                "stream": stream_first_chunk(url, 3),
                "realtime": realtime_blocks(url, 12),
            }
        finally:
            process.terminate()
            process.wait(30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
