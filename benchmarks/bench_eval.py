"""Time each evaluation metric per minute of audio on this machine; prints JSON.

One minute of flite speech (6 clips of ~10 s, 16 kHz source resampled to 48 kHz) is scored
against a noisy copy (20 dB SNR). Each metric runs ``--repeats`` times over the whole minute;
the median wall time is reported as seconds per minute of audio and as x realtime
(60 / seconds). Model loading (Whisper, speaker encoder) is timed separately, once.

    PYTHONPATH=src python benchmarks/bench_eval.py [--repeats 3] [--threads 2] [--with-harvest]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rocktop.audio import io
from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.evaluation.metrics import asr, f0, loudness, mcd, pesq, speaker, stoi
from rocktop.features.pitch.registry import get_pitch_extractor
from rocktop.features.speaker import SpeakerEncoder
from rocktop.testing.speech import SENTENCES, flite_say

RATE = 48_000


def _minute_of_speech(tmp: Path) -> list[Audio]:
    clips, remaining = [], 60 * RATE  # samples still needed (integers: no float drift)
    voices = ("slt", "rms", "awb", "kal")
    index = 0
    while remaining > 0:
        parts = []
        for k in range(3):
            path = flite_say(
                SENTENCES[(index + k) % len(SENTENCES)], voices[index % 4], tmp / "s.wav"
            )
            audio = io.load(path)
            parts.append(resample(audio.mono(), audio.sample_rate, RATE))
        samples = np.concatenate(parts)[:remaining]
        clips.append(Audio.from_array(samples, RATE))
        remaining -= samples.size
        index += 1
    return clips


def _noisy(audio: Audio, snr_db: float = 20.0) -> Audio:
    x = audio.mono().astype(np.float64)
    noise = np.random.default_rng(0).standard_normal(x.size)
    noise *= np.sqrt(np.mean(x**2) / np.mean(noise**2)) * 10 ** (-snr_db / 20)
    return Audio.from_array(x + noise, audio.sample_rate)


def _median_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="Whisper CPU threads")
    parser.add_argument(
        "--with-harvest", action="store_true", help="also time harvest (about 2 min per run)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        refs = _minute_of_speech(Path(tmp))
    convs = [_noisy(clip) for clip in refs]
    minutes = sum(clip.duration_s for clip in refs) / 60.0

    start = time.perf_counter()
    encoder = SpeakerEncoder()
    load_speaker = time.perf_counter() - start
    start = time.perf_counter()
    transcriber = asr.Transcriber(cpu_threads=args.threads)
    load_whisper = time.perf_counter() - start
    target = speaker.speaker_embedding(encoder, refs[0])
    names = ("harvest", "dio", "pm") if args.with_harvest else ("dio", "pm")
    extractors = {name: get_pitch_extractor(name) for name in names}
    pairs = list(zip(refs, convs, strict=True))

    jobs: dict[str, Callable[[], object]] = {
        "speaker_similarity": lambda: [
            speaker.speaker_similarity(encoder, c, target) for c in convs
        ],
        "asr_whisper_tiny_en_int8": lambda: [transcriber.transcribe(c) for c in convs],
        "pesq_wb": lambda: [pesq.pesq_wb(r, c) for r, c in pairs],
        "stoi": lambda: [stoi.stoi(r, c) for r, c in pairs],
        "mcd_dtw": lambda: [mcd.mcd(r, c) for r, c in pairs],
        "loudness_true_peak": lambda: [loudness.loudness_scores(c, r) for r, c in pairs],
    }
    for name, extractor in extractors.items():
        jobs[f"f0_{name}_both_signals"] = lambda e=extractor: [
            f0.f0_scores(e.extract(r.mono(), RATE), e.extract(c.mono(), RATE)) for r, c in pairs
        ]
    for job in jobs.values():  # warm-up: imports, JIT (numba), first-call allocations
        job()
    rows = {}
    for name, job in jobs.items():
        seconds = _median_time(job, args.repeats) / minutes
        rows[name] = {"s_per_audio_min": round(seconds, 3), "x_realtime": round(60 / seconds, 1)}
    print(
        json.dumps(
            {
                "audio_minutes": round(minutes, 3),
                "clips": len(refs),
                "repeats": args.repeats,
                "load_s": {
                    "speaker_encoder": round(load_speaker, 2),
                    "whisper": round(load_whisper, 2),
                },
                "metrics": rows,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
