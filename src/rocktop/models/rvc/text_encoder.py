"""The content ("text") encoder ``enc_p``: content units + coarse pitch -> prior stats (§2.2)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rocktop.models.rvc.attentions import Encoder
from rocktop.models.rvc.layers import sequence_mask


class TextEncoder(nn.Module):
    """``emb_phone(units) [+ emb_pitch(coarse)]`` -> transformer -> ``proj`` -> ``(m, logs)``.

    Args:
        in_channels: content dimension (256 for v1, 768 for v2).
        out_channels: prior channels (``inter_channels``, 192).
        f0: whether a coarse-pitch embedding (256 x hidden) is added.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        window_size: int = 10,
        f0: bool = True,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.emb_phone = nn.Linear(in_channels, hidden_channels)
        self.emb_pitch = nn.Embedding(256, hidden_channels) if f0 else None
        self.encoder = Encoder(
            hidden_channels, filter_channels, n_heads, n_layers, kernel_size, window_size
        )
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self,
        phone: torch.Tensor,
        pitch: torch.Tensor | None,
        lengths: torch.Tensor,
        skip_head: int = 0,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``phone [B, T, C]`` float, ``pitch [B, T]`` long (1..255), ``lengths [B]``.

        Returns ``m [B, out, T']``, ``logs [B, out, T']``, ``x_mask [B, 1, T']`` with
        ``T' = T - skip_head`` (the head frames are encoded, then dropped).
        """
        x = self.emb_phone(phone)
        if self.emb_pitch is not None and pitch is not None:
            x = x + self.emb_pitch(pitch)
        x = F.leaky_relu(x * math.sqrt(self.hidden_channels), 0.1).transpose(1, -1)
        x_mask = sequence_mask(lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        x = self.encoder(x * x_mask, x_mask)
        if skip_head > 0:
            x, x_mask = x[:, :, skip_head:], x_mask[:, :, skip_head:]
        stats = self.proj(x) * x_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return m, logs, x_mask
