"""STOI (short-time objective intelligibility) against a time-aligned reference.

Definition: Taal et al. 2011 as implemented by ``pystoi`` (``extended=False``): both signals
mono, cut to the shorter length, resampled internally to 10 kHz, 384 ms segments of
one-third-octave band envelopes, silent frames (40 dB below the loudest) removed; the mean
correlation of clipped envelopes, 0..1 (1 = identical). Needs a time-aligned reference.
"""

from __future__ import annotations

from rocktop.audio.types import Audio
from rocktop.common.errors import MissingDependencyError
from rocktop.evaluation.metrics._align import aligned_pair

STOI_INPUT_RATE = 16_000
MIN_DURATION_S = 0.5


def stoi(reference: Audio, converted: Audio) -> float:
    """STOI of ``converted`` against ``reference`` (0..1).

    Raises:
        MetricError: shorter than 0.5 s or silent.
    """
    try:
        from pystoi import stoi as stoi_lib
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingDependencyError("pystoi", "eval") from exc
    ref, deg = aligned_pair(reference, converted, STOI_INPUT_RATE, MIN_DURATION_S, "STOI")
    return float(stoi_lib(ref, deg, STOI_INPUT_RATE, extended=False))
