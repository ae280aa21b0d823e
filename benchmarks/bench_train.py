"""Training step time and peak memory of the real v2-48k generator + discriminator.

One training step = generator forward (posterior, flow, 36-frame slice, NSF decoder), D step,
G step, exactly as ``rocktop train`` runs it (Lightning, the real data pipeline on synthetic
clips). Each variant runs in a fresh process so its peak RSS is its own. Prints JSON with
medians and the bf16/fp32 ratio side by side (GPU rows when CUDA is present).

    PYTHONPATH=src python benchmarks/bench_train.py [--steps 4] [--batch 4] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch


def _variant(precision: str, accelerator: str, steps: int, batch: int, threads: int) -> dict:
    import lightning as L

    from rocktop.testing.training import write_layout
    from rocktop.training import builders

    torch.set_num_threads(threads)
    times: list[float] = []

    class Timer(L.Callback):
        def on_train_batch_start(self, *args: Any) -> None:
            if accelerator == "gpu":
                torch.cuda.synchronize()
            self.t0 = time.perf_counter()

        def on_train_batch_end(self, *args: Any) -> None:
            if accelerator == "gpu":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - self.t0)

    with tempfile.TemporaryDirectory() as tmp:
        write_layout(Path(tmp), clips=batch, sample_rate=48_000, duration_s=2.0)
        cfg = builders.compose_config(
            [f"data.dir={tmp}", f"data.batch_size={batch}", "data.num_workers=0",
             "data.max_frames=200", f"paths.cache_dir={tmp}/cache", "callbacks.evaluation=null"]
        )  # fmt: skip
        dm = builders.build_datamodule(cfg)
        module = builders.build_module(cfg, None)
        trainer = L.Trainer(
            max_steps=steps + 1, accelerator=accelerator, devices=1, precision=precision,
            logger=False, enable_checkpointing=False, enable_progress_bar=False,
            enable_model_summary=False, use_distributed_sampler=False, limit_val_batches=0,
            callbacks=[Timer()],
        )  # fmt: skip
        trainer.fit(module, datamodule=dm)
    out = {
        "precision": precision,
        "accelerator": accelerator,
        "step_s_median": statistics.median(times[1:]),  # first step: allocation warm-up
        "steps_timed": len(times) - 1,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if accelerator == "gpu":
        out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return out


def _run_child(args: argparse.Namespace, precision: str, accelerator: str) -> dict:
    cmd = [sys.executable, __file__, "--child", precision, accelerator, "--steps", str(args.steps)]
    cmd += ["--batch", str(args.batch), "--threads", str(args.threads)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("PRECISION", "ACCELERATOR"))
    args = parser.parse_args()
    if args.child:
        result = _variant(args.child[0], args.child[1], args.steps, args.batch, args.threads)
        print(json.dumps(result))
        return
    rows = [_run_child(args, p, "cpu") for p in ("32", "bf16-mixed")]
    if torch.cuda.is_available():
        rows += [_run_child(args, p, "gpu") for p in ("32", "16-mixed", "bf16-mixed")]
    print(
        json.dumps(
            {
                "bench": "train_step_v2_48k",
                "model": "v2 48k: G 37.6 M params (with enc_q) + MPD-V2 D 71.4 M",
                "batch": args.batch,
                "segment_frames": 36,
                "window_frames": 200,
                "torch_threads": args.threads,
                "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                "cpu_count": __import__("os").cpu_count(),
                "torch": torch.__version__,
                "rows": rows,
                "ratio_bf16_over_fp32_cpu": rows[1]["step_s_median"] / rows[0]["step_s_median"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
