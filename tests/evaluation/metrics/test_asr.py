"""WER/CER: exact counts of planted errors, text normalisation, and Whisper on flite speech."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocktop.audio import io
from rocktop.common.errors import RocktopError
from rocktop.evaluation.metrics.asr import (
    Transcriber,
    char_errors,
    default_whisper_dir,
    normalize_text,
    word_errors,
)
from rocktop.testing.speech import SENTENCES, flite_say

REFERENCE = "The quick brown fox jumps over the lazy dog."


def test_normalisation_ignores_case_punctuation_and_dashes() -> None:
    assert normalize_text("  The QUICK, brown-fox; “jumps”!  ") == "the quick brown fox jumps"
    assert normalize_text("It’s Stella's 'store'") == "it's stella's store"
    assert normalize_text("Ünïcode\u00a0spaces") == "ünïcode spaces"


def test_identical_text_has_no_errors() -> None:
    counts = word_errors(REFERENCE, "the quick brown fox jumps over the lazy dog")
    assert (counts.substitutions, counts.deletions, counts.insertions) == (0, 0, 0)
    assert counts.rate == 0.0 and counts.hits == 9


def test_planted_word_errors_are_found_exactly() -> None:
    # 'brown' -> 'crown' (S), 'jumps' deleted (D), 'very' inserted (I), 'dog' -> 'log' (S)
    hypothesis = "the quick crown fox over the very lazy log"
    counts = word_errors(REFERENCE, hypothesis)
    assert (counts.substitutions, counts.deletions, counts.insertions) == (2, 1, 1)
    assert counts.hits == 6
    assert counts.rate == pytest.approx(4 / 9)


def test_planted_character_errors_are_found_exactly() -> None:
    counts = char_errors("abc def", "abx def g")  # c->x (S), ' g' inserted (2 I)
    assert (counts.substitutions, counts.deletions, counts.insertions) == (1, 0, 2)
    assert counts.rate == pytest.approx(3 / 7)


def test_empty_texts() -> None:
    assert word_errors("one two", "").deletions == 2
    assert word_errors("one two", "...").rate == 1.0
    assert word_errors("", "").rate == 0.0
    assert word_errors("", "extra words").rate == float("inf")


def test_default_whisper_dir_is_the_shipped_tiny_en_model() -> None:
    path = default_whisper_dir()
    assert (path / "model.bin").is_file() and (path / "config.json").is_file()


def test_not_a_model_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RocktopError, match="no model.bin"):
        Transcriber(tmp_path)


@pytest.mark.slow
def test_whisper_transcribes_flite_voices_within_ten_percent(tmp_path: Path) -> None:
    transcriber = Transcriber(cpu_threads=2)
    cases = [("slt", SENTENCES[0]), ("rms", SENTENCES[2]), ("awb", SENTENCES[5])]
    errors = words = 0
    for voice, sentence in cases:
        audio = io.load(flite_say(sentence, voice, tmp_path / f"{voice}.wav"))
        counts = word_errors(sentence, transcriber.transcribe(audio))
        errors, words = errors + counts.errors, words + counts.reference_length
    assert errors / words <= 0.10


WORDS = st.lists(st.sampled_from(["one", "two", "three", "four", "five"]), max_size=12)


@given(WORDS, WORDS)
def test_counts_are_consistent_with_the_texts(reference: list[str], hypothesis: list[str]) -> None:
    counts = word_errors(" ".join(reference), " ".join(hypothesis))
    assert counts.hits + counts.substitutions + counts.deletions == len(reference)
    assert counts.hits + counts.substitutions + counts.insertions == len(hypothesis)
    assert word_errors(" ".join(reference), " ".join(reference)).errors == 0
