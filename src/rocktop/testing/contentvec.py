"""Tiny ContentVec/HuBERT models (same code as the real one) and writers for both file forms.

``tiny_contentvec("v1")`` gives a ``ContentVecEncoder`` with a few thousand random parameters;
``write_fairseq_checkpoint`` / ``write_hf_dir`` save a model the way users' files are laid out,
so loading and conversion can be tested without downloading ``hubert_base.pt``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from rocktop.features.content.contentvec import ContentVecEncoder
from rocktop.features.content.hubert import HubertWithFinalProj
from rocktop.features.content.hubert_config import HubertSettings, contentvec_config

TINY_OVERRIDES: dict[str, Any] = {
    "hidden_size": 8,
    "num_attention_heads": 2,
    "intermediate_size": 16,
    "conv_dim": (8,) * 7,
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 2,
    "classifier_proj_size": 4,
}


def tiny_hubert_config(**overrides: Any) -> HubertSettings:
    """ContentVec geometry (12 blocks, same kernels and strides) with 8-wide layers."""
    return contentvec_config(**(TINY_OVERRIDES | overrides))


def tiny_hubert(seed: int = 0, **overrides: Any) -> HubertWithFinalProj:
    """A randomly initialised tiny ``HubertWithFinalProj`` (eval mode, float32)."""
    torch.manual_seed(seed)
    model = HubertWithFinalProj(tiny_hubert_config(**overrides)).eval()
    with torch.no_grad():  # make weight-norm gains non-trivial so mapping mistakes show
        for name, param in model.named_parameters():
            if "pos_conv" in name or name.endswith("bias"):
                param.add_(0.1 * torch.randn_like(param))
    return model


def tiny_contentvec(version: str = "v2", seed: int = 0, **kwargs: Any) -> ContentVecEncoder:
    """``ContentVecEncoder`` around ``tiny_hubert(seed)``; ``kwargs`` go to the encoder."""
    return ContentVecEncoder(tiny_hubert(seed), version, **kwargs)


_INVERSE_LAYER = {
    "attention.k_proj": "self_attn.k_proj",
    "attention.v_proj": "self_attn.v_proj",
    "attention.q_proj": "self_attn.q_proj",
    "attention.out_proj": "self_attn.out_proj",
    "layer_norm": "self_attn_layer_norm",
    "feed_forward.intermediate_dense": "fc1",
    "feed_forward.output_dense": "fc2",
    "final_layer_norm": "final_layer_norm",
}


def _fairseq_name(key: str, legacy_weight_norm: bool) -> str:
    parts = key.split(".")
    if key == "masked_spec_embed":
        return "mask_emb"
    if key.startswith("feature_extractor.conv_layers."):
        sub = "0" if parts[3] == "conv" else "2"
        return f"feature_extractor.conv_layers.{parts[2]}.{sub}.{parts[-1]}"
    if key.startswith("feature_projection."):
        top = "layer_norm" if parts[1] == "layer_norm" else "post_extract_proj"
        return f"{top}.{parts[-1]}"
    if key.startswith("encoder.pos_conv_embed.conv."):
        leaf = ".".join(parts[3:])
        if legacy_weight_norm:
            leaf = {
                "parametrizations.weight.original0": "weight_g",
                "parametrizations.weight.original1": "weight_v",
            }.get(leaf, leaf)
        return f"encoder.pos_conv.0.{leaf}"
    if key.startswith("encoder.layers."):
        module = ".".join(parts[3:-1])
        return f"encoder.layers.{parts[2]}.{_INVERSE_LAYER[module]}.{parts[-1]}"
    return key  # encoder.layer_norm.*, final_proj.*


def to_fairseq_state_dict(
    model: HubertWithFinalProj, legacy_weight_norm: bool = True
) -> dict[str, torch.Tensor]:
    """The model's weights under fairseq HuBERT names (plus fairseq's unused label embeddings)."""
    state = {_fairseq_name(k, legacy_weight_norm): v.clone() for k, v in model.state_dict().items()}
    state["label_embs_concat"] = torch.zeros(504, model.config.classifier_proj_size)
    return state


class FairseqDictionary:
    """Stands in for ``fairseq.data.dictionary.Dictionary`` in written checkpoints."""

    def __init__(self) -> None:
        self.symbols = ["<s>", "<pad>", "</s>", "<unk>"]


def write_fairseq_checkpoint(
    path: str | os.PathLike[str], model: HubertWithFinalProj, legacy_weight_norm: bool = True
) -> Path:
    """Save ``{"args", "cfg", "model", "task_state"}`` as fairseq does, with a non-plain object."""
    checkpoint = {
        "args": None,
        "cfg": {"model": {"_name": "hubert"}, "task": {"normalize": False}},
        "model": to_fairseq_state_dict(model, legacy_weight_norm),
        "task_state": {"dictionaries": [FairseqDictionary()]},
    }
    torch.save(checkpoint, path)
    return Path(path)


def write_hf_dir(
    directory: str | os.PathLike[str], model: HubertWithFinalProj, safetensors: bool = False
) -> Path:
    """Write ``config.json`` + ``pytorch_model.bin`` (or ``model.safetensors``) into a folder."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(model.config.to_json(), encoding="utf-8")
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if safetensors:
        from safetensors.torch import save_file

        save_file(state, out / "model.safetensors")
    else:
        torch.save(state, out / "pytorch_model.bin")
    return out
