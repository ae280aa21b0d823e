"""Export a trained generator: native ``.safetensors``, RVC ``.pth`` and the retrieval index.

One code path for every export (end of training and ``rocktop train export RUN``): the
generator's weights go through ``rocktop.models.voice.VoiceModel`` (``enc_q`` dropped, RVC
key spelling) and the ``.index`` is built by ``rocktop.models.index`` from the training
clips' 50 fps content features.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rocktop.models.index import build_index
from rocktop.models.rvc.synthesizer import Synthesizer
from rocktop.models.voice import VoiceModel, default_metadata
from rocktop.training.layout import ClipFiles

log = logging.getLogger(__name__)

FORMATS = ("safetensors", "pth", "index")


def generator_state(checkpoint: Path) -> dict[str, torch.Tensor]:
    """The generator's weights from a training checkpoint (``generator.*`` keys)."""
    data = torch.load(checkpoint, map_location="cpu", weights_only=True)
    prefix = "generator."
    return {k[len(prefix) :]: v for k, v in data["state_dict"].items() if k.startswith(prefix)}


def training_features(clips: list[ClipFiles]) -> np.ndarray:
    """All training clips' content features stacked: float32 ``(N, C)`` at 50 fps."""
    arrays = []
    for clip in clips:
        units = np.load(clip.feature, allow_pickle=False)
        if units.ndim == 2 and units.size and np.isfinite(units).all():
            arrays.append(units.astype(np.float32))
    if not arrays:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(arrays)


def export_voice(
    generator: Synthesizer,
    out_dir: Path,
    name: str,
    formats: tuple[str, ...] | list[str] = FORMATS,
    clips: list[ClipFiles] | None = None,
    content_encoder: str = "contentvec",
    provenance: dict[str, Any] | None = None,
    info: str = "",
) -> dict[str, Path]:
    """Write the requested ``formats`` under ``out_dir`` as ``<name>.<ext>``; returns paths.

    The index needs ``clips`` (training clips); it is skipped with a warning when they hold
    too few feature vectors.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export formats {sorted(unknown)} (choose from {FORMATS})")
    meta = replace(
        default_metadata(generator.config, name=name, info=info),
        content_encoder=content_encoder,
        provenance={k: v for k, v in (provenance or {}).items() if v is not None},
    )
    voice = VoiceModel.from_synthesizer(generator, meta)
    out: dict[str, Path] = {}
    for fmt in ("safetensors", "pth"):
        if fmt in formats:
            out[fmt] = voice.save(out_dir / f"{name}.{fmt}")
    if "index" in formats and clips:
        features = training_features(clips)
        try:
            out["index"] = build_index(features, out_dir, name, generator.config.version)
        except Exception as exc:  # noqa: BLE001 - an index is optional; the voice is not
            log.warning("no index for %s: %s", name, exc)
    return out
