"""SIGKILL during training and during a checkpoint save: a rerun resumes, nothing is corrupt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from rocktop.testing.training import write_layout
from rocktop.training.builders import compose_config
from rocktop.training.checkpointing import is_loadable, resume_checkpoint
from rocktop.training.run import train

pytestmark = pytest.mark.slow
RUNNER = Path(__file__).with_name("_slow_save_runner.py")


def _overrides(tmp_path: Path, steps: int) -> list[str]:
    return [
        "debug=fast",
        f"data.dir={tmp_path / 'data'}",
        f"paths.run_dir={tmp_path / 'run'}",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"steps={steps}",
        "save_every_steps=2",
        "logger=csv",
        "callbacks.evaluation=null",
        "export.enabled=false",
    ]


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return os.environ | {"PYTHONPATH": src, "OMP_NUM_THREADS": "1"}


def _wait_for(path_glob: tuple[Path, str], proc: subprocess.Popen[bytes], limit_s: float) -> None:
    folder, pattern = path_glob
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if folder.is_dir() and any(folder.glob(pattern)):
            return
        if proc.poll() is not None:
            raise AssertionError(f"training exited early ({proc.returncode})")
        time.sleep(0.2)
    raise AssertionError(f"{pattern} did not appear in {limit_s} s")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def _assert_no_corrupt_checkpoint(ckpt_dir: Path) -> None:
    for path in ckpt_dir.glob("*.ckpt"):
        if not path.name.startswith(".tmp-"):
            assert is_loadable(path), path


def _step_of(path: Path) -> int:
    return int(torch.load(path, map_location="cpu", weights_only=True)["global_step"])


def test_sigkill_during_training_then_resume(tmp_path: Path) -> None:
    write_layout(tmp_path / "data", clips=3, sample_rate=48_000, duration_s=0.5)
    cmd = [sys.executable, "-m", "rocktop", "train", *_overrides(tmp_path, 400)]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt_dir = tmp_path / "run" / "checkpoints"
    try:
        _wait_for((ckpt_dir, "step-00000004.ckpt"), proc, 240)
    finally:
        _kill(proc)
    _assert_no_corrupt_checkpoint(ckpt_dir)
    candidate = resume_checkpoint(ckpt_dir)
    assert candidate is not None
    killed_at = _step_of(candidate)
    assert killed_at >= 4
    result = train(compose_config(_overrides(tmp_path, killed_at + 2)))
    assert result.resumed_from == candidate
    assert result.start_step == killed_at  # the step count continues, not from 0
    assert result.steps == killed_at + 2
    _assert_no_corrupt_checkpoint(ckpt_dir)


def test_sigkill_during_a_checkpoint_save_then_resume(tmp_path: Path) -> None:
    write_layout(tmp_path / "data", clips=3, sample_rate=48_000, duration_s=0.5)
    marker = tmp_path / "in-save"
    env = _env() | {"SLOW_SAVE_AT": "3", "SLOW_SAVE_MARKER": str(marker)}
    cmd = [sys.executable, str(RUNNER), "train", *_overrides(tmp_path, 400)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for((tmp_path, "in-save"), proc, 240)
    finally:
        _kill(proc)
    ckpt_dir = tmp_path / "run" / "checkpoints"
    half_written = Path(marker.read_text())
    assert half_written.name.startswith(".tmp-") and half_written.is_file()
    _assert_no_corrupt_checkpoint(ckpt_dir)
    before = {p.name for p in ckpt_dir.glob("*.ckpt") if not p.name.startswith(".tmp-")}
    assert before, "the saves before the stalled one must be complete"
    start = _step_of(resume_checkpoint(ckpt_dir))  # type: ignore[arg-type]
    result = train(compose_config(_overrides(tmp_path, start + 2)))
    assert result.resumed_from is not None and result.start_step == start > 0
    assert result.steps == start + 2
    assert not half_written.exists()  # the interrupted save's temporary file was cleared
    _assert_no_corrupt_checkpoint(ckpt_dir)
