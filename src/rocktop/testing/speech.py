"""Spoken test audio from local engines (flite voices, espeak-ng), never from the network."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FLITE_VOICES = ("slt", "rms", "awb", "kal")

SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "She sells sea shells by the sea shore.",
    "A journey of a thousand miles begins with a single step.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "The rainbow is a division of white light into many beautiful colors.",
    "We will meet at the old station before the evening train leaves.",
)


def flite_say(text: str, voice: str, path: Path) -> Path:
    """Speak ``text`` with flite voice ``voice`` (slt, rms, awb, kal) into a WAV at ``path``."""
    if shutil.which("flite") is None:
        raise RuntimeError("flite is not installed (Debian package 'flite')")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True, capture_output=True
    )
    return path


def espeak_say(text: str, path: Path, voice: str = "en-us", rate_wpm: int = 160) -> Path:
    """Speak ``text`` with espeak-ng into a WAV at ``path``."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (Debian package 'espeak-ng')")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path
