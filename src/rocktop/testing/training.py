"""Synthetic RVC training layouts (spec §7.2) for trainer tests: tones, units, F0, coarse pitch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from rocktop.features.pitch.convert import f0_to_coarse
from rocktop.testing import synth


def write_clip(
    root: Path,
    name: str,
    sample_rate: int,
    duration_s: float,
    f0_hz: float,
    content_dim: int = 768,
    seed: int = 0,
) -> None:
    """One clip: a vibrato tone (WAV, float), 50 fps units, 100 fps F0 and coarse pitch."""
    contour = synth.vibrato_contour(f0_hz, duration_s)
    wave = synth.tone_from_contour(contour, sample_rate)
    rng = np.random.default_rng(seed)
    frames_50 = len(contour) // 2
    basis = rng.standard_normal((8, content_dim)).astype(np.float32)
    phase = np.linspace(0.0, 4 * np.pi, frames_50)[:, None] * np.arange(1, 9)[None, :]
    units = (np.sin(phase).astype(np.float32) @ basis) * 0.1
    (root / "0_gt_wavs").mkdir(parents=True, exist_ok=True)
    (root / f"3_feature{content_dim}").mkdir(parents=True, exist_ok=True)
    (root / "2a_f0").mkdir(parents=True, exist_ok=True)
    (root / "2b-f0nsf").mkdir(parents=True, exist_ok=True)
    sf.write(root / "0_gt_wavs" / f"{name}.wav", wave, sample_rate, subtype="FLOAT")
    np.save(root / f"3_feature{content_dim}" / f"{name}.npy", units)
    np.save(root / "2a_f0" / f"{name}.wav.npy", f0_to_coarse(contour))
    np.save(root / "2b-f0nsf" / f"{name}.wav.npy", contour.astype(np.float32))


def write_layout(
    root: Path,
    clips: int = 4,
    sample_rate: int = 48_000,
    duration_s: float = 1.0,
    content_dim: int = 768,
) -> list[str]:
    """``clips`` synthetic clips named ``clip000``... at 110-220 Hz; returns the names."""
    names = [f"clip{i:03d}" for i in range(clips)]
    for i, name in enumerate(names):
        f0 = 110.0 * 2 ** (i / max(clips, 1))
        write_clip(root, name, sample_rate, duration_s, f0, content_dim, seed=i)
    return names


def write_manifest(data_dir: Path, splits: dict[str, str]) -> Path:
    """A minimal dataset-kit ``metadata.jsonl`` (``id``, ``path``, ``split``, ``status``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "metadata.jsonl"
    lines = [
        json.dumps({"id": n, "path": f"clips/{n}.wav", "split": s, "status": "accepted"})
        for n, s in sorted(splits.items())
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
