"""Mel-cepstral distortion (MCD) after dynamic time warping.

Definition (rocktop's own; absolute values are comparable between rocktop runs, not with
SPTK/WORLD-based MCD tables, whose cepstra differ):

1. Both signals mono, resampled to 16 kHz (soxr VHQ).
2. Power spectrogram: STFT with a 400-sample (25 ms) Hann window zero-padded to 512
   points, hop 160 samples (10 ms), centred frames.
3. 40 Slaney mel bands from 0 to 8 kHz (``librosa.filters.mel``), mel power ``M``.
4. Log amplitude ``L = 0.5 * ln(max(M, 1e-10 * max(M)))`` (natural log of amplitude, as the
   cepstrum in the MCD formula assumes), then the orthonormal DCT-II over the ``K = 40``
   bands divided by ``sqrt(2K)``: that is the cepstrum in the usual convention
   ``L(w_k) = c_0 + 2 * sum_d c_d cos(d w_k)`` on the band centres ``w_k = pi (k + 1/2) / K``,
   so by Parseval ``2 * sum_d (c_d - c'_d) ** 2`` is the mean squared log-amplitude difference
   over the bands (the zero-mean part). Coefficients ``c_1..c_24`` are kept (``c_0``, the
   energy, is dropped). The floor 100 dB below the clip's loudest mel bin keeps the
   cepstrum (c_1..) independent of the overall gain.
5. Frames quieter than 40 dB below the loudest frame of their own signal are dropped
   (energy from the mel power sum).
6. DTW (``librosa.sequence.dtw``, Euclidean cost on ``c_1..c_24``, standard steps) aligns the
   two sequences; for every aligned pair ``(i, j)`` on the path

       MCD_ij = (10 / ln 10) * sqrt(2 * sum_d (c_d[i] - c'_d[j]) ** 2)      [dB]

   and the result is the mean over the path. Identical signals give 0.

Cost: DTW holds an ``N x M`` matrix, so each signal is limited to 60 s (6000 frames).
"""

from __future__ import annotations

import numpy as np
from scipy.fft import dct

from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError

MCD_RATE = 16_000
N_FFT = 512
WIN_LENGTH = 400
HOP_LENGTH = 160
N_MELS = 40
ORDER = 24
SILENCE_DB = 40.0
MAX_FRAMES = 6_000
MCD_CONSTANT = 10.0 / np.log(10.0) * np.sqrt(2.0)


def mel_cepstrum(audio: Audio) -> np.ndarray:
    """Mel cepstrum ``(frames, 24)`` of non-silent frames (steps 1-5 of the definition)."""
    import librosa

    wav = resample(audio.mono(), audio.sample_rate, MCD_RATE).astype(np.float32)
    if wav.size < WIN_LENGTH or not np.any(wav):
        raise MetricError("MCD needs at least 25 ms of non-silent audio")
    spectrum = librosa.stft(
        wav, n_fft=N_FFT, hop_length=HOP_LENGTH, win_length=WIN_LENGTH, window="hann"
    )
    basis = librosa.filters.mel(sr=MCD_RATE, n_fft=N_FFT, n_mels=N_MELS, fmin=0.0, fmax=8000.0)
    mel_power = basis @ (np.abs(spectrum) ** 2)
    energy_db = 10.0 * np.log10(np.maximum(mel_power.sum(axis=0), 1e-20))
    keep = energy_db >= energy_db.max() - SILENCE_DB
    floor = max(float(mel_power.max()) * 1e-10, 1e-30)
    log_amplitude = 0.5 * np.log(np.maximum(mel_power[:, keep], floor))
    cepstrum = dct(log_amplitude, type=2, norm="ortho", axis=0)[1 : ORDER + 1]
    cepstrum /= np.sqrt(2.0 * N_MELS)
    return np.ascontiguousarray(cepstrum.T, dtype=np.float64)


def mcd_from_cepstra(reference: np.ndarray, converted: np.ndarray) -> float:
    """DTW-aligned MCD in dB between cepstra ``(frames_a, d)`` and ``(frames_b, d)``."""
    import librosa

    for name, cepstra in (("reference", reference), ("converted", converted)):
        if cepstra.shape[0] < 2:
            raise MetricError(f"MCD needs at least 2 non-silent frames in the {name}")
        if cepstra.shape[0] > MAX_FRAMES:
            raise MetricError(
                f"MCD is limited to {MAX_FRAMES // 100} s per clip; the {name} is longer"
            )
    _, path = librosa.sequence.dtw(X=reference.T, Y=converted.T, metric="euclidean")
    diff = reference[path[:, 0]] - converted[path[:, 1]]
    return float(MCD_CONSTANT * np.mean(np.sqrt(np.sum(diff**2, axis=1))))


def mcd(reference: Audio, converted: Audio) -> float:
    """Mel-cepstral distortion (dB) of ``converted`` against ``reference`` (definition above).

    Raises:
        MetricError: silent or too-short audio, or a clip over 60 s.
    """
    return mcd_from_cepstra(mel_cepstrum(reference), mel_cepstrum(converted))
