"""Read fairseq checkpoints (``hubert_base.pt``) without running anything from the file.

``torch.load(weights_only=True)`` refuses these files because they pickle fairseq objects
(``Dictionary``, ``Namespace``, omegaconf configs). This unpickler admits only tensor
rebuilding and plain containers; every other global becomes an inert ``Placeholder`` that
records its name and arguments and calls nothing.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from rocktop.common.errors import RocktopError

_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): torch._utils._rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("collections", "OrderedDict"): __import__("collections").OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
}


class Placeholder:
    """Stands in for any class the file names; holds what the pickle passed and nothing runs."""

    qualified_name = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Placeholder:
        instance = object.__new__(cls)
        instance.__dict__["_args"] = args
        return instance

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> Placeholder:
        return Placeholder(*args)  # e.g. getattr(cls, "method")(...): still nothing runs

    def __setstate__(self, state: Any) -> None:
        self.__dict__["_state"] = state

    def __setitem__(self, key: Any, value: Any) -> None:  # dict subclasses (SETITEMS)
        self.__dict__.setdefault("_items", {})[key] = value

    def append(self, value: Any) -> None:  # list subclasses (APPENDS)
        self.__dict__.setdefault("_list", []).append(value)

    def extend(self, values: Any) -> None:
        self.__dict__.setdefault("_list", []).extend(values)

    def __repr__(self) -> str:
        return f"<placeholder {self.qualified_name}>"


def _placeholder(module: str, name: str) -> type[Placeholder]:
    return type(name, (Placeholder,), {"qualified_name": f"{module}.{name}"})


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves globals only from the allow-list; the rest become placeholders."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and name.endswith("Storage"):
            return getattr(torch, name)  # storage *types* only: they carry a dtype
        return _placeholder(module, name)


def _restricted_load(file: Any, **kwargs: Any) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


def _pickle_module() -> ModuleType:
    """A stand-in ``pickle`` module for ``torch.load``: every load goes through the allow-list.

    torch wraps ``Unpickler`` (adding storage handling) for the zip format and calls ``load``
    directly for the legacy format's header records, so both are restricted here.
    """
    module = ModuleType("rocktop_restricted_pickle")
    module.__dict__.update(
        Unpickler=RestrictedUnpickler,
        load=_restricted_load,
        UnpicklingError=pickle.UnpicklingError,
        PickleError=pickle.PickleError,
    )
    return module


def load_restricted(path: str | os.PathLike[str]) -> Any:
    """Unpickle a torch checkpoint with the restricted unpickler, tensors on CPU."""
    path = Path(path)
    try:
        return torch.load(  # noqa: S614 - the pickle module below admits no code
            path, map_location="cpu", pickle_module=_pickle_module(), weights_only=False
        )
    except (pickle.UnpicklingError, EOFError, RuntimeError, ValueError, OSError, TypeError) as exc:
        raise RocktopError(f"{path}: not a readable torch checkpoint ({exc})") from exc


def fairseq_model_state(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The ``model`` state dict of a fairseq checkpoint: name -> tensor (float32 kept as stored)."""
    checkpoint = load_restricted(path)
    state = checkpoint.get("model") if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not state:
        raise RocktopError(f"{path}: no 'model' state dict (not a fairseq checkpoint)")
    bad = [key for key, value in state.items() if not isinstance(value, torch.Tensor)]
    if bad:
        raise RocktopError(f"{path}: 'model' entry {bad[0]!r} is not a tensor")
    return dict(state)
