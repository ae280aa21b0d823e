"""ContentVec/HuBERT-base as a transformers ``HubertModel`` with RVC's ``final_proj`` (spec §3)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import HubertConfig, HubertModel

from rocktop.features.content.conv_features import windowed_features

# fairseq's HuBERT-base geometry as the HF config must state it (spec §3)
CONTENTVEC_CONFIG: dict[str, Any] = {
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "conv_dim": (512,) * 7,
    "conv_kernel": (10, 3, 3, 3, 3, 2, 2),
    "conv_stride": (5, 2, 2, 2, 2, 2, 2),
    "conv_bias": False,
    "feat_extract_norm": "group",
    "feat_extract_activation": "gelu",
    "do_stable_layer_norm": False,
    "feat_proj_layer_norm": True,
    "num_conv_pos_embeddings": 128,
    "num_conv_pos_embedding_groups": 16,
    "classifier_proj_size": 256,
    "layer_norm_eps": 1e-5,
}


def contentvec_config(**overrides: Any) -> HubertConfig:
    """The HF config of RVC's ``hubert_base.pt`` (ContentVec-500); ``overrides`` for tiny tests."""
    return HubertConfig(**(CONTENTVEC_CONFIG | overrides))


class HubertWithFinalProj(HubertModel):
    """``HubertModel`` plus ``final_proj`` Linear(hidden -> classifier_proj_size), as RVC@2026."""

    def __init__(self, config: HubertConfig) -> None:
        super().__init__(config)
        self.final_proj = nn.Linear(config.hidden_size, config.classifier_proj_size)

    def layer_output(self, wav: torch.Tensor, layer: int) -> torch.Tensor:
        """Output of transformer block ``layer`` (1-based, fairseq ``output_layer``).

        Args:
            wav: ``(batch, samples)`` 16 kHz waveform, not normalised.
            layer: 1..num_hidden_layers.

        Returns:
            ``(batch, frames, hidden)`` with ``frames = (samples - 400) // 320 + 1``.
        """
        if not 1 <= layer <= len(self.encoder.layers):
            raise ValueError(f"layer must be in 1..{len(self.encoder.layers)}, got {layer}")
        features = windowed_features(self.feature_extractor, wav).transpose(1, 2)
        hidden = self.feature_projection(features)
        encoder = self.encoder
        hidden = hidden + encoder.pos_conv_embed(hidden)
        hidden = encoder.layer_norm(hidden)  # post-LN model: LayerNorm before the blocks
        for block in encoder.layers[:layer]:
            out = block(hidden, attention_mask=None)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden
