"""Block-wise (realtime) conversion with context, a pitch cache and SOLA crossfades (spec §8).

Each block of ``block_s`` seconds is converted with ``extra_s`` seconds of past context; the
synthesizer decodes only the new block plus the crossfade (``skip_head``/``return_length``),
and SOLA aligns the block to the previous tail before a sin² crossfade.

One deliberate difference from RVC: the NSF sine phase is carried from block to block (RVC
restarts it at every block and relies on SOLA alone), which removes a phase jump at each seam.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.features.pitch import postprocess_f0
from rocktop.inference.dsp import SR_16K, WINDOW
from rocktop.inference.params import ConversionParams
from rocktop.inference.pipeline import ConversionError, Converter
from rocktop.inference.rolling_units import RollingUnits

CONTENT_WARMUP_S = 0.4  # left context of each ContentVec window, not kept


@dataclass(frozen=True)
class StreamingSettings:
    """RVC realtime defaults: 0.25 s blocks, 0.05 s crossfade, 2.5 s context.

    ``content_window_s``: seconds of the newest input ContentVec encodes per block (at least
    ``block + crossfade + CONTENT_WARMUP_S + 0.01``); older units are reused from earlier
    blocks. None re-encodes the whole context every block, as RVC does.
    """

    block_s: float = 0.25
    crossfade_s: float = 0.05
    extra_s: float = 2.5
    content_window_s: float | None = 1.0

    def __post_init__(self) -> None:
        if not 0.02 <= self.block_s <= 1.5:
            raise ConversionError("block_s must be within 0.02..1.5 s")
        if not 0.01 <= self.crossfade_s <= 0.15:
            raise ConversionError("crossfade_s must be within 0.01..0.15 s")
        if not 0.05 <= self.extra_s <= 5.0:
            raise ConversionError("extra_s must be within 0.05..5 s")
        if self.content_window_s is not None and not 0.1 <= self.content_window_s <= 10.0:
            raise ConversionError("content_window_s must be within 0.1..10 s (or None)")


@dataclass
class _Frames:
    """Block geometry in samples at the model rate ``sr`` (``zc = sr // 100`` per 10 ms)."""

    zc: int
    block: int
    crossfade: int
    sola_buffer: int
    sola_search: int
    extra: int
    fade_in: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, sr: int, s: StreamingSettings) -> _Frames:
        zc = sr // 100
        crossfade = round(s.crossfade_s * sr / zc) * zc
        sola_buffer = min(crossfade, 4 * zc)
        fade = np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, sola_buffer)) ** 2
        return cls(
            zc=zc,
            block=round(s.block_s * sr / zc) * zc,
            crossfade=crossfade,
            sola_buffer=sola_buffer,
            sola_search=zc,
            extra=round(s.extra_s * sr / zc) * zc,
            fade_in=fade.astype(np.float32),
        )

    @property
    def buffer(self) -> int:
        return self.extra + self.crossfade + self.sola_search + self.block

    @property
    def skip_head(self) -> int:
        return self.extra // self.zc

    @property
    def return_length(self) -> int:
        return (self.block + self.sola_buffer + self.sola_search) // self.zc

    @property
    def block_frames(self) -> int:
        return self.block // self.zc

    def content_window_16k(self, sr: int, window_s: float | None) -> int | None:
        """Samples at 16 kHz ContentVec encodes per block (None: the whole buffer)."""
        if window_s is None:
            return None
        least = self.block + self.crossfade + self.sola_search + self.zc  # newest, decoded
        samples = max(round(window_s * sr), least + round(CONTENT_WARMUP_S * sr))
        return -(-samples // self.zc) * WINDOW  # 10 ms frames -> 160 samples each


class StreamingConverter:
    """Converts a stream block by block with a ``Converter``'s voice and components.

    ``process(block)`` takes exactly ``block_size`` float32 samples at the voice's rate and
    returns as many; the output lags the input by ``latency_s`` (algorithmic latency).
    """

    def __init__(
        self,
        converter: Converter,
        params: ConversionParams | None = None,
        settings: StreamingSettings | None = None,
    ) -> None:
        self.converter = converter
        self.params = params or ConversionParams()
        self.settings = settings or StreamingSettings()
        self.sample_rate = converter.sample_rate
        self.frames = f = _Frames.build(self.sample_rate, self.settings)
        self.units = RollingUnits(
            converter.content_encoder.encode,
            shift=f.block_frames * WINDOW,
            window=f.content_window_16k(self.sample_rate, self.settings.content_window_s),
            warmup=round(CONTENT_WARMUP_S * 100) * WINDOW,
        )
        self.block_seconds: list[float] = []  # compute time of every processed block
        self.reset()

    @property
    def block_size(self) -> int:
        return self.frames.block

    @property
    def latency_s(self) -> float:
        """Algorithmic latency: one block of buffering + crossfade + 10 ms SOLA search."""
        f = self.frames
        return (f.block + f.crossfade + f.sola_search) / self.sample_rate

    def reset(self) -> None:
        """Forget all context (start of a new stream)."""
        f = self.frames
        self._input = np.zeros(f.buffer, dtype=np.float32)
        frames = f.buffer // f.zc
        self._pitch = np.zeros(frames, dtype=np.int64)
        self._pitchf = np.zeros(frames, dtype=np.float32)
        self._sola_prev = np.zeros(f.sola_buffer, dtype=np.float32)
        self._phase = 0.0
        self.units.reset()
        self._generator = torch.Generator(device=self.converter.device)
        self._generator.manual_seed(self.params.seed if self.params.seed is not None else 0)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convert one block ``(block_size,)`` at the voice's rate -> ``(block_size,)``."""
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if block.shape[0] != self.frames.block:
            raise ConversionError(f"block must hold {self.frames.block} samples, got {len(block)}")
        if not np.isfinite(block).all():
            raise ConversionError("input block contains NaN or Inf samples")
        start = time.perf_counter()
        f = self.frames
        self._input = np.concatenate([self._input[f.block :], block])
        wav16 = resample(self._input, self.sample_rate, SR_16K)
        infer = self._infer(wav16)
        infer = self._mix_rms(infer)
        out = self._sola(infer)
        self.block_seconds.append(time.perf_counter() - start)
        return out

    def _update_pitch(self, wav16: np.ndarray) -> None:
        """F0 of the newest ``block_16k + 800`` samples written into the rolling pitch cache."""
        block_16k = self.frames.block * SR_16K // self.sample_rate
        size = block_16k + 800
        if self.params.f0_method == "rmvpe":
            size = 5120 * ((size - 1) // 5120 + 1) - 160
        segment = wav16[-size:]
        f0 = self.converter.pitch_extractor(self.params.f0_method).extract(segment, SR_16K)
        f0 = np.asarray(f0)[: len(segment) // WINDOW + 1]
        p = self.params
        pitch, pitchf = postprocess_f0(f0, p.f0_method, p.pitch_shift, p.filter_radius)
        shift = block_16k // WINDOW
        old_start = self._pitchf[self.frames.skip_head : self.frames.skip_head + shift]
        self._phase = (self._phase + float(old_start.sum()) / 100.0) % 1.0
        self._pitch = np.concatenate([self._pitch[shift:], np.zeros(shift, np.int64)])
        self._pitchf = np.concatenate([self._pitchf[shift:], np.zeros(shift, np.float32)])
        self._pitch[4 - len(pitch) :] = pitch[3:-1]
        self._pitchf[4 - len(pitchf) :] = pitchf[3:-1]

    @torch.inference_mode()
    def _infer(self, wav16: np.ndarray) -> np.ndarray:
        conv, f = self.converter, self.frames
        feats = self.units.update(wav16).copy()  # (p_len, C) at 100 fps
        feats[f.skip_head :] = conv.blend_index(feats[f.skip_head :], self.params)
        p_len = len(feats)
        phone = torch.from_numpy(feats).to(conv.device)
        pitch = pitchf = None
        if conv.voice.f0:
            self._update_pitch(wav16)
            pitch = torch.from_numpy(self._pitch[-p_len:]).to(conv.device).unsqueeze(0)
            pitchf = torch.from_numpy(self._pitchf[-p_len:]).to(conv.device).unsqueeze(0)
        audio = conv.model.infer(
            phone.unsqueeze(0).to(conv.dtype),
            torch.tensor([p_len], device=conv.device),
            pitch,
            pitchf,
            torch.tensor([self.params.speaker_id], device=conv.device),
            skip_head=f.skip_head,
            return_length=f.return_length,
            noise_scale=self.params.noise_scale,
            excitation_noise=self.params.excitation_noise,
            generator=self._generator,
            initial_phase=self._phase,
        )
        return audio[0, 0].float().cpu().numpy()

    def _mix_rms(self, infer: np.ndarray) -> np.ndarray:
        """Realtime RMS mix (4-frame windows, 10 ms hop), gain ``(rms_in/rms_out)^(1-rate)``."""
        rate = self.params.rms_mix_rate
        if rate >= 1.0:
            return infer
        f = self.frames
        source = self._input[f.extra :][: len(infer)]
        rms_in = _frame_rms(source, 4 * f.zc, f.zc, len(infer))
        rms_out = np.maximum(_frame_rms(infer, 4 * f.zc, f.zc, len(infer)), 1e-3)
        return (infer * np.power(rms_in / rms_out, 1.0 - rate)).astype(np.float32)

    def _sola(self, infer: np.ndarray) -> np.ndarray:
        """Align to the previous tail (normalised cross-correlation), crossfade, emit a block."""
        f = self.frames
        probe = torch.from_numpy(infer[: f.sola_buffer + f.sola_search]).view(1, 1, -1)
        kernel = torch.from_numpy(self._sola_prev).view(1, 1, -1)
        num = F.conv1d(probe, kernel)[0, 0]
        den = torch.sqrt(F.conv1d(probe**2, torch.ones_like(kernel))[0, 0] + 1e-8)
        offset = int(torch.argmax(num / den))
        infer = infer[offset:].copy()
        fade_in = f.fade_in
        infer[: f.sola_buffer] = infer[: f.sola_buffer] * fade_in + self._sola_prev * (1 - fade_in)
        self._sola_prev = infer[f.block : f.block + f.sola_buffer].copy()
        return infer[: f.block]

    def stream(self, audio: Audio) -> Iterator[np.ndarray]:
        """Serve a whole input block by block (resampled to the voice's rate, zero-padded)."""
        mono = resample(audio.mono(), audio.sample_rate, self.sample_rate)
        tail = math.ceil(self.latency_s * self.sample_rate)
        padded = np.concatenate([mono, np.zeros(tail + self.block_size, np.float32)])
        for start in range(0, len(padded) - self.block_size + 1, self.block_size):
            yield self.process(padded[start : start + self.block_size])

    def convert(self, audio: Audio) -> Audio:
        """Stream a file and return output aligned with the input (latency removed)."""
        self.reset()
        out = np.concatenate(list(self.stream(audio)))
        lag = self.frames.crossfade + self.frames.sola_search
        length = math.ceil(audio.duration_s * self.sample_rate)
        return Audio.from_array(out[lag : lag + length], self.sample_rate)


def _frame_rms(audio: np.ndarray, frame: int, hop: int, size: int) -> np.ndarray:
    """Centred RMS every ``hop`` samples, linearly stretched to ``size`` (align_corners)."""
    padded = np.pad(audio.astype(np.float64), frame // 2)
    count = 1 + (len(padded) - frame) // hop
    cumulative = np.concatenate([[0.0], np.cumsum(padded**2)])
    starts = np.arange(count) * hop
    rms = np.sqrt(np.maximum((cumulative[starts + frame] - cumulative[starts]) / frame, 0.0))
    positions = np.linspace(0, count - 1, size + 1)[:-1]
    return np.interp(positions, np.arange(count), rms)
