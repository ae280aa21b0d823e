"""The 48 kHz audio core: pure functions on float32 numpy audio with an explicit sample rate.

Imports nothing of rocktop except ``rocktop.common``. Submodules: ``io`` (probe/load with
limits), ``resample`` (soxr), ``analysis`` (peak, DC, clipping), ``edit`` (normalise, trim,
filters), ``loudness`` (LUFS, true peak, limiter), ``export`` (dithered PCM / float files).
"""

from rocktop.audio.errors import AudioError
from rocktop.audio.limits import DecodeLimits
from rocktop.audio.types import Audio

__all__ = ["Audio", "AudioError", "DecodeLimits"]
