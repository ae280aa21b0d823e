"""Conversion: offline pipeline, streaming, TTS front ends, post-processing.

Public API: ``Converter`` and ``load_converter`` (offline, rvc-spec §5), ``ConversionParams``.
"""

from rocktop.inference.loading import find_index_for, load_converter
from rocktop.inference.params import ConversionParams
from rocktop.inference.pipeline import ConversionError, Converter

__all__ = ["ConversionError", "ConversionParams", "Converter", "find_index_for", "load_converter"]
