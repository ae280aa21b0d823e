"""Content encoders by name: ``get_content_encoder("contentvec", version="v2")``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from rocktop.common.errors import RocktopError
from rocktop.features.assets.paths import MissingAssetError, default_assets_dir
from rocktop.features.content.base import ContentEncoder

if TYPE_CHECKING:
    import torch

CONTENT_ENCODERS = ("contentvec",)
FAIRSEQ_FILE = "hubert_base.pt"
HF_DIR = "hubert_base"
ASSET_NAME = "hubert_base"


def find_contentvec_weights(weights_dir: str | os.PathLike[str] | None) -> Path:
    """The HF directory ``hubert_base/`` if complete, else ``hubert_base.pt``; else raise."""
    root = Path(weights_dir) if weights_dir is not None else default_assets_dir()
    hf_dir = root / HF_DIR
    if (hf_dir / "config.json").exists() and any(
        (hf_dir / name).exists() for name in ("model.safetensors", "pytorch_model.bin")
    ):
        return hf_dir
    if (root / FAIRSEQ_FILE).exists():
        return root / FAIRSEQ_FILE
    raise MissingAssetError(root / FAIRSEQ_FILE, ASSET_NAME)


def _weights_digest(path: Path) -> str:
    from rocktop.common.hashing import sha256_file

    if path.is_file():
        return sha256_file(path)
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (path / name).exists():
            return sha256_file(path / name)
    return "unknown"


def get_content_encoder(
    name: str = "contentvec",
    *,
    version: str = "v2",
    weights_dir: str | os.PathLike[str] | None = None,
    weights_path: str | os.PathLike[str] | None = None,
    device: str = "cpu",
    dtype: str | torch.dtype = "float32",
) -> ContentEncoder:
    """Build the encoder registered as ``name``.

    Args:
        name: ``contentvec`` (RVC's ``hubert_base.pt``, ContentVec-500).
        version: ``v1`` (layer 9 + final_proj, 256-d) or ``v2`` (layer 12, 768-d).
        weights_dir: folder with ``hubert_base/`` (HF form) or ``hubert_base.pt``
            (default: the assets dir); a missing file raises ``MissingAssetError``.
        weights_path: an explicit HF directory or ``.pt`` file, overriding ``weights_dir``.
        device: torch device (``cpu``, ``cuda``, ``cuda:1``).
        dtype: ``float32``, ``float16`` or ``bfloat16``.
    """
    if name not in CONTENT_ENCODERS:
        raise RocktopError(f"unknown content encoder {name!r}; choose one of {CONTENT_ENCODERS}")
    from rocktop.features.content.contentvec import ContentVecEncoder
    from rocktop.features.content.loading import load_hubert

    path = Path(weights_path) if weights_path else find_contentvec_weights(weights_dir)
    model = load_hubert(path)
    return ContentVecEncoder(
        model, version, device=device, dtype=dtype, weights_sha256=_weights_digest(path)
    )
