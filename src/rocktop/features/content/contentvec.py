"""``ContentVecEncoder``: RVC's content units from a HuBERT/ContentVec model (spec §3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rocktop.common.errors import RocktopError
from rocktop.features.content.base import ContentEncoder
from rocktop.features.content.hubert import HubertWithFinalProj
from rocktop.features.torch_utils import resolve_dtype

HOP = 320  # samples per frame at 16 kHz
RECEPTIVE_FIELD = 400  # samples seen by one frame
VERSION_LAYERS = {"v1": 9, "v2": 12}


def num_content_frames(num_samples: int) -> int:
    """``floor((L - 400) / 320) + 1`` (0 below 400 samples)."""
    return max(0, (num_samples - RECEPTIVE_FIELD) // HOP + 1)


class ContentVecEncoder(ContentEncoder):
    """v1: block 9 then ``final_proj`` (256-d); v2: block 12 (768-d). 16 kHz in, 50 fps out.

    The waveform is not normalised (ContentVec's ``normalize=False``). Inputs longer than
    ``chunk_s + 2 * context_s`` run in windows of ``chunk_s`` seconds with ``context_s``
    seconds of context on each side, so memory stays bounded; the frame grid is exact and
    values are close to, not bit-equal with, a single pass (attention and the first layer's
    GroupNorm see the whole window).

    The encoder takes ownership of ``model``: it is moved to ``device``/``dtype`` in place.
    """

    name = "contentvec"

    def __init__(
        self,
        model: HubertWithFinalProj,
        version: str = "v2",
        *,
        device: str = "cpu",
        dtype: str | torch.dtype = "float32",
        chunk_s: float = 30.0,
        context_s: float = 5.0,
        weights_sha256: str | None = None,
    ) -> None:
        if version not in VERSION_LAYERS:
            raise RocktopError(f"content version must be v1 or v2, got {version!r}")
        self.version = version
        self.layer = VERSION_LAYERS[version]
        self.device = device
        self.dtype = resolve_dtype(dtype)
        self.model = model.eval().to(device=device, dtype=self.dtype)
        config = model.config
        self.dim = config.classifier_proj_size if version == "v1" else config.hidden_size
        self.chunk_frames = max(1, round(chunk_s * 50))
        self.context_frames = max(0, round(context_s * 50))
        self.weights_sha256 = weights_sha256

    def params(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "layer": self.layer,
            "dtype": str(self.dtype).removeprefix("torch."),
            "chunk_frames": self.chunk_frames,
            "context_frames": self.context_frames,
        }

    @torch.inference_mode()
    def _run(self, wav: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(wav)[None].to(device=self.device, dtype=self.dtype)
        hidden = self.model.layer_output(x, self.layer)
        if self.version == "v1":
            hidden = self.model.final_proj(hidden)
        return hidden[0].float().cpu().numpy()

    def encode(self, wav_16k: np.ndarray) -> np.ndarray:
        """Float32 ``(frames, dim)`` at 50 fps for mono 16 kHz ``(num_samples,)``."""
        wav = np.asarray(wav_16k, dtype=np.float32)
        if wav.ndim != 1:
            raise RocktopError(f"{self.name}: expected mono (num_samples,) audio, got {wav.shape}")
        if not np.all(np.isfinite(wav)):
            raise RocktopError(f"{self.name}: audio contains NaN or Inf samples")
        total = num_content_frames(len(wav))
        if total == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if total <= self.chunk_frames + 2 * self.context_frames:
            return self._run(wav)
        parts = []
        for first in range(0, total, self.chunk_frames):
            last = min(total, first + self.chunk_frames)
            start = max(0, first - self.context_frames)
            stop = min(total, last + self.context_frames)
            window = wav[start * HOP : (stop - 1) * HOP + RECEPTIVE_FIELD]
            parts.append(self._run(window)[first - start : last - start])
        return np.concatenate(parts, axis=0)
