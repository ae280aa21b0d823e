"""RMVPE's E2E network (spec §4.2), with RVC's module and state-dict names.

``E2E()`` with the defaults is RVC's ``E2E(n_blocks=4, n_gru=1, kernel_size=(2, 2))``:
741 state-dict entries (BatchNorm buffers included), about 90.47 M parameters; the
constructor arguments exist only so tests can build the same code at toy width.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

N_MELS = 128
N_CLASSES = 360
BN_MOMENTUM = 0.01


class ConvBlockRes(nn.Module):
    """Two 3x3 conv-BN-ReLU, plus a 1x1 shortcut when the channel count changes."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM),
            nn.ReLU(),
        )
        self.shortcut = (
            nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.shortcut is None else self.shortcut(x)
        return self.conv(x) + residual


def _res_stack(in_channels: int, out_channels: int, n_blocks: int) -> nn.ModuleList:
    blocks = [ConvBlockRes(in_channels, out_channels)]
    blocks += [ConvBlockRes(out_channels, out_channels) for _ in range(n_blocks - 1)]
    return nn.ModuleList(blocks)


class ResEncoderBlock(nn.Module):
    """``n_blocks`` ConvBlockRes (the encoder 2x2-average-pools after it; no parameters)."""

    def __init__(self, in_channels: int, out_channels: int, n_blocks: int) -> None:
        super().__init__()
        self.conv = _res_stack(in_channels, out_channels, n_blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.conv:
            x = block(x)
        return x


class Encoder(nn.Module):
    """Input BatchNorm, then ``layers`` pooling blocks doubling channels from ``channels``."""

    def __init__(self, layers: int, n_blocks: int, channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(1, momentum=BN_MOMENTUM)
        widths = [1] + [channels * 2**i for i in range(layers)]
        self.layers = nn.ModuleList(
            ResEncoderBlock(widths[i], widths[i + 1], n_blocks) for i in range(layers)
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        skips = []
        x = self.bn(x)
        for layer in self.layers:
            x = layer(x)
            skips.append(x)
            x = F.avg_pool2d(x, kernel_size=2)
        return x, skips


class Intermediate(nn.Module):
    """``layers`` non-pooling blocks, the first doubling the channels."""

    def __init__(self, in_channels: int, out_channels: int, layers: int, n_blocks: int) -> None:
        super().__init__()
        widths = [in_channels] + [out_channels] * layers
        self.layers = nn.ModuleList(
            ResEncoderBlock(widths[i], widths[i + 1], n_blocks) for i in range(layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


class ResDecoderBlock(nn.Module):
    """2x transposed conv-BN-ReLU, concatenate the skip, ``n_blocks`` ConvBlockRes."""

    def __init__(self, in_channels: int, out_channels: int, n_blocks: int) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.ConvTranspose2d(
                in_channels, out_channels, 3, stride=2, padding=1, output_padding=1, bias=False
            ),
            nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM),
            nn.ReLU(),
        )
        self.conv2 = _res_stack(out_channels * 2, out_channels, n_blocks)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = torch.cat((self.conv1(x), skip), dim=1)
        for block in self.conv2:
            x = block(x)
        return x


class Decoder(nn.Module):
    def __init__(self, in_channels: int, layers: int, n_blocks: int) -> None:
        super().__init__()
        widths = [in_channels // 2**i for i in range(layers + 1)]
        self.layers = nn.ModuleList(
            ResDecoderBlock(widths[i], widths[i + 1], n_blocks) for i in range(layers)
        )

    def forward(self, x: torch.Tensor, skips: list[torch.Tensor]) -> torch.Tensor:
        for layer, skip in zip(self.layers, reversed(skips), strict=True):
            x = layer(x, skip)
        return x


class DeepUnet(nn.Module):
    def __init__(self, n_blocks: int, layers: int, inter_layers: int, channels: int) -> None:
        super().__init__()
        deepest = channels * 2**layers
        self.encoder = Encoder(layers, n_blocks, channels)
        self.intermediate = Intermediate(deepest // 2, deepest, inter_layers, n_blocks)
        self.decoder = Decoder(deepest, layers, n_blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, skips = self.encoder(x)
        return self.decoder(self.intermediate(x), skips)


class BiGRU(nn.Module):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gru(x)[0]


class E2E(nn.Module):
    """Log-mel ``(batch, 128, frames)`` -> pitch salience ``(batch, frames, 360)`` in [0, 1].

    ``frames`` must be a multiple of 32 (five 2x poolings); ``RmvpeExtractor`` pads.
    """

    def __init__(
        self,
        n_blocks: int = 4,
        layers: int = 5,
        inter_layers: int = 4,
        channels: int = 16,
        gru_hidden: int = 256,
    ) -> None:
        super().__init__()
        self.unet = DeepUnet(n_blocks, layers, inter_layers, channels)
        self.cnn = nn.Conv2d(channels, 3, 3, padding=1)
        self.fc = nn.Sequential(
            BiGRU(3 * N_MELS, gru_hidden),
            nn.Linear(2 * gru_hidden, N_CLASSES),
            nn.Dropout(0.25),
            nn.Sigmoid(),
        )

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = mel.transpose(-1, -2).unsqueeze(1)  # (batch, 1, frames, mels)
        x = self.cnn(self.unet(x)).transpose(1, 2).flatten(-2)  # (batch, frames, 3 * mels)
        return self.fc(x)
