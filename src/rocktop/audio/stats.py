"""One-call summary of a decoded file, as ``rocktop audio info`` prints it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rocktop.audio.analysis import clipping, dc_offset, peak_db
from rocktop.audio.errors import AudioError
from rocktop.audio.loudness import integrated_lufs, true_peak_db
from rocktop.audio.types import Audio


@dataclass(frozen=True)
class AudioStats:
    """Levels of one piece of audio. Levels in dBFS / LUFS / dBTP; ``None`` when undefined."""

    sample_rate: int
    channels: int
    duration_s: float
    peak_dbfs: float
    integrated_lufs: float | None
    true_peak_dbtp: float
    clipping_percent: float
    dc_offset: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (``-inf`` becomes ``None``)."""
        return {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def measure(audio: Audio) -> AudioStats:
    """Measure peak, loudness, true peak, clipping and DC offset of ``audio``."""
    try:
        lufs: float | None = integrated_lufs(audio.samples, audio.sample_rate)
    except AudioError:
        lufs = None  # shorter than one gating block
    return AudioStats(
        sample_rate=audio.sample_rate,
        channels=audio.channels,
        duration_s=audio.duration_s,
        peak_dbfs=peak_db(audio.samples),
        integrated_lufs=lufs,
        true_peak_dbtp=true_peak_db(audio.samples, audio.sample_rate),
        clipping_percent=clipping(audio.samples).percent,
        dc_offset=dc_offset(audio.samples),
    )
