"""Audio-core benchmark: resampling speed and quality beside `sox rate -v`, loudness accuracy.

Prints one JSON object. Resampling runs pinned to one core. Quality is measured in float64
(soxr VHQ through rocktop.audio.resample; sox with 64-bit float output) so that float32's
own noise floor does not hide the filters' rejection.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from rocktop.audio import loudness
from rocktop.audio.resample import resample
from rocktop.testing import synth

PAIRS = [(44_100, 48_000), (48_000, 16_000), (40_000, 48_000)]
SECONDS = 60.0
AMPLITUDE = 0.5  # test tones stay clear of sox's integer full scale


def _sox(x: np.ndarray, in_rate: int, out_rate: int, workdir: Path) -> tuple[np.ndarray, float]:
    source, target = workdir / "in.wav", workdir / "out.wav"
    sf.write(source, x, in_rate, subtype="DOUBLE")
    start = time.perf_counter()
    subprocess.run(["sox", "-V1", str(source), "-e", "floating-point", "-b", "64", str(target),
                    "rate", "-v", str(out_rate)], check=True)
    elapsed = time.perf_counter() - start
    return sf.read(target, dtype="float64")[0], elapsed


def _amplitude(y: np.ndarray, frequency: float, rate: int) -> float:
    n = len(y)
    t = np.arange(n) / rate
    middle = slice(n // 10, n - n // 10)
    basis = np.stack([np.sin(2 * np.pi * frequency * t), np.cos(2 * np.pi * frequency * t)], 1)
    coef, *_ = np.linalg.lstsq(basis[middle], y[middle], rcond=None)
    return float(np.hypot(*coef))


def _quality(convert, in_rate: int, out_rate: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    t = np.arange(in_rate) / in_rate
    nyquist = min(in_rate, out_rate) / 2
    gains = []
    for fraction in np.linspace(0.02, 0.85, 12):
        frequency = fraction * nyquist
        y = convert(AMPLITUDE * np.sin(2 * np.pi * frequency * t), in_rate, out_rate)
        gains.append(20 * np.log10(_amplitude(y, frequency, out_rate) / AMPLITUDE))
    result = {"passband_ripple_db": float(max(gains) - min(gains))}
    if out_rate < in_rate:
        worst = -np.inf
        for frequency in np.linspace(out_rate / 2 * 1.1, in_rate / 2 * 0.95, 6):
            y = convert(AMPLITUDE * np.sin(2 * np.pi * frequency * t), in_rate, out_rate)
            core = y[len(y) // 10 : -len(y) // 10]
            level = 20 * np.log10(np.sqrt(np.mean(core**2)) * np.sqrt(2) / AMPLITUDE + 1e-300)
            worst = max(worst, level)
        result["alias_rejection_db"] = float(-worst)
    return result


def _speed(x: np.ndarray, in_rate: int, out_rate: int, workdir: Path) -> dict[str, float]:
    ours, sox = [], []
    for _ in range(5):
        start = time.perf_counter()
        resample(x, in_rate, out_rate)
        ours.append(time.perf_counter() - start)
        sox.append(_sox(x.astype(np.float64), in_rate, out_rate, workdir)[1])
    return {"rocktop_x_realtime": SECONDS / statistics.median(ours),
            "sox_x_realtime": SECONDS / statistics.median(sox),
            "speed_ratio_rocktop_over_sox": statistics.median(sox) / statistics.median(ours)}


def _resampling(workdir: Path) -> list[dict[str, object]]:
    rows = []
    for in_rate, out_rate in PAIRS:
        x = synth.noise(SECONDS, in_rate, level_db=-20.0)
        row: dict[str, object] = {"conversion": f"{in_rate}->{out_rate}"}
        row |= _speed(x, in_rate, out_rate, workdir)
        row["rocktop"] = _quality(resample, in_rate, out_rate)
        row["sox_v"] = _quality(lambda y, a, b: _sox(y, a, b, workdir)[0], in_rate, out_rate)
        rows.append(row)
    return rows


def _loudness() -> dict[str, float]:
    errors, overshoot, limited = [], [], 0
    rng = np.random.default_rng(7)
    for i in range(20):
        contour = synth.vibrato_contour(float(rng.uniform(90, 500)), 4.0)
        x = synth.tone_from_contour(contour, 48_000, amplitude=float(rng.uniform(0.05, 0.9)))
        x = x * np.repeat(rng.uniform(0.1, 1, 40), 4800)[: len(x)] + synth.noise(4.0, 48_000,
                                                                                 -50.0, i)
        x[rng.integers(0, len(x), 10)] += float(rng.uniform(0.0, 0.9))  # transients
        target = float(rng.uniform(-24, -16))
        y, result = loudness.normalize_loudness(x, 48_000, target, -1.0)
        limited += int(loudness.true_peak_db(x, 48_000) + result.gain_db > -1.0)
        errors.append(abs(loudness.integrated_lufs(y, 48_000) - target))
        overshoot.append(loudness.true_peak_db(y, 48_000) + 1.0)
    return {"signals": 20, "signals_needing_the_limiter": limited,
            "max_abs_error_lu": max(errors), "median_abs_error_lu": statistics.median(errors),
            "max_true_peak_minus_ceiling_db": max(overshoot)}


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as tmp:
        resampling = _resampling(Path(tmp))
    report = {"benchmark": "audio", "cpu_cores_used": 1, "seconds_of_audio": SECONDS,
              "resampling": resampling, "loudness_normalization": _loudness()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
