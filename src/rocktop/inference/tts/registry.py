"""Choose a TTS backend by name (``espeak`` by default, ``triton`` for Spark-TTS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rocktop.common.errors import RocktopError
from rocktop.inference.tts.base import TTSBackend


def _espeak(**kwargs: Any) -> TTSBackend:
    from rocktop.inference.tts.espeak import EspeakTTS

    return EspeakTTS(**kwargs)


def _triton(**kwargs: Any) -> TTSBackend:
    from rocktop.inference.tts.triton import TritonSparkTTS

    return TritonSparkTTS(**kwargs)


def backends() -> dict[str, Callable[..., TTSBackend]]:
    """Backend name -> factory taking the backend's keyword arguments."""
    return {"espeak": _espeak, "triton": _triton}


def build_backend(name: str, **kwargs: Any) -> TTSBackend:
    """Construct backend ``name`` with ``kwargs`` (its constructor's arguments)."""
    factories = backends()
    if name not in factories:
        raise RocktopError(f"unknown TTS backend {name!r}: choose {', '.join(factories)}")
    return factories[name](**kwargs)
