"""Content encoders (``ContentEncoder``), chosen by name from a registry.

``get_content_encoder("contentvec", version="v1"|"v2", weights_dir=..., device=..., dtype=...)``
returns RVC's content units; torch and the model code load only when an encoder is built.
"""

from rocktop.features.content.base import CONTENT_FRAME_RATE, CONTENT_SAMPLE_RATE, ContentEncoder
from rocktop.features.content.registry import CONTENT_ENCODERS, get_content_encoder

__all__ = [
    "CONTENT_ENCODERS",
    "CONTENT_FRAME_RATE",
    "CONTENT_SAMPLE_RATE",
    "ContentEncoder",
    "get_content_encoder",
]
