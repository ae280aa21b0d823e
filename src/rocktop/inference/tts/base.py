"""The TTS backend interface and the typed request every backend takes."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from rocktop.audio.types import Audio
from rocktop.common.errors import RocktopError

_SENTENCE_END = re.compile(r"(?<=[.!?;:。！？])\s+|\n{2,}")


class TTSError(RocktopError):
    """A request the backend refuses (empty text, bad voice, text too long)."""

    http_status = 422
    code = "tts_bad_request"


class TTSTextTooLongError(TTSError):
    http_status = 413
    code = "text_too_long"


class TTSUnavailableError(RocktopError):
    """The backend cannot run now (binary missing, server down); retrying may help."""

    http_status = 503
    code = "tts_unavailable"


@dataclass(frozen=True)
class TTSRequest:
    """What to say and how.

    Attributes:
        text: the text to speak (plain text; no SSML).
        voice: backend voice name (espeak: ``en-us``, ``en+f3``, ...); None = backend default.
        rate_wpm: speaking rate in words per minute; None = backend default.
        pitch: backend pitch 0..99 (espeak); None = default.
        reference_audio: a sample of the voice to clone (Spark-TTS); None when unused.
        reference_text: the transcript of ``reference_audio`` ('' when unknown).
    """

    text: str
    voice: str | None = None
    rate_wpm: int | None = None
    pitch: int | None = None
    reference_audio: Audio | None = None
    reference_text: str = ""


class TTSBackend(ABC):
    """Turns a ``TTSRequest`` into ``Audio``. Implementations are thread-safe."""

    name: str = ""

    @abstractmethod
    def synthesize(self, request: TTSRequest) -> Audio:
        """Speak ``request.text``: float32 ``Audio`` at the backend's native rate."""

    @abstractmethod
    def unavailable_reason(self) -> str | None:
        """None when the backend can serve now, else a one-line reason."""


def check_text(text: str, max_chars: int) -> str:
    """Strip ``text`` and refuse empty or over-long text (``TTSError``)."""
    stripped = text.strip()
    if not stripped:
        raise TTSError("text is empty")
    if len(stripped) > max_chars:
        raise TTSTextTooLongError(f"text has {len(stripped)} characters (limit {max_chars})")
    return stripped


def split_sentences(text: str, max_chars: int = 400) -> list[str]:
    """Split ``text`` at sentence ends (and long sentences at commas/spaces) for streaming.

    Every piece is non-empty and at most ``max_chars`` long; joined with spaces they give
    the input's words in order.
    """
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        sentence = " ".join(sentence.split())
        while len(sentence) > max_chars:
            cut = sentence.rfind(",", 0, max_chars) + 1 or sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces
