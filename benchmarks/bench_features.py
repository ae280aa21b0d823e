"""Feature-extraction speed on this machine: x realtime per extractor, cache-hit time.

Prints JSON. Neural models use random weights of the real size (RMVPE's E2E, ContentVec's
HuBERT-base geometry), which costs the same compute as the released weights.

    PYTHONPATH=src python benchmarks/bench_features.py [--seconds 60] [--rmvpe-seconds 60]
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from rocktop.features.cache import FeatureCache, audio_digest, cache_key
from rocktop.features.content.contentvec import ContentVecEncoder
from rocktop.features.content.hubert import HubertWithFinalProj
from rocktop.features.content.hubert_config import contentvec_config
from rocktop.features.pitch import get_pitch_extractor
from rocktop.features.pitch.rmvpe.extractor import RmvpeExtractor
from rocktop.features.pitch.rmvpe.model import E2E
from rocktop.testing import synth

SR = 16_000


def _signal(seconds: float) -> np.ndarray:
    contour = synth.vibrato_contour(220.0, seconds, rate_hz=5.5, depth_cents=50)
    tone = synth.tone_from_contour(contour, SR)
    return tone + synth.noise(seconds, SR, level_db=-40.0, seed=1)[: len(tone)]


def _median_time(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _row(name: str, seconds: float, wall: float, repeats: int) -> dict[str, Any]:
    return {
        "extractor": name,
        "audio_s": seconds,
        "median_wall_s": round(wall, 3),
        "x_realtime": round(seconds / wall, 2),
        "repeats": repeats,
    }


def bench_extractors(seconds: float, rmvpe_seconds: float, repeats: int) -> list[dict[str, Any]]:
    wav = _signal(seconds)
    rows = []
    for name in ("harvest", "dio", "pm"):
        extractor = get_pitch_extractor(name)
        rows.append(
            _row(
                name,
                seconds,
                _median_time(functools.partial(extractor.extract, wav, SR), repeats),
                repeats,
            )
        )
    torch.manual_seed(0)
    rmvpe = RmvpeExtractor(E2E())
    short = wav[: int(rmvpe_seconds * SR)]
    rows.append(
        _row(
            "rmvpe (random weights)",
            rmvpe_seconds,
            _median_time(lambda: rmvpe.extract(short, SR), 1),
            1,
        )
    )
    for version in ("v1", "v2"):
        encoder = ContentVecEncoder(HubertWithFinalProj(contentvec_config()), version)
        wall = _median_time(functools.partial(encoder.encode, wav), 1)
        rows.append(_row(f"contentvec {version} (random weights)", seconds, wall, 1))
    return rows


def bench_cache(seconds: float, repeats: int = 20) -> dict[str, Any]:
    wav = _signal(seconds)
    frames = (len(wav) - 400) // 320 + 1
    value = np.random.default_rng(0).standard_normal((frames, 768)).astype(np.float32)
    with tempfile.TemporaryDirectory() as root:
        cache = FeatureCache(root)
        hash_s = _median_time(lambda: audio_digest(wav, SR), repeats)
        key = cache_key(audio_digest(wav, SR), "contentvec", {"version": "v2"}, "0" * 64)
        put_s = _median_time(lambda: cache.put(key, value, {"bench": True}), 5)
        get_s = _median_time(lambda: cache.get(key), repeats)
    return {
        "entry": f"{frames}x768 float32, {value.nbytes / 2**20:.1f} MiB ({seconds:.0f} s of v2)",
        "audio_hash_ms": round(1000 * hash_s, 2),
        "cache_put_ms": round(1000 * put_s, 2),
        "cache_hit_ms": round(1000 * get_s, 2),
        "hit_incl_hash_ms": round(1000 * (get_s + hash_s), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rmvpe-seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    report = {
        "machine": f"{platform.machine()} CPU, {torch.get_num_threads()} torch threads, no GPU",
        "torch": torch.__version__,
        "extractors": bench_extractors(args.seconds, args.rmvpe_seconds, args.repeats),
        "cache": bench_cache(args.seconds),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
