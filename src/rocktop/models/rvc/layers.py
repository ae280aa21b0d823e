"""Weight-normalised convolutions with RVC's state-dict spelling, and small shared helpers.

``WNConv1d``/``WNConvTranspose1d`` hold ``weight_g``/``weight_v`` parameters directly (the
spelling of ``torch.nn.utils.weight_norm`` that every RVC file uses, spec §1.3), recompute
``W = g * v / ||v||`` on each forward like RVC, and can be folded into plain convolutions for
inference. The newer ``parametrizations.weight.original0/1`` spelling is translated on load.
"""

from __future__ import annotations

from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn

ConvModule = TypeVar("ConvModule", bound=nn.modules.conv._ConvNd)

LRELU_SLOPE = 0.1
PARAMETRIZED_SUFFIXES = {
    ".parametrizations.weight.original0": ".weight_g",
    ".parametrizations.weight.original1": ".weight_v",
}


def get_padding(kernel_size: int, dilation: int = 1) -> int:
    """'Same' padding of an odd kernel with a dilation."""
    return (kernel_size * dilation - dilation) // 2


def sequence_mask(lengths: torch.Tensor, max_length: int | None = None) -> torch.Tensor:
    """Boolean mask ``[B, T]``: True where ``t < lengths[b]``."""
    size = int(lengths.max()) if max_length is None else max_length
    steps = torch.arange(size, dtype=lengths.dtype, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def init_weight_norm(module: nn.Module, weight: torch.Tensor) -> None:
    """Replace ``module.weight`` by ``weight_g`` (norm over all dims but 0) and ``weight_v``."""
    del module._parameters["weight"]
    norm = torch.linalg.vector_norm(weight, dim=tuple(range(1, weight.dim())), keepdim=True)
    module.weight_g = nn.Parameter(norm.detach().clone())
    module.weight_v = nn.Parameter(weight.detach().clone())


class WNConv1d(nn.Conv1d):
    """``Conv1d`` under weight norm (dim 0): parameters ``weight_g (out,1,1)``, ``weight_v``."""

    weight_g: nn.Parameter
    weight_v: nn.Parameter

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        init_weight_norm(self, self.weight)

    def normalized_weight(self) -> torch.Tensor:
        return torch._weight_norm(self.weight_v, self.weight_g, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.normalized_weight(), self.bias)

    def folded(self) -> nn.Conv1d:
        """A plain ``Conv1d`` with the normalised weight baked in."""
        conv = nn.Conv1d(
            self.in_channels,
            self.out_channels,
            self.kernel_size,  # type: ignore[arg-type]
            self.stride,  # type: ignore[arg-type]
            self.padding,  # type: ignore[arg-type]
            self.dilation,  # type: ignore[arg-type]
            self.groups,
            self.bias is not None,
        ).to(self.weight_v)
        return with_parameters(conv, self.normalized_weight(), self.bias)


class WNConvTranspose1d(nn.ConvTranspose1d):
    """``ConvTranspose1d`` under weight norm: ``weight_g`` is ``(in,1,1)`` (spec §1.3)."""

    weight_g: nn.Parameter
    weight_v: nn.Parameter

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        init_weight_norm(self, self.weight)

    def normalized_weight(self) -> torch.Tensor:
        return torch._weight_norm(self.weight_v, self.weight_g, 0)

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        return F.conv_transpose1d(
            x,
            self.normalized_weight(),
            self.bias,
            self.stride,
            self.padding,  # type: ignore[arg-type]
            self.output_padding,
            self.groups,
            self.dilation,
        )

    def folded(self) -> nn.ConvTranspose1d:
        """A plain ``ConvTranspose1d`` with the normalised weight baked in."""
        conv = nn.ConvTranspose1d(
            self.in_channels,
            self.out_channels,
            self.kernel_size,  # type: ignore[arg-type]
            self.stride,  # type: ignore[arg-type]
            self.padding,  # type: ignore[arg-type]
            self.output_padding,  # type: ignore[arg-type]
            self.groups,
            self.bias is not None,
            self.dilation,  # type: ignore[arg-type]
        ).to(self.weight_v)
        return with_parameters(conv, self.normalized_weight(), self.bias)


def fold_weight_norm(module: nn.Module) -> nn.Module:
    """Replace every weight-normed convolution inside ``module`` by its folded plain version.

    Mathematically identical (spec §10: fp16 rounding differs from RVC's live weight norm).
    The folded model's state dict uses ``.weight`` keys; export from an unfolded model.
    """
    for name, child in list(module.named_children()):
        if isinstance(child, WNConv1d | WNConvTranspose1d):
            setattr(module, name, child.folded())
        else:
            fold_weight_norm(child)
    return module


def canonical_key(key: str) -> str:
    """Map the ``parametrizations.weight.original0/1`` spelling to ``weight_g``/``weight_v``."""
    for suffix, replacement in PARAMETRIZED_SUFFIXES.items():
        if key.endswith(suffix):
            return key[: -len(suffix)] + replacement
    return key


def with_parameters(
    conv: ConvModule, weight: torch.Tensor, bias: torch.Tensor | None
) -> ConvModule:
    """``conv`` with ``weight`` (and ``bias`` where both have one) copied in, no autograd."""
    with torch.no_grad():
        conv.weight.copy_(weight)
        if bias is not None and conv.bias is not None:
            conv.bias.copy_(bias)
    return conv


def init_conv_weights(module: nn.Module, std: float = 0.01) -> None:
    """HiFi-GAN's init: N(0, std) for convolution weights (applied before weight norm)."""
    if isinstance(module, WNConv1d | WNConvTranspose1d):
        with torch.no_grad():
            module.weight_v.normal_(0.0, std)
            dims = tuple(range(1, module.weight_v.dim()))
            norm = torch.linalg.vector_norm(module.weight_v, dim=dims, keepdim=True)
            module.weight_g.copy_(norm)
    elif isinstance(module, nn.Conv1d | nn.ConvTranspose1d):
        with torch.no_grad():
            module.weight.normal_(0.0, std)
