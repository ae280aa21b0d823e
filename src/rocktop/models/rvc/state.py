"""Loading state dicts into a ``Synthesizer`` with RVC's key spellings and clear errors."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from rocktop.common.errors import RocktopError
from rocktop.models.rvc.layers import canonical_key


class StateDictError(RocktopError):
    """Weights that do not fit the architecture (wrong shapes, missing or unknown keys)."""

    code = "bad_model_weights"


def canonical_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename ``parametrizations.weight.original0/1`` keys to ``weight_g``/``weight_v``."""
    return {canonical_key(key): value for key, value in state.items()}


def check_state_dict(
    model: nn.Module, state: Mapping[str, torch.Tensor], source: str = "weights"
) -> None:
    """Raise ``StateDictError`` naming the first mismatching key (shape, missing, unexpected)."""
    expected = model.state_dict()
    for key, value in state.items():
        if key not in expected:
            raise StateDictError(f"{source}: unexpected key {key!r} for this architecture")
        if not isinstance(value, torch.Tensor):
            raise StateDictError(f"{source}: {key!r} is {type(value).__name__}, not a tensor")
        if tuple(value.shape) != tuple(expected[key].shape):
            raise StateDictError(
                f"{source}: {key!r} has shape {list(value.shape)}, the architecture needs "
                f"{list(expected[key].shape)} (v1/v2 or sample rate mismatch?)"
            )
    missing = [key for key in expected if key not in state]
    if missing:
        raise StateDictError(f"{source}: missing key {missing[0]!r} ({len(missing)} missing)")


def load_weights(
    model: nn.Module, state: Mapping[str, torch.Tensor], source: str = "weights"
) -> None:
    """Strictly load ``state`` (either weight-norm spelling) into ``model``, keeping its dtype."""
    state = canonical_state_dict(state)
    check_state_dict(model, state, source)
    model.load_state_dict(state, strict=True)
