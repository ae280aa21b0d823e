"""Linear and mel spectrograms exactly as RVC's training computes them (spec §7.4, §7.6).

``torch.stft`` with a periodic Hann window, ``center=False`` after a reflect pad of
``(n_fft - hop) / 2`` on each side (so ``frames = samples // hop``), magnitude
``sqrt(|X|^2 + 1e-6)``; mel = librosa's Slaney filterbank times the magnitude, then
``log(clamp(x, 1e-5))``. The window and filterbank are module buffers (they follow ``.to()``),
never process-wide caches.
"""

from __future__ import annotations

import librosa
import torch
import torch.nn.functional as F
from torch import nn


class LinearSpectrogram(nn.Module):
    """Waveform ``[B, T]`` or ``[B, 1, T]`` in [-1, 1] -> magnitude ``[B, n_fft/2+1, T/hop]``."""

    window: torch.Tensor

    def __init__(self, n_fft: int, hop_length: int, win_length: int | None = None) -> None:
        super().__init__()
        if n_fft < hop_length:
            raise ValueError(f"n_fft ({n_fft}) must be >= hop_length ({hop_length})")
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length or n_fft
        self.register_buffer("window", torch.hann_window(self.win_length), persistent=False)

    @property
    def channels(self) -> int:
        return self.n_fft // 2 + 1

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        if wave.dim() == 3:
            wave = wave.squeeze(1)
        pad = (self.n_fft - self.hop_length) // 2
        wave = F.pad(wave.to(self.window.dtype).unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
        spec = torch.stft(
            wave,
            self.n_fft,
            hop_length=self.hop_length,
            win_length=self.win_length,
            window=self.window,
            center=False,
            normalized=False,
            onesided=True,
            return_complex=True,
        )
        return torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + 1e-6)


class MelScale(nn.Module):
    """Magnitude spectrogram ``[B, n_fft/2+1, F]`` -> log mel ``[B, n_mels, F]`` (natural log)."""

    basis: torch.Tensor

    def __init__(
        self,
        sample_rate: int,
        n_fft: int,
        n_mels: int,
        fmin: float = 0.0,
        fmax: float | None = None,
    ) -> None:
        super().__init__()
        basis = librosa.filters.mel(
            sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax
        )
        self.register_buffer("basis", torch.from_numpy(basis).float(), persistent=False)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        mel = torch.matmul(self.basis, spec.to(self.basis.dtype))
        return torch.log(torch.clamp(mel, min=1e-5))


class MelSpectrogram(nn.Module):
    """Waveform -> RVC's training log-mel (``mel_spectrogram_torch``), ``[B, n_mels, T/hop]``."""

    def __init__(
        self,
        sample_rate: int,
        n_fft: int,
        hop_length: int,
        n_mels: int,
        win_length: int | None = None,
        fmin: float = 0.0,
        fmax: float | None = None,
    ) -> None:
        super().__init__()
        self.spectrogram = LinearSpectrogram(n_fft, hop_length, win_length)
        self.mel = MelScale(sample_rate, n_fft, n_mels, fmin, fmax)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.mel(self.spectrogram(wave))
