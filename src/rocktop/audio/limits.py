"""Limits applied before decoding untrusted audio."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DecodeLimits:
    """What the decoder accepts; anything beyond is refused before (or while) decoding.

    Attributes:
        max_duration_s: longest accepted input, seconds.
        max_bytes: largest accepted encoded input, bytes.
        max_channels: most channels accepted.
        min_sample_rate: lowest sample rate, Hz.
        max_sample_rate: highest sample rate, Hz.
    """

    max_duration_s: float = 2 * 3600.0
    max_bytes: int = 2 * 1024**3
    max_channels: int = 8
    min_sample_rate: int = 8_000
    max_sample_rate: int = 384_000
