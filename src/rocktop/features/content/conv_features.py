"""HuBERT's convolutional feature encoder run in windows, with the same result.

The encoder (7 unpadded convolutions, total stride 320) is local except for one step: the
first layer's ``GroupNorm`` with one group per channel normalises every channel over the
whole input. Run at once, its 512-channel output at 3.2 kHz takes ~640 MB for 40 s of
fp32 audio. Here the per-channel statistics are gathered in windows first (float64 sums),
then each window of output frames is computed from exactly the input samples it sees.
Only the order of floating-point sums differs from a single pass.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import torch
from torch import nn

if TYPE_CHECKING:
    from rocktop.features.content.hubert import ConvLayer, FeatureEncoder

WINDOW_FRAMES = 250  # output frames (5 s at 50 fps) per window


def _input_span(convs: list[nn.Conv1d], first: int, stop: int) -> tuple[int, int]:
    """Samples ``[a, b)`` at the input of ``convs[0]`` that output frames ``[first, stop)`` of
    the last convolution see (unpadded convolutions)."""
    a, b = first, stop
    for conv in reversed(convs):
        kernel, stride = int(conv.kernel_size[0]), int(conv.stride[0])
        a, b = a * stride, (b - 1) * stride + kernel
    return a, b


def _first_conv_stats(
    conv: nn.Conv1d, x: torch.Tensor, step: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and biased variance (float64) of ``conv(x)`` over time, in windows of
    ``step`` output frames."""
    kernel, stride = int(conv.kernel_size[0]), int(conv.stride[0])
    frames = (x.shape[-1] - kernel) // stride + 1
    total = torch.zeros(conv.out_channels, dtype=torch.float64, device=x.device)
    squares = torch.zeros_like(total)
    for a in range(0, frames, step):
        b = min(frames, a + step)
        y = conv(x[..., a * stride : (b - 1) * stride + kernel]).double()
        total += y.sum(dim=(0, 2))
        squares += (y * y).sum(dim=(0, 2))
    mean = total / frames
    return mean, (squares / frames - mean * mean).clamp_min(0.0)


def windowed_features(
    encoder: FeatureEncoder, wav: torch.Tensor, window: int = WINDOW_FRAMES
) -> torch.Tensor:
    """``encoder(wav)`` for HuBERT's ``FeatureEncoder`` (first layer with per-channel
    GroupNorm): ``wav (batch, samples)`` at 16 kHz -> ``(batch, conv_dim[-1], frames)`` at
    50 fps, computed ``window`` output frames at a time: bounded memory for any length."""
    layers = cast("list[ConvLayer]", list(encoder.conv_layers))
    convs = [layer.conv for layer in layers]
    norm = layers[0].layer_norm
    if norm is None:
        raise TypeError("windowed_features needs the first conv layer's GroupNorm")
    x = wav[:, None]
    field = _input_span(convs, 0, 1)[1]
    hop = math.prod(int(conv.stride[0]) for conv in convs)
    frames = (x.shape[-1] - field) // hop + 1 if x.shape[-1] >= field else 0
    if frames <= window:
        return encoder(wav)
    mean, var = _first_conv_stats(convs[0], x, window * hop // int(convs[0].stride[0]))
    gain = norm.weight.double() / torch.sqrt(var + norm.eps)
    scale, shift = (
        gain.to(x.dtype)[:, None],
        (norm.bias.double() - mean * gain).to(x.dtype)[:, None],
    )
    outs = []
    for start in range(0, frames, window):
        a, b = _input_span(convs, start, min(frames, start + window))
        h = layers[0].activation(convs[0](x[..., a:b]) * scale + shift)
        for layer in layers[1:]:
            h = layer(h)
        outs.append(h)
    return torch.cat(outs, dim=-1)
