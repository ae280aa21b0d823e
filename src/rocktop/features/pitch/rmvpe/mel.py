"""RMVPE's log-mel front end (spec §4.2): 16 kHz, n_fft 1024, hop 160, 128 HTK mels 30-8000 Hz."""

from __future__ import annotations

import torch
from torch import nn

SAMPLE_RATE = 16_000
N_FFT = 1024
HOP = 160
FMIN = 30.0
FMAX = 8000.0
CLAMP = 1e-5


class MelFrontEnd(nn.Module):
    """Waveform ``(batch, samples)`` -> log-mel ``(batch, 128, samples // 160 + 1)``.

    ``|STFT|`` (centred, reflect padding, periodic Hann 1024) projected on
    ``librosa.filters.mel(sr=16000, n_fft=1024, n_mels=128, fmin=30, fmax=8000, htk=True)``
    (Slaney area normalisation), then ``log(clamp(., 1e-5))``; ``log_dtype`` float16 casts
    before the log as RVC's half mode does.
    """

    mel_basis: torch.Tensor
    window: torch.Tensor

    def __init__(self, n_mels: int = 128) -> None:
        super().__init__()
        from librosa.filters import mel

        basis = mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=n_mels, fmin=FMIN, fmax=FMAX, htk=True)
        self.register_buffer("mel_basis", torch.from_numpy(basis).float(), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)

    def forward(self, wav: torch.Tensor, log_dtype: torch.dtype = torch.float32) -> torch.Tensor:
        spec = torch.stft(
            wav.float(),
            n_fft=N_FFT,
            hop_length=HOP,
            win_length=N_FFT,
            window=self.window,
            center=True,
            pad_mode="reflect",
            return_complex=True,
        )
        magnitude = torch.sqrt(spec.real.pow(2) + spec.imag.pow(2))
        mel = torch.matmul(self.mel_basis, magnitude).to(log_dtype)
        return torch.log(torch.clamp(mel, min=CLAMP))
