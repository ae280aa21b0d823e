"""Load ContentVec/HuBERT weights from either form users have (spec §3).

* HF directory: ``config.json`` + ``model.safetensors`` or ``pytorch_model.bin`` (the latter
  read with ``torch.load(weights_only=True)`` only).
* fairseq ``hubert_base.pt``: read with the restricted unpickler, renamed with the fairseq map.

Both end in a strict load: every parameter of the model must be provided with its shape.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import torch

from rocktop.common.errors import RocktopError
from rocktop.common.modules import assigned
from rocktop.features.content.fairseq_map import fairseq_to_hf, match_weight_norm
from rocktop.features.content.hubert import HubertWithFinalProj
from rocktop.features.content.hubert_config import HubertSettings, contentvec_config
from rocktop.features.content.safe_pickle import fairseq_model_state

OPTIONAL_KEYS = frozenset({"masked_spec_embed"})  # used only for training-time masking
HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def load_state_strict(
    config: HubertSettings, state: Mapping[str, torch.Tensor], source: Path
) -> HubertWithFinalProj:
    """The model built around ``state``'s tensors (float32); refuses missing, unexpected or
    mis-shaped entries."""
    with torch.device("meta"):
        skeleton = HubertWithFinalProj(config)
    expected = skeleton.state_dict()
    state = {k.removeprefix("hubert."): v for k, v in state.items()}
    state = match_weight_norm(state, expected)
    state = {k: v for k, v in state.items() if k in expected or k not in OPTIONAL_KEYS}
    missing = sorted(set(expected) - set(state) - OPTIONAL_KEYS)
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        detail = f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}"
        raise RocktopError(f"{source}: weights do not fit the HuBERT model ({detail})")
    for key, value in state.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            shapes = f"{tuple(value.shape)} vs {tuple(expected[key].shape)}"
            raise RocktopError(f"{source}: {key} has shape {shapes}")
    for key in OPTIONAL_KEYS & (set(expected) - set(state)):
        state[key] = torch.zeros(expected[key].shape)  # unused at inference
    return assigned(lambda: skeleton, state).float()


def _read_hf_weights(directory: Path) -> dict[str, torch.Tensor]:
    for name in HF_WEIGHT_FILES:
        path = directory / name
        if not path.exists():
            continue
        if name.endswith(".safetensors"):
            from safetensors.torch import load_file

            return load_file(path)
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any refusal is reported as one line
            raise RocktopError(f"{path}: refused by torch.load(weights_only=True): {exc}") from exc
    raise RocktopError(f"{directory}: no {' or '.join(HF_WEIGHT_FILES)} found")


def load_hubert(
    path: str | os.PathLike[str], config: HubertSettings | None = None
) -> HubertWithFinalProj:
    """Build the model from an HF directory or a fairseq ``.pt`` file (eval mode, float32).

    Args:
        path: HF directory (``config.json`` + weights) or fairseq checkpoint file.
        config: geometry for a fairseq file (default: ContentVec/HuBERT-base); an HF
            directory's ``config.json`` wins over it.
    """
    source = Path(path)
    if source.is_dir():
        config_path = source / "config.json"
        if not config_path.exists():
            raise RocktopError(f"{source}: HF HuBERT directory has no config.json")
        config = HubertSettings.from_json(config_path)
        state = _read_hf_weights(source)
    elif source.is_file():
        state = fairseq_to_hf(fairseq_model_state(source))
        config = config or contentvec_config()
    else:
        raise RocktopError(f"{source}: no such file or directory")
    return load_state_strict(config, state, source).eval()
