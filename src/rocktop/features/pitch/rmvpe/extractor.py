"""The RMVPE pitch extractor (placeholder until the network lands)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from rocktop.common.errors import RocktopError
from rocktop.features.assets.paths import require_asset
from rocktop.features.pitch.base import PitchExtractor

WEIGHTS_FILE = "rmvpe.pt"
ASSET_NAME = "rmvpe"


class RmvpeExtractor(PitchExtractor):
    name = "rmvpe"

    @classmethod
    def from_assets(
        cls,
        weights_dir: str | os.PathLike[str] | None,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        **options: Any,
    ) -> RmvpeExtractor:
        require_asset(WEIGHTS_FILE, ASSET_NAME, weights_dir)
        raise RocktopError("rmvpe: not implemented yet")

    def extract(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        raise RocktopError("rmvpe: not implemented yet")
