"""A small spoken corpus with injected defects, made from flite voices (for tests and benches).

Each file concatenates flite sentences with short pauses (flite speaks at 16 kHz), then one
defect is injected: 60 Hz hum, clipping, low-frequency pops, broadband noise, an 8 kHz
"upsampled" band limit, or another voice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from rocktop.audio.resample import resample
from rocktop.testing import synth
from rocktop.testing.speech import SENTENCES, flite_say

FLITE_RATE = 16_000


def spoken(voice: str, sentences: list[str], work: Path, pause_s: float = 0.5) -> np.ndarray:
    """Sentences spoken by flite ``voice``, joined by ``pause_s`` of silence: float32 16 kHz."""
    parts = [synth.silence(0.3, FLITE_RATE)]
    for index, text in enumerate(sentences):
        path = work / f"{voice}-{abs(hash(text)) % 10**8}-{index}.wav"
        if not path.exists():
            flite_say(text, voice, path)
        data, rate = sf.read(path, dtype="float32")
        parts += [resample(data, rate, FLITE_RATE), synth.silence(pause_s, FLITE_RATE)]
    return np.concatenate(parts).astype(np.float32)


def add_hum(x: np.ndarray, mains_hz: float = 60.0, level_db: float = -26.0) -> np.ndarray:
    return x + synth.hum(x.shape[-1] / FLITE_RATE, FLITE_RATE, mains_hz, level_db)[: x.shape[-1]]


def add_clipping(x: np.ndarray, gain: float = 4.0) -> np.ndarray:
    return np.clip(x * gain, -1.0, 1.0).astype(np.float32)


def add_pops(x: np.ndarray, count: int = 3, amplitude: float = 0.8) -> np.ndarray:
    """Low-frequency thumps (a 40 ms, 35 Hz Hann-windowed burst) spread over the file."""
    n = int(0.04 * FLITE_RATE)
    t = np.arange(n) / FLITE_RATE
    burst = amplitude * np.sin(2 * np.pi * 35.0 * t) * np.hanning(n)
    out = x.copy()
    for k in range(count):
        at = int((k + 1) * x.shape[-1] / (count + 1))
        out[at : at + n] += burst[: out[at : at + n].shape[-1]].astype(np.float32)
    return out


def add_noise(x: np.ndarray, level_db: float = -32.0, seed: int = 1) -> np.ndarray:
    return x + synth.noise(x.shape[-1] / FLITE_RATE, FLITE_RATE, level_db, seed)[: x.shape[-1]]


def band_limit(x: np.ndarray, rate: int = 8_000) -> np.ndarray:
    """Down to ``rate`` and back: what an upsampled narrow-band source looks like."""
    return resample(resample(x, FLITE_RATE, rate), rate, FLITE_RATE)[: x.shape[-1]]


def write(path: Path, x: np.ndarray, subtype: str = "PCM_16") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.clip(x, -1.0, 1.0), FLITE_RATE, subtype=subtype)
    return path


def defect_corpus(root: Path, work: Path, voice: str = "slt", other: str = "rms") -> dict[str, str]:
    """Write the defect corpus under ``root``; returns {case: file name}.

    Cases: clean_a/clean_b/clean_c/clean_d (clean_b as FLAC, clean_c long enough to be cut),
    hum, clipping, plosive, noise, lowband, other_voice.
    """
    s = list(SENTENCES)
    base = {
        "clean_a": spoken(voice, s[0:3], work),
        "clean_b": spoken(voice, s[3:6], work),
        "clean_c": spoken(voice, s + s[:2], work),
        "clean_d": spoken(voice, s[1:4], work),
        "hum": add_hum(spoken(voice, s[2:5], work)),
        "clipping": add_clipping(spoken(voice, s[0:3], work)),
        "plosive": add_pops(spoken(voice, s[3:6], work)),
        "noise": add_noise(spoken(voice, s[1:4], work)),
        "lowband": band_limit(spoken(voice, s[2:5], work)),
        "other_voice": spoken(other, s[0:3], work),
    }
    names = {case: f"{case}.flac" if case == "clean_b" else f"{case}.wav" for case in base}
    for case, samples in base.items():
        write(root / names[case], samples)
    return names
