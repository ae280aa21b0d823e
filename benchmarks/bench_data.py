"""Dataset-build throughput (x realtime) on a 10-minute flite corpus, 2 worker processes.

Prints JSON. ``warm`` excludes one-time model loads (each worker loads silero-vad and
resemblyzer and processes a short warm-up file before timing); ``cold`` is the whole
``build()`` call as a user runs it (pool start-up and model loads included).

    python benchmarks/bench_data.py [--minutes 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import functools
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from rocktop.audio.limits import DecodeLimits
from rocktop.data.build import BuildRequest, build
from rocktop.data.finalize import finalize
from rocktop.data.ingest import SourceFile, discover
from rocktop.data.process import SourceResult, run_source, shared_models
from rocktop.data.settings import BuildSettings
from rocktop.testing.corpus import spoken, write
from rocktop.testing.speech import SENTENCES


def make_corpus(root: Path, work: Path, minutes: float, file_s: float = 120.0) -> float:
    """Files of ~``file_s`` seconds of slt speech until ``minutes`` are reached; returns seconds."""
    one = spoken("slt", list(SENTENCES) * 2, work)
    total, index = 0.0, 0
    while total < minutes * 60:
        repeats = int(np.ceil(file_s * 16_000 / one.shape[-1]))
        samples = np.tile(one, repeats)[: int(min(file_s, minutes * 60 - total + 1) * 16_000)]
        write(root / f"take{index:02d}.wav", samples)
        total += samples.shape[-1] / 16_000
        index += 1
    return total


def _warm(_: int) -> int:
    models = shared_models(0.5)
    models.encoder.embed(
        np.random.default_rng(0).standard_normal(32_000).astype(np.float32), 16_000
    )
    models.vad.speech(np.zeros(16_000, np.float32), 16_000)
    return os.getpid()


def _timed(source: SourceFile, out: Path, settings: BuildSettings) -> tuple[SourceResult, float]:
    start = time.process_time()
    result = run_source(source, out, settings, DecodeLimits())
    return result, time.process_time() - start


def warm_run(raw: Path, out: Path, workers: int, settings: BuildSettings) -> dict[str, float]:
    """Process every source in a pool whose workers already loaded their models, then finalize.

    Returns wall seconds and the CPU seconds spent (workers' processing plus finalize).
    """
    sources = discover(raw)
    with futures.ProcessPoolExecutor(workers) as pool:
        list(pool.map(_warm, range(workers * 4)))  # every worker has loaded its models
        start = time.perf_counter()
        job = functools.partial(_timed, out=out, settings=settings)
        timed = list(pool.map(job, sources))
        process_s = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    finalize(out, [result for result, _ in timed], [], settings)
    finalize_s, finalize_cpu = time.perf_counter() - start, time.process_time() - cpu
    worker_cpu = sum(cpu_s for _, cpu_s in timed)
    return {"wall_s": process_s + finalize_s, "cpu_s": worker_cpu + finalize_cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        audio_s = make_corpus(root / "raw", root / "flite", args.minutes)
        settings = BuildSettings()
        load_before = os.getloadavg()[0]
        runs = [
            warm_run(root / "raw", root / f"warm{repeat}", args.workers, settings)
            for repeat in range(args.repeats)
        ]
        start = time.perf_counter()
        build(BuildRequest(root / "raw", root / "cold", settings, workers=args.workers))
        cold = time.perf_counter() - start
        start = time.perf_counter()
        build(BuildRequest(root / "raw", root / "cold", settings, workers=args.workers))
        rerun = time.perf_counter() - start
        shutil.rmtree(root / "flite")
    warm_s = statistics.median(run["wall_s"] for run in runs)
    cpu_s = statistics.median(run["cpu_s"] for run in runs)
    figures = {
        "corpus_s": round(audio_s, 1),
        "workers": args.workers,
        "cpu_count": os.cpu_count(),
        "load_average_before": round(load_before, 2),
        "warm_median_s": round(warm_s, 2),
        "warm_x_realtime": round(audio_s / warm_s, 1),
        "cpu_s_median": round(cpu_s, 2),
        "cpu_x_realtime_per_core": round(audio_s / cpu_s, 1),
        "idle_2core_x_realtime_estimate": round(2 * audio_s / cpu_s, 1),
        "cold_build_s": round(cold, 2),
        "cold_x_realtime": round(audio_s / cold, 1),
        "cached_rerun_s": round(rerun, 2),
        "target_x_realtime": 50,
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
