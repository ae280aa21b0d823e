"""WaveNet-style conditioning stack (WN), the mean-only coupling flow and the posterior encoder.

Spec §2.3 (flow) and §7.6 (``enc_q``, training only).
"""

from __future__ import annotations

import torch
from torch import nn

from rocktop.models.rvc.layers import WNConv1d, get_padding, sequence_mask


class WN(nn.Module):
    """Gated dilated convolutions with a global condition (``cond_layer``) and skip outputs."""

    def __init__(
        self,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int,
    ) -> None:
        super().__init__()
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        self.cond_layer = WNConv1d(gin_channels, 2 * hidden_channels * n_layers, 1)
        for i in range(n_layers):
            dilation = dilation_rate**i
            padding = get_padding(kernel_size, dilation)
            self.in_layers.append(
                WNConv1d(
                    hidden_channels,
                    2 * hidden_channels,
                    kernel_size,
                    dilation=dilation,
                    padding=padding,
                )
            )
            out = 2 * hidden_channels if i < n_layers - 1 else hidden_channels
            self.res_skip_layers.append(WNConv1d(hidden_channels, out, 1))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """``x [B, H, T]``, ``x_mask [B, 1, T]``, ``g [B, gin, 1]`` -> ``[B, H, T]``."""
        hidden = self.hidden_channels
        output = torch.zeros_like(x)
        g = self.cond_layer(g)
        for i, (in_layer, res_skip) in enumerate(
            zip(self.in_layers, self.res_skip_layers, strict=True)
        ):
            a = in_layer(x) + g[:, 2 * hidden * i : 2 * hidden * (i + 1)]
            acts = torch.tanh(a[:, :hidden]) * torch.sigmoid(a[:, hidden:])
            res_skip_acts = res_skip(acts)
            if i < self.n_layers - 1:
                x = (x + res_skip_acts[:, :hidden]) * x_mask
                output = output + res_skip_acts[:, hidden:]
            else:
                output = output + res_skip_acts
        return output * x_mask


class ResidualCouplingLayer(nn.Module):
    """Mean-only affine coupling: ``x1 <- x1 + m(x0)`` (forward) / ``x1 - m(x0)`` (reverse)."""

    def __init__(
        self,
        channels: int,
        hidden_channels: int,
        kernel_size: int,
        n_layers: int,
        gin_channels: int,
    ) -> None:
        super().__init__()
        self.half_channels = channels // 2
        self.pre = nn.Conv1d(self.half_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, 1, n_layers, gin_channels)
        self.post = nn.Conv1d(hidden_channels, self.half_channels, 1)
        nn.init.zeros_(self.post.weight)
        nn.init.zeros_(self.post.bias)  # type: ignore[arg-type]

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor, reverse: bool = False
    ) -> torch.Tensor:
        x0, x1 = torch.split(x, [self.half_channels, self.half_channels], dim=1)
        h = self.enc(self.pre(x0) * x_mask, x_mask, g)
        m = self.post(h) * x_mask
        x1 = (x1 - m) * x_mask if reverse else m + x1 * x_mask
        return torch.cat([x0, x1], dim=1)


class Flip(nn.Module):
    """Reverse the channel order (parameter-less; keeps RVC's module indices)."""

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor, reverse: bool = False
    ) -> torch.Tensor:
        return torch.flip(x, [1])


class ResidualCouplingBlock(nn.Module):
    """``n_flows`` x [coupling, flip]; keys ``flows.{0,2,4,6}`` carry the weights."""

    def __init__(
        self,
        channels: int,
        hidden_channels: int,
        kernel_size: int,
        n_layers: int,
        gin_channels: int,
        n_flows: int = 4,
    ) -> None:
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(
                ResidualCouplingLayer(
                    channels, hidden_channels, kernel_size, n_layers, gin_channels
                )
            )
            self.flows.append(Flip())

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor, reverse: bool = False
    ) -> torch.Tensor:
        """``x [B, C, T]`` -> ``[B, C, T]``; ``reverse=True`` maps prior to posterior space."""
        flows = reversed(self.flows) if reverse else iter(self.flows)
        for flow in flows:
            x = flow(x, x_mask, g, reverse=reverse)
        return x


class PosteriorEncoder(nn.Module):
    """``enc_q``: linear spectrogram -> posterior sample ``z`` (training only, spec §7.6)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_channels: int,
        kernel_size: int,
        n_layers: int,
        gin_channels: int,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, 1, n_layers, gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self, spec: torch.Tensor, lengths: torch.Tensor, g: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``spec [B, spec_channels, T]`` -> ``z, m_q, logs_q [B, out, T]``, ``mask [B, 1, T]``."""
        x_mask = sequence_mask(lengths, spec.size(2)).unsqueeze(1).to(spec.dtype)
        x = self.enc(self.pre(spec) * x_mask, x_mask, g)
        m, logs = torch.split(self.proj(x) * x_mask, self.out_channels, dim=1)
        z = (m + torch.randn_like(m) * torch.exp(logs)) * x_mask
        return z, m, logs, x_mask
