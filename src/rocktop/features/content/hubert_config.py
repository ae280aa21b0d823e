"""HuBERT geometry as our own typed settings, read from and written as HF ``config.json``.

Only the post-LN, GroupNorm-front-end, GELU variant that ContentVec/HuBERT-base uses is
supported; a ``config.json`` asking for anything else is refused with a ``RocktopError``.
Unknown keys (dropouts, CTC and masking options, ``architectures``...) are ignored.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocktop.common.errors import RocktopError

# HF keys we do not model; a value other than this one changes the network
_FIXED_HF_KEYS: dict[str, Any] = {"conv_pos_batch_norm": False}
_SUPPORTED: dict[str, Any] = {
    "feat_extract_norm": "group",
    "do_stable_layer_norm": False,
    "hidden_act": "gelu",
    "feat_extract_activation": "gelu",
}


@dataclass(frozen=True)
class HubertSettings:
    """The fields of an HF ``HubertConfig`` that shape the inference network.

    Defaults are fairseq's HuBERT-base / ContentVec-500 geometry (RVC's ``hubert_base.pt``),
    which are also transformers' defaults, so a ``config.json`` missing a key reads the same
    in both. ``conv_*`` tuples have one entry per feature-encoder convolution (kernel and
    stride in samples at the previous layer's rate).
    """

    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    conv_dim: tuple[int, ...] = (512,) * 7
    conv_kernel: tuple[int, ...] = (10, 3, 3, 3, 3, 2, 2)
    conv_stride: tuple[int, ...] = (5, 2, 2, 2, 2, 2, 2)
    conv_bias: bool = False
    num_conv_pos_embeddings: int = 128
    num_conv_pos_embedding_groups: int = 16
    classifier_proj_size: int = 256
    layer_norm_eps: float = 1e-5
    feat_proj_layer_norm: bool = True
    feat_extract_norm: str = "group"
    do_stable_layer_norm: bool = False
    hidden_act: str = "gelu"
    feat_extract_activation: str = "gelu"

    def __post_init__(self) -> None:
        for key, supported in _SUPPORTED.items():
            if getattr(self, key) != supported:
                raise RocktopError(
                    f"HuBERT {key}={getattr(self, key)!r} is not supported (only {supported!r}, "
                    "the ContentVec/HuBERT-base variant)"
                )
        if not len(self.conv_dim) == len(self.conv_kernel) == len(self.conv_stride) > 0:
            raise RocktopError("HuBERT conv_dim, conv_kernel and conv_stride differ in length")
        if self.hidden_size % self.num_attention_heads:
            raise RocktopError("HuBERT hidden_size is not a multiple of num_attention_heads")
        if self.hidden_size % self.num_conv_pos_embedding_groups:
            raise RocktopError("HuBERT hidden_size is not a multiple of the pos-conv groups")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], source: str = "HuBERT config") -> HubertSettings:
        """Settings from HF config fields; unknown keys are ignored, unsupported values refused."""
        for key, fixed in _FIXED_HF_KEYS.items():
            if values.get(key, fixed) != fixed:
                raise RocktopError(f"{source}: {key}={values[key]!r} is not supported")
        kwargs: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name in values:
                kwargs[field.name] = _coerce(field.name, values[field.name], field.default, source)
        try:
            return cls(**kwargs)
        except RocktopError as exc:
            raise RocktopError(f"{source}: {exc}") from exc

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> HubertSettings:
        """Settings from an HF ``config.json`` file."""
        try:
            values = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RocktopError(f"{path}: not a readable JSON config ({exc})") from exc
        if not isinstance(values, dict):
            raise RocktopError(f"{path}: config.json is not a JSON object")
        return cls.from_dict(values, source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """HF field names and values (tuples as lists), loadable as a transformers config."""
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}
        return {"model_type": "hubert"} | values | _FIXED_HF_KEYS

    def to_json(self) -> str:
        """``to_dict()`` as the text of an HF ``config.json``."""
        return json.dumps(self.to_dict(), indent=2) + "\n"


def _coerce(name: str, value: Any, default: Any, source: str) -> Any:
    """``value`` as the type of the field's ``default``; a wrong type raises ``RocktopError``."""
    kind = type(default)
    if isinstance(default, tuple):
        ok = isinstance(value, list | tuple) and all(_is_int(v) for v in value)
        coerced: Any = tuple(int(v) for v in value) if ok else None
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        coerced = float(value) if ok else None
    elif kind is int:
        ok, coerced = _is_int(value), value
    else:
        ok, coerced = isinstance(value, kind), value
    if not ok:
        raise RocktopError(f"{source}: {name}={value!r} is not a valid {kind.__name__}")
    return coerced


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def contentvec_config(**overrides: Any) -> HubertSettings:
    """The geometry of RVC's ``hubert_base.pt`` (ContentVec-500); ``overrides`` for tiny tests."""
    return HubertSettings(**overrides)
