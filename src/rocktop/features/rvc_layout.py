"""RVC's training layout (spec §7.2), so a dataset can be trained in RVC or Applio.

``0_gt_wavs/<n>.wav`` (float32, target rate), ``1_16k_wavs/<n>.wav``, ``2a_f0/<n>.wav.npy``
(coarse pitch int64 1..255), ``2b-f0nsf/<n>.wav.npy`` (F0 Hz float32), and
``3_feature256/<n>.npy`` or ``3_feature768/<n>.npy`` (float32 ``[frames, dim]`` at 50 fps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rocktop.audio.types import Audio
from rocktop.common.atomic import atomic_path
from rocktop.features.dataset import safe_name
from rocktop.features.pitch.convert import f0_to_coarse


def rvc_paths(root: Path, name: str, dim: int) -> dict[str, Path]:
    """The five files RVC expects for clip ``name`` with ``dim``-wide features."""
    return {
        "gt": root / "0_gt_wavs" / f"{name}.wav",
        "16k": root / "1_16k_wavs" / f"{name}.wav",
        "coarse": root / "2a_f0" / f"{name}.wav.npy",
        "f0": root / "2b-f0nsf" / f"{name}.wav.npy",
        "feature": root / f"3_feature{dim}" / f"{name}.npy",
    }


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)


def write_rvc_clip(
    root: Path,
    clip_id: str,
    mono: np.ndarray,
    sample_rate: int,
    wav16: np.ndarray,
    content: np.ndarray,
    f0_hz: np.ndarray,
    target_rate: int = 48_000,
) -> dict[str, Path]:
    """Write one clip's RVC files atomically (existing complete sets are left as they are)."""
    from rocktop.audio.export import write
    from rocktop.audio.resample import resample

    paths = rvc_paths(root, safe_name(clip_id), int(content.shape[1]))
    if all(p.exists() for p in paths.values()):
        return paths
    gt = resample(mono, sample_rate, target_rate)
    write(paths["gt"], Audio.from_array(gt, target_rate), bits="32f")
    write(paths["16k"], Audio.from_array(wav16, 16_000), bits="32f")
    f0 = np.asarray(f0_hz, dtype=np.float32)
    _save_npy(paths["coarse"], f0_to_coarse(f0))
    _save_npy(paths["f0"], f0)
    _save_npy(paths["feature"], np.asarray(content, dtype=np.float32))
    return paths
