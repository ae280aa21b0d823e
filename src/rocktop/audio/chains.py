"""The two standard processing chains: preparing training audio and delivery mastering."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rocktop.audio.edit import highpass, peak_normalize, trim_silence
from rocktop.audio.errors import EmptyAudioError
from rocktop.audio.loudness import LoudnessResult, normalize_loudness
from rocktop.audio.resample import resample_audio, to_mono
from rocktop.audio.types import Audio


@dataclass(frozen=True)
class PrepareSettings:
    """Training-data preparation: resample, optional high-pass and trim, peak normalise.

    Attributes:
        sample_rate: output rate, Hz (soxr VHQ).
        peak_db: output sample peak, dBFS.
        highpass_hz: zero-phase high-pass cutoff, Hz; None disables it.
        trim: remove leading/trailing silence.
        trim_threshold_db: trim threshold relative to the file's peak, dB.
        mono: mix down to one channel.
    """

    sample_rate: int = 48_000
    peak_db: float = -1.0
    highpass_hz: float | None = None
    trim: bool = False
    trim_threshold_db: float = -50.0
    mono: bool = False


def prepare(audio: Audio, settings: PrepareSettings) -> Audio:
    """Resample -> (mono) -> (high-pass) -> (trim) -> peak normalise. Keeps dynamics."""
    out = resample_audio(audio, settings.sample_rate)
    if settings.mono:
        out = to_mono(out)
    samples = out.samples
    if settings.highpass_hz:
        samples = highpass(samples, out.sample_rate, settings.highpass_hz)
    if settings.trim:
        samples, _, _ = trim_silence(samples, out.sample_rate, settings.trim_threshold_db)
        if samples.shape[-1] == 0:
            raise EmptyAudioError("nothing left after trimming silence")
    return Audio(peak_normalize(samples, settings.peak_db), out.sample_rate)


@dataclass(frozen=True)
class MasterSettings:
    """Delivery mastering.

    Attributes:
        target_lufs: integrated loudness target (e.g. -19 mono / -16 stereo podcasts).
        max_true_peak_db: true-peak ceiling, dBTP.
        sample_rate: delivery rate, Hz; None keeps the input rate.
        mono: mix down to one channel first.
    """

    target_lufs: float = -19.0
    max_true_peak_db: float = -1.0
    sample_rate: int | None = None
    mono: bool = False


def master(audio: Audio, settings: MasterSettings) -> tuple[Audio, LoudnessResult]:
    """(Resample) -> (mono) -> loudness normalise with a true-peak limiter."""
    out = resample_audio(audio, settings.sample_rate) if settings.sample_rate else audio
    if settings.mono:
        out = to_mono(out)
    samples, result = normalize_loudness(
        out.samples, out.sample_rate, settings.target_lufs, settings.max_true_peak_db
    )
    return Audio(np.atleast_2d(samples), out.sample_rate), result
