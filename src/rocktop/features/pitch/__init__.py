"""Pitch extractors (``PitchExtractor``), chosen by name from a registry, and RVC's F0 rules.

Heavy backends (pyworld, parselmouth, torch) are imported only when an extractor is built.
"""

from rocktop.features.pitch.base import PITCH_FRAME_RATE, PitchExtractor
from rocktop.features.pitch.convert import (
    apply_filter_radius,
    f0_to_coarse,
    postprocess_f0,
    shift_f0,
)
from rocktop.features.pitch.registry import PITCH_EXTRACTORS, get_pitch_extractor

__all__ = [
    "PITCH_EXTRACTORS",
    "PITCH_FRAME_RATE",
    "PitchExtractor",
    "apply_filter_radius",
    "f0_to_coarse",
    "get_pitch_extractor",
    "postprocess_f0",
    "shift_f0",
]
