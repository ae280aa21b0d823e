"""A toy-width RMVPE (same ``E2E`` code, random weights) for pipeline tests without ``rmvpe.pt``."""

from __future__ import annotations

import torch

from rocktop.features.pitch.rmvpe.extractor import RmvpeExtractor
from rocktop.features.pitch.rmvpe.model import E2E


def tiny_e2e(seed: int = 0) -> E2E:
    """``E2E`` with 1 block per stage, 2 base channels, an 8-wide GRU (~170 k parameters)."""
    torch.manual_seed(seed)
    return E2E(n_blocks=1, inter_layers=1, channels=2, gru_hidden=8).eval()


def tiny_rmvpe(seed: int = 0, **kwargs: object) -> RmvpeExtractor:
    """``RmvpeExtractor`` around ``tiny_e2e(seed)``; ``kwargs`` go to the extractor."""
    return RmvpeExtractor(tiny_e2e(seed), **kwargs)  # type: ignore[arg-type]
