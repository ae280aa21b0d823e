"""Conversion: offline pipeline, streaming, TTS front ends, post-processing.

Public API: ``Converter`` and ``load_converter`` (offline, rvc-spec §5), ``StreamingConverter``
(spec §8), ``ConversionParams``.
"""

from rocktop.inference.loading import find_index_for, load_converter
from rocktop.inference.params import ConversionParams
from rocktop.inference.pipeline import ConversionError, Converter
from rocktop.inference.streaming import StreamingConverter, StreamingSettings

__all__ = [
    "ConversionError",
    "ConversionParams",
    "Converter",
    "StreamingConverter",
    "StreamingSettings",
    "find_index_for",
    "load_converter",
]
