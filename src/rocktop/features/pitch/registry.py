"""Pitch extractors by name: ``get_pitch_extractor("rmvpe", device="cuda")``."""

from __future__ import annotations

import os
from typing import Any

from rocktop.common.errors import RocktopError
from rocktop.features.pitch.base import PitchExtractor

PITCH_EXTRACTORS = ("rmvpe", "harvest", "dio", "pm", "crepe", "fcpe")


def get_pitch_extractor(
    name: str,
    *,
    device: str = "cpu",
    weights_dir: str | os.PathLike[str] | None = None,
    dtype: str = "float32",
    **options: Any,
) -> PitchExtractor:
    """Build the extractor registered as ``name``.

    Args:
        name: one of ``PITCH_EXTRACTORS``.
        device: torch device for neural extractors (``cpu``, ``cuda``, ``cuda:1``); the DSP
            ones (harvest, dio, pm) ignore it.
        weights_dir: folder holding weights files (default: the assets dir, see
            ``rocktop assets``); a missing file raises ``MissingAssetError``.
        dtype: ``float32``, ``float16`` or ``bfloat16`` for neural extractors.
        options: extractor-specific settings (e.g. ``threshold`` for rmvpe).
    """
    if name == "harvest":
        from rocktop.features.pitch.world import HarvestExtractor

        return HarvestExtractor(**options)
    if name == "dio":
        from rocktop.features.pitch.world import DioExtractor

        return DioExtractor(**options)
    if name == "pm":
        from rocktop.features.pitch.praat import PraatExtractor

        return PraatExtractor(**options)
    if name == "rmvpe":
        from rocktop.features.pitch.rmvpe import RmvpeExtractor

        return RmvpeExtractor.from_assets(weights_dir, device=device, dtype=dtype, **options)
    if name in ("crepe", "fcpe"):
        from rocktop.features.pitch import optional

        return optional.build(name, device=device, **options)
    raise RocktopError(
        f"unknown pitch extractor {name!r}; choose one of {', '.join(PITCH_EXTRACTORS)}"
    )
