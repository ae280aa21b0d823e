"""fairseq HuBERT state-dict names -> HF ``HubertModel`` names, ours too (spec §3, HF-conv map).

Both weight-norm spellings are accepted on either side: the legacy ``weight_g``/``weight_v``
and torch's parametrisation ``parametrizations.weight.original0``/``original1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import torch

from rocktop.common.errors import RocktopError

_LAYER_MAP = {
    "self_attn.k_proj": "attention.k_proj",
    "self_attn.v_proj": "attention.v_proj",
    "self_attn.q_proj": "attention.q_proj",
    "self_attn.out_proj": "attention.out_proj",
    "self_attn_layer_norm": "layer_norm",
    "fc1": "feed_forward.intermediate_dense",
    "fc2": "feed_forward.output_dense",
    "final_layer_norm": "final_layer_norm",
}
_TOP_MAP = {
    "layer_norm": "feature_projection.layer_norm",
    "post_extract_proj": "feature_projection.projection",
    "encoder.layer_norm": "encoder.layer_norm",
    "final_proj": "final_proj",
}
_WEIGHT_NORM = {
    "weight_g": "parametrizations.weight.original0",
    "weight_v": "parametrizations.weight.original1",
}
IGNORED_FAIRSEQ = frozenset({"label_embs_concat"})
_CONV = re.compile(r"feature_extractor\.conv_layers\.(\d+)\.(\d+)\.(weight|bias)")
_LAYER = re.compile(r"encoder\.layers\.(\d+)\.(.+)\.(weight|bias)")
_POS = re.compile(r"encoder\.pos_conv\.0\.(.+)")


def _map_key(key: str) -> str | None:
    """HF name of one fairseq key, ``None`` for keys that inference does not use."""
    if key in IGNORED_FAIRSEQ:
        return None
    if key == "mask_emb":
        return "masked_spec_embed"
    if match := _CONV.fullmatch(key):
        layer, sub, leaf = match.groups()
        if sub == "0":
            return f"feature_extractor.conv_layers.{layer}.conv.{leaf}"
        if sub == "2" and layer == "0":
            return f"feature_extractor.conv_layers.0.layer_norm.{leaf}"
    if match := _POS.fullmatch(key):
        return f"encoder.pos_conv_embed.conv.{match.group(1)}"
    if match := _LAYER.fullmatch(key):
        index, module, leaf = match.groups()
        if module in _LAYER_MAP:
            return f"encoder.layers.{index}.{_LAYER_MAP[module]}.{leaf}"
    prefix, _, leaf = key.rpartition(".")
    if prefix in _TOP_MAP and leaf in ("weight", "bias"):
        return f"{_TOP_MAP[prefix]}.{leaf}"
    raise RocktopError(f"unexpected key {key!r} in fairseq HuBERT checkpoint")


def fairseq_to_hf(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a fairseq HuBERT/ContentVec state dict to HF names (weight norm left as found)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        mapped = _map_key(key)
        if mapped is not None:
            out[mapped] = value
    return out


def match_weight_norm(
    state: Mapping[str, torch.Tensor], expected: Iterable[str]
) -> dict[str, torch.Tensor]:
    """Respell weight-norm keys of ``state`` the way the ``expected`` keys spell them."""
    expected_set = set(expected)
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if key not in expected_set:
            for legacy, param in _WEIGHT_NORM.items():
                if key.endswith("." + legacy) and key[: -len(legacy)] + param in expected_set:
                    key = key[: -len(legacy)] + param
                elif key.endswith("." + param) and key[: -len(param)] + legacy in expected_set:
                    key = key[: -len(param)] + legacy
        out[key] = value
    return out
