"""Storage figures against moto's S3 server on 127.0.0.1: upload/download throughput by part
size, and the model registry's cold download versus cached fetch. Prints JSON (medians).

moto keeps objects in memory in this process, so absolute MB/s are the client's and moto's
CPU cost on loopback, not a network or a real store; the ratios (part sizes, cache hit vs
download) are what carry over.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from moto.server import ThreadedMotoServer

from rocktop.storage import uri as storage
from rocktop.storage.registry import ModelRegistry

MIB = storage.MIB
SIZE_MIB = 64
REPEATS = 3


def _median_s(action: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(key, "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    results: dict[str, object] = {"file_mib": SIZE_MIB, "repeats": REPEATS, "store": "moto"}
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            big = tmp / "voice.safetensors"
            big.write_bytes(os.urandom(SIZE_MIB * MIB))
            settings = storage.S3Settings(endpoint_url=endpoint)
            fs, _ = storage.filesystem(f"s3://{bucket}", settings)
            fs.mkdir(bucket)
            for part_mib in (5, 16, 64):
                s3 = storage.S3Settings(endpoint_url=endpoint, part_size_bytes=part_mib * MIB)
                uri = f"s3://{bucket}/p{part_mib}/voice.safetensors"
                seconds = _median_s(lambda s3=s3, uri=uri: storage.put_file(big, uri, s3))
                results[f"upload_part{part_mib}mib_mb_s"] = round(SIZE_MIB / seconds, 1)
            target = tmp / "down.bin"
            uri = f"s3://{bucket}/p16/voice.safetensors"
            seconds = _median_s(lambda: storage.get_file(uri, target, settings))
            results["download_mb_s"] = round(SIZE_MIB / seconds, 1)

            registry = ModelRegistry(f"s3://{bucket}/p16", tmp / "cache", s3=settings)
            cold = []
            for _ in range(REPEATS):
                for path in (tmp / "cache").rglob("*.json"):
                    path.unlink()
                start = time.perf_counter()
                registry.fetch("voice")
                cold.append(time.perf_counter() - start)
            warm = _median_s(lambda: registry.fetch("voice"), repeats=5)
            results["registry_cold_fetch_s"] = round(statistics.median(cold), 3)
            results["registry_cached_fetch_s"] = round(warm, 3)
            results["cache_speedup"] = round(statistics.median(cold) / warm, 1)
    finally:
        server.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
