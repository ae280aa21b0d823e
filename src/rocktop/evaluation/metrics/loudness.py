"""Loudness and true peak of converted audio (``rocktop.audio.loudness``).

Definitions: ``lufs`` is the BS.1770-4 gated integrated loudness (pyloudnorm), in LUFS;
``true_peak_dbtp`` is the maximum absolute sample after 4x band-limited oversampling, in
dBTP. With a reference, ``lufs_delta = lufs(converted) - lufs(reference)`` in LU (how far the
conversion moved the level).
"""

from __future__ import annotations

import math

from rocktop.audio.errors import AudioError
from rocktop.audio.loudness import integrated_lufs, true_peak_db
from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError


def _lufs(audio: Audio) -> float:
    try:
        value = integrated_lufs(audio.samples, audio.sample_rate)
    except AudioError as exc:
        raise MetricError(str(exc)) from None
    if not math.isfinite(value):
        raise MetricError("loudness is undefined for silent audio")
    return value


def loudness_scores(converted: Audio, reference: Audio | None = None) -> dict[str, float]:
    """``{"lufs", "true_peak_dbtp"}`` and ``lufs_delta`` when a reference is given.

    Raises:
        MetricError: audio shorter than 0.4 s or silent.
    """
    scores = {
        "lufs": _lufs(converted),
        "true_peak_dbtp": true_peak_db(converted.samples, converted.sample_rate),
    }
    if reference is not None:
        scores["lufs_delta"] = scores["lufs"] - _lufs(reference)
    return scores
