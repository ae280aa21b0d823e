"""ContentVec/HuBERT-base in plain PyTorch, with RVC's ``final_proj`` (spec §3).

The module tree, and so every state-dict key and shape, is that of transformers'
``HubertModel`` (post-LN encoder, GroupNorm feature encoder) plus ``final_proj``: HF
directories and the fairseq key map load into it unchanged. Inference only: no dropout,
no masking, no padding mask (one unpadded sequence per call).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from rocktop.features.content.conv_features import windowed_features
from rocktop.features.content.hubert_config import HubertSettings


class ConvLayer(nn.Module):
    """One feature-encoder convolution (unpadded), optional per-channel GroupNorm, GELU."""

    def __init__(self, settings: HubertSettings, index: int) -> None:
        super().__init__()
        channels_in = settings.conv_dim[index - 1] if index > 0 else 1
        channels = settings.conv_dim[index]
        self.conv = nn.Conv1d(
            channels_in,
            channels,
            kernel_size=settings.conv_kernel[index],
            stride=settings.conv_stride[index],
            bias=settings.conv_bias,
        )
        # "group" feature-encoder norm: one group per channel, on the first layer only
        self.layer_norm = nn.GroupNorm(channels, channels) if index == 0 else None
        self.activation = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, channels_in, samples)`` -> ``(batch, channels, frames)``."""
        x = self.conv(x)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return self.activation(x)


class FeatureEncoder(nn.Module):
    """The convolutional front end: 16 kHz waveform -> ``conv_dim[-1]`` channels at 50 fps."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        layers = [ConvLayer(settings, i) for i in range(len(settings.conv_dim))]
        self.conv_layers = nn.ModuleList(layers)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> ``(batch, channels, frames)`` in one pass."""
        x = wav[:, None]
        for layer in self.conv_layers:
            x = layer(x)
        return x


class FeatureProjection(nn.Module):
    """Optional LayerNorm over the conv channels, then Linear to ``hidden_size``."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        channels, eps = settings.conv_dim[-1], settings.layer_norm_eps
        self.layer_norm = nn.LayerNorm(channels, eps=eps) if settings.feat_proj_layer_norm else None
        self.projection = nn.Linear(channels, settings.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, channels)`` -> ``(batch, frames, hidden)``."""
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return self.projection(x)


class PositionalConv(nn.Module):
    """Grouped, weight-normed (over the kernel axis) convolution giving relative positions."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        kernel = settings.num_conv_pos_embeddings
        conv = nn.Conv1d(
            settings.hidden_size,
            settings.hidden_size,
            kernel_size=kernel,
            padding=kernel // 2,
            groups=settings.num_conv_pos_embedding_groups,
        )
        self.conv = nn.utils.parametrizations.weight_norm(conv, name="weight", dim=2)
        self.trim = 1 if kernel % 2 == 0 else 0  # an even kernel with K//2 padding gives T + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, hidden)`` -> the positional term, same shape."""
        y = self.conv(x.transpose(1, 2))
        if self.trim:
            y = y[..., : -self.trim]
        return F.gelu(y).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention without mask (scaled dot product, ``1/sqrt(head_dim)``)."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        size = settings.hidden_size
        self.heads = settings.num_attention_heads
        self.q_proj = nn.Linear(size, size)
        self.k_proj = nn.Linear(size, size)
        self.v_proj = nn.Linear(size, size)
        self.out_proj = nn.Linear(size, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, hidden)`` -> ``(batch, frames, hidden)``."""
        batch, frames, size = x.shape
        q, k, v = (
            proj(x).view(batch, frames, self.heads, -1).transpose(1, 2)
            for proj in (self.q_proj, self.k_proj, self.v_proj)
        )
        out = F.scaled_dot_product_attention(q, k, v)
        return self.out_proj(out.transpose(1, 2).reshape(batch, frames, size))


class FeedForward(nn.Module):
    """Linear -> GELU -> Linear."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        self.intermediate_dense = nn.Linear(settings.hidden_size, settings.intermediate_size)
        self.output_dense = nn.Linear(settings.intermediate_size, settings.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., hidden)`` -> ``(..., hidden)``."""
        return self.output_dense(F.gelu(self.intermediate_dense(x)))


class EncoderLayer(nn.Module):
    """Post-LN transformer block: ``x = LN(x + attn(x)); x = LN'(x + FF(x))``."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        self.attention = Attention(settings)
        self.layer_norm = nn.LayerNorm(settings.hidden_size, eps=settings.layer_norm_eps)
        self.feed_forward = FeedForward(settings)
        self.final_layer_norm = nn.LayerNorm(settings.hidden_size, eps=settings.layer_norm_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, hidden)`` -> same shape."""
        x = self.layer_norm(x + self.attention(x))
        return self.final_layer_norm(x + self.feed_forward(x))


class Encoder(nn.Module):
    """Positional convolution, LayerNorm, then ``num_hidden_layers`` post-LN blocks."""

    def __init__(self, settings: HubertSettings) -> None:
        super().__init__()
        self.pos_conv_embed = PositionalConv(settings)
        self.layer_norm = nn.LayerNorm(settings.hidden_size, eps=settings.layer_norm_eps)
        self.layers = nn.ModuleList(
            EncoderLayer(settings) for _ in range(settings.num_hidden_layers)
        )


class HubertWithFinalProj(nn.Module):
    """HuBERT/ContentVec plus ``final_proj`` Linear(hidden -> classifier_proj_size), as RVC@2026.

    ``masked_spec_embed`` (training-time masking) is kept only so that state dicts match.
    """

    def __init__(self, config: HubertSettings) -> None:
        super().__init__()
        self.config = config
        self.feature_extractor = FeatureEncoder(config)
        self.feature_projection = FeatureProjection(config)
        self.masked_spec_embed = nn.Parameter(torch.zeros(config.hidden_size))
        self.encoder = Encoder(config)
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
        hidden = encoder.layer_norm(hidden + encoder.pos_conv_embed(hidden))  # post-LN model
        for block in encoder.layers[:layer]:
            hidden = block(hidden)
        return hidden

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """The last block's output: ``(batch, samples)`` -> ``(batch, frames, hidden)``."""
        return self.layer_output(wav, len(self.encoder.layers))
