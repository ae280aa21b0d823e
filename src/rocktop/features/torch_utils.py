"""Device and dtype names as users type them, resolved to torch objects at the edge."""

from __future__ import annotations

import torch

from rocktop.common.errors import RocktopError

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
}


def resolve_dtype(name: str | torch.dtype) -> torch.dtype:
    """``float32``/``fp32``, ``float16``/``fp16``, ``bfloat16``/``bf16`` -> ``torch.dtype``."""
    if isinstance(name, torch.dtype):
        return name
    try:
        return _DTYPES[name.lower()]
    except KeyError:
        raise RocktopError(
            f"dtype {name!r} not supported; use float32, float16 or bfloat16"
        ) from None


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when available else ``cpu``; other names are checked and returned."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise RocktopError(f"device {name!r} not understood; use auto, cpu or cuda[:N]") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RocktopError(f"device {name!r} requested but CUDA is not available")
    return name
