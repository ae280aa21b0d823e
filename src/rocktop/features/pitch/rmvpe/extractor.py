"""``RmvpeExtractor``: 16 kHz audio -> log-mel -> E2E -> salience -> F0 at 100 fps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rocktop.common.errors import RocktopError
from rocktop.common.modules import assigned
from rocktop.features.assets.paths import require_asset
from rocktop.features.pitch._input import to_16k
from rocktop.features.pitch.base import PitchExtractor
from rocktop.features.pitch.rmvpe.decode import THRESHOLD, salience_to_f0
from rocktop.features.pitch.rmvpe.mel import HOP, N_FFT, MelFrontEnd
from rocktop.features.pitch.rmvpe.model import E2E
from rocktop.features.torch_utils import resolve_dtype

WEIGHTS_FILE = "rmvpe.pt"
ASSET_NAME = "rmvpe"
TIME_MULTIPLE = 32


def load_rmvpe_weights(path: str | os.PathLike[str]) -> E2E:
    """RVC's ``rmvpe.pt`` (a bare fp16 state dict) loaded strictly into ``E2E()`` (float32)."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any refusal becomes one line naming the file
        raise RocktopError(f"{path}: not a readable RMVPE state dict ({exc})") from exc
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    try:
        model = assigned(E2E, state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = str(exc).splitlines()[0:2]
        raise RocktopError(f"{path}: weights do not fit RMVPE's E2E ({' '.join(first)})") from exc
    return model.float().eval()


class RmvpeExtractor(PitchExtractor):
    """RMVPE as RVC@0604: frames = ``n16k // 160 + 1``; threshold 0.03 (spec §4.2)."""

    name = "rmvpe"

    def __init__(
        self,
        model: E2E,
        *,
        device: str = "cpu",
        dtype: str | torch.dtype = "float32",
        threshold: float = THRESHOLD,
        weights_sha256: str | None = None,
    ) -> None:
        self.device = device
        self.dtype = resolve_dtype(dtype)
        self.model = model.eval().to(device=device, dtype=self.dtype)
        self.mel = MelFrontEnd().to(device)
        self.threshold = threshold
        self.weights_sha256 = weights_sha256

    @classmethod
    def from_assets(
        cls,
        weights_dir: str | os.PathLike[str] | None,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        **options: Any,
    ) -> RmvpeExtractor:
        """Load ``rmvpe.pt`` from ``weights_dir`` (default assets dir) or raise naming it."""
        from rocktop.common.hashing import sha256_file

        path = require_asset(WEIGHTS_FILE, ASSET_NAME, weights_dir)
        model = load_rmvpe_weights(path)
        return cls(model, device=device, dtype=dtype, weights_sha256=sha256_file(path), **options)

    def params(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "dtype": str(self.dtype).removeprefix("torch.")}

    @torch.inference_mode()
    def salience(self, wav_16k: np.ndarray) -> np.ndarray:
        """Salience float32 ``(n // 160 + 1, 360)`` of 16 kHz mono audio."""
        x = torch.from_numpy(np.ascontiguousarray(wav_16k, dtype=np.float32))[None]
        log_dtype = torch.float16 if self.dtype == torch.float16 else torch.float32
        mel = self.mel(x.to(self.device), log_dtype=log_dtype).to(self.dtype)
        frames = mel.shape[-1]
        padded = F.pad(mel, (0, -frames % TIME_MULTIPLE))  # zeros up to a multiple of 32
        hidden = self.model(padded)[:, :frames]
        return hidden[0].float().cpu().numpy()

    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """F0 float32 ``(n16k // 160 + 1,)`` Hz at 100 fps; 0 = unvoiced.

        Clips shorter than half the STFT window (512 samples, 32 ms) cannot be reflect-padded
        and carry no measurable pitch: they return all-unvoiced frames.
        """
        x16 = to_16k(wav, sample_rate, self.name)
        if len(x16) <= N_FFT // 2:
            return np.zeros(len(x16) // HOP + 1, dtype=np.float32)
        return salience_to_f0(self.salience(x16), self.threshold)
