"""``trainer=ddp``: two CPU processes (gloo) train one run, shard the batches, save once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rocktop.testing.training import write_layout

pytestmark = pytest.mark.slow


def test_ddp_on_two_cpu_processes(tmp_path: Path) -> None:
    write_layout(tmp_path / "data", clips=5, sample_rate=48_000, duration_s=0.5)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = os.environ | {"PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    env.pop("LOCAL_RANK", None)
    cmd = [
        sys.executable, "-m", "rocktop", "train", "debug=fast", "trainer=ddp",
        f"data.dir={tmp_path / 'data'}", f"paths.run_dir={tmp_path / 'run'}",
        f"paths.cache_dir={tmp_path / 'cache'}", "steps=2", "save_every_steps=2",
        "logger=csv", "export.formats=[safetensors]",
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=540, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert summary["steps"] == 2
    assert "world_size=2" in proc.stderr or "distributed_backend=gloo" in proc.stderr
    last = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] == 2
    assert (tmp_path / "run" / "export" / "tiny.safetensors").is_file() or summary["exports"]
