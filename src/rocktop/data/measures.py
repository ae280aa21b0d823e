"""Signal measurements behind the clip QC: hum lines, pops, SNR, bandwidth, speech frames.

Inputs are mono float32 ``(n,)`` arrays; powers are mean squares (linear), levels dB.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import signal

FRAME_S = 0.01  # analysis frame (hop) for speech masks, SNR and silence ratio
MAINS_CHOICES = (50.0, 60.0)
GUARD_FRAMES = 10  # frames (100 ms) next to speech that do not count as pauses
_TINY = 1e-20


def power_db(power: float) -> float:
    """10 log10(power), ``-inf`` for zero."""
    return 10.0 * math.log10(power) if power > _TINY else float("-inf")


def frame_power(samples: np.ndarray, hop: int) -> np.ndarray:
    """Mean square per ``hop``-sample frame (the last frame zero-padded): ``(ceil(n/hop),)``."""
    frames = -(-samples.shape[-1] // hop)
    padded = np.zeros(frames * hop, dtype=np.float64)
    padded[: samples.shape[-1]] = samples
    return np.mean(padded.reshape(frames, hop) ** 2, axis=1)


def speech_frames(
    speech: Sequence[tuple[int, int]], start: int, frames: int, hop: int
) -> np.ndarray:
    """Boolean ``(frames,)``: frame ``i`` (samples ``start + i*hop ...``) is mostly speech."""
    mask = np.zeros(frames, dtype=bool)
    for s, e in speech:
        first = max(int(round((s - start) / hop)), 0)
        last = min(int(round((e - start) / hop)), frames)
        if last > first:
            mask[first:last] = True
    return mask


def _psd(
    samples: np.ndarray, sample_rate: int, resolution_hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Welch PSD (Hann, 50 % overlap, no detrend): ``(freqs, density)``."""
    nperseg = max(min(int(sample_rate / resolution_hz), samples.shape[-1]), 2)
    frames = np.lib.stride_tricks.sliding_window_view(samples, nperseg)[:: nperseg // 2]
    window = np.hanning(nperseg + 2)[1:-1]
    spectrum = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2
    density = spectrum.mean(axis=0) / (sample_rate * float(np.sum(window**2)))
    density[1 : (nperseg + 1) // 2] *= 2.0
    return np.fft.rfftfreq(nperseg, 1.0 / sample_rate), density


def line_powers(
    samples: np.ndarray, sample_rate: int, mains_hz: float, harmonics: int = 4
) -> float:
    """Summed power of spectral lines at ``k * mains_hz`` above their local background.

    Welch PSD at 2 Hz resolution; each line integrates +/-4 Hz and subtracts the median
    density of the +/-25 Hz neighbourhood outside +/-8 Hz, so broadband speech does not count.
    """
    if samples.shape[-1] < sample_rate // 4:
        return 0.0
    freqs, psd = _psd(samples, sample_rate, 2.0)
    if freqs[1] > 4.0:
        return 0.0
    df = float(freqs[1] - freqs[0])
    total = 0.0
    for k in range(1, harmonics + 1):
        f0 = k * mains_hz
        distance = np.abs(freqs - f0)
        line = distance <= 4.0
        around = (distance > 8.0) & (distance <= 25.0)
        if not line.any() or not around.any():
            continue
        background = float(np.median(psd[around]))
        total += max(float(np.sum(psd[line] - background)) * df, 0.0)
    return total


def guarded(mask: np.ndarray, frames: int = GUARD_FRAMES) -> np.ndarray:
    """``mask`` widened by ``frames`` on each side (speech onsets/tails the VAD leaves out)."""
    if not mask.any() or frames <= 0:
        return mask
    kernel = np.ones(2 * frames + 1)
    return np.convolve(mask.astype(np.float64), kernel, mode="same") > 0.5


def non_speech(samples: np.ndarray, mask: np.ndarray, hop: int) -> np.ndarray:
    """The samples of frames at least ``GUARD_FRAMES`` away from speech, concatenated."""
    frames = -(-samples.shape[-1] // hop)
    padded = np.zeros(frames * hop, dtype=np.float32)
    padded[: samples.shape[-1]] = samples
    return padded.reshape(frames, hop)[~guarded(mask[:frames])].reshape(-1)


def detect_mains(quiet: np.ndarray, sample_rate: int, max_s: float = 60.0) -> float:
    """50 or 60 Hz: the stronger family of hum lines in ``quiet`` (non-speech) audio."""
    head = quiet[: int(max_s * sample_rate)]
    powers = [line_powers(head, sample_rate, mains) for mains in MAINS_CHOICES]
    return MAINS_CHOICES[int(np.argmax(powers))] if max(powers) > 0 else MAINS_CHOICES[0]


def plosive_bursts(
    samples: np.ndarray,
    sample_rate: int,
    voice_power: float,
    rel_db: float,
    cutoff_hz: float = 80.0,
) -> int:
    """Count low-frequency bursts (pops): runs of 20 ms frames whose < ``cutoff_hz`` power is
    within ``rel_db`` dB of the voice power and more than half of the frame's own power
    (voiced speech keeps far less of its power below 80 Hz)."""
    if voice_power <= _TINY or samples.shape[-1] < sample_rate // 10:
        return 0
    sos = signal.butter(4, cutoff_hz, btype="lowpass", fs=sample_rate, output="sos")
    low = signal.sosfiltfilt(sos, samples)
    hop = int(sample_rate * FRAME_S)
    low_power, power = frame_power(low, hop), frame_power(samples, hop)
    low_power = 0.5 * (low_power + np.concatenate((low_power[1:], [0.0])))  # 20 ms windows
    power = 0.5 * (power + np.concatenate((power[1:], [0.0])))
    loud = (low_power > voice_power * 10 ** (rel_db / 10)) & (low_power > 0.5 * power)
    edges = np.diff(np.concatenate(([0], loud.astype(np.int8), [0])))
    return int(np.count_nonzero(edges == 1))


def snr_db(
    power: np.ndarray, mask: np.ndarray, fallback_noise: float | None, cap: float = 100.0
) -> float:
    """Voice-over-noise ratio in dB from per-frame powers and a speech mask.

    Noise is the mean power of the pause frames (``guarded``) when there are at least 20,
    else ``fallback_noise`` (the file's noise floor), else the 10th percentile frame power.
    """
    if not mask.any():
        return 0.0
    voice = float(np.mean(power[mask]))
    pauses = ~guarded(mask)
    if np.count_nonzero(pauses) >= 20:
        noise = float(np.mean(power[pauses]))
    elif fallback_noise is not None:
        noise = fallback_noise
    else:
        noise = float(np.percentile(power, 10))
    if noise <= voice * 10 ** (-cap / 10):
        return cap
    return min(power_db(max(voice - noise, _TINY)) - power_db(noise), cap)


def bandwidth_hz(samples: np.ndarray, sample_rate: int, floor_db: float = -60.0) -> float:
    """Highest frequency whose smoothed PSD is within ``floor_db`` of the spectral peak, Hz.

    An upsampled 16 kHz recording reads about 8 kHz here, a full-band 48 kHz one 15-24 kHz.
    """
    if samples.shape[-1] < 256:
        return 0.0
    freqs, psd = _psd(samples, sample_rate, sample_rate / 2048)
    smooth = np.convolve(psd, np.ones(5) / 5, mode="same")
    if smooth.max() <= 0:
        return 0.0
    above = np.flatnonzero(smooth >= smooth.max() * 10 ** (floor_db / 10))
    return float(freqs[above[-1]])
