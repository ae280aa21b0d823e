"""Conversion benchmark: a real-size v2-48k voice on 60 s of flite speech, fp32 vs bf16.

Every component has its real size and random weights (no downloadable weights here): the
voice (28.7 M parameters, saved and loaded as an RVC .pth), ContentVec (HuBERT-base geometry,
loaded from an HF folder) and RMVPE (E2E, loaded from ``rmvpe.pt``). Compute and memory are
therefore those of real files; the audio is not meaningful.

Each configuration runs in a fresh child process (wall time from process start to written
output, peak RSS). Prints one JSON object.

    python benchmarks/bench_convert.py [--seconds 60] [--blocks 24] [--skip-offline]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

START = time.perf_counter()


def _speech(seconds: float, rate: int) -> np.ndarray:
    from rocktop.audio import io
    from rocktop.audio.resample import resample
    from rocktop.testing.speech import FLITE_VOICES, SENTENCES, flite_say

    parts: list[np.ndarray] = []
    total, i = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        while total < seconds:
            path = flite_say(
                SENTENCES[i % len(SENTENCES)], FLITE_VOICES[i % 4], Path(tmp) / "s.wav"
            )
            audio = io.load(path)
            parts.append(resample(audio.mono(), audio.sample_rate, rate))
            total += audio.duration_s
            i += 1
    return np.concatenate(parts)[: int(seconds * rate)].astype(np.float32)


def setup(work: Path, seconds: float) -> None:
    """Write the voice .pth, a real-size random ContentVec HF folder, rmvpe.pt and the input."""
    import soundfile as sf
    import torch

    from rocktop.features.content.hubert import HubertWithFinalProj
    from rocktop.features.content.hubert_config import contentvec_config
    from rocktop.features.pitch.rmvpe.model import E2E
    from rocktop.models.rvc import build_synthesizer, preset
    from rocktop.models.voice import VoiceModel, default_metadata
    from rocktop.testing.contentvec import write_hf_dir

    model = build_synthesizer(preset("v2", 48_000, True), seed=0)
    VoiceModel.from_synthesizer(model, default_metadata(model.config, "bench")).save(
        work / "voice.pth"
    )
    torch.manual_seed(0)
    write_hf_dir(work / "assets" / "hubert_base", HubertWithFinalProj(contentvec_config()), True)
    torch.save({k: v.half() for k, v in E2E().state_dict().items()}, work / "assets" / "rmvpe.pt")
    sf.write(work / "speech.wav", _speech(seconds, 48_000), 48_000, subtype="FLOAT")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(obj: object, name: str, totals: dict[str, float], key: str) -> None:
    """Wrap ``obj.name`` so that its wall time accumulates into ``totals[key]``."""
    inner = getattr(obj, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            totals[key] = totals.get(key, 0.0) + time.perf_counter() - start

    setattr(obj, name, wrapper)


def child_offline(work: Path, dtype: str) -> dict[str, object]:
    import torch

    from rocktop.audio import export, io
    from rocktop.common.allocator import keep_freed_memory

    keep_freed_memory()  # as the CLI and the service do
    from rocktop.inference import ConversionParams, load_converter

    load_start = time.perf_counter()
    converter = load_converter(work / "voice.pth", dtype=dtype, weights_dir=work / "assets")
    audio = io.load(work / "speech.wav")
    load_s = time.perf_counter() - load_start
    totals: dict[str, float] = {}
    _timed(converter.content_encoder, "encode", totals, "content_s")
    _timed(converter.pitch_extractor("rmvpe"), "extract", totals, "rmvpe_s")
    _timed(converter.model, "infer", totals, "synthesizer_s")
    convert_start = time.perf_counter()
    out = converter.convert(audio, ConversionParams(f0_method="rmvpe", index_rate=0.0))
    convert_s = time.perf_counter() - convert_start
    export.write(work / f"out_{dtype}.wav", out, bits="32f")
    np.save(work / f"out_{dtype}.npy", out.samples[0])
    return {
        "dtype": dtype,
        "threads": torch.get_num_threads(),
        "audio_s": audio.duration_s,
        "load_s": round(load_s, 2),
        "convert_s": round(convert_s, 2),
        "wall_s": round(time.perf_counter() - START, 2),
        "realtime_factor": round(audio.duration_s / convert_s, 3),
        "peak_rss_mb": round(_peak_mb(), 1),
    } | {key: round(value, 2) for key, value in totals.items()}


def child_streaming(work: Path, dtype: str, blocks: int) -> dict[str, object]:
    from rocktop.audio import io
    from rocktop.common.allocator import keep_freed_memory
    from rocktop.inference import ConversionParams, StreamingConverter, load_converter
    from rocktop.inference.streaming import StreamingSettings

    keep_freed_memory()

    converter = load_converter(work / "voice.pth", dtype=dtype, weights_dir=work / "assets")
    audio = io.load(work / "speech.wav")
    settings = StreamingSettings(block_s=0.25, crossfade_s=0.05, extra_s=2.5)
    streaming = StreamingConverter(converter, ConversionParams(index_rate=0.0), settings)
    stream = streaming.stream(audio)
    for _ in range(blocks):
        next(stream)
    times = np.array(streaming.block_seconds[2:])  # first blocks warm oneDNN up
    return {
        "dtype": dtype,
        "block_s": settings.block_s,
        "extra_s": settings.extra_s,
        "latency_s": round(streaming.latency_s, 3),
        "blocks": len(times),
        "block_compute_median_s": round(float(np.median(times)), 3),
        "block_compute_p90_s": round(float(np.percentile(times, 90)), 3),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


def _run_child(args: list[str]) -> dict[str, object]:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    n = min(len(reference), len(test))
    noise = np.sum((reference[:n].astype(np.float64) - test[:n]) ** 2)
    return float(10 * np.log10(np.sum(reference[:n].astype(np.float64) ** 2) / max(noise, 1e-30)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--blocks", type=int, default=24)
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--child", choices=["offline", "streaming"])
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.child == "offline":
        print(json.dumps(child_offline(args.work, args.dtype)))
        return
    if args.child == "streaming":
        print(json.dumps(child_streaming(args.work, args.dtype, args.blocks)))
        return
    result: dict[str, object] = {
        "machine": f"{os.cpu_count()}-core CPU VM, no GPU",
        "load_average_at_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        setup(work, args.seconds)
        base = ["--work", str(work)]
        if not args.skip_offline:
            runs = []
            for dtype in ("float32", "bfloat16"):
                runs.append(_run_child(["--child", "offline", "--dtype", dtype, *base]))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
            ref, low = (np.load(work / f"out_{d}.npy") for d in ("float32", "bfloat16"))
            result["offline"] = runs
            result["bf16_snr_db_vs_fp32"] = round(_snr_db(ref, low), 2)
        result["streaming"] = []
        for dtype in ("float32", "bfloat16"):
            child = ["--child", "streaming", "--dtype", dtype, "--blocks", str(args.blocks)]
            result["streaming"].append(_run_child([*child, *base]))  # type: ignore[attr-defined]
            print(json.dumps(result["streaming"][-1]), file=sys.stderr, flush=True)  # type: ignore[index]
    result["load_average_at_end"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
