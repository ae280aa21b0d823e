"""Per-clip quality metrics and the reasons a clip is flagged.

``score_clip`` measures; ``defects`` compares with ``QCThresholds``. Metrics are stored in
the manifest, so thresholds can be re-applied without re-measuring.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rocktop.audio.analysis import clipping
from rocktop.audio.errors import AudioError
from rocktop.audio.loudness import integrated_lufs
from rocktop.data import measures
from rocktop.data.settings import QCThresholds, SegmentSettings

CLIP_FULL_SCALE = 0.9995  # of the source's own peak: flat tops at whatever level they sit


@dataclass(frozen=True)
class ClipMetrics:
    """What QC measured on one clip (levels in dB/LUFS, times in seconds).

    Attributes:
        duration_s: clip length.
        clipping_percent: samples in full-scale runs at the source rate, percent.
        hum_db: mains hum power relative to the voice power (after the notch if notched).
        hum_db_raw: the same before any notch.
        hum_notched: whether ``--hum-autonotch`` filtered this clip.
        mains_hz: the mains frequency measured (50 or 60).
        plosives: low-frequency bursts counted.
        snr_db: voice over noise floor.
        lufs: integrated loudness, None when undefined (silence).
        dc_offset: mean sample value.
        bandwidth_hz: effective bandwidth.
        silence_ratio: share of 10 ms frames that are not speech.
    """

    duration_s: float
    clipping_percent: float
    hum_db: float
    hum_db_raw: float
    hum_notched: bool
    mains_hz: float
    plosives: int
    snr_db: float
    lufs: float | None
    dc_offset: float
    bandwidth_hz: float
    silence_ratio: float

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def hum_db(samples: np.ndarray, sample_rate: int, mains_hz: float, voice_power: float) -> float:
    """Hum line power at ``mains_hz`` and 3 harmonics relative to ``voice_power``, dB."""
    lines = measures.line_powers(samples, sample_rate, mains_hz)
    if voice_power <= 0:
        return 0.0
    return max(measures.power_db(lines) - measures.power_db(voice_power), -120.0)


def source_clipping(source: np.ndarray, source_peak: float) -> float:
    """Clipping percent of a source-rate ``(channels, n)`` slice: runs at the file's peak."""
    if source.size == 0 or source_peak <= 0:
        return 0.0
    return clipping(source, threshold=CLIP_FULL_SCALE * source_peak).percent


def loudness_or_none(samples: np.ndarray, sample_rate: int) -> float | None:
    try:
        value = integrated_lufs(samples, sample_rate)
    except AudioError:
        return None
    return value if np.isfinite(value) else None


def defects(metrics: ClipMetrics, qc: QCThresholds, segment: SegmentSettings) -> list[str]:
    """Names of the thresholds ``metrics`` breaks (empty: a clean clip)."""
    checks = {
        "too_short": metrics.duration_s < segment.min_s - 1e-6,
        "too_long": metrics.duration_s > segment.max_s + 1e-6,
        "clipping": metrics.clipping_percent > qc.max_clipping_percent,
        "hum": metrics.hum_db > qc.max_hum_db,
        "plosive": metrics.plosives > qc.max_plosives,
        "low_snr": metrics.snr_db < qc.min_snr_db,
        "too_quiet": metrics.lufs is None or metrics.lufs < qc.min_lufs,
        "dc_offset": abs(metrics.dc_offset) > qc.max_dc_offset,
        "low_bandwidth": metrics.bandwidth_hz < qc.min_bandwidth_hz,
        "silence": metrics.silence_ratio > qc.max_silence_ratio,
    }
    return [name for name, failed in checks.items() if failed]
