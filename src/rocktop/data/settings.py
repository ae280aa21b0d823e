"""Typed settings of the dataset kit: segmentation, QC thresholds, the build as a whole.

Every field has the default the voice-cloning plan uses (48 kHz, 5-15 s clips, 150 ms
margins). Modules take these dataclasses (or plain arguments), never a config object.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rocktop.common.errors import RocktopError


@dataclass(frozen=True)
class SegmentSettings:
    """How speech is cut into clips.

    Attributes:
        min_s: shortest wanted clip, seconds (margins included).
        max_s: longest allowed clip, seconds (margins included).
        margin_s: silence kept before and after the speech of a clip, seconds.
        max_join_gap_s: neighbouring speech separated by at most this much silence is merged
            into one clip (while it fits in ``max_s``); a clip still shorter than ``min_s`` is
            merged across any gap.
        vad_threshold: silero-vad speech probability threshold.
    """

    min_s: float = 5.0
    max_s: float = 15.0
    margin_s: float = 0.15
    max_join_gap_s: float = 1.0
    vad_threshold: float = 0.5


@dataclass(frozen=True)
class QCThresholds:
    """Limits above/below which a clip is flagged; each breach is a named reason.

    Attributes:
        max_clipping_percent: share of samples in full-scale runs (source level), percent.
        max_hum_db: mains hum line power relative to the voice power, dB.
        max_plosives: low-frequency bursts allowed per clip.
        plosive_rel_db: a 20 ms frame whose < 100 Hz level is within this many dB of the
            clip's voice level is a pop (voiced speech sits 25-40 dB lower there).
        min_snr_db: voice power over noise-floor power, dB.
        min_lufs: integrated loudness floor (after peak normalisation), LUFS.
        max_dc_offset: absolute mean sample value.
        min_bandwidth_hz: effective bandwidth floor, Hz (12 kHz flags sources upsampled from
            16-24 kHz; lower it for narrow-band corpora).
        max_silence_ratio: share of the clip that is not speech.
    """

    max_clipping_percent: float = 0.01
    max_hum_db: float = -40.0
    max_plosives: int = 0
    plosive_rel_db: float = -12.0
    min_snr_db: float = 25.0
    min_lufs: float = -40.0
    max_dc_offset: float = 0.01
    min_bandwidth_hz: float = 12_000.0
    max_silence_ratio: float = 0.5


@dataclass(frozen=True)
class PrepSettings:
    """Per-file preparation before segmentation.

    Attributes:
        sample_rate: dataset rate, Hz (soxr VHQ).
        highpass_hz: zero-phase high-pass cutoff, Hz; None disables it.
        peak_db: peak normalisation target, dBFS (never louder).
        hum_autonotch: notch mains hum out of clips whose hum is above ``max_hum_db``.
        mains: ``"50"``, ``"60"`` or ``"auto"`` (detected per file).
    """

    sample_rate: int = 48_000
    highpass_hz: float | None = 30.0
    peak_db: float = -1.0
    hum_autonotch: bool = False
    mains: str = "auto"


@dataclass(frozen=True)
class FinalizeSettings:
    """Dataset-wide decisions taken once every source is processed.

    Attributes:
        spk_sim_thresh: cosine similarity below which a clip is another speaker. resemblyzer
            scores different people 0.5-0.8 and one person 0.9+, so 0.75 is its default; the
            plan's 0.55 suits ECAPA-like scales.
        split: train/val/test shares (sum 1).
        seed: split seed.
    """

    spk_sim_thresh: float = 0.75
    split: tuple[float, float, float] = (0.9, 0.05, 0.05)
    seed: int = 0


@dataclass(frozen=True)
class BuildSettings:
    """Everything ``rocktop data build`` needs besides paths."""

    prep: PrepSettings = field(default_factory=PrepSettings)
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    qc: QCThresholds = field(default_factory=QCThresholds)
    final: FinalizeSettings = field(default_factory=FinalizeSettings)
    speaker: str = "spk"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", self.speaker):
            raise RocktopError(f"speaker id {self.speaker!r}: use 1-64 letters, digits, - or _")

    def processing_params(self) -> dict[str, Any]:
        """The parameters that change per-source results (the cache key)."""
        return {"prep": asdict(self.prep), "segment": asdict(self.segment), "qc": asdict(self.qc)}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_settings_from_dict(data: dict[str, Any]) -> BuildSettings:
    """Inverse of ``BuildSettings.as_dict`` (used by ``merge`` to reuse a shard's settings)."""
    final = dict(data["final"])
    final["split"] = tuple(final["split"])
    return BuildSettings(
        prep=PrepSettings(**data["prep"]),
        segment=SegmentSettings(**data["segment"]),
        qc=QCThresholds(**data["qc"]),
        final=FinalizeSettings(**final),
        speaker=data["speaker"],
    )
