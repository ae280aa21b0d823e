"""The VITS/RVC transformer encoder: relative-position multi-head attention, post-LN (spec §2.2).

Parameter names (``conv_q``, ``emb_rel_k``, ``norm_layers_1.i.gamma`` ...) are RVC's.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class LayerNorm(nn.Module):
    """LayerNorm over the channel axis of ``[B, C, T]`` with RVC's ``gamma``/``beta`` names."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, -1)
        x = F.layer_norm(x, (self.channels,), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


class MultiHeadAttention(nn.Module):
    """Self-attention with shared relative-position key/value embeddings (window ``w``)."""

    def __init__(self, channels: int, n_heads: int, window_size: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, channels, 1)
        stddev = self.k_channels**-0.5
        shape = (1, 2 * window_size + 1, self.k_channels)
        self.emb_rel_k = nn.Parameter(torch.randn(shape) * stddev)
        self.emb_rel_v = nn.Parameter(torch.randn(shape) * stddev)
        for conv in (self.conv_q, self.conv_k, self.conv_v):
            nn.init.xavier_uniform_(conv.weight)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        """``x [B, C, T]``, ``attn_mask [B, 1, T, T]`` -> ``[B, C, T]``."""
        batch, channels, length = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, self.n_heads, self.k_channels, length).transpose(2, 3)

        query = heads(self.conv_q(x)) / math.sqrt(self.k_channels)
        key, value = heads(self.conv_k(x)), heads(self.conv_v(x))
        scores = torch.matmul(query, key.transpose(-2, -1))
        w = self.window_size
        rel_logits = torch.matmul(query, self.emb_rel_k.unsqueeze(0).transpose(-2, -1))
        scores = scores + _band_to_matrix(rel_logits, w)
        scores = scores.masked_fill(attn_mask == 0, -1e4)
        p_attn = F.softmax(scores, dim=-1)
        output = torch.matmul(p_attn, value)
        output = output + torch.matmul(_matrix_to_band(p_attn, w), self.emb_rel_v.unsqueeze(0))
        output = output.transpose(2, 3).contiguous().view(batch, channels, length)
        return self.conv_o(output)


def _band_to_matrix(band: torch.Tensor, window: int) -> torch.Tensor:
    """``[B, H, L, 2w+1]`` (offset ``j - i`` + w) -> ``[B, H, L, L]``, zero outside the band.

    Equals VITS's padded relative embeddings + ``_relative_position_to_absolute_position``
    (the padded embeddings are zero beyond the window) without its ``L x 2L`` temporaries.
    """
    batch, heads, length, width = band.shape
    flat = F.pad(band, [0, length]).reshape(batch, heads, -1)[..., : length * (length + width - 1)]
    return flat.view(batch, heads, length, length + width - 1)[..., window : window + length]


def _matrix_to_band(x: torch.Tensor, window: int) -> torch.Tensor:
    """``[B, H, L, L]`` -> ``[B, H, L, 2w+1]`` with ``out[i, k] = x[i, i + k - w]`` (0 outside)."""
    batch, heads, length, _ = x.shape
    padded = F.pad(x, [window, window]).reshape(batch, heads, -1)
    flat = F.pad(padded, [0, length])
    rows = flat[..., : length * (length + 2 * window + 1)]
    return rows.view(batch, heads, length, length + 2 * window + 1)[..., : 2 * window + 1]


class FFN(nn.Module):
    """Two 'same'-padded convolutions with ReLU, masked before each convolution."""

    def __init__(self, channels: int, filter_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel_size == 1:
            return x
        return F.pad(x, [(self.kernel_size - 1) // 2, self.kernel_size // 2])

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv_1(self._pad(x * x_mask)))
        return self.conv_2(self._pad(x * x_mask)) * x_mask


class Encoder(nn.Module):
    """``n_layers`` x {attention, add & LayerNorm, FFN, add & LayerNorm} (post-LN)."""

    def __init__(
        self,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        window_size: int = 10,
    ) -> None:
        super().__init__()
        self.attn_layers = nn.ModuleList(
            MultiHeadAttention(hidden_channels, n_heads, window_size) for _ in range(n_layers)
        )
        self.norm_layers_1 = nn.ModuleList(LayerNorm(hidden_channels) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FFN(hidden_channels, filter_channels, kernel_size) for _ in range(n_layers)
        )
        self.norm_layers_2 = nn.ModuleList(LayerNorm(hidden_channels) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        """``x [B, C, T]``, ``x_mask [B, 1, T]`` -> ``[B, C, T]``."""
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = x * x_mask
        layers = zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2, strict=True
        )
        for attn, norm_1, ffn, norm_2 in layers:
            x = norm_1(x + attn(x, attn_mask))
            x = norm_2(x + ffn(x, x_mask))
        return x * x_mask
