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


QUERY_BLOCK = 512  # query rows per attention block: scores stay [B, H, 512, T]


class MultiHeadAttention(nn.Module):
    """Self-attention with shared relative-position key/value embeddings (window ``w``).

    Queries are processed ``query_block`` rows at a time, so memory grows with ``T`` rather
    than ``T^2`` (a 38 s chunk is 3,800 frames: full fp32 score matrices took ~0.5 GB);
    every row's softmax still sees all keys, so the result is the full attention's.
    """

    def __init__(
        self, channels: int, n_heads: int, window_size: int, query_block: int = QUERY_BLOCK
    ) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.query_block = query_block
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

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        """``x [B, C, T]``, ``x_mask [B, 1, T]`` (1 = valid frame) -> ``[B, C, T]``."""
        batch, channels, length = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, self.n_heads, self.k_channels, length).transpose(2, 3)

        query = heads(self.conv_q(x)) / math.sqrt(self.k_channels)
        key, value = heads(self.conv_k(x)), heads(self.conv_v(x))
        keys_valid = x_mask.unsqueeze(2)  # [B, 1, 1, T]
        rows = []
        for first in range(0, length, self.query_block):
            last = min(length, first + self.query_block)
            mask = x_mask[..., first:last].unsqueeze(-1) * keys_valid  # [B, 1, n, T]
            rows.append(self._rows(query[:, :, first:last], key, value, mask, first))
        output = torch.cat(rows, dim=2)
        output = output.transpose(2, 3).contiguous().view(batch, channels, length)
        return self.conv_o(output)

    def _rows(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor,
        first: int,
    ) -> torch.Tensor:
        """Attention output for query rows ``first .. first + n`` (``query [B, H, n, d]``)."""
        w = self.window_size
        scores = torch.matmul(query, key.transpose(-2, -1))
        rel_logits = torch.matmul(query, self.emb_rel_k.unsqueeze(0).transpose(-2, -1))
        scores = scores + _band_to_rows(rel_logits, w, first, key.shape[2])
        scores = scores.masked_fill(mask == 0, -1e4)
        p_attn = F.softmax(scores, dim=-1)
        output = torch.matmul(p_attn, value)
        band = _rows_to_band(p_attn, w, first)
        return output + torch.matmul(band, self.emb_rel_v.unsqueeze(0))


def _band_to_rows(band: torch.Tensor, window: int, first: int, length: int) -> torch.Tensor:
    """``[B, H, n, 2w+1]`` (offset ``j - i`` + w) for query rows ``i = first + r`` ->
    ``[B, H, n, length]`` with the band on the diagonals, zero elsewhere (VITS's padded
    relative embeddings + ``_relative_position_to_absolute_position``)."""
    batch, heads, rows, width = band.shape
    out = band.new_zeros(batch, heads, rows, length + width - 1)
    # row r gets the band at columns (first + r - w) .. (first + r + w) of [-w, length + w)
    strided = out.as_strided(
        (batch, heads, rows, width),
        (heads * rows * out.shape[-1], rows * out.shape[-1], out.shape[-1] + 1, 1),
        out.storage_offset() + first,
    )
    strided.copy_(band)
    return out[..., window : window + length]


def _rows_to_band(x: torch.Tensor, window: int, first: int) -> torch.Tensor:
    """``[B, H, n, T]`` for query rows ``i = first + r`` -> ``[B, H, n, 2w+1]`` with
    ``out[r, k] = x[r, first + r + k - w]`` (0 outside ``0..T-1``)."""
    batch, heads, rows, length = x.shape
    width = 2 * window + 1
    padded = F.pad(x, [window, window]).contiguous()
    return padded.as_strided(
        (batch, heads, rows, width),
        (heads * rows * padded.shape[-1], rows * padded.shape[-1], padded.shape[-1] + 1, 1),
        padded.storage_offset() + first,
    )


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
        x = x * x_mask
        layers = zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2, strict=True
        )
        for attn, norm_1, ffn, norm_2 in layers:
            x = norm_1(x + attn(x, x_mask))
            x = norm_2(x + ffn(x, x_mask))
        return x * x_mask
