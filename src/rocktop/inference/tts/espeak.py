"""espeak-ng as a subprocess (argument list, text on stdin): the local default TTS."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import soundfile as sf

from rocktop.audio.types import Audio
from rocktop.inference.tts.base import (
    TTSBackend,
    TTSError,
    TTSRequest,
    TTSUnavailableError,
    check_text,
)

_VOICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]{0,39}$")
MIN_RATE_WPM, MAX_RATE_WPM = 80, 450


class EspeakTTS(TTSBackend):
    """espeak-ng (22.05 kHz mono). Text goes through stdin, never the command line."""

    name = "espeak"

    def __init__(
        self,
        voice: str = "en-us",
        rate_wpm: int = 165,
        pitch: int = 50,
        max_chars: int = 5000,
        timeout_s: float = 60.0,
        binary: str = "espeak-ng",
    ) -> None:
        self.voice = _check_voice(voice)
        self.rate_wpm = rate_wpm
        self.pitch = pitch
        self.max_chars = max_chars
        self.timeout_s = timeout_s
        self.binary = binary

    def unavailable_reason(self) -> str | None:
        if shutil.which(self.binary) is None:
            return f"{self.binary} is not installed (Debian package 'espeak-ng')"
        return None

    def command(self, request: TTSRequest) -> list[str]:
        """The argument list for ``request`` (validated; no shell)."""
        voice = _check_voice(request.voice or self.voice)
        rate = self.rate_wpm if request.rate_wpm is None else request.rate_wpm
        pitch = self.pitch if request.pitch is None else request.pitch
        if not MIN_RATE_WPM <= rate <= MAX_RATE_WPM:
            raise TTSError(f"rate {rate} wpm is outside {MIN_RATE_WPM}-{MAX_RATE_WPM}")
        if not 0 <= pitch <= 99:
            raise TTSError(f"pitch {pitch} is outside 0-99")
        return [self.binary, "--stdin", "--stdout", "-v", voice, "-s", str(rate), "-p", str(pitch)]

    def synthesize(self, request: TTSRequest) -> Audio:
        """Speak ``request.text``: float32 mono at 22 050 Hz."""
        text = check_text(request.text, self.max_chars)
        binary = shutil.which(self.binary)
        if binary is None:
            raise TTSUnavailableError(
                f"{self.binary} is not installed (Debian package 'espeak-ng')"
            )
        command = self.command(request)
        try:
            done = subprocess.run(
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TTSUnavailableError(
                f"espeak-ng took longer than {self.timeout_s:.0f} s"
            ) from None
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
            raise TTSError(f"espeak-ng failed (voice {command[5]!r}): {detail[0]}")
        samples, rate = sf.read(io.BytesIO(done.stdout), dtype="float32", always_2d=True)
        if samples.shape[0] == 0:
            samples = np.zeros((1, 1), dtype=np.float32)
        return Audio(np.ascontiguousarray(samples.T), int(rate))


def _check_voice(voice: str) -> str:
    if not _VOICE.match(voice):
        raise TTSError(f"voice {voice!r} is not a valid espeak-ng voice name")
    return voice
