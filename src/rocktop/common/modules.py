"""Building ``nn.Module`` objects whose every tensor comes from a file, without waste."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import torch
from torch import nn

M = TypeVar("M", bound=nn.Module)


def uninitialised(factory: Callable[[], M], device: str | torch.device = "cpu") -> M:
    """``factory()`` built on the meta device, then given uninitialised storage on ``device``.

    Skips random initialisation (seconds for a 100 M-parameter model) for a module whose
    tensors a strict ``load_state_dict`` overwrites next. Refuses modules with
    non-persistent buffers: no state dict would set them.
    """
    with torch.device("meta"):
        module = factory()
    _refuse_non_persistent(module)
    return module.to_empty(device=device)


def assigned(factory: Callable[[], M], state: Mapping[str, torch.Tensor]) -> M:
    """``factory()`` built on the meta device with ``state``'s tensors as its own (strict).

    No second copy of the weights is ever allocated (a strict load into an allocated
    module holds two); parameters keep ``state``'s dtype, so cast afterwards.
    Raises whatever ``load_state_dict`` raises for missing, unexpected or mis-shaped keys.
    """
    with torch.device("meta"):
        module = factory()
    _refuse_non_persistent(module)
    module.load_state_dict(dict(state), strict=True, assign=True)
    return module


def _refuse_non_persistent(module: nn.Module) -> None:
    names = [
        f"{name}.{buffer}".lstrip(".")
        for name, sub in module.named_modules()
        for buffer in sub._non_persistent_buffers_set
    ]
    if names:
        raise ValueError(f"{type(module).__name__} has non-persistent buffers {names}")
