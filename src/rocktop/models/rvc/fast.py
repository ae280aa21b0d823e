"""Inference-only speed-ups that keep the maths: the decoder as channels-last 2-D convolutions.

oneDNN runs ``conv2d`` on channels-last ``[B, C, 1, T]`` tensors about twice as fast as
``conv1d`` on ``[B, C, T]`` (measured on this project's 2-core AVX-512/AMX CPU, fp32 and bf16),
and the HiFi-GAN decoder is ~90% of a conversion's compute. Applied after weight-norm folding.
"""

from __future__ import annotations

import torch
from torch import nn

from rocktop.models.rvc.layers import WNConv1d, WNConvTranspose1d, with_parameters


def _conv2d_from(conv: nn.Conv1d) -> nn.Conv2d:
    out = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        (1, conv.kernel_size[0]),
        (1, conv.stride[0]),
        (0, int(conv.padding[0])),
        (1, conv.dilation[0]),
        conv.groups,
        conv.bias is not None,
    ).to(conv.weight)
    out = with_parameters(out, conv.weight.unsqueeze(2), conv.bias)
    return out.to(memory_format=torch.channels_last)  # type: ignore[call-overload]


def _conv_transpose2d_from(conv: nn.ConvTranspose1d) -> nn.ConvTranspose2d:
    out = nn.ConvTranspose2d(
        conv.in_channels,
        conv.out_channels,
        (1, conv.kernel_size[0]),
        (1, conv.stride[0]),
        (0, int(conv.padding[0])),
        (0, conv.output_padding[0]),
        conv.groups,
        conv.bias is not None,
        (1, conv.dilation[0]),
    ).to(conv.weight)
    out = with_parameters(out, conv.weight.unsqueeze(2), conv.bias)
    return out.to(memory_format=torch.channels_last)  # type: ignore[call-overload]


def convs_to_2d(module: nn.Module) -> nn.Module:
    """Replace every (folded) ``Conv1d``/``ConvTranspose1d`` inside ``module`` by its 2-D twin."""
    for name, child in list(module.named_children()):
        if isinstance(child, WNConv1d | WNConvTranspose1d):
            raise ValueError("fold weight norm before converting convolutions to 2-D")
        if isinstance(child, nn.ConvTranspose1d):
            setattr(module, name, _conv_transpose2d_from(child))
        elif isinstance(child, nn.Conv1d):
            setattr(module, name, _conv2d_from(child))
        else:
            convs_to_2d(child)
    return module


def as_2d(x: torch.Tensor) -> torch.Tensor:
    """``[B, C, T]`` -> channels-last ``[B, C, 1, T]``."""
    return x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
