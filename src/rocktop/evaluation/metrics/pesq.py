"""Wideband PESQ (ITU-T P.862.2) of a converted signal against a time-aligned reference.

Definition: both signals are mixed to mono, resampled to 16 kHz (soxr VHQ), cut to the
shorter length, and scored by the ITU reference implementation (``pesq`` package,
``mode="wb"``). The result is the P.862.2 MOS-LQO, about 1.04 (bad) to 4.64 (identical).
Meaningful only where the converted audio should reproduce the reference sample by sample
in time (reconstruction, copy synthesis, same-speaker conversion without timing changes).
"""

from __future__ import annotations

from rocktop.audio.types import Audio
from rocktop.common.errors import MissingDependencyError
from rocktop.evaluation.errors import MetricError
from rocktop.evaluation.metrics._align import aligned_pair

PESQ_RATE = 16_000
MIN_DURATION_S = 0.5


def pesq_wb(reference: Audio, converted: Audio) -> float:
    """Wideband PESQ MOS-LQO of ``converted`` against ``reference``.

    Raises:
        MetricError: shorter than 0.5 s, silent, or no utterance found by PESQ.
    """
    try:
        import pesq as pesq_lib
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingDependencyError("pesq", "eval") from exc
    ref, deg = aligned_pair(reference, converted, PESQ_RATE, MIN_DURATION_S, "PESQ")
    try:
        return float(pesq_lib.pesq(PESQ_RATE, ref, deg, "wb"))
    except pesq_lib.PesqError as exc:
        raise MetricError(f"PESQ is undefined for this audio ({type(exc).__name__})") from None
