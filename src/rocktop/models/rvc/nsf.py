"""The neural-source-filter excitation: SineGen (RVC@0604 flavour, spec §2.6) and its merger."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sine_phase(f0: torch.Tensor, upp: int, sample_rate: int) -> torch.Tensor:
    """RVC@0604 ``_f02sine`` phase (cycles) of the fundamental, before the initial phase.

    ``f0 [B, T, 1]`` Hz -> ``[B, T*upp, 1]``. Within a frame the phase grows linearly at that
    frame's F0; frames are joined by the wrapped phase at the end of the previous frame.
    """
    steps = torch.arange(1, upp + 1, dtype=f0.dtype, device=f0.device)
    rad = f0 / sample_rate * steps
    rad2 = torch.fmod(rad[:, :-1, -1:].float() + 0.5, 1.0) - 0.5
    rad_acc = rad2.cumsum(dim=1).fmod(1.0).to(f0)
    rad = rad + F.pad(rad_acc, (0, 0, 1, 0))
    return rad.reshape(f0.shape[0], -1, 1)


class SineGen(nn.Module):
    """Sine (+ harmonics) excitation with voiced/unvoiced noise; parameter-less."""

    def __init__(
        self,
        sample_rate: int,
        harmonic_num: int = 0,
        sine_amp: float = 0.1,
        noise_std: float = 0.003,
        voiced_threshold: float = 0.0,
    ) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.dim = harmonic_num + 1
        self.sine_amp = sine_amp
        self.noise_std = noise_std
        self.voiced_threshold = voiced_threshold

    @torch.no_grad()
    def forward(
        self,
        f0: torch.Tensor,
        upp: int,
        noise_scale: float = 1.0,
        generator: torch.Generator | None = None,
        initial_phase: float = 0.0,
    ) -> torch.Tensor:
        """``f0 [B, T]`` Hz (0 = unvoiced) -> excitation ``[B, T*upp, dim]``, float32.

        RNG order as RVC: ``rand`` (initial harmonic phases) then ``randn`` (noise).
        ``initial_phase`` (cycles, 0 as RVC) lets a streaming caller continue the sine's phase
        across blocks instead of restarting it at every block.
        """
        f0 = f0.float().unsqueeze(-1)
        harmonics = torch.arange(1, self.dim + 1, dtype=f0.dtype, device=f0.device)
        rad = sine_phase(f0, upp, self.sample_rate) + initial_phase
        rad = rad * harmonics.reshape(1, 1, -1)
        rand_ini = torch.rand(1, 1, self.dim, generator=generator, device=f0.device)
        rand_ini[..., 0] = 0
        sines = torch.sin(2 * math.pi * (rad + rand_ini)) * self.sine_amp
        uv = (f0 > self.voiced_threshold).to(f0.dtype)
        uv = F.interpolate(uv.transpose(2, 1), scale_factor=float(upp), mode="nearest")
        uv = uv.transpose(2, 1)
        noise_amp = uv * self.noise_std + (1 - uv) * self.sine_amp / 3
        noise = torch.randn(sines.shape, generator=generator, device=f0.device)
        return sines * uv + noise_amp * noise * noise_scale


class SourceModuleHnNSF(nn.Module):
    """SineGen merged to one channel by ``l_linear`` + tanh (``dec.m_source``)."""

    def __init__(self, sample_rate: int, harmonic_num: int = 0) -> None:
        super().__init__()
        self.l_sin_gen = SineGen(sample_rate, harmonic_num)
        self.l_linear = nn.Linear(harmonic_num + 1, 1)

    def forward(
        self,
        f0: torch.Tensor,
        upp: int,
        noise_scale: float = 1.0,
        generator: torch.Generator | None = None,
        initial_phase: float = 0.0,
    ) -> torch.Tensor:
        """``f0 [B, T]`` -> harmonic source ``[B, 1, T*upp]`` in the module's dtype."""
        sines = self.l_sin_gen(f0, upp, noise_scale, generator, initial_phase)
        sines = sines.to(self.l_linear.weight.dtype)
        return torch.tanh(self.l_linear(sines)).transpose(1, 2)
