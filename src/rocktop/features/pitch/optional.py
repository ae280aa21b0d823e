"""Optional neural backends: CREPE (torchcrepe) and FCPE (torchfcpe), used only where they import.

Both packages need torchaudio, which rocktop never installs (a torchaudio built for another
torch fails at import); when the import fails the registry raises a one-line ``RocktopError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

from rocktop.common.errors import RocktopError
from rocktop.features.pitch._input import HOP_16K, PITCH_SAMPLE_RATE, fit_length, num_frames, to_16k
from rocktop.features.pitch.base import PitchExtractor
from rocktop.features.pitch.convert import F0_MAX_HZ, F0_MIN_HZ

_PACKAGES = {"crepe": "torchcrepe", "fcpe": "torchfcpe"}


def _import_backend(name: str) -> ModuleType:
    package = _PACKAGES[name]
    try:
        return importlib.import_module(package)
    except Exception as exc:  # noqa: BLE001 - a broken torchaudio raises OSError/RuntimeError too
        raise RocktopError(
            f"pitch extractor {name!r} needs {package} (and a torchaudio matching torch), "
            f"which is not importable here ({type(exc).__name__}); use rmvpe, harvest or pm"
        ) from exc


class CrepeExtractor(PitchExtractor):
    """torchcrepe ``full`` as RVC: periodicity medfilt(3), F0 mean(3), unvoiced below 0.1."""

    name = "crepe"

    def __init__(self, module: ModuleType, device: str = "cpu", model: str = "full") -> None:
        self._crepe = module
        self.device = device
        self.model = model

    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """F0 float32 ``(n16k // 160 + 1,)`` Hz at 100 fps; 0 = unvoiced."""
        import torch

        x16 = to_16k(wav, sample_rate, self.name)
        audio = torch.from_numpy(x16)[None].to(self.device)
        f0, pd = self._crepe.predict(
            audio, PITCH_SAMPLE_RATE, HOP_16K, F0_MIN_HZ, F0_MAX_HZ, self.model,
            batch_size=512, device=self.device, return_periodicity=True,
        )  # fmt: skip
        pd = self._crepe.filter.median(pd, 3)
        f0 = self._crepe.filter.mean(f0, 3)
        f0[pd < 0.1] = 0
        return fit_length(f0[0].float().cpu().numpy(), num_frames(len(x16)))

    def params(self) -> dict[str, Any]:
        return {"model": self.model}


class FcpeExtractor(PitchExtractor):
    """torchfcpe's bundled model, ``local_argmax`` decoding, threshold 0.006 (spec §4.3)."""

    name = "fcpe"

    def __init__(self, module: ModuleType, device: str = "cpu", threshold: float = 0.006) -> None:
        self._model = module.spawn_bundled_infer_model(device)
        self.device = device
        self.threshold = threshold

    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """F0 float32 ``(n16k // 160 + 1,)`` Hz at 100 fps; 0 = unvoiced."""
        import torch

        x16 = to_16k(wav, sample_rate, self.name)
        with torch.inference_mode():
            f0 = self._model.infer(
                torch.from_numpy(x16)[None].float().to(self.device),
                sr=PITCH_SAMPLE_RATE,
                decoder_mode="local_argmax",
                threshold=self.threshold,
            )
        return fit_length(f0.reshape(-1).float().cpu().numpy(), num_frames(len(x16)))

    def params(self) -> dict[str, Any]:
        return {"threshold": self.threshold}


def build(name: str, *, device: str = "cpu", **options: Any) -> PitchExtractor:
    """``crepe`` or ``fcpe`` on ``device``; ``RocktopError`` when the package does not import."""
    module = _import_backend(name)
    if name == "crepe":
        return CrepeExtractor(module, device=device, **options)
    return FcpeExtractor(module, device=device, **options)
